/**
 * Differential check of processBatch on all-ASCII JSON Lines chunks (the fast path of
 * ascii-json-lines-batch.ts: JsonLineFieldScanner, normalize-ascii-cell.ts and staged SHA-256, with
 * JSON.parse for the lines the scanner leaves) against a reference built without any of it: JSON.parse
 * per line, normalizeIdentifier per mapped cell, node:crypto's SHA-256. Seeded generated records of
 * every shape the fast path branches on, cut into chunks of several 512-record slices. Set
 * ASCII_JSON_LINES_SEED to replay a failure, ASCII_JSON_LINES_COUNT to run more lines per mapping.
 */
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { processBatch } from '../../../../src/adapters/node/transform/in-thread-transform.ts';
import {
  normalizeIdentifier,
  normalizeOptionsSchema,
  REJECT_REASONS,
  type IdentifierType,
  type NormalizeOptions,
} from '../../../../src/core/identifiers/index.ts';
import type { ColumnMapping } from '../../../../src/core/plan.ts';
import { JsonLineFieldScanner } from '../../../../src/core/readers/json-line-fields.ts';
import {
  planBatches,
  TALLY_EMPTY,
  TALLY_FIRST_REASON,
  TALLY_LENGTH,
  TALLY_PREHASHED,
  TALLY_VALID,
} from '../../../../src/core/transform/normalize-batch.ts';
import { createSeededRandom } from '../../../../src/destinations/tiktok/emulator/seeded-random.ts';
import { seededPicks } from '../../core/readers/json-lines-generator.ts';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** What a chunk comes to, in a form both sides can be compared in. */
interface Summary {
  /** Per type (first-mapped order): hex digests, in row then mapping order (or sorted, for grouped results). */
  digests: string[][];
  tallies: number[][];
  rejects: number[];
  records: { count: number; malformed: number[]; rowRecord: number[] | null };
}

/** Verdicts the reference reached, per type, for the check that the mix covers them. */
type Seen = Map<string, number>;

/**
 * The reference: readJsonLines' rules (a line is what lies between line feeds; blank is no record,
 * a parse error or a non-object is a malformed record), each readable record's own mapped values
 * through normalizeIdentifier, ok values hashed, pre-hashed ones kept as their digest.
 */
function reference(text: string, mapping: readonly ColumnMapping[], options: NormalizeOptions, seen?: Seen): Summary {
  const types = [...new Set(mapping.map(({ type }) => type))];
  const digests = types.map((): string[] => []);
  const tallies = types.map(() => new Array<number>(TALLY_LENGTH).fill(0));
  const rejects: number[] = [];
  const malformed: number[] = [];
  const rowRecord: number[] = [];
  let records = 0;
  for (const line of text.split('\n')) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (line.trim() === '') continue;
      value = undefined;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      malformed.push(records);
      records += 1;
      continue;
    }
    const record = value as Record<string, unknown>;
    const row = rowRecord.length;
    rowRecord.push(records);
    records += 1;
    mapping.forEach(({ column, type }, entry) => {
      const typeIndex = types.indexOf(type);
      const typeTallies = tallies[typeIndex] as number[];
      const result = normalizeIdentifier(type, Object.hasOwn(record, column) ? record[column] : undefined, options);
      const verdict = result.status === 'rejected' ? `rejected:${result.reason}` : result.status;
      seen?.set(`${type} ${verdict}`, (seen.get(`${type} ${verdict}`) ?? 0) + 1);
      if (result.status === 'ok') {
        typeTallies[TALLY_VALID] = (typeTallies[TALLY_VALID] as number) + 1;
        (digests[typeIndex] as string[]).push(sha256(result.normalized));
      } else if (result.status === 'prehashed') {
        typeTallies[TALLY_PREHASHED] = (typeTallies[TALLY_PREHASHED] as number) + 1;
        (digests[typeIndex] as string[]).push(result.normalized);
      } else if (result.status === 'empty') {
        typeTallies[TALLY_EMPTY] = (typeTallies[TALLY_EMPTY] as number) + 1;
      } else {
        const reason = REJECT_REASONS.indexOf(result.reason);
        typeTallies[TALLY_FIRST_REASON + reason] = (typeTallies[TALLY_FIRST_REASON + reason] as number) + 1;
        rejects.push(row, entry, reason);
      }
    });
  }
  return {
    digests,
    tallies,
    rejects,
    records: { count: records, malformed, rowRecord: malformed.length > 0 ? rowRecord : null },
  };
}

/** processBatch's result on a chunk, read back; grouped results are checked for their byte runs, then sorted. */
async function actual(
  bytes: Uint8Array,
  first: boolean,
  mapping: readonly ColumnMapping[],
  options: NormalizeOptions,
  groupByLeadingByte: boolean,
): Promise<Summary> {
  const result = await processBatch(
    { kind: 'jsonl', bytes, first },
    planBatches(mapping),
    mapping,
    options,
    groupByLeadingByte,
  );
  const digests = result.digests.map(({ buffer, count, starts }) => {
    expect(buffer.byteLength).toBe(count * 32); // a buffer of its own, to transfer
    const hex = Array.from({ length: count }, (_unused, index) => Buffer.from(buffer, index * 32, 32).toString('hex'));
    if (!groupByLeadingByte) return hex;
    // Each leading byte's run is where `starts` says; the runs' contents are compared sorted.
    expect(starts).toHaveLength(257);
    const runs = starts as Uint32Array;
    expect(runs[0]).toBe(0);
    expect(runs[256]).toBe(count);
    for (let byte = 0; byte < 256; byte += 1) {
      const run = hex.slice(runs[byte], runs[byte + 1]);
      expect(run.every((digest) => Number.parseInt(digest.slice(0, 2), 16) === byte)).toBe(true);
    }
    return hex.sort();
  });
  const records = result.records;
  return {
    digests,
    tallies: result.tallies,
    rejects: Array.from(result.rejects),
    records: {
      count: records?.count ?? -1,
      malformed: records?.malformed ?? [],
      rowRecord: records?.rowRecord === null || records === undefined ? null : Array.from(records.rowRecord),
    },
  };
}

// ---- Generated records. ----
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const LOWER_HEX = '0123456789abcdef';
const HEX = '0123456789abcdefABCDEF';
const INVALID_EMAILS = [
  'no-at-sign',
  'a@b',
  '@b.co',
  'a@',
  'a@b.c',
  'a@-b.co',
  'a@b-.co',
  'a@b..co',
  'a..b@c.co',
  '.a@b.co',
  'a.@b.co',
  '+tag@b.co',
  'a b@c.de',
  'a@@b.co',
  'a@b@c.co',
  'a@b.c0',
  'a@b.co.',
  'a"b@c.co',
  'a\\b@c.co',
];
/** Characters that are no ASCII (JSON escapes keep the chunk ASCII): NFKC folds, invisibles, letters, white space. */
const NOT_ASCII = ['\u212a', '\uff41', '\uff10', '\u200b', '\ufeff', '\u00a0', '\u3000', 'ü', 'é', 'я', '\u0130', '😀'];
const SPECIAL_LINES = [
  '',
  '  ',
  '\t',
  '\r',
  '\x0c',
  '{"email":',
  'not json',
  '{"a":1,}',
  '{',
  '}',
  '{"email":"x@y.co"',
  "{'email':'x@y.co'}",
  '{"email":"x@y.co"} trailing',
  '{"email":"x@y.co"}}',
  '[1,2]',
  '[]',
  '[{"email":"a@b.co"}]',
  '"a@b.co"',
  '42',
  'null',
  'true',
  '{}',
  '{ }',
  '{"em\\u0061il":"escaped.key@b.co","ph\\u006fne":"+44 20 7946 0958"}',
  '{"device_id":"\\u0041BCDEF01-2345-6789-abcd-ef0123456789"}',
  '{"email":"a\\u0040b.co","device_id":"0123abcd-4567-89ef-abcd-0123456789ab"}',
  '{"email":"tab\\there@b.co"}',
  '{"email":"del\x7f@b.co","phone":"+44 20 7946 0958"}',
  '{"email":"\\" quoted\\"@b.co"}',
  '{"nested":{"email":"inner@b.co"},"email":"outer@b.co"}',
  '{"email":{"value":"a@b.co"},"phone":[16135550123]}',
];

function recordGenerator(seed: number, mapping: readonly ColumnMapping[]): () => string {
  const { random, int, chance, pick, run } = seededPicks(seed);
  const digits = (length: number): string => run(DIGITS, length);
  const ws = (): string => (chance(0.85) ? '' : pick([' ', '  ', '\t', ' \t']));

  const domain = (): string =>
    chance(0.5)
      ? pick(['gmail.com', 'googlemail.com', 'example.com', 'Example.COM', 'mail.co.uk', 'b.io'])
      : `${run(LOWER + DIGITS, 1 + int(10))}${chance(0.2) ? `-${run(LOWER, 1 + int(4))}` : ''}.${pick(['com', 'org', 'io', 'co', 'de'])}`;
  const local = (): string => `${run(LOWER + DIGITS, 1)}${run(`${LOWER}${DIGITS}._-`, int(16))}`;
  const email = (): string => {
    const shape = random();
    if (shape < 0.3) return `${local()}@${domain()}`;
    if (shape < 0.38) return `${local()}@${domain()}`.toUpperCase();
    if (shape < 0.46) return `${local()}+${run(LOWER + DIGITS + '+.', int(8))}@${domain()}`;
    if (shape < 0.52)
      return `${run(LOWER, 1 + int(6))}.${run(LOWER, 1 + int(6))}@${pick(['gmail.com', 'GMail.com', 'googlemail.com', 'b.co'])}`;
    if (shape < 0.58) return `${pick(['', ' ', '  '])}${local()}@${domain()}${pick(['', ' ', '   '])}`;
    if (shape < 0.63) return run(chance(0.5) ? LOWER_HEX : HEX, 64);
    if (shape < 0.66) return run(LOWER_HEX, pick([63, 65]));
    if (shape < 0.76) {
      // Around 55 bytes normalized (one SHA-256 block): the +tag, when there is one, is dropped.
      const target = 50 + int(11);
      const address = `${run(LOWER, Math.max(1, target - 12))}@example.com`;
      return chance(0.4) ? address.replace('@', `+${run(LOWER, 1 + int(10))}@`) : address;
    }
    if (shape < 0.8) {
      // A +tag around the local part's 64-character limit (short once the tag is dropped), or an
      // address around the 254-character limit.
      if (chance(0.5)) return `a+${run(LOWER, 58 + int(8))}@example.com`;
      const labels = Array.from({ length: 3 }, () => run(LOWER, 63)).join('.');
      return `${run(LOWER, 58 + int(5))}@${labels}.${run(LOWER, 2 + int(3))}`;
    }
    if (shape < 0.9) return pick(INVALID_EMAILS);
    const text = `${local()}@${domain()}`;
    const at = int(text.length + 1);
    return `${text.slice(0, at)}${pick(NOT_ASCII)}${text.slice(at)}`;
  };
  const phone = (): string => {
    const shape = random();
    if (shape < 0.2) return `(${pick(['613', '212', '415', '202'])}) ${digits(3)}-${digits(4)}`;
    if (shape < 0.3)
      return `${pick(['', '1', '+1 ', '1-'])}${pick(['613', '646', '312'])}${pick(['', ' ', '.', '-'])}${digits(3)}${pick(['', ' ', '-'])}${digits(4)}`;
    if (shape < 0.45) {
      return pick([
        `+44 20 ${digits(4)} ${digits(4)}`,
        `020 ${digits(4)} ${digits(4)}`,
        `07700 ${digits(6)}`,
        `+44 7700 ${digits(6)}`,
        `0044 20 ${digits(4)} ${digits(4)}`,
        `011 44 20 ${digits(4)} ${digits(4)}`,
        `00 1 613 ${digits(3)} ${digits(4)}`,
        `+33 1 ${digits(2)} ${digits(2)} ${digits(2)} ${digits(2)}`,
        `+49 30 ${digits(6 + int(3))}`,
        `+81 3-${digits(4)}-${digits(4)}`,
        `+91 98765 ${digits(5)}`,
      ]);
    }
    if (shape < 0.6) {
      return pick([
        '1-800-FLOWERS',
        `613-${digits(3)}-CALL`,
        `tel:+1613${digits(7)}`,
        `613 ${digits(3)} ${digits(4)} ext ${digits(2)}`,
        `613${digits(7)}#`,
        `+1 (613) ${digits(3)}-${digits(4)}`,
        `++1613${digits(7)}`,
        `1613${digits(7)}+`,
        `(+1) 613`,
        `${digits(1 + int(5))}`,
        `${digits(12 + int(6))}`,
        '+',
        '',
        '   ',
        ' - ',
      ]);
    }
    if (shape < 0.65) return run(LOWER_HEX, 64);
    if (shape < 0.75) return `${pick(['', ' ', '  '])}${digits(10 + int(3))}${pick(['', ' '])}`;
    return `${pick(['', '+', '+1 ', '00', '011 ', '(', '1', '+44 '])}${run(`${DIGITS} -().`, 6 + int(12))}`;
  };
  const deviceId = (): string => {
    const shape = random();
    const parts = [8, 4, 4, 4, 12].map((length) => run(LOWER_HEX, length));
    if (shape < 0.35) return parts.join('-');
    if (shape < 0.5) return parts.join('-').toUpperCase();
    if (shape < 0.55) return parts.map((part) => (chance(0.5) ? part.toUpperCase() : part)).join('-');
    if (shape < 0.65) return chance(0.5) ? parts.join('') : parts.join('').toUpperCase();
    if (shape < 0.7) return chance(0.5) ? '00000000-0000-0000-0000-000000000000' : '0'.repeat(32);
    if (shape < 0.75) return run(HEX, 64);
    if (shape < 0.8) return ` ${parts.join('-')}${pick(['', ' '])}`;
    return pick([
      parts.join('-').slice(1),
      `${parts.join('-')}0`,
      parts.join('-').replace(/[a-f]/, 'g'),
      parts.join('_'),
      parts.join(' '),
      parts.join('--'),
      `${parts.join('').slice(0, 8)}-${parts.join('').slice(8)}`,
      run(LOWER_HEX, 31),
      'not-a-device-id',
      '',
      '  ',
    ]);
  };
  /** A JSON string token: escapes for non-ASCII (the chunk stays ASCII; JSON.stringify already escaped control characters), and now and then for a plain character. */
  const quote = (text: string): string => {
    let json = JSON.stringify(text);
    if (chance(0.03) && text.length > 0) {
      const at = int(text.length);
      if ((text.charCodeAt(at) as number) < 0x80) {
        const escape = `\\u${text.charCodeAt(at).toString(16).padStart(4, '0')}`;
        json = `${JSON.stringify(text.slice(0, at)).slice(0, -1)}${escape}${JSON.stringify(text.slice(at + 1)).slice(1)}`;
      }
    }
    return json.replace(/[^ -~]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
  };
  const textOf = (type: IdentifierType): string =>
    type === 'EMAIL' ? email() : type === 'PHONE' ? phone() : deviceId();
  /** A mapped column's value token; undefined: the key is left out. */
  const cell = (type: IdentifierType): string | undefined => {
    const shape = random();
    if (shape < 0.05) return undefined;
    if (shape < 0.1) return 'null';
    if (shape < 0.13) {
      return pick([
        '0',
        '-5',
        '1.5',
        '12345',
        '1e21',
        '16135550123',
        '447700900123',
        'true',
        'false',
        '{}',
        '[]',
        '[1]',
      ]);
    }
    if (shape < 0.16) return quote(textOf(pick<IdentifierType>(['EMAIL', 'PHONE', 'MAID'])));
    return quote(textOf(type));
  };
  const EXTRA: Array<() => [string, string]> = [
    () => ['name', quote(run(`${LOWER} `, int(12)))],
    () => ['age', String(int(100))],
    () => ['score', pick(['-0', '1e5', '1.5E-3', '0.25', '-12'])],
    () => ['active', pick(['true', 'false', 'null'])],
    () => ['emails', quote(email())],
    () => ['__proto__', quote('x')],
    () => ['id', String(int(1e9))],
  ];

  return () => {
    if (chance(0.08)) return pick(SPECIAL_LINES);
    const entries: Array<[string, string]> = [];
    for (const { column, type } of mapping) {
      // A column mapped twice (to two types) is one key in the record.
      if (entries.some(([key]) => key === column)) continue;
      const token = cell(type);
      if (token !== undefined) entries.push([column, token]);
    }
    for (let extra = int(4); extra > 0; extra -= 1) entries.push(pick(EXTRA)());
    for (let index = entries.length - 1; index > 0; index -= 1) {
      const other = int(index + 1);
      [entries[index], entries[other]] = [entries[other] as [string, string], entries[index] as [string, string]];
    }
    if (chance(0.05)) {
      // A duplicate key: JSON.parse keeps the last.
      const { column, type } = pick(mapping);
      entries.push([column, cell(type) ?? 'null']);
    }
    const body = entries.map(([key, token]) => `${ws()}${JSON.stringify(key)}${ws()}:${ws()}${token}${ws()}`);
    return `${ws()}{${body.join(',')}}${ws()}`;
  };
}

/** `count` generated lines cut into chunks of 200–3000 lines, CRLF now and then, some chunks without a final line feed. */
function chunksOf(seed: number, mapping: readonly ColumnMapping[], count: number): string[] {
  const next = recordGenerator(seed, mapping);
  const random = createSeededRandom(seed ^ 0x2545f491);
  const chunks: string[] = [];
  let left = count;
  while (left > 0) {
    const size = Math.min(left, 200 + Math.floor(random() * 2800));
    let text = '';
    for (let line = 0; line < size; line += 1) text += `${next()}${random() < 0.1 ? '\r\n' : '\n'}`;
    if (random() < 0.3) text = text.slice(0, text.endsWith('\r\n') ? -2 : -1);
    chunks.push(text);
    left -= size;
  }
  return chunks;
}

const bytesOf = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));

/** The first line whose own result differs (a single-line chunk each), to name in a failure. */
async function firstDifferingLine(
  text: string,
  mapping: readonly ColumnMapping[],
  options: NormalizeOptions,
): Promise<string> {
  for (const line of text.split('\n')) {
    const expected = reference(line, mapping, options);
    const got = await actual(bytesOf(line), true, mapping, options, false);
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      return `line ${JSON.stringify(line)}: processBatch ${JSON.stringify(got)}, reference ${JSON.stringify(expected)}`;
    }
  }
  return 'no single line differs on its own (rows, slices or chunk edges)';
}

const MAID_MAPPING: ColumnMapping[] = [
  { column: 'email', type: 'EMAIL' },
  { column: 'phone', type: 'PHONE' },
  { column: 'device_id', type: 'MAID' },
];
const TWO_EMAILS_MAPPING: ColumnMapping[] = [
  { column: 'email', type: 'EMAIL' },
  { column: 'phone', type: 'PHONE' },
  { column: 'idfa', type: 'IDFA' },
  { column: 'email_2', type: 'EMAIL' },
  { column: 'gaid', type: 'GAID' },
];
/** Columns named like Object.prototype members: only own properties of a record are its values. */
const PROTOTYPE_NAMES_MAPPING: ColumnMapping[] = [
  { column: 'constructor', type: 'EMAIL' },
  { column: '__proto__', type: 'PHONE' },
  { column: 'device_id', type: 'MAID' },
];
const DEFAULT_OPTIONS = normalizeOptionsSchema.parse({});
const OTHER_OPTIONS = normalizeOptionsSchema.parse({
  phoneFormat: 'e164',
  emailDots: 'strip-gmail',
  prehashed: 'reject',
  phoneRegion: 'GB',
});

describe('processBatch on all-ASCII JSON Lines chunks = JSON.parse, normalizeIdentifier and SHA-256', () => {
  const SEED = Number(process.env.ASCII_JSON_LINES_SEED ?? 20261216);
  const COUNT = Number(process.env.ASCII_JSON_LINES_COUNT ?? 10_000);

  /** Runs every chunk in order and grouped by leading byte; the mismatches, each with its first differing line. */
  async function compare(
    mapping: readonly ColumnMapping[],
    options: NormalizeOptions,
    seed: number,
  ): Promise<{ mismatches: string[]; seen: Seen; scanned: number; lines: number }> {
    expect(planBatches(mapping).types).toEqual([...new Set(mapping.map(({ type }) => type))]);
    const scanner = new JsonLineFieldScanner([...new Set(mapping.map(({ column }) => column))]);
    const mismatches: string[] = [];
    const seen: Seen = new Map();
    let scanned = 0;
    let lines = 0;
    const chunks = chunksOf(seed, mapping, COUNT);
    for (const [index, text] of chunks.entries()) {
      const bytes = bytesOf(text);
      expect(isAscii(bytes), `chunk ${index} is ASCII`).toBe(true);
      // How many lines the fast path reads from bytes (the rest go to JSON.parse).
      for (let start = 0; start <= bytes.length; lines += 1) {
        let end = scanner.scanLine(bytes, start);
        if (end >= 0) scanned += 1;
        else end = bytes.indexOf(0x0a, start) < 0 ? bytes.length : bytes.indexOf(0x0a, start);
        start = end + 1;
      }
      const expected = reference(text, mapping, options, seen);
      for (const grouped of [false, true]) {
        const got = await actual(bytes, index === 0, mapping, options, grouped);
        const want = grouped ? { ...expected, digests: expected.digests.map((hex) => [...hex].sort()) } : expected;
        if (JSON.stringify(got) === JSON.stringify(want)) continue;
        const parts = (['digests', 'tallies', 'rejects', 'records'] as const).filter(
          (part) => JSON.stringify(got[part]) !== JSON.stringify(want[part]),
        );
        if (mismatches.length < 6) {
          mismatches.push(
            `chunk ${index} (grouped ${grouped}) differs in ${parts.join(', ')}; ${await firstDifferingLine(text, mapping, options)}`,
          );
        }
      }
    }
    return { mismatches, seen, scanned, lines };
  }

  const replay = (seed: number): string =>
    `seed ${seed} (replay: ASCII_JSON_LINES_SEED=${SEED} ASCII_JSON_LINES_COUNT=${COUNT})`;

  it.each([
    {
      name: 'email, phone and device_id (MAID), default options',
      mapping: MAID_MAPPING,
      options: DEFAULT_OPTIONS,
      salt: 1,
    },
    {
      name: 'two EMAIL columns, PHONE, IDFA and GAID, default options',
      mapping: TWO_EMAILS_MAPPING,
      options: DEFAULT_OPTIONS,
      salt: 2,
    },
    {
      name: 'email, phone and device_id; e164, strip-gmail, prehashed rejected, region GB',
      mapping: MAID_MAPPING,
      options: OTHER_OPTIONS,
      salt: 3,
    },
    {
      name: 'two EMAIL columns, PHONE, IDFA and GAID; e164, strip-gmail, prehashed rejected, region GB',
      mapping: TWO_EMAILS_MAPPING,
      options: OTHER_OPTIONS,
      salt: 4,
    },
    {
      name: 'columns named constructor and __proto__, default options',
      mapping: PROTOTYPE_NAMES_MAPPING,
      options: DEFAULT_OPTIONS,
      salt: 6,
    },
  ])(
    'agrees on generated chunks: $name',
    async ({ mapping, options, salt }) => {
      const seed = SEED + salt;
      const { mismatches, seen, scanned, lines } = await compare(mapping, options, seed);
      expect(mismatches, replay(seed)).toEqual([]);
      // The mix really reaches the fast path and every verdict, in volume.
      const summary = `${replay(seed)}: ${JSON.stringify(Object.fromEntries(seen))}`;
      expect(scanned, `lines read from bytes, of ${lines}; ${summary}`).toBeGreaterThan(lines * 0.45);
      expect(lines - scanned, `lines left to JSON.parse, of ${lines}; ${summary}`).toBeGreaterThan(lines * 0.1);
      const prehashed = options.prehashed === 'accept' ? 'prehashed' : 'rejected:prehashed_not_allowed';
      const verdicts = [
        'EMAIL ok',
        `EMAIL ${prehashed}`,
        'EMAIL empty',
        'EMAIL rejected:invalid_email',
        'EMAIL rejected:not_text',
      ];
      verdicts.push('PHONE ok', 'PHONE rejected:invalid_phone', 'PHONE empty', `PHONE ${prehashed}`);
      for (const type of new Set(
        mapping.map(({ type }) => type).filter((type) => type !== 'EMAIL' && type !== 'PHONE'),
      )) {
        verdicts.push(
          `${type} ok`,
          `${type} rejected:invalid_device_id`,
          `${type} rejected:zero_device_id`,
          `${type} empty`,
        );
      }
      for (const verdict of verdicts)
        expect(seen.get(verdict) ?? 0, `${verdict}; ${summary}`).toBeGreaterThan(COUNT / 500);
    },
    600_000,
  );

  it('agrees when one column is mapped to two types (device_id=IDFA and device_id=GAID)', async () => {
    // run-transform accepts this mapping (it refuses only the same column and type twice).
    const mapping: ColumnMapping[] = [
      { column: 'device_id', type: 'IDFA' },
      { column: 'email', type: 'EMAIL' },
      { column: 'device_id', type: 'GAID' },
    ];
    const seed = SEED + 5;
    const { mismatches } = await compare(mapping, DEFAULT_OPTIONS, seed);
    expect(mismatches, replay(seed)).toEqual([]);
  }, 600_000);

  it('hashes hand-written lines as TikTok expects (values from the spec, not the code)', async () => {
    const mapping = MAID_MAPPING;
    const text = [
      '{"email":"  John.Doe+news@Example.COM ","phone":"+1 (613) 444-4444","device_id":"0123ABCD-4567-89EF-ABCD-0123456789AB"}',
      '{"device_id":"0123abcd456789efabcd0123456789ab","email":null}\r',
      '',
      '{"email":"a\\u0040b.co"}',
      'not json',
      '{"email":"x@y","phone":"12"}',
    ].join('\n');
    const got = await actual(bytesOf(text), true, mapping, DEFAULT_OPTIONS, false);
    const uuid = '0123abcd-4567-89ef-abcd-0123456789ab';
    expect(got.digests).toEqual([
      [sha256('john.doe@example.com'), sha256('a@b.co')],
      [sha256('16134444444')],
      [sha256(uuid), sha256(uuid)],
    ]);
    // Rows are readable records: the blank line is none, `not json` is record 3 but no row.
    expect(got.records).toEqual({ count: 5, malformed: [3], rowRecord: [0, 1, 2, 4] });
    const reason = (name: (typeof REJECT_REASONS)[number]): number => REJECT_REASONS.indexOf(name);
    expect(got.rejects).toEqual([3, 0, reason('invalid_email'), 3, 1, reason('invalid_phone')]);
    const tally = (
      valid: number,
      empty: number,
      rejected: Partial<Record<(typeof REJECT_REASONS)[number], number>>,
    ) => {
      const counts = new Array<number>(TALLY_LENGTH).fill(0);
      counts[TALLY_VALID] = valid;
      counts[TALLY_EMPTY] = empty;
      for (const [name, count] of Object.entries(rejected)) {
        counts[TALLY_FIRST_REASON + reason(name as (typeof REJECT_REASONS)[number])] = count;
      }
      return counts;
    };
    expect(got.tallies).toEqual([
      tally(2, 1, { invalid_email: 1 }),
      tally(1, 2, { invalid_phone: 1 }),
      tally(2, 2, {}),
    ]);
    expect(got).toEqual(reference(text, mapping, DEFAULT_OPTIONS));
  });
});

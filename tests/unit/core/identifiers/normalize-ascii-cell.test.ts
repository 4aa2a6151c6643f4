/**
 * Differential check of normalize-ascii-cell.ts (normalizeAsciiEmail, normalizeAsciiPhone,
 * normalizeAsciiDeviceId: a cell read from its bytes) against normalizeCell (normalize-identifier.ts),
 * whose verdicts and values they must reproduce. For a printable-ASCII cell, a verdict other than
 * NOT_SURE must be normalizeCell's own, and on CELL_OK the value must be normalizeCell's
 * lastNormalized(): valueRange's bytes with A–Z lowercased (email, device id), or lastNormalized()
 * after the call (phone). And the fast path must take the common cells (NOT_SURE sends a cell back to
 * the slow path: correct, but the speed-up is lost). Seeded generated cells, each inside other bytes;
 * set NORMALIZE_ASCII_CELL_SEED to replay a failure, NORMALIZE_ASCII_CELL_COUNT to run more.
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_ASCII_VALUE_BYTES,
  NOT_SURE,
  normalizeAsciiDeviceId,
  normalizeAsciiEmail,
  normalizeAsciiPhone,
  valueRange,
} from '../../../../src/core/identifiers/normalize-ascii-cell.ts';
import {
  CELL_EMPTY,
  CELL_FIRST_REASON,
  CELL_OK,
  CELL_PREHASHED,
  lastNormalized,
  normalizeCell,
} from '../../../../src/core/identifiers/normalize-identifier.ts';
import { normalizeOptionsSchema, type NormalizeOptions } from '../../../../src/core/identifiers/normalize-options.ts';
import { REJECT_REASONS, type IdentifierType } from '../../../../src/core/identifiers/rules.ts';
import { createSeededRandom } from '../../../../src/destinations/tiktok/emulator/seeded-random.ts';

const SEED = Number(process.env.NORMALIZE_ASCII_CELL_SEED ?? 20261218);
const COUNT = Number(process.env.NORMALIZE_ASCII_CELL_COUNT ?? 300_000);
const REPLAY = `seed ${SEED} (replay: NORMALIZE_ASCII_CELL_SEED=${SEED} NORMALIZE_ASCII_CELL_COUNT=${COUNT})`;

const verdictName = (code: number): string => {
  if (code === NOT_SURE) return 'NOT_SURE';
  if (code === CELL_OK) return 'ok';
  if (code === CELL_PREHASHED) return 'prehashed';
  if (code === CELL_EMPTY) return 'empty';
  return `rejected:${REJECT_REASONS[code - CELL_FIRST_REASON] ?? `? (${code})`}`;
};

/** A line's bytes as the workers see an all-ASCII chunk: one byte per character. */
const bytesOf = (text: string): Uint8Array => {
  const buffer = Buffer.from(text, 'latin1');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
};
const latin1 = (bytes: Uint8Array, start: number, end: number): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
/** A–Z to a–z only: how the staged SHA-256 folds valueRange's bytes. */
const foldAsciiUpper = (text: string): string => text.replace(/[A-Z]/g, (letter) => letter.toLowerCase());

const PRINTABLE = Array.from({ length: 95 }, (_unused, index) => String.fromCharCode(0x20 + index)).join('');
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const DIGITS = '0123456789';
const LOWER_HEX = '0123456789abcdef';
const HEX = '0123456789abcdefABCDEF';

/** Every option set: each family's cells are checked under all of them. */
const OPTION_SETS: NormalizeOptions[] = [];
for (const emailDots of ['keep', 'strip-gmail', 'strip-all'] as const) {
  for (const phoneFormat of ['digits', 'e164'] as const) {
    for (const phoneRegion of ['US', 'GB', 'DE']) {
      for (const prehashed of ['accept', 'reject'] as const) {
        OPTION_SETS.push(normalizeOptionsSchema.parse({ emailDots, phoneFormat, phoneRegion, prehashed }));
      }
    }
  }
}

/** A generated cell; `common`: a shape the fast path must decide (not NOT_SURE) — with emailDots keep, for emails. */
interface Cell {
  text: string;
  common: boolean;
}

type Random = {
  int: (below: number) => number;
  chance: (probability: number) => boolean;
  pick: <T>(list: readonly T[]) => T;
  run: (alphabet: string, length: number) => string;
};
function randomTools(seed: number): Random {
  const random = createSeededRandom(seed);
  const int = (below: number): number => Math.floor(random() * below);
  return {
    int,
    chance: (probability) => random() < probability,
    pick: <T>(list: readonly T[]): T => list[int(list.length)] as T,
    run: (alphabet, length) => {
      let text = '';
      for (let index = 0; index < length; index += 1) text += alphabet[int(alphabet.length)] as string;
      return text;
    },
  };
}

/** One printable character inserted, replaced or deleted somewhere: a near miss of a shape. */
function mutate({ int, pick }: Random, text: string, alphabet: string): string {
  const at = int(text.length + 1);
  const character = pick([...alphabet]);
  const kind = int(3);
  if (kind === 0) return `${text.slice(0, at)}${character}${text.slice(at)}`;
  if (kind === 1) return `${text.slice(0, at)}${character}${text.slice(at + 1)}`;
  return `${text.slice(0, at)}${text.slice(at + 1)}`;
}

// ---- Emails. ----
const EMAIL_EDGE_CASES = [
  '',
  ' ',
  '   ',
  '@',
  'a@b',
  '@b.co',
  'a@',
  'a@b.c',
  'a@b.c0',
  'a@b.co1',
  'a@b.1co',
  'a@b.x',
  'a@1.co',
  'a@-b.co',
  'a@b-.co',
  'a@b.-co',
  'a@b.co-',
  'a@b--c.co',
  'a@b..co',
  'a@.b.co',
  'a@b.co.',
  'a..b@c.co',
  '.a@b.co',
  'a.@b.co',
  'a.b.@c.co',
  '_a@b.co',
  '-a@b.co',
  'a-@b.co',
  '+a@b.co',
  '+@b.co',
  'a+@b.co',
  'a++b@c.co',
  'a+b+c@d.co',
  'a+.b@c.co',
  'a+b.@c.co',
  'a+b..c@d.co',
  'a@b+c.co',
  'a@b.co+',
  'a b@c.de',
  'a@b .co',
  ' a@b.co',
  'a@b.co ',
  '  A@B.CO  ',
  'a@@b.co',
  'a@b@c.co',
  '@@',
  'a"b@c.co',
  'a\\b@c.co',
  "a'b@c.co",
  'a!#$%&*/=?^`{|}~b@c.co',
  'a@b_c.co',
  'A@EXAMPLE.COM',
  'a@Example.Com',
  'John.Doe+News@GMail.com',
  'john.doe@gmail.com',
  'j.o.h.n@googlemail.com',
  'first.last@sub.gmail.com',
  '0@0.co',
  '9a@b.co',
  'a@xn--bcher-kva.example',
  `${'a'.repeat(64)}@b.co`,
  `${'a'.repeat(65)}@b.co`,
  `a+${'x'.repeat(62)}@b.co`,
  `a+${'x'.repeat(63)}@b.co`,
  `a@${'b'.repeat(63)}.co`,
  `a@${'b'.repeat(64)}.co`,
  `a@b.${'c'.repeat(63)}`,
  `a@b.${'c'.repeat(64)}`,
  'a'.repeat(64),
  '0123456789abcdef'.repeat(4),
  '0123456789ABCDEF'.repeat(4),
  ' 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef ',
  '0123456789abcdef'.repeat(4).slice(1),
  `${'0123456789abcdef'.repeat(4)}0`,
  '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg',
];

function emailGenerator(seed: number): () => Cell {
  const tools = randomTools(seed);
  const { int, chance, pick, run } = tools;
  /** A local part the pattern takes: a letter or digit first, no `..`, not ending in `.`. */
  const local = (length: number): string => {
    let text = run(LOWER + DIGITS, 1);
    while (text.length < length) {
      const next = run(`${LOWER}${DIGITS}._-`, 1);
      if (next === '.' && (text.endsWith('.') || text.length === length - 1)) continue;
      text += next;
    }
    return text;
  };
  const label = (length: number): string => {
    if (length <= 2) return run(LOWER + DIGITS, length);
    const inner = Array.from({ length: length - 2 }, () => (chance(0.1) ? '-' : run(LOWER + DIGITS, 1))).join('');
    return `${run(LOWER + DIGITS, 1)}${inner}${run(LOWER + DIGITS, 1)}`;
  };
  const domain = (): string => {
    if (chance(0.4)) return pick(['gmail.com', 'googlemail.com', 'example.com', 'mail.co.uk', 'b.io', 'yahoo.fr']);
    const labels = Array.from({ length: 1 + int(3) }, () => label(1 + int(12)));
    return `${labels.join('.')}.${run(LOWER, 2 + int(5))}`;
  };
  const tag = (): string => {
    // `+`, then letters, digits, `+`, `_`, `-` and single dots (a `..` or a final `.` would be invalid).
    let text = '+';
    for (let left = int(12); left > 0; left -= 1) text += run(`${LOWER}${DIGITS}+_-`, 1) + (chance(0.1) ? '.' : '');
    return text.endsWith('.') ? `${text}x` : text;
  };
  const upper = (text: string): string =>
    chance(0.5)
      ? text.toUpperCase()
      : Array.from(text, (character) => (chance(0.3) ? character.toUpperCase() : character)).join('');

  /** A valid address as people write it, and whether it is common (must be decided). */
  const address = (): Cell => {
    const localPart = local(1 + int(chance(0.9) ? 20 : 40));
    const host = domain();
    const withTag = chance(0.3) ? `${localPart}${tag()}` : localPart;
    let text = `${withTag}@${host}`;
    if (chance(0.25)) text = upper(text);
    if (chance(0.2)) text = `${' '.repeat(int(3))}${text}${' '.repeat(int(3))}`;
    const trimmed = text.trim();
    // The fast path's limits, by its documentation: a normalized value of one SHA-256 block (55
    // bytes), a local part of at most 64 characters, and a cell that is not 64 characters (a digest's
    // length: normalizeCell checks those first).
    const normalizedLength = localPart.length + 1 + host.length;
    const common =
      normalizedLength <= MAX_ASCII_VALUE_BYTES &&
      withTag.length <= 64 &&
      trimmed.length !== 64 &&
      trimmed.length <= 254;
    return { text, common };
  };
  /** A valid address whose normalized value is `length` bytes (around the 55-byte block limit). */
  const ofNormalizedLength = (length: number): string => {
    const host = pick(['example.com', 'gmail.com', 'b.co']);
    const localPart = local(Math.max(1, length - 1 - host.length));
    return chance(0.4) ? `${localPart}${tag()}@${host}` : `${localPart}@${host}`;
  };

  return () => {
    const shape = int(100);
    if (shape < 45) return address();
    if (shape < 55) return { text: ofNormalizedLength(50 + int(11)), common: false };
    if (shape < 62) return { text: pick(EMAIL_EDGE_CASES), common: false };
    if (shape < 75) return { text: mutate(tools, address().text, `${PRINTABLE}@@@...++--`), common: false };
    if (shape < 80) {
      // Long addresses: around the 64-character local part and the 254-character address limits.
      const labels = Array.from({ length: 1 + int(4) }, () => label(55 + int(9))).join('.');
      return { text: `${local(58 + int(9))}@${labels}.${run(LOWER, 2 + int(3))}`, common: false };
    }
    if (shape < 85) return { text: run(chance(0.5) ? LOWER_HEX : HEX, pick([63, 64, 64, 65])), common: false };
    if (shape < 92) return { text: run(`${LOWER}${UPPER}${DIGITS}@.+-_ `, int(30)), common: false };
    return { text: run(PRINTABLE, int(40)), common: false };
  };
}

// ---- Phones. ----
const US_AREA_CODES = ['212', '415', '202', '312', '646', '617', '305', '713', '206', '808'];
const PHONE_EDGE_CASES = [
  '',
  ' ',
  '   ',
  '+',
  '++',
  '00',
  '0',
  '1',
  '+1',
  '001',
  '1-800-FLOWERS',
  '1-800-356-9377',
  'tel:+12125550123',
  '(+1) 212',
  '+1 212 555 0123 ext 12',
  '212.555.0123 x99',
  '+44 (0) 20 7946 0958',
  '(020) 7946 0958',
  '0044 20 7946 0958',
  '00 44 20 7946 0958',
  '+0044 20 7946 0958',
  '+49 (0)30 1234567',
  '0049 30 1234567',
  '030 1234567',
  '0151 12345678',
  '+49 151 12345678',
  '07700 900123',
  '+44 7700 900123',
  '2125550123+',
  '212+5550123',
  '+1+2125550123',
  '++12125550123',
  '1 (212) 555-0123',
  '+1-212-555-0123',
  '+12125550123',
  '12125550123',
  '2125550123',
  '0123456789abcdef'.repeat(4),
  ' 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef ',
  '1'.repeat(63),
  '1'.repeat(64),
  '1'.repeat(65),
  `+1 212 555 0123${' '.repeat(48)}`,
  `+1 212 555 0123${' '.repeat(49)}`,
];

function phoneGenerator(seed: number): () => Cell {
  const tools = randomTools(seed);
  const { int, chance, pick, run } = tools;
  const digits = (length: number): string => run(DIGITS, length);
  const exchange = (): string => `${run('23456789', 1)}${digits(2)}`;
  /** US formats: must be decided (every phone cell of printable ASCII under 64 characters, not blank, is). */
  const us = (): string => {
    const area = pick(US_AREA_CODES);
    const [e, n] = [exchange(), digits(4)];
    return pick([
      `(${area}) ${e}-${n}`,
      `${area}-${e}-${n}`,
      `${area}.${e}.${n}`,
      `${area} ${e} ${n}`,
      `${area}${e}${n}`,
      `1${area}${e}${n}`,
      `1-${area}-${e}-${n}`,
      `+1 ${area} ${e} ${n}`,
      `+1 (${area}) ${e}-${n}`,
      `+1-${area}-${e}-${n}`,
      `+1${area}${e}${n}`,
      `001 ${area} ${e} ${n}`,
      `1 (${area}) ${e}-${n}`,
    ]);
  };
  const gb = (): string =>
    pick([
      `+44 20 ${digits(4)} ${digits(4)}`,
      `020 ${digits(4)} ${digits(4)}`,
      `07700 ${digits(6)}`,
      `+44 7${digits(3)} ${digits(6)}`,
      `0044 20 ${digits(4)} ${digits(4)}`,
      `(0161) ${digits(3)} ${digits(4)}`,
      `+44 (0)161 ${digits(3)} ${digits(4)}`,
    ]);
  const de = (): string =>
    pick([
      `+49 30 ${digits(6 + int(3))}`,
      `030 ${digits(6 + int(3))}`,
      `0151 ${digits(8)}`,
      `+49 151 ${digits(8)}`,
      `0049 89 ${digits(7)}`,
      `089/${digits(7)}`,
      `+49 (0)89 ${digits(7)}`,
    ]);
  const edges = (text: string): string => (chance(0.2) ? `${' '.repeat(int(3))}${text}${' '.repeat(int(3))}` : text);

  return () => {
    const shape = int(100);
    if (shape < 30) return { text: edges(us()), common: true };
    if (shape < 40) return { text: edges(gb()), common: false };
    if (shape < 50) return { text: edges(de()), common: false };
    if (shape < 56) return { text: pick(PHONE_EDGE_CASES), common: false };
    if (shape < 64) {
      // Letters, `+` and `00` where they do not belong.
      return { text: mutate(tools, pick([us, gb, de])(), `${LOWER}${UPPER}++++0000 -().#*/x`), common: false };
    }
    if (shape < 70) {
      // Around 64 characters: the fast path leaves 64 and more to normalizeCell (a digest's length).
      const length = 60 + int(7);
      const text = chance(0.5) ? digits(length) : run(`${DIGITS}${DIGITS} -()`, length);
      return { text: chance(0.3) ? `+${text.slice(1)}` : text, common: false };
    }
    if (shape < 75) return { text: run(chance(0.5) ? LOWER_HEX : HEX, pick([63, 64, 64, 65])), common: false };
    if (shape < 85) {
      const prefix = pick(['', '+', '+1 ', '00', '011 ', '(', '1', '+44 ', '+49 ', '0', '00 ', '+0']);
      return { text: `${prefix}${run(`${DIGITS}${DIGITS} -().`, 6 + int(12))}`, common: false };
    }
    if (shape < 90) return { text: ' '.repeat(int(5)), common: false };
    return { text: run(PRINTABLE, int(30)), common: false };
  };
}

// ---- Device ids. ----
const ZERO_ID = '00000000-0000-0000-0000-000000000000';
const DASHES = [8, 13, 18, 23];

function deviceIdGenerator(seed: number): () => Cell {
  const tools = randomTools(seed);
  const { int, chance, pick, run } = tools;
  const uuid = (): string => [8, 4, 4, 4, 12].map((length) => run(LOWER_HEX, length)).join('-');
  const randomCase = (text: string): string =>
    Array.from(text, (character) => (chance(0.5) ? character.toUpperCase() : character)).join('');
  const replaceAt = (text: string, at: number, character: string): string =>
    `${text.slice(0, at)}${character}${text.slice(at + 1)}`;
  return () => {
    const shape = int(100);
    const id = uuid();
    // Dashed UUIDs in any case, and the all-zero one: what audience files hold, decided by the fast path.
    if (shape < 20) return { text: id, common: true };
    if (shape < 28) return { text: id.toUpperCase(), common: true };
    if (shape < 33) return { text: randomCase(id), common: true };
    if (shape < 36) return { text: ZERO_ID, common: true };
    if (shape < 40) {
      const at = pick([...Array(36).keys()].filter((index) => !DASHES.includes(index)));
      return { text: replaceAt(ZERO_ID, at, pick([...'123456789abcdefABCDEF'])), common: true };
    }
    if (shape < 48) return { text: randomCase(id.replaceAll('-', '')), common: false };
    if (shape < 50) return { text: pick(['0'.repeat(32), ZERO_ID.replace('-', ''), `${ZERO_ID} `]), common: false };
    if (shape < 56) return { text: `${' '.repeat(int(3))}${randomCase(id)}${' '.repeat(int(3))}`, common: false };
    if (shape < 70) return { text: replaceAt(randomCase(id), int(36), pick([...PRINTABLE])), common: false };
    if (shape < 76) {
      // A dash moved, missing or doubled.
      const from = pick(DASHES);
      return {
        text: pick([
          replaceAt(replaceAt(id, from, run(LOWER_HEX, 1)), int(36), '-'),
          `${id.slice(0, from)}${id.slice(from + 1)}`,
          `${id.slice(0, from)}-${id.slice(from)}`,
        ]),
        common: false,
      };
    }
    if (shape < 80) return { text: run(chance(0.5) ? LOWER_HEX : HEX, pick([63, 64, 64, 65])), common: false };
    if (shape < 86) return { text: run(`${HEX}-`, 30 + int(12)), common: false };
    if (shape < 90) return { text: ' '.repeat(int(4)), common: false };
    return { text: run(PRINTABLE, int(40)), common: false };
  };
}

/** Bytes around a cell in its line (quotes, spaces, letters): the functions must keep to start…end. */
const AROUND = [...' "a@.0+-Z'];

interface FamilyStats {
  verdicts: Record<string, number>;
  decided: number;
  common: number;
  okValues: number;
}

/**
 * Runs `count` generated cells of a family through the fast function and normalizeCell: the
 * mismatches (the first dozen) and what the fast path decided.
 */
function runFamily(
  types: readonly IdentifierType[],
  next: () => Cell,
  fast: (text: string, bytes: Uint8Array, start: number, end: number, options: NormalizeOptions) => number,
  /** The fast path's value on CELL_OK, right after the call. */
  fastValue: (bytes: Uint8Array, start: number, end: number) => string,
  seed: number,
  count: number,
): { mismatches: string[]; stats: FamilyStats } {
  const { int, pick, chance } = randomTools(seed ^ 0x5bd1e995);
  const mismatches: string[] = [];
  const stats: FamilyStats = { verdicts: {}, decided: 0, common: 0, okValues: 0 };
  const fail = (index: number, text: string, type: IdentifierType, options: NormalizeOptions, what: string): void => {
    if (mismatches.length < 12) {
      const option = `${options.emailDots}/${options.phoneFormat}/${options.phoneRegion}/${options.prehashed}`;
      mismatches.push(`#${index} ${type} ${JSON.stringify(text)} (${option}): ${what}`);
    }
  };
  for (let index = 0; index < count; index += 1) {
    const { text, common } = next();
    const type = pick(types);
    // Every option set; for emails keep (the only one the fast path takes) half the time.
    const options =
      types[0] === 'EMAIL' && chance(0.5)
        ? pick(OPTION_SETS.filter((set) => set.emailDots === 'keep'))
        : pick(OPTION_SETS);
    let before = '';
    let after = '';
    for (let left = int(4); left > 0; left -= 1) before += pick(AROUND);
    for (let left = int(4); left > 0; left -= 1) after += pick(AROUND);
    const line = `${before}${text}${after}`;
    const bytes = bytesOf(line);
    const start = before.length;
    const end = start + text.length;

    const verdict = fast(line, bytes, start, end, options);
    const value = verdict === CELL_OK ? fastValue(bytes, start, end) : '';
    const expected = normalizeCell(type, text, options);
    const expectedValue = expected === CELL_OK || expected === CELL_PREHASHED ? lastNormalized() : '';
    const name = verdictName(verdict);
    stats.verdicts[name] = (stats.verdicts[name] ?? 0) + 1;

    const mustDecide = common && (types[0] !== 'EMAIL' || options.emailDots === 'keep');
    if (mustDecide) {
      stats.common += 1;
      if (verdict === NOT_SURE) fail(index, text, type, options, 'NOT_SURE on a common cell');
      // The generator's own check: its common emails are valid, its common device ids valid or the
      // zero id (its common phones are US formats, valid or not by the metadata).
      const expectedName = verdictName(expected);
      if (
        types[0] === 'EMAIL'
          ? expected !== CELL_OK
          : types[0] !== 'PHONE' && expected !== CELL_OK && expectedName !== 'rejected:zero_device_id'
      ) {
        fail(index, text, type, options, `generated as common, but normalizeCell says ${expectedName}`);
      }
    }
    if (verdict === NOT_SURE) continue;
    stats.decided += 1;
    if (verdict !== expected) {
      fail(index, text, type, options, `fast path ${name}, normalizeCell ${verdictName(expected)}`);
    } else if (verdict === CELL_OK) {
      stats.okValues += 1;
      if (value !== expectedValue) {
        fail(
          index,
          text,
          type,
          options,
          `fast path value ${JSON.stringify(value)}, normalizeCell ${JSON.stringify(expectedValue)}`,
        );
      }
    }
  }
  return { mismatches, stats };
}

/** valueRange as a string (A–Z folded), after checking that it lies in the cell and is in order. */
function rangeValue(start: number, end: number, bytes: Uint8Array): string {
  const { start: from, localEnd, at, end: to } = valueRange;
  if (!(start <= from && from <= localEnd && localEnd <= at && at <= to && to <= end)) {
    return `<valueRange ${from}…${localEnd}, ${at}…${to} outside the cell ${start}…${end} or out of order>`;
  }
  return foldAsciiUpper(`${latin1(bytes, from, localEnd)}${latin1(bytes, at, to)}`);
}

describe('normalize-ascii-cell.ts = normalizeCell on printable-ASCII cells', () => {
  const summary = (family: string, stats: FamilyStats): string => `${family}, ${REPLAY}: ${JSON.stringify(stats)}`;

  it(`EMAIL: ${COUNT} generated cells, every option set (seed ${SEED})`, () => {
    const { mismatches, stats } = runFamily(
      ['EMAIL'],
      emailGenerator(SEED),
      (_text, bytes, start, end, options) => normalizeAsciiEmail(bytes, start, end, options),
      (bytes, start, end) => {
        const value = rangeValue(start, end, bytes);
        // One SHA-256 block: the staged hash takes at most 55 bytes.
        return value.length > MAX_ASCII_VALUE_BYTES ? `<${value.length} bytes: ${value}>` : value;
      },
      SEED + 1,
      COUNT,
    );
    expect(mismatches, REPLAY).toEqual([]);
    const why = summary('EMAIL', stats);
    expect(stats.common, why).toBeGreaterThan(COUNT * 0.15);
    expect(stats.okValues, why).toBeGreaterThan(COUNT * 0.15);
    expect(stats.verdicts.empty ?? 0, why).toBeGreaterThan(COUNT / 1000);
    expect(stats.verdicts.NOT_SURE ?? 0, why).toBeGreaterThan(COUNT * 0.2);
  });

  it(`PHONE: ${COUNT} generated cells, every option set (seed ${SEED})`, () => {
    const { mismatches, stats } = runFamily(
      ['PHONE'],
      phoneGenerator(SEED),
      (text, bytes, start, end, options) => normalizeAsciiPhone(text, bytes, start, end, options),
      () => lastNormalized(),
      SEED + 2,
      COUNT,
    );
    expect(mismatches, REPLAY).toEqual([]);
    const why = summary('PHONE', stats);
    expect(stats.common, why).toBeGreaterThan(COUNT * 0.25);
    expect(stats.okValues, why).toBeGreaterThan(COUNT * 0.2);
    expect(stats.verdicts['rejected:invalid_phone'] ?? 0, why).toBeGreaterThan(COUNT * 0.1);
    expect(stats.verdicts.NOT_SURE ?? 0, why).toBeGreaterThan(COUNT * 0.05);
  });

  it(`MAID, IDFA, GAID: ${COUNT} generated cells (seed ${SEED})`, () => {
    const { mismatches, stats } = runFamily(
      ['MAID', 'IDFA', 'GAID'],
      deviceIdGenerator(SEED),
      (_text, bytes, start, end) => normalizeAsciiDeviceId(bytes, start, end),
      (bytes, start, end) => rangeValue(start, end, bytes),
      SEED + 3,
      COUNT,
    );
    expect(mismatches, REPLAY).toEqual([]);
    const why = summary('device id', stats);
    expect(stats.common, why).toBeGreaterThan(COUNT * 0.3);
    expect(stats.okValues, why).toBeGreaterThan(COUNT * 0.3);
    expect(stats.verdicts['rejected:zero_device_id'] ?? 0, why).toBeGreaterThan(COUNT / 100);
    expect(stats.verdicts.NOT_SURE ?? 0, why).toBeGreaterThan(COUNT * 0.3);
  });
});

describe('normalize-ascii-cell.ts on hand-written cells (values from normalization.md, not the code)', () => {
  const keep = normalizeOptionsSchema.parse({});
  const emailOf = (cell: string): [string, string] => {
    const bytes = bytesOf(`"${cell}"`);
    const verdict = normalizeAsciiEmail(bytes, 1, bytes.length - 1, keep);
    return [verdictName(verdict), verdict === CELL_OK ? rangeValue(1, bytes.length - 1, bytes) : ''];
  };

  it.each([
    ['a@b.co', 'a@b.co'],
    ['  John.Doe+News@Example.COM ', 'john.doe@example.com'],
    ['first.last@gmail.com', 'first.last@gmail.com'], // dots kept (emailDots: keep)
    [`a+${'x'.repeat(62)}@b.co`, 'a@b.co'], // a local part of 64 with its tag; short once it is dropped
    [`${'a'.repeat(43)}@example.com`, `${'a'.repeat(43)}@example.com`], // 55 bytes: one block
  ])('takes the email %j as %j', (cell, value) => {
    expect(emailOf(cell)).toEqual(['ok', value]);
  });

  it.each([
    ['   ', 'empty'],
    [`${'a'.repeat(44)}@example.com`, 'NOT_SURE'], // 56 bytes: two blocks, hashed by the slow path
    ['0123456789abcdef'.repeat(4), 'NOT_SURE'], // a digest: normalizeCell decides
    ['a..b@c.co', 'NOT_SURE'],
    ['a@b.c', 'NOT_SURE'],
  ])('leaves the email %j as %s', (cell, verdict) => {
    expect(emailOf(cell)[0]).toBe(verdict);
  });

  it('takes US phone numbers and the usual device ids', () => {
    const phone = (cell: string): [string, string] => {
      const bytes = bytesOf(cell);
      const verdict = normalizeAsciiPhone(cell, bytes, 0, bytes.length, keep);
      return [verdictName(verdict), verdict === CELL_OK ? lastNormalized() : ''];
    };
    expect(phone('(212) 555-2368')).toEqual(['ok', '12125552368']);
    expect(phone('+1 212 555 2368')).toEqual(['ok', '12125552368']);
    expect(phone('1-800-FLOWERS')).toEqual(['rejected:invalid_phone', '']);
    const device = (cell: string): [string, string] => {
      const bytes = bytesOf(cell);
      const verdict = normalizeAsciiDeviceId(bytes, 0, bytes.length);
      return [verdictName(verdict), verdict === CELL_OK ? rangeValue(0, bytes.length, bytes) : ''];
    };
    expect(device('0123ABCD-4567-89ef-ABCD-0123456789AB')).toEqual(['ok', '0123abcd-4567-89ef-abcd-0123456789ab']);
    expect(device(ZERO_ID)).toEqual(['rejected:zero_device_id', '']);
    expect(device('0123abcd456789efabcd0123456789ab')[0]).toBe('NOT_SURE'); // compact: normalizeCell adds the dashes
  });
});

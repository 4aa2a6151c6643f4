/**
 * Differential check of normalize-identifier.ts's char-code fast paths (printable-ASCII cleaning,
 * plain emails, dashed device IDs, the status-code API) against `reference` below: the regex-only
 * normalizer as it was before them, built from rules.json's own patterns, with libphonenumber-js/max
 * itself for phones. Seeded generated cells of every shape the fast paths branch on; set
 * NORMALIZE_DIFF_SEED to replay a failure, NORMALIZE_DIFF_COUNT to run more.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import rules from '../../../../src/core/identifiers/rules.json' with { type: 'json' };
import {
  CELL_EMPTY,
  CELL_FIRST_REASON,
  CELL_OK,
  CELL_PREHASHED,
  cleanCell,
  lastNormalized,
  normalizeCell,
  normalizeIdentifier,
  type NormalizeResult,
} from '../../../../src/core/identifiers/normalize-identifier.ts';
import { normalizeOptionsSchema, type NormalizeOptions } from '../../../../src/core/identifiers/normalize-options.ts';
import { REJECT_REASONS, type IdentifierType } from '../../../../src/core/identifiers/rules.ts';
import { createSeededRandom } from '../../../../src/destinations/tiktok/emulator/seeded-random.ts';

// ---- The reference: normalization.md step by step, every check a rules.json pattern. ----
const ws = rules.whiteSpaceClass;
const EDGE_WHITE_SPACE = new RegExp(`^${ws}+|${ws}+$`, 'gu');
const ANY_WHITE_SPACE = new RegExp(`${ws}+`, 'gu');
const INVISIBLE = new RegExp(rules.invisibleClass, 'gu');
const PREHASHED = new RegExp(rules.prehashedPattern, 'u');
const EMAIL = new RegExp(rules.emailPattern, 'u');
const DEVICE_ID = new RegExp(rules.deviceIdPattern, 'u');
const DEVICE_ID_COMPACT = new RegExp(rules.deviceIdCompactPattern, 'u');
const rejected = (reason: string): string => `rejected:${reason}`;

function reference(type: IdentifierType, raw: unknown, options: NormalizeOptions): string {
  let text: string;
  if (raw === null || raw === undefined) return 'empty';
  if (typeof raw === 'string') text = raw;
  else if (typeof raw === 'number') {
    if (!Number.isFinite(raw) || !Number.isInteger(raw)) return rejected('not_text');
    text = BigInt(raw).toString();
  } else if (typeof raw === 'bigint') text = raw.toString();
  else return rejected('not_text');
  text = text.normalize('NFKC').replace(INVISIBLE, '').replace(EDGE_WHITE_SPACE, '');
  if (text === '') return 'empty';
  if (PREHASHED.test(text)) {
    return options.prehashed === 'reject' ? rejected('prehashed_not_allowed') : `prehashed:${text.toLowerCase()}`;
  }
  if (type === 'EMAIL') {
    const email = text.replace(ANY_WHITE_SPACE, '').toLowerCase();
    if (!EMAIL.test(email)) return rejected('invalid_email');
    const at = email.indexOf('@');
    let local = email.slice(0, at);
    const domain = email.slice(at + 1);
    const plus = local.indexOf('+');
    if (plus >= 0) local = local.slice(0, plus);
    if (
      options.emailDots === 'strip-all' ||
      (options.emailDots === 'strip-gmail' && rules.gmailDomains.includes(domain))
    )
      local = local.replaceAll('.', '');
    return local === '' ? rejected('invalid_email') : `ok:${local}@${domain}`;
  }
  if (type === 'PHONE') {
    let digits = text.replace(/[^0-9+]/g, '');
    if (digits.lastIndexOf('+') > 0) return rejected('invalid_phone');
    if (digits.startsWith('00')) digits = `+${digits.slice(2)}`;
    if (digits === '' || digits === '+') return rejected('invalid_phone');
    const phone = parsePhoneNumberFromString(digits, {
      defaultCountry: options.phoneRegion as CountryCode,
      extract: false,
    });
    if (!phone || !phone.isValid()) return rejected('invalid_phone');
    return `ok:${options.phoneFormat === 'e164' ? phone.number : phone.number.slice(1)}`;
  }
  let id = text.toLowerCase();
  if (!DEVICE_ID.test(id)) {
    if (!DEVICE_ID_COMPACT.test(id)) return rejected('invalid_device_id');
    id = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
  }
  return id === rules.zeroDeviceId ? rejected('zero_device_id') : `ok:${id}`;
}

const shown = (result: NormalizeResult): string =>
  result.status === 'ok' || result.status === 'prehashed'
    ? `${result.status}:${result.normalized}`
    : result.status === 'rejected'
      ? rejected(result.reason)
      : result.status;

/** The status-code API, read back the same way (it must agree with normalizeIdentifier). */
function shownCell(type: IdentifierType, raw: unknown, options: NormalizeOptions): string {
  const verdict = normalizeCell(type, raw, options);
  if (verdict === CELL_OK) return `ok:${lastNormalized()}`;
  if (verdict === CELL_PREHASHED) return `prehashed:${lastNormalized()}`;
  if (verdict === CELL_EMPTY) return 'empty';
  return rejected(REJECT_REASONS[verdict - CELL_FIRST_REASON] as string);
}

// ---- Generated cells. ----
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const DIGITS = '0123456789';
const HEX = '0123456789abcdefABCDEF';
// Characters the fast paths must hand to the regex path (or get exactly right): white space of every
// kind, invisible ones, letters that lowercase or NFKC-fold into ASCII (K Kelvin sign, İ, full-width),
// accented and non-Latin letters, punctuation the email pattern treats specially, line terminators.
const ODD = [
  ' ',
  '\t',
  '\n',
  '\r',
  '\u000b',
  '\u0085',
  '\u00a0',
  '\u2028',
  '\u3000',
  '\u200b',
  '\ufeff',
  '\u212a',
  '\u0130',
  '\uff21',
  '\uff41',
  '\uff10',
  'é',
  'ß',
  'ö',
  'ı',
  'Ω',
  'я',
  '中',
  '\u0301',
  '😀',
  '\ud800',
  '.',
  '..',
  '-',
  '_',
  '+',
  '@',
  '@@',
  '%',
  '"',
  '\\',
  '~',
  '\u007f',
  '\u0000',
];

function cellGenerator(seed: number): () => unknown {
  const random = createSeededRandom(seed);
  const int = (below: number): number => Math.floor(random() * below);
  const pick = <T>(list: readonly T[] | string): T => list[int(list.length)] as T;
  const run = (alphabet: string, length: number): string => {
    let text = '';
    for (let index = 0; index < length; index += 1) text += pick<string>(alphabet);
    return text;
  };
  const lengthNear = (...targets: number[]): number => Math.max(0, pick(targets) + int(5) - 2);
  const label = (): string => {
    const length = random() < 0.15 ? lengthNear(1, 63, 64) : 1 + int(12);
    let text = run(LOWER + UPPER + DIGITS + (random() < 0.3 ? '-' : ''), length);
    if (random() < 0.05) text = `-${text}`;
    if (random() < 0.05) text = `${text}-`;
    return text;
  };
  const email = (): string => {
    const localLength = random() < 0.15 ? lengthNear(1, 64, 65) : 1 + int(20);
    let local = run(LOWER + UPPER + DIGITS + '._+-%', localLength);
    if (random() < 0.1) local = `.${local}`;
    if (random() < 0.1) local = `${local}.`;
    const labels = Array.from({ length: 1 + int(4) }, label);
    const tldLength = random() < 0.2 ? lengthNear(1, 2, 63, 64) : 2 + int(6);
    const tld = run(random() < 0.9 ? LOWER + UPPER : LOWER + DIGITS + '-', tldLength);
    let address = `${local}@${labels.join('.')}${random() < 0.95 ? '.' : ''}${tld}`;
    if (random() < 0.05) {
      // Around the 254-character limit, with a local part and labels that are fine on their own.
      const total = 252 + int(5);
      const head = `${run(LOWER, 1 + int(64))}@`;
      let domain = '';
      while (head.length + domain.length + 64 < total) domain += `${run(LOWER, 63)}.`;
      const rest = total - head.length - domain.length;
      address = rest >= 3 ? `${head}${domain}${run(LOWER, rest - 3)}${rest > 3 ? '.' : ''}co` : address;
    }
    return address;
  };
  const uuid = (): string => {
    const zero = random() < 0.05; // the opted-out all-zero ID, dashed or compact
    const parts = [8, 4, 4, 4, 12].map((length) => run(zero ? '0' : HEX, length));
    if (random() < 0.1) parts[int(5)] = run(HEX, int(14));
    const joiner = random() < 0.2 ? pick(['', '-', '--', '_', ' ']) : '-';
    return random() < 0.1 ? parts.join('') : parts.join(joiner);
  };
  const phone = (): string => `${pick(['', '+', '+1 ', '00', '011 ', '(', '1'])}${run(DIGITS + ' -().', 6 + int(12))}`;
  const hex = (): string => run(random() < 0.5 ? HEX : '0123456789abcdef', lengthNear(31, 32, 36, 63, 64, 65));
  const mutate = (text: string): string => {
    const chars = [...text];
    const edits = int(3);
    for (let edit = 0; edit < edits; edit += 1) {
      const at = int(chars.length + 1);
      const kind = int(3);
      if (kind === 0) chars.splice(at, 0, pick(ODD));
      else if (kind === 1) chars.splice(at, 1);
      else chars.splice(at, 1, pick(ODD));
    }
    return chars.join('');
  };
  const pad = (text: string): string =>
    random() < 0.2
      ? `${pick(['', ' ', '  ', '\t', '\u00a0', '\u200b'])}${text}${pick(['', ' ', '\u3000', '\n'])}`
      : text;
  const upper = (text: string): string => (random() < 0.2 ? text.toUpperCase() : text);
  const others: unknown[] = [
    null,
    undefined,
    '',
    ' ',
    '\t',
    ' \r\n ',
    '\u200b',
    '\u3000 ',
    true,
    false,
    {},
    [],
    0,
    -5,
    1.5,
    NaN,
    Infinity,
    2n ** 70n,
  ];
  return () => {
    const shape = random();
    if (shape < 0.03) return pick(others);
    if (shape < 0.06) return random() < 0.5 ? int(1e12) : Number.MAX_SAFE_INTEGER * (1 + int(1000));
    const text = shape < 0.45 ? email() : shape < 0.8 ? uuid() : shape < 0.9 ? hex() : phone();
    const shaped = upper(text);
    return pad(random() < 0.35 ? mutate(shaped) : shaped);
  };
}

const TYPES: IdentifierType[] = ['EMAIL', 'PHONE', 'MAID', 'IDFA', 'GAID'];
const OPTIONS: NormalizeOptions[] = [
  normalizeOptionsSchema.parse({}),
  normalizeOptionsSchema.parse({ emailDots: 'strip-gmail', prehashed: 'reject' }),
  normalizeOptionsSchema.parse({ emailDots: 'strip-all', phoneFormat: 'e164', phoneRegion: 'GB' }),
];

describe('normalizer fast paths = the regex-only reference', () => {
  const SEED = Number(process.env.NORMALIZE_DIFF_SEED ?? 20261202);
  const COUNT = Number(process.env.NORMALIZE_DIFF_COUNT ?? 250_000);

  it(`agrees on ${COUNT} generated cells, every type and option set (seed ${SEED})`, () => {
    const next = cellGenerator(SEED);
    const mismatches: string[] = [];
    const seen = new Map<string, number>();
    for (let index = 0; index < COUNT; index += 1) {
      const raw = next();
      const options = OPTIONS[index % OPTIONS.length] as NormalizeOptions;
      // Phones are slow in the reference (libphonenumber-js): one cell in eight is also tried as one.
      for (const type of index % 8 === 0 ? TYPES : TYPES.filter((each) => each !== 'PHONE')) {
        const expected = reference(type, raw, options);
        const actual = shown(normalizeIdentifier(type, raw, options));
        const cell = shownCell(type, raw, options);
        const verdict = `${type} ${expected.split(':')[0]}${expected.startsWith('rejected') ? expected.slice(8) : ''}`;
        seen.set(verdict, (seen.get(verdict) ?? 0) + 1);
        if ((actual !== expected || cell !== expected) && mismatches.length < 10) {
          mismatches.push(`#${index} ${type} ${JSON.stringify(raw)}: ours ${actual} / ${cell}, reference ${expected}`);
        }
      }
    }
    expect(mismatches, `seed ${SEED} (replay: NORMALIZE_DIFF_SEED=${SEED} NORMALIZE_DIFF_COUNT=${COUNT})`).toEqual([]);
    // The mix really reaches every verdict the fast paths decide, in volume.
    for (const verdict of [
      'EMAIL ok',
      'EMAIL rejected:invalid_email',
      'MAID ok',
      'MAID rejected:invalid_device_id',
      'MAID rejected:zero_device_id',
      'EMAIL prehashed',
      'EMAIL rejected:prehashed_not_allowed',
      'MAID empty',
      'MAID rejected:not_text',
      'PHONE ok',
      'PHONE rejected:invalid_phone',
    ]) {
      expect(seen.get(verdict) ?? 0, `${verdict} (seed ${SEED})`).toBeGreaterThan(COUNT / 1000);
    }
    expect(seen.get('EMAIL ok') ?? 0, `seed ${SEED}`).toBeGreaterThan(COUNT * 0.1);
  }, 600_000);

  it('agrees on hand-picked edge cases', () => {
    const uuid = '0123abcd-4567-89ef-ABCD-0123456789ab';
    const edges: unknown[] = [
      uuid,
      uuid.replaceAll('-', ''),
      ` ${uuid} `,
      uuid.replace('-', ''),
      `${uuid.slice(0, 8)}--${uuid.slice(9)}`,
      uuid.replace('a', '\uff41'), // full-width a: NFKC folds it to ASCII
      uuid.replace('b', 'g'),
      '00000000-0000-0000-0000-000000000000',
      '00000000000000000000000000000000',
      'a'.repeat(63),
      'a'.repeat(64),
      'A'.repeat(64),
      'a'.repeat(65),
      'user@example.com',
      'USER+tag@Example.COM',
      'a@b.co',
      'a@b.c',
      'a@b',
      '.a@b.co',
      'a.@b.co',
      'a..b@b.co',
      'a@-b.co',
      'a@b-.co',
      'a@b..co',
      'a@b.c0',
      'a@b.co.',
      'a b@c.de',
      'a@@b.co',
      'a@b@c.co',
      '+a@b.co',
      'a+b+c@gmail.com',
      'first.last@gmail.com',
      `${'l'.repeat(64)}@b.co`,
      `${'l'.repeat(65)}@b.co`,
      `a@${'d'.repeat(63)}.co`,
      `a@${'d'.repeat(64)}.co`,
      `a@b.${'t'.repeat(63)}`,
      `a@b.${'t'.repeat(64)}`,
      `${'l'.repeat(60)}@${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(62)}.co`, // 254 characters
      `${'l'.repeat(60)}@${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(63)}.co`, // 255
      'ü@b.co',
      'a@bü.co',
      'a@b.cü',
      '\u212aelvin@b.co',
      '\u0130@b.co',
      '\uff41@b.co',
      'a@b.co\u200b',
      '  a@b.co  ',
      '\u00a0a@b.co',
      '+1 (613) 444-4444',
      '16134444444',
      '0044 20 7946 0958',
      '',
      '   ',
      42,
      4.2,
      null,
      undefined,
      true,
      9007199254740993n,
    ];
    for (const raw of edges) {
      for (const type of TYPES) {
        for (const options of OPTIONS) {
          const expected = reference(type, raw, options);
          expect(shown(normalizeIdentifier(type, raw, options)), `${type} ${JSON.stringify(String(raw))}`).toBe(
            expected,
          );
          expect(shownCell(type, raw, options), `${type} ${JSON.stringify(String(raw))}`).toBe(expected);
        }
      }
    }
  });

  it('cleanCell keeps its contract: the cleaned text, or a final result', () => {
    expect(cleanCell('  a@b.co ')).toBe('a@b.co');
    expect(cleanCell('\u00a0ｘ\u200b ')).toBe('x');
    expect(cleanCell('  ')).toEqual({ status: 'empty' });
    expect(cleanCell(null)).toEqual({ status: 'empty' });
    expect(cleanCell(1.5)).toEqual({ status: 'rejected', reason: 'not_text' });
    expect(cleanCell(12)).toBe('12');
  });
});

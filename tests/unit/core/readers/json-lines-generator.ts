/**
 * Generated JSON lines for the line scanners' differential tests (json-line-fields.test.ts against
 * JSON.parse, wasm-json-line-scanner.test.ts against the JavaScript scanner): seeded, the subset the
 * scanners take and near misses of it.
 */
import { createSeededRandom } from '../../../../src/destinations/tiktok/emulator/seeded-random.ts';

/** A line's bytes as the workers see an all-ASCII chunk: one byte per character (Latin-1). */
export const bytesOf = (text: string): Uint8Array => {
  const buffer = Buffer.from(text, 'latin1');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
};
export const latin1 = (bytes: Uint8Array, start: number, end: number): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');

export const LOWER = 'abcdefghijklmnopqrstuvwxyz';
export const DIGITS = '0123456789';
export const HEX = '0123456789abcdefABCDEF';
/** Printable ASCII without `"` and `\`: what the subset allows inside a string. */
export const PLAIN = Array.from({ length: 0x7f - 0x20 }, (_unused, index) => String.fromCharCode(0x20 + index))
  .filter((character) => character !== '"' && character !== '\\')
  .join('');
export const WHITE_SPACE = [' ', '\t', '\r', '  ', ' \t', '\r ', ' \t\r '];
/** Every form of JSON number (RFC 8259), for unmapped values. */
export const NUMBER_FORMS = [
  '0',
  '-0',
  '1',
  '-1',
  '10',
  '123456789',
  '1e5',
  '1E5',
  '1e+5',
  '1e-5',
  '1.5E-3',
  '-1.25e+10',
  '0.0',
  '-0.0e0',
  '10.01',
  '9007199254740993',
  '1e400',
  '0E0',
];
/** Values JSON.parse rejects (or that are no plain string/null/number/boolean), for near misses. */
export const BAD_VALUES = [
  '+1',
  '01',
  '-01',
  '00',
  '1.',
  '.5',
  '-.5',
  '1.e5',
  '1e',
  '1e+',
  '-',
  '--1',
  '0x1',
  'NaN',
  'Infinity',
  'tru',
  'nul',
  'fals',
  'True',
  'NULL',
  'nulll',
  'truex',
  'undefined',
  "'x'",
  '"x',
  'x"',
  '{}',
  '[]',
  '{"a":1}',
  '{"email":"nested@b.co"}',
  '[1,"x"]',
  '"a\\"b"',
  '"\\u0041@b.co"',
  '"a\\\\b"',
  '"a\\/b"',
  '"tab\there"',
  '"del\x7f"',
  '"caf\xe9"',
  '"nb\xa0sp"',
  '"ctl\x01"',
  '1 2',
  '"a" "b"',
];
/** Bytes a near miss inserts or substitutes. */
export const MUTATION_CHARACTERS = [
  '"',
  '\\',
  ',',
  ':',
  '{',
  '}',
  '[',
  ']',
  '\t',
  '\n',
  '\r',
  ' ',
  '\u0000',
  '\u0001',
  '\x7f',
  '\xe9',
  '\xa0',
  'n',
  't',
  'f',
  '0',
  '1',
  '-',
  '+',
  '.',
  'e',
  'E',
  'a',
];
export const TRAILING_GARBAGE = [',', '}', ' x', '{}', 'null', ' 1', '"', ']', '\u0000', '\x0c', ',{}', '//'];
export const NON_OBJECTS = [
  '',
  ' ',
  '\t\r',
  '[]',
  '[{}]',
  '"str"',
  '"{}"',
  '1',
  '-0',
  'null',
  'true',
  'false',
  '{',
  '}',
];

/**
 * Bytes that end or refuse a plain string (quote, backslash, controls, DEL, 0x80+) and the bounds of
 * the allowed range (space 0x20, `!` 0x21, `~` 0x7E): the SIMD check is a subtract-and-compare.
 */
export const STRING_BYTES = [
  '"',
  '\\',
  '\u0000',
  '\u0001',
  '\t',
  '\n',
  '\r',
  '\x1f',
  '\x7f',
  '\x80',
  '\xe9',
  '\xff',
  ' ',
  '!',
  '~',
];

/** Mapped column sets for the scanners under test. */
export const COLUMN_SETS: readonly (readonly string[])[] = [
  ['email', 'phone', 'device_id'],
  // Names of Object.prototype members (JSON.parse makes them own properties) and a prefix of another.
  ['__proto__', 'constructor', 'e', 'email'],
  // A name with a space, one only an escape can spell (`"` inside), one not ASCII, and a name that
  // is a prefix of the next.
  ['a b', 'x"y', 'caf\xe9', 'id', 'id_2', 'toString'],
];

export interface GeneratedLine {
  text: string;
  /** Built in the subset the scanner documents (so it must accept it). */
  inSubset: boolean;
  /** A mapped key occurs more than once. */
  duplicateMapped: boolean;
}

/** A seeded source and the draws the generators make of it (the seed replays them). */
export function seededPicks(seed: number): {
  random: () => number;
  int: (below: number) => number;
  chance: (probability: number) => boolean;
  pick: <T>(list: readonly T[]) => T;
  run: (alphabet: string, length: number) => string;
} {
  const random = createSeededRandom(seed);
  const int = (below: number): number => Math.floor(random() * below);
  const chance = (probability: number): boolean => random() < probability;
  const pick = <T>(list: readonly T[]): T => list[int(list.length)] as T;
  const run = (alphabet: string, length: number): string => {
    let text = '';
    for (let index = 0; index < length; index += 1) text += alphabet[int(alphabet.length)] as string;
    return text;
  };
  return { random, int, chance, pick, run };
}

/**
 * Lines from `seed`: the subset the scanners take and near misses of it. `wide` adds what the
 * WebAssembly scanner's 16-byte string checks need: longer strings and keys, and near misses with
 * one of STRING_BYTES inside a key or a value (the plain lines draw the same numbers either way).
 */
export function lineGenerator(
  seed: number,
  { wide = false }: { wide?: boolean } = {},
): (columns: readonly string[]) => GeneratedLine {
  const { random, int, chance, pick, run } = seededPicks(seed);
  const ws = (): string => (chance(0.75) ? '' : pick(WHITE_SPACE));
  const plainText = (): string => {
    const shape = random();
    if (wide) {
      if (shape < 0.25) return `${run(LOWER, 1 + int(8))}@${run(LOWER, 1 + int(6))}.com`;
      if (shape < 0.37) return run(HEX, 36);
      if (shape < 0.42) return '';
      // 16 bytes and more: the string is checked a vector at a time, then its tail byte by byte.
      if (shape < 0.72) return run(PLAIN, 16 + int(90));
      return run(PLAIN, int(24));
    }
    if (shape < 0.3) return `${run(LOWER, 1 + int(8))}@${run(LOWER, 1 + int(6))}.com`;
    if (shape < 0.45) return run(HEX, 36);
    if (shape < 0.5) return '';
    return run(PLAIN, int(24));
  };
  /** A plain string with one of STRING_BYTES somewhere: where the 16-byte check must stop. */
  const stringWithByte = (): string => {
    const before = run(PLAIN, int(48));
    return `${before}${pick(STRING_BYTES)}${run(PLAIN, int(24))}`;
  };
  const number = (): string => {
    if (chance(0.5)) return pick(NUMBER_FORMS);
    const sign = chance(0.3) ? '-' : '';
    const whole = chance(0.3) ? '0' : `${1 + int(9)}${run(DIGITS, int(6))}`;
    const fraction = chance(0.3) ? `.${run(DIGITS, 1 + int(4))}` : '';
    const exponent = chance(0.3) ? `${pick(['e', 'E'])}${pick(['', '+', '-'])}${run(DIGITS, 1 + int(3))}` : '';
    return `${sign}${whole}${fraction}${exponent}`;
  };
  /** A key: a mapped name, a near one (prefix, extension, other case, padded), or another name. */
  const keyName = (columns: readonly string[]): string => {
    const shape = random();
    const column = pick(columns);
    if (shape < 0.45) return column;
    if (shape < 0.6) {
      return pick([
        column.slice(0, -1),
        `${column}s`,
        `${column} `,
        ` ${column}`,
        column.toUpperCase(),
        column.slice(1),
        `${column}${column}`,
      ]);
    }
    if (shape < 0.7) return pick(['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', '', 'email']);
    return run(PLAIN, wide && !chance(0.8) ? 16 + int(40) : 1 + int(10));
  };

  return (columns) => {
    const count = chance(0.06) ? 0 : 1 + int(7);
    const keys = Array.from({ length: count }, () => keyName(columns));
    let inSubset = keys.every((key) => /^[\x20-\x7e]*$/.test(key) && !/["\\]/.test(key));
    const mappedSeen = new Set<string>();
    let duplicateMapped = false;
    const entries = keys.map((key) => {
      const mapped = columns.includes(key);
      if (mapped) {
        if (mappedSeen.has(key)) duplicateMapped = true;
        mappedSeen.add(key);
      }
      let value: string;
      const shape = random();
      if (mapped) {
        if (shape < 0.7) value = `"${plainText()}"`;
        else if (shape < 0.92) value = 'null';
        else {
          // A mapped number or boolean: JSON.parse's value decides, so outside the subset.
          value = chance(0.7) ? number() : pick(['true', 'false']);
          inSubset = false;
        }
      } else if (shape < 0.35) value = `"${plainText()}"`;
      else if (shape < 0.7) value = number();
      else if (shape < 0.85) value = pick(['true', 'false']);
      else value = 'null';
      return { key: JSON.stringify(key), value };
    });

    // Near misses: a structural change, then maybe a byte-level one.
    const mutate = chance(0.45);
    let comma = ',';
    let colon = ':';
    let text: string;
    if (mutate) {
      inSubset = false;
      const kind = int(8);
      const entry = entries[int(entries.length)];
      if (kind === 0 && entry !== undefined) entry.value = pick(BAD_VALUES);
      else if (kind === 1 && entry !== undefined) {
        const bare = entry.key.slice(1, -1);
        entry.key = pick([bare, `'${bare}'`, `"${bare}`, `${bare}"`, '', `"${bare}\\u0000"`, 'null', '1']);
      } else if (kind === 2) comma = pick([' ', ',,', ';', '']);
      else if (kind === 3) colon = pick([' ', '::', '=', '']);
      else if (kind === 4) entries.push({ key: JSON.stringify(pick(columns)), value: pick(BAD_VALUES) });
      else if (wide && kind === 5 && entry !== undefined) entry.value = `"${stringWithByte()}"`;
      else if (wide && kind === 6 && entry !== undefined) entry.key = `"${stringWithByte()}"`;
    }
    const body = entries.map(({ key, value }) => `${ws()}${key}${ws()}${colon}${ws()}${value}${ws()}`).join(comma);
    text = `${ws()}{${body === '' ? ws() : body}}${ws()}`;
    if (mutate) {
      const kind = int(9);
      const at = int(text.length + 1);
      if (kind === 0) text = text.slice(0, int(text.length));
      else if (kind === 1) text = `${text.slice(0, at)}${pick(MUTATION_CHARACTERS)}${text.slice(at)}`;
      else if (kind === 2) text = `${text.slice(0, at)}${text.slice(at + 1)}`;
      else if (kind === 3) text = `${text.slice(0, at)}${pick(MUTATION_CHARACTERS)}${text.slice(at + 1)}`;
      else if (kind === 4) text = `${text}${pick(TRAILING_GARBAGE)}`;
      else if (kind === 5) text = chance(0.5) ? pick(NON_OBJECTS) : `[${text}]`;
      else if (kind === 6)
        text = `{${body},}`; // a trailing comma
      else if (kind === 7) text = `{"nested":${text}${chance(0.5) ? '' : `,${body}`}}`;
      // kind 8: only the structural change above (if any).
    }
    return { text, inSubset, duplicateMapped };
  };
}

/**
 * Differential check of JsonLineFieldScanner (json-line-fields.ts) against JSON.parse, its oracle. A
 * line the scanner accepts must be valid JSON whose value is a plain object, and each mapped column's
 * reported value must be `Object.hasOwn(object, column) ? object[column] : undefined`; scanLine must
 * agree with scan. Seeded generated lines: the subset the scanner is meant to take (which it must
 * accept) and near misses of it (which it may refuse, but never misread). Set JSON_LINE_FIELDS_SEED to
 * replay a failure, JSON_LINE_FIELDS_COUNT to run more.
 */
import { describe, expect, it } from 'vitest';
import { FIELD_MISSING, FIELD_NULL, JsonLineFieldScanner } from '../../../../src/core/readers/json-line-fields.ts';
import { createSeededRandom } from '../../../../src/destinations/tiktok/emulator/seeded-random.ts';
import { bytesOf, COLUMN_SETS, latin1, lineGenerator, PLAIN } from './json-lines-generator.ts';

/** What the scanner says each mapped column holds: a string, null (FIELD_NULL) or undefined (FIELD_MISSING). */
function reported(scanner: JsonLineFieldScanner, bytes: Uint8Array, field: number): unknown {
  const start = scanner.valueStart[field] as number;
  if (start === FIELD_MISSING) return undefined;
  if (start === FIELD_NULL) return null;
  const end = scanner.valueEnd[field] as number;
  if (start < 0 || end < start || end > bytes.length) return `<bad range ${start}…${end}>`;
  return latin1(bytes, start, end);
}
const reportedAll = (scanner: JsonLineFieldScanner, bytes: Uint8Array, columns: readonly string[]): unknown[] =>
  columns.map((_column, field) => reported(scanner, bytes, field));

/** The oracle: JSON.parse's own view of the line, or why the scanner must not have accepted it. */
function parsedFields(text: string, columns: readonly string[]): unknown[] | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `JSON.parse rejects it (${(error as Error).message})`;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'JSON.parse gives no plain object';
  const record = value as Record<string, unknown>;
  return columns.map((column) => (Object.hasOwn(record, column) ? record[column] : undefined));
}

/** Lines before and after the one read: the scanner must stay inside its range or line. */
const BEFORE = ['', '{"email":"before@b.co"}\n', 'garbage ', '"', '{', ' \t'];
const AFTER = ['', '}', '"}', 'null}', '0}', 'e5}', ' }', ',"email":"z@b.co"}', 'ull', 'rue}', '"x"}', '\n{}'];
const NEXT_LINES = ['', '{}', '}', '"}', ' }', ',"email":"z@b.co"}', '{"email":"next@b.co"}', 'garbage'];

describe('JsonLineFieldScanner = JSON.parse on the lines it accepts', () => {
  const SEED = Number(process.env.JSON_LINE_FIELDS_SEED ?? 20261215);
  const COUNT = Number(process.env.JSON_LINE_FIELDS_COUNT ?? 240_000);

  it(`agrees on ${COUNT} generated lines, subset and near misses (seed ${SEED})`, () => {
    const next = lineGenerator(SEED);
    const pickRandom = createSeededRandom(SEED ^ 0x5bd1e995);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(pickRandom() * list.length)] as T;
    const scanners = COLUMN_SETS.map((columns) => new JsonLineFieldScanner(columns));
    const mismatches: string[] = [];
    const stats = {
      accepted: 0,
      acceptedNearMiss: 0,
      refusedValidObject: 0,
      inSubset: 0,
      strings: 0,
      nulls: 0,
      missing: 0,
      prototypeNames: 0,
      duplicateMapped: 0,
    };
    const fail = (index: number, columns: readonly string[], text: string, what: string): void => {
      if (mismatches.length < 12)
        mismatches.push(`#${index} columns ${JSON.stringify(columns)} ${JSON.stringify(text)}: ${what}`);
    };

    for (let index = 0; index < COUNT; index += 1) {
      const set = index % COLUMN_SETS.length;
      const columns = COLUMN_SETS[set] as readonly string[];
      const scanner = scanners[set] as JsonLineFieldScanner;
      const { text, inSubset, duplicateMapped } = next(columns);

      // scan on the line alone…
      const line = bytesOf(text);
      const accepted = scanner.scan(line, 0, line.length);
      const values = accepted ? reportedAll(scanner, line, columns) : [];
      // …and on the same line inside other bytes: the same verdict and values, nothing read past `end`.
      const before = pick(BEFORE);
      const embedded = bytesOf(`${before}${text}${pick(AFTER)}`);
      const embeddedAccepted = scanner.scan(embedded, before.length, before.length + text.length);
      if (embeddedAccepted !== accepted)
        fail(
          index,
          columns,
          text,
          `scan ${accepted} alone, ${embeddedAccepted} inside ${JSON.stringify(latin1(embedded, 0, embedded.length))}`,
        );
      else if (accepted && JSON.stringify(reportedAll(scanner, embedded, columns)) !== JSON.stringify(values)) {
        fail(
          index,
          columns,
          text,
          `values ${JSON.stringify(values)} alone, ${JSON.stringify(reportedAll(scanner, embedded, columns))} inside other bytes`,
        );
      }

      const expected = parsedFields(text, columns);
      if (accepted) {
        stats.accepted += 1;
        if (!inSubset) stats.acceptedNearMiss += 1;
        if (duplicateMapped) stats.duplicateMapped += 1;
        if (typeof expected === 'string') fail(index, columns, text, `accepted, but ${expected}`);
        else {
          columns.forEach((column, field) => {
            const value = values[field];
            if (value !== expected[field]) {
              fail(
                index,
                columns,
                text,
                `${column}: scanner ${JSON.stringify(value) ?? 'undefined'}, JSON.parse ${JSON.stringify(expected[field]) ?? 'undefined'}`,
              );
            }
            if (value === undefined) stats.missing += 1;
            else if (value === null) stats.nulls += 1;
            else {
              stats.strings += 1;
              if (column in Object.prototype) stats.prototypeNames += 1;
            }
          });
        }
      } else if (typeof expected !== 'string') {
        stats.refusedValidObject += 1;
      }
      if (inSubset) {
        stats.inSubset += 1;
        if (!accepted) fail(index, columns, text, 'refused, but the line is in the documented subset');
      }

      // scanLine: the line between others ends at its first line feed, exactly where scan says.
      const previous = pick(NEXT_LINES).replaceAll('\n', ' ');
      const start = previous.length + 1;
      for (const after of [`\n${pick(NEXT_LINES)}`, '']) {
        const joined = bytesOf(`${previous}\n${text}${after}`);
        let lineEnd = joined.indexOf(0x0a, start);
        if (lineEnd < 0) lineEnd = joined.length;
        const segmentAccepted = scanner.scan(joined, start, lineEnd);
        const segmentValues = segmentAccepted ? reportedAll(scanner, joined, columns) : [];
        const end = scanner.scanLine(joined, start);
        if (end !== (segmentAccepted ? lineEnd : -1)) {
          fail(
            index,
            columns,
            text,
            `scanLine ${end} after ${JSON.stringify(previous)}, followed by ${JSON.stringify(after)}; scan of the line (to ${lineEnd}) ${segmentAccepted}`,
          );
        } else if (
          end >= 0 &&
          JSON.stringify(reportedAll(scanner, joined, columns)) !== JSON.stringify(segmentValues)
        ) {
          fail(
            index,
            columns,
            text,
            `scanLine values ${JSON.stringify(reportedAll(scanner, joined, columns))}, scan ${JSON.stringify(segmentValues)}`,
          );
        }
        if (!text.includes('\n') && segmentAccepted !== accepted) {
          fail(index, columns, text, `scan ${accepted} alone, ${segmentAccepted} as a line between others`);
        }
      }
    }

    expect(mismatches, `seed ${SEED} (replay: JSON_LINE_FIELDS_SEED=${SEED} JSON_LINE_FIELDS_COUNT=${COUNT})`).toEqual(
      [],
    );
    // The mix really reaches every outcome, in volume.
    const share = (part: number): string => `${part} of ${COUNT} (seed ${SEED}, ${JSON.stringify(stats)})`;
    expect(stats.accepted, share(stats.accepted)).toBeGreaterThan(COUNT * 0.3);
    expect(stats.inSubset, share(stats.inSubset)).toBeGreaterThan(COUNT * 0.25);
    expect(stats.refusedValidObject, share(stats.refusedValidObject)).toBeGreaterThan(COUNT * 0.05);
    expect(stats.acceptedNearMiss, share(stats.acceptedNearMiss)).toBeGreaterThan(COUNT / 1000);
    expect(stats.strings, share(stats.strings)).toBeGreaterThan(COUNT * 0.2);
    expect(stats.nulls, share(stats.nulls)).toBeGreaterThan(COUNT * 0.05);
    expect(stats.missing, share(stats.missing)).toBeGreaterThan(COUNT * 0.2);
    expect(stats.prototypeNames, share(stats.prototypeNames)).toBeGreaterThan(COUNT / 100);
    expect(stats.duplicateMapped, share(stats.duplicateMapped)).toBeGreaterThan(COUNT / 100);
  }, 600_000);
});

/** Hand-written cases: the values come from JSON's rules, not from the scanner. */
const ACCEPTED: Array<{ why: string; line: string; columns: string[]; values: unknown[] }> = [
  {
    why: 'flat object, a mapped string and an unmapped number',
    line: '{"email":"a@b.co","n":1}',
    columns: ['email'],
    values: ['a@b.co'],
  },
  {
    why: 'spaces, tabs and a trailing CR around tokens; null and missing',
    line: ' \t{ "email" :\t"A@B.CO" ,"phone": null }\r',
    columns: ['email', 'phone', 'device_id'],
    values: ['A@B.CO', null, undefined],
  },
  { why: 'the empty object: every column missing', line: '{ }', columns: ['email'], values: [undefined] },
  {
    why: 'a duplicate key: the last one wins, as in JSON.parse',
    line: '{"email":"x","email":"y"}',
    columns: ['email'],
    values: ['y'],
  },
  {
    why: 'a duplicate key whose last value is null',
    line: '{"email":"x","email":null}',
    columns: ['email'],
    values: [null],
  },
  { why: 'a null first, then a string', line: '{"email":null,"email":"z"}', columns: ['email'], values: ['z'] },
  {
    why: 'every JSON number form and true/false/null as unmapped values',
    line: '{"a":-0,"b":1e5,"c":1.5E-3,"d":true,"e":false,"f":null,"g":0.25,"h":-12E+3,"email":"x"}',
    columns: ['email'],
    values: ['x'],
  },
  {
    why: '__proto__ and constructor: JSON.parse makes them own properties; missing ones are undefined, not the prototype',
    line: '{"__proto__":"a@b.co"}',
    columns: ['__proto__', 'constructor'],
    values: ['a@b.co', undefined],
  },
  {
    why: 'keys that are a prefix or an extension of a mapped name are other keys',
    line: '{"emai":"x","emails":"y","Email":"z"}',
    columns: ['email'],
    values: [undefined],
  },
  {
    why: 'an empty string and edge spaces are kept as they are',
    line: '{"email":"","phone":" 1 "}',
    columns: ['email', 'phone'],
    values: ['', ' 1 '],
  },
  {
    why: 'all printable ASCII but " and \\ in a value',
    line: `{"email":"${PLAIN}"}`,
    columns: ['email'],
    values: [PLAIN],
  },
];

const REFUSED: Array<{ why: string; line: string; columns: string[] }> = [
  { why: 'an escape in a value (JSON.parse decodes it)', line: '{"email":"a\\u0040b.co"}', columns: ['email'] },
  { why: 'an escaped key that spells a mapped name', line: '{"em\\u0061il":"x@b.co"}', columns: ['email'] },
  { why: 'an escaped quote in an unmapped value', line: '{"n":"a\\"b","email":"x"}', columns: ['email'] },
  {
    why: 'a mapped number: the text may not be the value JSON.parse gives',
    line: '{"phone":16135550123}',
    columns: ['phone'],
  },
  { why: 'a mapped boolean', line: '{"email":true}', columns: ['email'] },
  { why: 'a leading zero (invalid JSON)', line: '{"n":01}', columns: ['email'] },
  { why: 'a plus sign (invalid JSON)', line: '{"n":+1}', columns: ['email'] },
  { why: 'a fraction without digits (invalid JSON)', line: '{"n":1.}', columns: ['email'] },
  { why: 'a fraction without a whole part (invalid JSON)', line: '{"n":.5}', columns: ['email'] },
  { why: 'an exponent without digits (invalid JSON)', line: '{"n":1e+}', columns: ['email'] },
  { why: 'a truncated true', line: '{"n":tru}', columns: ['email'] },
  { why: 'a truncated null for a mapped column', line: '{"email":nul}', columns: ['email'] },
  { why: 'a nested object (valid JSON, not flat)', line: '{"a":{"email":"x"},"email":"y"}', columns: ['email'] },
  { why: 'an array value (valid JSON, not flat)', line: '{"a":[1,2],"email":"y"}', columns: ['email'] },
  { why: 'an array line is no record', line: '[{"email":"x"}]', columns: ['email'] },
  { why: 'a string line is no record', line: '"email"', columns: ['email'] },
  { why: 'trailing garbage', line: '{"email":"x"} x', columns: ['email'] },
  { why: 'a second closing brace', line: '{"email":"x"}}', columns: ['email'] },
  { why: 'a trailing comma', line: '{"email":"x",}', columns: ['email'] },
  { why: 'a missing colon', line: '{"email" "x"}', columns: ['email'] },
  { why: 'unclosed', line: '{"email":"x"', columns: ['email'] },
  { why: 'an unquoted key', line: '{email:"x"}', columns: ['email'] },
  { why: 'a byte above 0x7E in a string (é in Latin-1)', line: '{"email":"caf\xe9@b.co"}', columns: ['email'] },
  { why: 'DEL in a string: valid JSON, but outside the subset', line: '{"email":"a\x7f@b.co"}', columns: ['email'] },
  { why: 'a raw tab inside a string (invalid JSON)', line: '{"email":"a\tb"}', columns: ['email'] },
  { why: 'a control byte between tokens (invalid JSON)', line: '{"email":\u0001"x"}', columns: ['email'] },
  { why: 'a form feed is no JSON white space', line: '\x0c{"email":"x"}', columns: ['email'] },
  { why: 'a blank line (no record at all)', line: '  \t', columns: ['email'] },
  { why: 'an empty line', line: '', columns: ['email'] },
];

describe('JsonLineFieldScanner on hand-written lines', () => {
  it.each(ACCEPTED)('accepts: $why', ({ line, columns, values }) => {
    const scanner = new JsonLineFieldScanner(columns);
    const bytes = bytesOf(line);
    expect(scanner.scan(bytes, 0, bytes.length)).toBe(true);
    expect(reportedAll(scanner, bytes, columns)).toEqual(values);
    // The oracle agrees with the hand-written values.
    expect(parsedFields(line, columns)).toEqual(values);
    // As a line followed by another: it ends at the line feed, with the same values.
    const joined = bytesOf(`${line}\n{"email":"next@b.co"}`);
    expect(scanner.scanLine(joined, 0)).toBe(bytes.length);
    expect(reportedAll(scanner, joined, columns)).toEqual(values);
  });

  it.each(REFUSED)('refuses: $why', ({ line, columns }) => {
    const scanner = new JsonLineFieldScanner(columns);
    const bytes = bytesOf(line);
    expect(scanner.scan(bytes, 0, bytes.length)).toBe(false);
    expect(scanner.scanLine(bytesOf(`${line}\n{}`), 0)).toBe(-1);
    expect(scanner.scanLine(bytes, 0)).toBe(-1);
  });

  it('reads a line at an offset and stops at its line feed or at the end of the bytes', () => {
    const scanner = new JsonLineFieldScanner(['email']);
    const bytes = bytesOf('{"email":"a@b.co"}\n{"email":"c@d.co"}\r\n{"email":"e@f.co"');
    expect(scanner.scanLine(bytes, 0)).toBe(18);
    expect(reportedAll(scanner, bytes, ['email'])).toEqual(['a@b.co']);
    expect(scanner.scanLine(bytes, 19)).toBe(38); // the CR is white space before the line feed
    expect(reportedAll(scanner, bytes, ['email'])).toEqual(['c@d.co']);
    expect(scanner.scanLine(bytes, 39)).toBe(-1); // unclosed at the end of the bytes
    const last = bytesOf('{}\n{"email":"x"}');
    expect(scanner.scanLine(last, 3)).toBe(last.length); // a last line without a line feed
    // A string cannot run on into the next line.
    expect(scanner.scanLine(bytesOf('{"email":"a\n"}'), 0)).toBe(-1);
  });

  it('takes each column once: a name given twice is refused when the scanner is made', () => {
    // run-transform accepts `device_id=IDFA` with `device_id=GAID` (it refuses only the same column
    // and type twice); the workers then scan for `device_id` once and hand its value to both entries
    // (tests/unit/adapters/node/ascii-json-lines.test.ts). A scanner given the name twice would
    // report it for the first only, so it is refused outright.
    expect(() => new JsonLineFieldScanner(['device_id', 'device_id'])).toThrow(/once/);
  });
});

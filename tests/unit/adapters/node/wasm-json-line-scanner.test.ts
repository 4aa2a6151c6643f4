/**
 * Differential check of WasmJsonLineScanner (json-line-scan.wat, reached through Sha256Batch's
 * loadChunk and lineScanner) against JsonLineFieldScanner (json-line-fields.ts), the JavaScript scanner
 * it is a port of and its reference (json-line-fields.test.ts checks that one against JSON.parse). On
 * every line start tried: the same end (or -1), and on an accepted line the same valueStart for every
 * column and the same valueEnd wherever valueStart is a string's. Then deviceIdKind against
 * normalize-ascii-cell.ts's normalizeAsciiDeviceId. Seeded generated lines and ids; set
 * WASM_JSON_LINE_SCANNER_SEED to replay a failure, WASM_JSON_LINE_SCANNER_COUNT to run more lines.
 */
import { describe, expect, it } from 'vitest';
import { Sha256Batch } from '../../../../src/adapters/node/transform/sha256-batch.ts';
import {
  DEVICE_ID_NOT_UUID,
  DEVICE_ID_UUID,
  DEVICE_ID_ZERO,
  type WasmJsonLineScanner,
} from '../../../../src/adapters/node/transform/wasm-json-line-scanner.ts';
import { NOT_SURE, normalizeAsciiDeviceId } from '../../../../src/core/identifiers/normalize-ascii-cell.ts';
import { CELL_OK, CELL_ZERO_DEVICE_ID } from '../../../../src/core/identifiers/normalize-identifier.ts';
import { FIELD_NULL, JsonLineFieldScanner } from '../../../../src/core/readers/json-line-fields.ts';
import { createSeededRandom } from '../../../../src/destinations/tiktok/emulator/seeded-random.ts';
import {
  bytesOf,
  COLUMN_SETS as SHARED_COLUMN_SETS,
  HEX,
  latin1,
  lineGenerator as generateLines,
  PLAIN,
  seededPicks,
  STRING_BYTES,
} from '../../core/readers/json-lines-generator.ts';

const SEED = Number(process.env.WASM_JSON_LINE_SCANNER_SEED ?? 20261217);
const COUNT = Number(process.env.WASM_JSON_LINE_SCANNER_COUNT ?? 200_000);
const REPLAY = `seed ${SEED} (replay: WASM_JSON_LINE_SCANNER_SEED=${SEED} WASM_JSON_LINE_SCANNER_COUNT=${COUNT})`;

/** The line from `start` (to its line feed), for a failure message. */
function lineAt(chunk: Uint8Array, start: number): string {
  const feed = chunk.indexOf(0x0a, start);
  const end = feed < 0 ? chunk.length : feed;
  const text = JSON.stringify(latin1(chunk, start, Math.min(end, start + 240)));
  return `${text}${end > start + 240 ? '…' : ''}${feed < 0 ? ' (at the end of the chunk)' : ''}`;
}

/**
 * Both scanners on the line at `start` of the loaded chunk: the end they agree on, else what differs.
 * The values are compared on accepted lines only: on a refused one the caller reads none of them,
 * and where each scanner stops filling them is no part of the contract.
 */
function difference(
  wasm: WasmJsonLineScanner,
  reference: JsonLineFieldScanner,
  chunk: Uint8Array,
  start: number,
): number | string {
  const expected = reference.scanLine(chunk, start);
  const got = wasm.scanLine(chunk, start);
  if (got !== expected) return `scanLine ${got}, JavaScript ${expected}`;
  if (expected < 0) return expected;
  const fields = reference.valueStart.length;
  if (wasm.valueStart.length !== fields || wasm.valueEnd.length !== fields) {
    return `${wasm.valueStart.length}/${wasm.valueEnd.length} outputs for ${fields} columns (a detached view?)`;
  }
  for (let field = 0; field < fields; field += 1) {
    const valueStart = reference.valueStart[field] as number;
    if (wasm.valueStart[field] !== valueStart) {
      return `column ${field}: valueStart ${wasm.valueStart[field]}, JavaScript ${valueStart}`;
    }
    // valueEnd is only meaningful for a string value (valueStart >= 0); otherwise it may be stale.
    if (valueStart >= 0 && wasm.valueEnd[field] !== reference.valueEnd[field]) {
      return `column ${field}: valueEnd ${wasm.valueEnd[field]}, JavaScript ${reference.valueEnd[field]}`;
    }
  }
  return expected;
}

/**
 * Loads `text` as the batch's chunk, after loading it once followed by `poison` so that the module
 * memory just past the chunk holds bytes that would complete a truncated line: a scan that read past
 * the chunk's end (the 16-byte string loads, say) would accept what the JavaScript scanner refuses.
 */
function loadPoisoned(batch: Sha256Batch, text: string, poison: string): Uint8Array {
  batch.loadChunk(bytesOf(`${text}${poison}`));
  return batch.loadChunk(bytesOf(text));
}
/** Bytes that finish an unterminated string, object or literal (each repeated past the 64 bytes of slack). */
const POISONS = ['"}', '}', '"}\n', 'ull}', ' }', '"x"}', '0}'].map((poison) => poison.repeat(48));

/** The generator's column sets and two more: names over 16 bytes (one a prefix of another, and the
 * empty name `""`), and more columns than the others (longer name table and outputs). */
const COLUMN_SETS: readonly (readonly string[])[] = [
  ...SHARED_COLUMN_SETS,
  ['customer_email_address', 'customer_email_address_2', 'customer_phone_number_mobile', ''],
  Array.from({ length: 24 }, (_unused, index) => `c${index}`),
];

/** The shared generator with its longer strings and keys and STRING_BYTES near misses. */
const lineGenerator = (seed: number): ((columns: readonly string[]) => string) => {
  const next = generateLines(seed, { wide: true });
  return (columns) => next(columns).text;
};

interface Stats {
  comparisons: number;
  accepted: number;
  /** Accepted with a mapped string value of 16 bytes or more (the vector loop found its closing quote). */
  acceptedLongValue: number;
  /** Accepted, ending at the end of the chunk (no line feed after it). */
  acceptedAtChunkEnd: number;
  refused: number;
  nulls: number;
  strings: number;
}
const newStats = (): Stats => ({
  comparisons: 0,
  accepted: 0,
  acceptedLongValue: 0,
  acceptedAtChunkEnd: 0,
  refused: 0,
  nulls: 0,
  strings: 0,
});

/** Compares both scanners at every start of a loaded chunk; failures go to `mismatches` (the first dozen). */
function compareChunk(
  batch: Sha256Batch,
  columns: readonly string[],
  reference: JsonLineFieldScanner,
  chunk: Uint8Array,
  starts: readonly number[],
  stats: Stats,
  mismatches: string[],
  where: string,
): void {
  // After loadChunk, which may have grown (and so detached) the module memory: views made again.
  const wasm = batch.lineScanner(columns);
  if (wasm === null) {
    mismatches.push(`${where}: lineScanner gave null for ${JSON.stringify(columns)}`);
    return;
  }
  for (const start of starts) {
    stats.comparisons += 1;
    const end = difference(wasm, reference, chunk, start);
    if (typeof end === 'string') {
      if (mismatches.length < 12) {
        mismatches.push(
          `${where}, columns ${JSON.stringify(columns)}, start ${start} of ${chunk.length}: ${end}; line ${lineAt(chunk, start)}`,
        );
      }
      continue;
    }
    if (end < 0) {
      stats.refused += 1;
      continue;
    }
    stats.accepted += 1;
    if (end === chunk.length) stats.acceptedAtChunkEnd += 1;
    let long = false;
    reference.valueStart.forEach((valueStart, field) => {
      if (valueStart === FIELD_NULL) stats.nulls += 1;
      if (valueStart < 0) return;
      stats.strings += 1;
      if ((reference.valueEnd[field] as number) - valueStart >= 16) long = true;
    });
    if (long) stats.acceptedLongValue += 1;
  }
}

describe('WasmJsonLineScanner = JsonLineFieldScanner', () => {
  it(`agrees on ${COUNT} generated lines in chunks, every column set (seed ${SEED})`, () => {
    const next = lineGenerator(SEED);
    const random = createSeededRandom(SEED ^ 0x5bd1e995);
    const int = (below: number): number => Math.floor(random() * below);
    const chance = (probability: number): boolean => random() < probability;
    const references = COLUMN_SETS.map((columns) => new JsonLineFieldScanner(columns));
    // One batch for the whole run, as a worker has: the scanner is remade when the column set
    // changes (its names overwrite the previous set's) and reused, with fresh views, when it does not.
    const batch = new Sha256Batch();
    const stats = newStats();
    const mismatches: string[] = [];
    let lines = 0;
    let set = 0;
    for (let chunkIndex = 0; lines < COUNT; chunkIndex += 1) {
      if (chance(0.3)) set = int(COLUMN_SETS.length);
      const columns = COLUMN_SETS[set] as readonly string[];
      const size = chance(0.1) ? 1 : 1 + int(300);
      const starts: number[] = [];
      let text = '';
      for (let line = 0; line < size; line += 1) {
        let generated = next(columns);
        // The chunk's last line, now and then cut short: an unterminated string or object at the chunk's end.
        if (line === size - 1 && chance(0.2)) generated = generated.slice(0, int(generated.length + 1));
        starts.push(text.length);
        text += generated;
        if (line < size - 1 || chance(0.5)) text += chance(0.1) ? '\r\n' : '\n';
      }
      // And a few starts anywhere (inside a line, on its line feed, at the chunk's very end).
      for (let extra = int(4); extra > 0; extra -= 1) starts.push(int(text.length + 1));
      if (chance(0.05)) starts.push(text.length);
      lines += size;
      const chunk = loadPoisoned(batch, text, POISONS[int(POISONS.length)] as string);
      compareChunk(
        batch,
        columns,
        references[set] as JsonLineFieldScanner,
        chunk,
        starts,
        stats,
        mismatches,
        `chunk ${chunkIndex}`,
      );
    }

    expect(mismatches, REPLAY).toEqual([]);
    // The mix really reaches every outcome, in volume.
    const share = (part: number): string => `${part} of ${stats.comparisons} (${REPLAY}, ${JSON.stringify(stats)})`;
    expect(stats.comparisons, share(stats.comparisons)).toBeGreaterThanOrEqual(COUNT);
    expect(stats.accepted, share(stats.accepted)).toBeGreaterThan(stats.comparisons * 0.3);
    expect(stats.refused, share(stats.refused)).toBeGreaterThan(stats.comparisons * 0.2);
    expect(stats.acceptedLongValue, share(stats.acceptedLongValue)).toBeGreaterThan(stats.comparisons * 0.1);
    expect(stats.acceptedAtChunkEnd, share(stats.acceptedAtChunkEnd)).toBeGreaterThan(COUNT / 4000);
    expect(stats.nulls, share(stats.nulls)).toBeGreaterThan(stats.comparisons * 0.05);
    expect(stats.strings, share(stats.strings)).toBeGreaterThan(stats.comparisons * 0.3);
  }, 120_000);

  it('agrees with each refused or ending byte at every position of a string (mod 16), in a key or a value, mid-chunk or at its end', () => {
    const random = createSeededRandom(SEED ^ 0x2545f491);
    const filler = (length: number): string => {
      let text = '';
      for (let index = 0; index < length; index += 1) text += PLAIN[Math.floor(random() * PLAIN.length)] as string;
      return text;
    };
    const columns = COLUMN_SETS[0] as readonly string[];
    const reference = new JsonLineFieldScanner(columns);
    const batch = new Sha256Batch();
    const stats = newStats();
    const mismatches: string[] = [];
    const places = [
      (body: string) => `{"${body}":"v","email":"a@b.co"}`,
      (body: string) => `{"email":"${body}","n":1}`,
      (body: string) => `{"zz":"${body}","phone":"x"}`,
    ];
    let cases = 0;
    // `null`: no such byte, the string is plain (and accepted) with its closing quote at every position.
    for (const special of [null, ...STRING_BYTES]) {
      for (let position = 0; position < 48; position += 1) {
        for (const tail of [0, 1, 2, 15, 16, 17]) {
          for (const [place, line] of places.entries()) {
            const body = `${filler(position)}${special ?? ''}${filler(tail)}`;
            const text = line(body);
            const bodyAt = text.indexOf(body);
            const poison = POISONS[cases % POISONS.length] as string;
            const where = `byte ${JSON.stringify(special)} at ${position}, ${tail} after, place ${place}`;
            // Between other lines; last in the chunk without a line feed; cut off just before and just
            // after the byte (an unterminated string at the chunk's end, garbage in memory after it).
            const variants = [
              { chunkText: `{}\n${text}\n{"email":"next@b.co"}`, start: 3 },
              { chunkText: `{}\n${text}`, start: 3 },
              { chunkText: `{}\n${text.slice(0, bodyAt + position)}`, start: 3 },
              { chunkText: `{}\n${text.slice(0, bodyAt + position + 1)}`, start: 3 },
            ];
            for (const { chunkText, start } of variants) {
              cases += 1;
              const chunk = loadPoisoned(batch, chunkText, poison);
              compareChunk(batch, columns, reference, chunk, [start], stats, mismatches, where);
            }
          }
        }
      }
    }
    expect(mismatches, REPLAY).toEqual([]);
    expect(cases).toBe(16 * 48 * 6 * 3 * 4);
    // Plain strings of every length are accepted mid-chunk and at its end, the rest refused.
    expect(stats.acceptedLongValue, JSON.stringify(stats)).toBeGreaterThan(1000);
    expect(stats.acceptedAtChunkEnd, JSON.stringify(stats)).toBeGreaterThan(1000);
    expect(stats.refused, JSON.stringify(stats)).toBeGreaterThan(cases * 0.5);
  });

  it('agrees after the module memory grows (a 3 MiB chunk, then a small one, then 5 MiB), views refreshed', () => {
    const next = lineGenerator(SEED + 1);
    const random = createSeededRandom(SEED + 1);
    const columns = COLUMN_SETS[1] as readonly string[];
    const reference = new JsonLineFieldScanner(columns);
    const batch = new Sha256Batch();
    const stats = newStats();
    const mismatches: string[] = [];
    /** Lines up to `bytes` long in all, and each line's start. */
    const chunkOf = (bytes: number): { text: string; starts: number[] } => {
      const parts: string[] = [];
      const starts: number[] = [];
      let length = 0;
      while (length < bytes) {
        const line = next(columns);
        starts.push(length);
        parts.push(line);
        length += line.length + 1;
      }
      // The last line ends at the chunk's end (no line feed).
      return { text: parts.join('\n'), starts };
    };
    const initialMemory = batch.loadChunk(new Uint8Array(1)).buffer.byteLength;
    const sizes = [20_000, 3 * 1024 * 1024, 1_000, 5 * 1024 * 1024, 64];
    let previousMemory = initialMemory;
    for (const [index, size] of sizes.entries()) {
      const { text, starts } = chunkOf(size);
      const chunk = loadPoisoned(batch, text, POISONS[index % POISONS.length] as string);
      const memory = chunk.buffer.byteLength;
      compareChunk(
        batch,
        columns,
        reference,
        chunk,
        starts,
        stats,
        mismatches,
        `chunk ${index} (${text.length} bytes)`,
      );
      // Random starts as well (mid-line), in the large chunks too.
      const extra = Array.from({ length: 200 }, () => Math.floor(random() * (text.length + 1)));
      compareChunk(batch, columns, reference, chunk, extra, stats, mismatches, `chunk ${index}, random starts`);
      // Memory never shrinks; it grew for the 3 and 5 MiB chunks.
      expect(memory).toBeGreaterThanOrEqual(previousMemory);
      if (size > 1024 * 1024) expect(memory, `chunk ${index}`).toBeGreaterThan(previousMemory);
      previousMemory = memory;
    }
    expect(previousMemory).toBeGreaterThan(initialMemory);
    expect(mismatches, REPLAY).toEqual([]);
    expect(stats.accepted, JSON.stringify(stats)).toBeGreaterThan(stats.comparisons * 0.3);
    expect(stats.comparisons, JSON.stringify(stats)).toBeGreaterThan(50_000);
  });

  it('gives null, not a scanner of other names, when the names do not fit its area', () => {
    // The names and outputs live between the batch's own areas and the chunk (tens of KiB): a
    // megabyte of names cannot fit; the caller then keeps the JavaScript scanner.
    const batch = new Sha256Batch();
    batch.loadChunk(bytesOf('{"email":"a@b.co"}'));
    const huge = Array.from({ length: 64 }, (_unused, index) => `${index}`.padEnd(16 * 1024, 'x'));
    expect(batch.lineScanner(huge)).toBeNull();
    // A set that fits still works afterwards.
    const chunk = batch.loadChunk(bytesOf('{"email":"a@b.co"}'));
    const scanner = batch.lineScanner(['email']);
    expect(scanner).not.toBeNull();
    expect(scanner?.scanLine(chunk, 0)).toBe(18);
    expect(Array.from(scanner?.valueStart ?? [])).toEqual([10]);
    expect(Array.from(scanner?.valueEnd ?? [])).toEqual([16]);
  });
});

// ---- deviceIdKind. ----
const LOWER_HEX = '0123456789abcdef';
const ZERO_ID = '00000000-0000-0000-0000-000000000000';
const DASHES = [8, 13, 18, 23];

/** normalizeAsciiDeviceId's verdict as deviceIdKind's answer (what the workers take it for). */
function expectedKind(bytes: Uint8Array, start: number): number | string {
  const verdict = normalizeAsciiDeviceId(bytes, start, start + 36);
  if (verdict === CELL_OK) return DEVICE_ID_UUID;
  if (verdict === CELL_ZERO_DEVICE_ID) return DEVICE_ID_ZERO;
  if (verdict === NOT_SURE) return DEVICE_ID_NOT_UUID;
  return `normalizeAsciiDeviceId verdict ${verdict}`;
}

/** 36-byte strings: systematic mutations first, then seeded random shapes up to `count`. */
function deviceIdStrings(seed: number, count: number): string[] {
  const { random, int, chance, pick, run } = seededPicks(seed);
  const randomCase = (text: string): string =>
    Array.from(text, (character) => (chance(0.5) ? character.toUpperCase() : character)).join('');
  const uuid = (): string => [8, 4, 4, 4, 12].map((length) => run(LOWER_HEX, length)).join('-');
  const replaceAt = (text: string, at: number, character: string): string =>
    `${text.slice(0, at)}${character}${text.slice(at + 1)}`;

  const strings: string[] = [];
  // Every byte value (printable ASCII and the rest) at every position of a UUID, of its upper-case
  // form and of the all-zero one.
  for (const base of [uuid(), uuid().toUpperCase(), randomCase(uuid()), ZERO_ID]) {
    for (let at = 0; at < 36; at += 1) {
      for (let code = 0; code < 256; code += 1) strings.push(replaceAt(base, at, String.fromCharCode(code)));
    }
  }
  // Printable ASCII at every position of more random UUIDs.
  for (let base = 0; base < 6; base += 1) {
    const id = randomCase(uuid());
    for (let at = 0; at < 36; at += 1) {
      for (let code = 0x20; code < 0x7f; code += 1) strings.push(replaceAt(id, at, String.fromCharCode(code)));
    }
  }
  // The all-zero id with one digit not zero (every hex digit, either case, at every digit position):
  // UUIDs, not the zero id. And with letters that look like zero (not hex).
  for (let at = 0; at < 36; at += 1) {
    if (DASHES.includes(at)) continue;
    for (const digit of '123456789abcdefABCDEFoOgG') strings.push(replaceAt(ZERO_ID, at, digit));
  }
  strings.push(ZERO_ID, ZERO_ID.toUpperCase(), ZERO_ID.replaceAll('-', '0'), `${'0'.repeat(32)}----`);

  while (strings.length < count) {
    const shape = random();
    const id = uuid();
    if (shape < 0.3) strings.push(randomCase(id));
    else if (shape < 0.4) strings.push(chance(0.5) ? id : id.toUpperCase());
    else if (shape < 0.5) {
      // A dash moved to another place.
      const from = pick(DASHES);
      const to = int(36);
      strings.push(replaceAt(replaceAt(id, from, pick([...LOWER_HEX])), to, '-'));
    } else if (shape < 0.55) strings.push(replaceAt(id, pick(DASHES), pick(['_', ' ', '0', 'a', '+', '.', ':'])));
    else if (shape < 0.6)
      strings.push(`${run(HEX, 32)}${run('-', 4)}`); // 36 bytes, dashes at the end
    else if (shape < 0.65) strings.push(`-${id.replaceAll('-', '').slice(0, 31)}${run(HEX, 4)}`);
    else if (shape < 0.7) strings.push(run(`${HEX}-`, 36));
    else if (shape < 0.75)
      strings.push(randomCase(replaceAt(id, int(36), pick(['g', 'G', 'z', '@', '`', '/', ':', 'x']))));
    else if (shape < 0.8) {
      // The all-zero id with some digits changed, or its dashes kept but not its digits.
      let text = ZERO_ID;
      for (let changes = 1 + int(3); changes > 0; changes -= 1) {
        const at = int(36);
        if (!DASHES.includes(at)) text = replaceAt(text, at, pick([...'0123456789abcdefABCDEF']));
      }
      strings.push(text);
    } else if (shape < 0.85)
      strings.push(run(String.fromCharCode(...Array.from({ length: 95 }, (_u, i) => 0x20 + i)), 36));
    else strings.push(randomCase(replaceAt(id, int(36), String.fromCharCode(0x20 + int(95)))));
  }
  return strings;
}

describe('WasmJsonLineScanner.deviceIdKind = normalizeAsciiDeviceId', () => {
  const DEVICE_COUNT = Math.max(100_000, Math.floor(COUNT / 2));

  it(`agrees on ${DEVICE_COUNT} 36-byte strings at every alignment, one at the chunk's very end (seed ${SEED})`, () => {
    const strings = deviceIdStrings(SEED ^ 0x68e31da4, DEVICE_COUNT);
    const random = createSeededRandom(SEED ^ 0x1b873593);
    const batch = new Sha256Batch();
    const mismatches: string[] = [];
    const kinds = new Map<number | string, number>();
    // Chunks of up to 5,000 strings, each after 0–3 bytes of filler (so at every offset mod 16).
    for (let from = 0; from < strings.length; from += 5_000) {
      const group = strings.slice(from, from + 5_000);
      let text = '';
      const starts: number[] = [];
      for (const id of group) {
        text += '\n-0a"'.slice(0, Math.floor(random() * 4));
        starts.push(text.length);
        text += id;
      }
      // The last string ends the chunk; the memory after it holds a previous chunk's bytes.
      const chunk = loadPoisoned(batch, text, '0'.repeat(80));
      const scanner = batch.lineScanner(['device_id']);
      expect(scanner).not.toBeNull();
      starts.forEach((start, index) => {
        const expected = expectedKind(chunk, start);
        const got = (scanner as WasmJsonLineScanner).deviceIdKind(start);
        kinds.set(expected, (kinds.get(expected) ?? 0) + 1);
        if (got !== expected && mismatches.length < 12) {
          mismatches.push(
            `#${from + index} ${JSON.stringify(latin1(chunk, start, start + 36))} at offset ${start}: deviceIdKind ${got}, expected ${expected}`,
          );
        }
      });
    }
    expect(mismatches, REPLAY).toEqual([]);
    expect(strings.length).toBeGreaterThanOrEqual(DEVICE_COUNT);
    // Every answer, in volume; and normalizeAsciiDeviceId gave no verdict outside the three.
    const summary = `${REPLAY}: ${JSON.stringify(Object.fromEntries(kinds))}`;
    expect([...kinds.keys()].sort(), summary).toEqual([DEVICE_ID_NOT_UUID, DEVICE_ID_UUID, DEVICE_ID_ZERO].sort());
    expect(kinds.get(DEVICE_ID_UUID) ?? 0, summary).toBeGreaterThan(DEVICE_COUNT * 0.2);
    expect(kinds.get(DEVICE_ID_NOT_UUID) ?? 0, summary).toBeGreaterThan(DEVICE_COUNT * 0.2);
    expect(kinds.get(DEVICE_ID_ZERO) ?? 0, summary).toBeGreaterThan(30);
  });

  it('answers hand-written ids as the rules say (values from normalization.md, not the code)', () => {
    const cases: Array<[string, number]> = [
      ['0123abcd-4567-89ef-abcd-0123456789ab', DEVICE_ID_UUID],
      ['0123ABCD-4567-89EF-ABCD-0123456789AB', DEVICE_ID_UUID],
      ['0123aBcD-4567-89eF-AbCd-0123456789aB', DEVICE_ID_UUID],
      [ZERO_ID, DEVICE_ID_ZERO],
      ['00000000-0000-0000-0000-000000000001', DEVICE_ID_UUID],
      ['10000000-0000-0000-0000-000000000000', DEVICE_ID_UUID],
      ['0000000o-0000-0000-0000-000000000000', DEVICE_ID_NOT_UUID],
      ['0123abcd-4567-89ef-abcd-0123456789ag', DEVICE_ID_NOT_UUID],
      ['g123abcd-4567-89ef-abcd-0123456789ab', DEVICE_ID_NOT_UUID],
      ['0123abcd-4567-89ef-abcd-012345678-ab', DEVICE_ID_NOT_UUID],
      ['0123abcd_4567-89ef-abcd-0123456789ab', DEVICE_ID_NOT_UUID],
      ['0123abcd045670-89ef-abcd-0123456789a', DEVICE_ID_NOT_UUID],
      ['0123abcd4567-89ef-abcd-0123456789ab-', DEVICE_ID_NOT_UUID],
      // `@` and `` ` `` are just below A and a, `G` and `g` just above F and f, `/` and `:` around the digits.
      ['@123abcd-4567-89ef-abcd-0123456789ab', DEVICE_ID_NOT_UUID],
      ['`123abcd-4567-89ef-abcd-0123456789ab', DEVICE_ID_NOT_UUID],
      ['/123abcd-4567-89ef-abcd-0123456789ab', DEVICE_ID_NOT_UUID],
      [':123abcd-4567-89ef-abcd-0123456789ab', DEVICE_ID_NOT_UUID],
    ];
    const batch = new Sha256Batch();
    const chunk = batch.loadChunk(bytesOf(cases.map(([id]) => id).join('\n')));
    const scanner = batch.lineScanner(['device_id']) as WasmJsonLineScanner;
    expect(cases.filter(([id]) => id.length !== 36)).toEqual([]);
    expect(cases.map((_case, index) => [index, scanner.deviceIdKind(index * 37)] as const)).toEqual(
      cases.map(([, kind], index) => [index, kind] as const),
    );
    // And normalizeAsciiDeviceId says the same of them.
    expect(cases.map((_case, index) => expectedKind(chunk, index * 37))).toEqual(cases.map(([, kind]) => kind));
  });
});

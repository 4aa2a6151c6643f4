import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DIGEST_SORT_WASM_BASE64 } from '../../../../src/adapters/node/transform/digest-sort-wasm.ts';
import { sortUniqueDigestLinesFast } from '../../../../src/adapters/node/transform/digest-sort.ts';
import { sortUniqueDigestLines } from '../../../../src/core/transform/sort-unique-digests.ts';
import { compileWat } from '../../../../scripts/build-wasm.mjs';
import { seededRandomForTest } from '../../../helpers/test-seed.ts';

const pack = (digests: Buffer[]): Uint8Array => new Uint8Array(Buffer.concat(digests));
/** The lines written, as strings (each must be 64 hex characters and a newline). */
const hexLines = (lines: Uint8Array, count: number): string[] => {
  const text = Buffer.from(lines.buffer, lines.byteOffset, lines.byteLength).toString('latin1');
  expect(text.length).toBe(count * 65);
  return text === '' ? [] : text.slice(0, -1).split('\n');
};
/** The reference: distinct hex strings, sorted as strings (byte order for lowercase hex). */
const reference = (digests: Buffer[]): string[] => [...new Set(digests.map((digest) => digest.toString('hex')))].sort();
const sha = (text: string): Buffer => createHash('sha256').update(text).digest();

describe('sortUniqueDigestLinesFast (digest-sort.wat)', () => {
  it('sorts ascending and drops exact duplicates, like a set of hex strings sorted', () => {
    const distinct = Array.from({ length: 20_000 }, (_unused, index) => sha(`person-${index}`));
    const input = [...distinct, ...distinct.slice(0, 3000), ...distinct.slice(15_000, 15_100), ...distinct.slice(0, 7)];
    const sorted = sortUniqueDigestLinesFast(pack(input), input.length);
    expect(sorted.count).toBe(20_000);
    expect(hexLines(sorted.lines, sorted.count)).toEqual(reference(input));
    // The lines are a buffer of their own, so a worker can transfer them.
    expect(sorted.lines.byteOffset).toBe(0);
    expect(sorted.lines.buffer.byteLength).toBe(sorted.count * 65);
  });

  it('handles nothing, one digest, one repeated digest, the extreme digests and a view at an odd offset', () => {
    expect(sortUniqueDigestLinesFast(new Uint8Array(0), 0).count).toBe(0);
    const one = sha('one');
    expect(hexLines(sortUniqueDigestLinesFast(pack([one]), 1).lines, 1)).toEqual([one.toString('hex')]);
    const same = Array.from({ length: 5000 }, () => one);
    const sortedSame = sortUniqueDigestLinesFast(pack(same), same.length);
    expect(hexLines(sortedSame.lines, sortedSame.count)).toEqual([one.toString('hex')]);
    const extremes = [Buffer.alloc(32, 0xff), Buffer.alloc(32, 0), one, Buffer.alloc(32, 0), Buffer.alloc(32, 0xff)];
    const sortedExtremes = sortUniqueDigestLinesFast(pack(extremes), extremes.length);
    expect(hexLines(sortedExtremes.lines, sortedExtremes.count)).toEqual(reference(extremes));
    const digests = Array.from({ length: 999 }, (_unused, index) => sha(`odd-${index % 900}`));
    const shifted = new Uint8Array(digests.length * 32 + 3);
    shifted.set(pack(digests), 3);
    const fromShifted = sortUniqueDigestLinesFast(shifted.subarray(3), digests.length);
    expect(hexLines(fromShifted.lines, fromShifted.count)).toEqual(reference(digests));
  });

  it('orders digests that share leading bytes (a spill bucket, crafted pre-hashed input) exactly', () => {
    const { random } = seededRandomForTest('digest-sort shared prefixes');
    const bytes = (length: number): Buffer => Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
    // A spill bucket: the first byte is common and said to be.
    const bucket = Array.from({ length: 3000 }, () => Buffer.concat([Buffer.from([0xab]), bytes(31)]));
    const withRepeats = [...bucket, ...bucket.slice(0, 400)];
    const sortedBucket = sortUniqueDigestLinesFast(pack(withRepeats), withRepeats.length, 1);
    expect(hexLines(sortedBucket.lines, sortedBucket.count)).toEqual(reference(withRepeats));
    // Crafted: 12 shared bytes nobody said were shared, so every digest lands in one bucket (the
    // WebAssembly gives up on so crowded a bucket and the JavaScript sorts it).
    const shared = bytes(12);
    const crafted = Array.from({ length: 4000 }, () => Buffer.concat([shared, bytes(20)]));
    const input = [...crafted, ...crafted.slice(0, 100), Buffer.alloc(32, 0)];
    const sorted = sortUniqueDigestLinesFast(pack(input), input.length);
    expect(hexLines(sorted.lines, sorted.count)).toEqual(reference(input));
    // A few digests sharing 4 bytes among many that do not: small crowded buckets, sorted in place.
    const mixed = [...Array.from({ length: 5000 }, () => bytes(32)), ...crafted.slice(0, 12)];
    const sortedMixed = sortUniqueDigestLinesFast(pack(mixed), mixed.length);
    expect(hexLines(sortedMixed.lines, sortedMixed.count)).toEqual(reference(mixed));
  });

  it('gives the same bytes as the JavaScript sort for seeded groups of every shape', () => {
    const { random } = seededRandomForTest('digest-sort differential');
    for (const count of [2, 3, 15, 16, 17, 255, 4096, 16_384, 70_000, 300_000]) {
      for (const prefix of [0, 1, 3]) {
        const packed = new Uint8Array(count * 32);
        for (let index = 0; index < count; index += 1) {
          if (index > 0 && random() < 0.15) {
            const earlier = Math.floor(random() * index);
            packed.copyWithin(index * 32, earlier * 32, earlier * 32 + 32);
            continue;
          }
          for (let byte = 0; byte < 32; byte += 1)
            packed[index * 32 + byte] = byte < prefix ? 0x5c : Math.floor(random() * 256);
        }
        const expected = sortUniqueDigestLines(packed.slice(), count, prefix);
        const actual = sortUniqueDigestLinesFast(packed.slice(), count, prefix);
        expect(actual.count, `${count} digests, prefix ${prefix}`).toBe(expected.count);
        expect(
          Buffer.from(actual.lines).equals(Buffer.from(expected.lines)),
          `${count} digests, prefix ${prefix}`,
        ).toBe(true);
      }
    }
  });

  it('carries the binary that digest-sort.wat compiles to (node scripts/build-wasm.mjs)', async () => {
    expect((await compileWat('digest-sort.wat')).toString('base64')).toBe(DIGEST_SORT_WASM_BASE64);
  });
});

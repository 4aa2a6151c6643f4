import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sortUniqueDigests } from '../../../../src/core/transform/sort-unique-digests.ts';

const pack = (digests: Buffer[]): Uint8Array => new Uint8Array(Buffer.concat(digests));
const hexLines = (packed: Uint8Array, count: number): string[] =>
  Array.from({ length: count }, (_unused, index) =>
    Buffer.from(packed.subarray(index * 32, index * 32 + 32)).toString('hex'),
  );
/** The reference: distinct hex strings, sorted as strings (byte order for lowercase hex). */
const reference = (digests: Buffer[]): string[] => [...new Set(digests.map((digest) => digest.toString('hex')))].sort();

describe('sortUniqueDigests', () => {
  it('sorts ascending and drops exact duplicates, like a set of hex strings sorted', () => {
    const distinct = Array.from({ length: 5000 }, (_unused, index) =>
      createHash('sha256').update(`person-${index}`).digest(),
    );
    const withRepeats = [
      ...distinct,
      ...distinct.slice(0, 1200),
      ...distinct.slice(3000, 3100),
      ...distinct.slice(0, 7),
    ];
    const sorted = sortUniqueDigests(pack(withRepeats), withRepeats.length);
    expect(sorted.count).toBe(5000);
    expect(hexLines(sorted.digests, sorted.count)).toEqual(reference(withRepeats));
  });

  it('orders digests that share their leading bytes by the bytes after them (crafted, e.g. pre-hashed input)', () => {
    const shared = randomBytes(12);
    const crafted = Array.from({ length: 300 }, (_unused, index) =>
      Buffer.concat([shared, randomBytes(20)]).fill(index % 7, 31),
    );
    const input = [
      ...crafted,
      ...crafted.slice(0, 50),
      Buffer.alloc(32, 0),
      Buffer.alloc(32, 0xff),
      Buffer.alloc(32, 0),
    ];
    const sorted = sortUniqueDigests(pack(input), input.length);
    expect(hexLines(sorted.digests, sorted.count)).toEqual(reference(input));
  });

  it('handles a spill bucket whose first byte is common, and the empty case', () => {
    const bucket = Array.from({ length: 2000 }, () => Buffer.concat([Buffer.from([0xab]), randomBytes(31)]));
    const input = [...bucket, ...bucket.slice(0, 300)];
    const sorted = sortUniqueDigests(pack(input), input.length, 1);
    expect(hexLines(sorted.digests, sorted.count)).toEqual(reference(input));
    expect(sortUniqueDigests(new Uint8Array(0), 0).count).toBe(0);
    // A view at an odd offset (digests are moved as 32-bit words internally).
    const shifted = new Uint8Array(input.length * 32 + 1);
    shifted.set(pack(input), 1);
    const fromShifted = sortUniqueDigests(shifted.subarray(1), input.length, 1);
    expect(hexLines(fromShifted.digests, fromShifted.count)).toEqual(reference(input));
  });
});

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

  it('stays exact past 2^21 digests, where the sort key gives up bits to the index', () => {
    // 2,200,000 digests (2^21 = 2,097,152) from a fixed-seed xorshift generator, one in eleven a
    // repeat of an earlier one. Checked without a second sort: strictly ascending, the right count,
    // and the same XOR of all distinct digests as the input's.
    const count = 2_200_000;
    const packed = new Uint8Array(count * 32);
    const words = new Uint32Array(packed.buffer);
    let state = 0x9e3779b9;
    const expectedXor = new Uint32Array(8);
    for (let index = 0; index < count; index += 1) {
      if (index % 11 === 10) {
        packed.copyWithin(index * 32, (index - 7) * 32, (index - 6) * 32);
        continue;
      }
      for (let word = 0; word < 8; word += 1) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        words[index * 8 + word] = state >>> 0;
        expectedXor[word] = (expectedXor[word] as number) ^ (state >>> 0);
      }
    }
    const sorted = sortUniqueDigests(packed, count);
    expect(sorted.count).toBe(count - Math.floor(count / 11));
    const out = Buffer.from(sorted.digests.buffer, sorted.digests.byteOffset, sorted.count * 32);
    const outWords = new Uint32Array(sorted.digests.buffer, sorted.digests.byteOffset, sorted.count * 8);
    const xor = new Uint32Array(8);
    let ascending = true;
    for (let index = 0; index < sorted.count; index += 1) {
      for (let word = 0; word < 8; word += 1)
        xor[word] = (xor[word] as number) ^ (outWords[index * 8 + word] as number);
      // compare() is source (this digest) against target (the one before): 1 when greater.
      if (index > 0 && out.compare(out, (index - 1) * 32, index * 32, index * 32, index * 32 + 32) <= 0)
        ascending = false;
    }
    expect(ascending).toBe(true);
    expect([...xor]).toEqual([...expectedXor]);
  });
});

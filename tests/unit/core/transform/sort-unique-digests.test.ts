import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { groupByLeadingByte, sortUniqueDigestLines } from '../../../../src/core/transform/sort-unique-digests.ts';

const pack = (digests: Buffer[]): Uint8Array => new Uint8Array(Buffer.concat(digests));
/** The lines written, as strings (each must be 64 hex characters and a newline). */
const hexLines = (lines: Uint8Array, count: number): string[] => {
  const text = Buffer.from(lines).toString('latin1');
  expect(text.length).toBe(count * 65);
  return text === '' ? [] : text.slice(0, -1).split('\n');
};
/** The reference: distinct hex strings, sorted as strings (byte order for lowercase hex). */
const reference = (digests: Buffer[]): string[] => [...new Set(digests.map((digest) => digest.toString('hex')))].sort();

describe('sortUniqueDigestLines', () => {
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
    const sorted = sortUniqueDigestLines(pack(withRepeats), withRepeats.length);
    expect(sorted.count).toBe(5000);
    expect(hexLines(sorted.lines, sorted.count)).toEqual(reference(withRepeats));
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
    const sorted = sortUniqueDigestLines(pack(input), input.length);
    expect(hexLines(sorted.lines, sorted.count)).toEqual(reference(input));
  });

  it('handles a spill bucket whose first byte is common, and the empty case', () => {
    const bucket = Array.from({ length: 2000 }, () => Buffer.concat([Buffer.from([0xab]), randomBytes(31)]));
    const input = [...bucket, ...bucket.slice(0, 300)];
    const sorted = sortUniqueDigestLines(pack(input), input.length, 1);
    expect(hexLines(sorted.lines, sorted.count)).toEqual(reference(input));
    expect(sortUniqueDigestLines(new Uint8Array(0), 0).count).toBe(0);
    // A view at an odd offset.
    const shifted = new Uint8Array(input.length * 32 + 1);
    shifted.set(pack(input), 1);
    const fromShifted = sortUniqueDigestLines(shifted.subarray(1), input.length, 1);
    expect(hexLines(fromShifted.lines, fromShifted.count)).toEqual(reference(input));
  });

  it('stays exact with tens of digests per bucket (2.2M digests, far more than the 65,536 buckets)', () => {
    // 2,200,000 digests from a fixed-seed xorshift generator, one in eleven a repeat of an earlier
    // one: buckets hold ≈ 34 digests, so both the insertion and the Array#sort paths run. Checked
    // without a second sort: strictly ascending, the right count, and the same XOR of all distinct
    // digests as the input's.
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
    const sorted = sortUniqueDigestLines(packed, count);
    expect(sorted.count).toBe(count - Math.floor(count / 11));
    // Back to bytes, a slice of lines at a time (each line: 64 hex characters and a newline).
    const out = Buffer.alloc(sorted.count * 32);
    const text = Buffer.from(sorted.lines.buffer, sorted.lines.byteOffset, sorted.lines.byteLength);
    for (let first = 0; first < sorted.count; first += 65536) {
      const lines = text.toString('latin1', first * 65, Math.min(sorted.count, first + 65536) * 65);
      expect(lines).toMatch(/^(?:[0-9a-f]{64}\n)+$/);
      out.set(Buffer.from(lines.replaceAll('\n', ''), 'hex'), first * 32);
    }
    const outWords = new Uint32Array(out.buffer, out.byteOffset, sorted.count * 8);
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

describe('groupByLeadingByte', () => {
  const check = (packed: Uint8Array, count: number, digests: Buffer[]): void => {
    const { packed: grouped, starts } = groupByLeadingByte(packed, count);
    expect(grouped.buffer).toBe(packed.buffer); // in place
    expect(starts.length).toBe(257);
    expect(starts[0]).toBe(0);
    expect(starts[256]).toBe(count);
    // Each leading byte's run holds exactly that byte's digests, in their original order (stable).
    for (let byte = 0; byte < 256; byte += 1) {
      const run = Array.from({ length: (starts[byte + 1] as number) - (starts[byte] as number) }, (_unused, index) =>
        Buffer.from(
          grouped.subarray(((starts[byte] as number) + index) * 32, ((starts[byte] as number) + index + 1) * 32),
        ).toString('hex'),
      );
      expect(run).toEqual(digests.filter((digest) => digest[0] === byte).map((digest) => digest.toString('hex')));
    }
  };

  it('orders digests by leading byte, stably, and says where each byte starts', () => {
    const digests = Array.from({ length: 3000 }, (_unused, index) =>
      createHash('sha256')
        .update(`person-${index % 2500}`)
        .digest(),
    );
    check(pack(digests), digests.length, digests);
  });

  it('reorders only the first `count` digests, in place, from a view at any offset (unaligned too)', () => {
    const digests = Array.from({ length: 700 }, () => randomBytes(32));
    const tail = randomBytes(64);
    for (const offset of [3, 4]) {
      const backing = Buffer.concat([Buffer.alloc(offset), ...digests, tail]);
      const view = new Uint8Array(backing.buffer, backing.byteOffset + offset, 702 * 32);
      check(view, 700, digests);
      expect(Buffer.from(view.subarray(700 * 32)).equals(tail)).toBe(true);
    }
    check(new Uint8Array(0), 0, []);
  });
});

import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DigestSpillStore } from '../../src/adapters/node/transform/digest-spill-store.ts';
import { groupByLeadingByte, sortUniqueDigestLines } from '../../src/core/transform/sort-unique-digests.ts';

const root = mkdtempSync(join(tmpdir(), 'spill-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Every distinct digest in order: each group sorted on its own, as the final phase does. */
function drain(store: DigestSpillStore): string[] {
  const lines: string[] = [];
  for (const group of store.groups()) {
    const sorted = sortUniqueDigestLines(group.packed, group.count, group.commonPrefixBytes);
    const text = Buffer.from(sorted.lines).toString('latin1');
    if (sorted.count > 0) lines.push(...text.slice(0, -1).split('\n'));
  }
  return lines;
}

describe('DigestSpillStore', () => {
  it('keeps a small input in memory', () => {
    const store = new DigestSpillStore(join(root, 'small'), 1 << 20);
    const digests = ['a', 'b', 'a', 'c'].map(digest);
    store.add(Buffer.concat(digests), digests.length);
    expect(drain(store)).toEqual([...new Set(digests.map((entry) => entry.toString('hex')))].sort());
    expect(store.spillCount).toBe(0);
    expect(existsSync(join(root, 'small'))).toBe(false);
  });

  it('spills runs to leading-byte buckets, re-splits a bucket still too big, and returns every distinct digest in order', async () => {
    const store = new DigestSpillStore(join(root, 'big'), 1); // the smallest buffer: 256 digests
    const expected = new Set<string>();
    // Half of the digests start with 0x00 so that bucket outgrows the buffer and is split again.
    for (let batch = 0; batch < 40; batch += 1) {
      const digests: Buffer[] = [];
      for (let index = 0; index < 200; index += 1) {
        const value = digest(`person-${(batch * 131 + index * 7) % 5000}`);
        if (index % 2 === 0) value[0] = 0;
        digests.push(value);
        expected.add(value.toString('hex'));
      }
      store.add(Buffer.concat(digests), digests.length);
    }
    expect(store.spillCount).toBeGreaterThan(10);
    expect(drain(store)).toEqual([...expected].sort());
    // Bucket files are deleted as they are consumed (in the background: removed() waits for it).
    await store.removed();
    expect(readdirSync(join(root, 'big'))).toEqual([]);
  });

  it('hands an in-memory store out in groups of disjoint, ascending leading-byte ranges that hold every digest', () => {
    const store = new DigestSpillStore(join(root, 'groups'), 64 << 20);
    const digests = Array.from({ length: 200_000 }, (_unused, index) => digest(`person-${index % 180_000}`));
    store.add(Buffer.concat(digests), digests.length);
    const groups = [...store.groups()];
    expect(groups.length).toBeGreaterThan(1);
    let previousLast = -1;
    const seen: string[] = [];
    for (const group of groups) {
      const leading = Array.from({ length: group.count }, (_unused, index) => group.packed[index * 32] as number);
      const [low, high] = [Math.min(...leading), Math.max(...leading)];
      expect(low).toBeGreaterThan(previousLast);
      expect(group.commonPrefixBytes).toBe(low === high ? 1 : 0);
      previousLast = high;
      for (let index = 0; index < group.count; index += 1)
        seen.push(Buffer.from(group.packed.subarray(index * 32, index * 32 + 32)).toString('hex'));
    }
    expect(seen.sort()).toEqual(digests.map((entry) => entry.toString('hex')).sort());
    expect(store.spillCount).toBe(0);
  });

  it('takes batches already ordered by leading byte (as the workers send them), in memory and spilled', () => {
    for (const [name, budget] of [
      ['grouped-memory', 64 << 20],
      ['grouped-spilled', 1],
    ] as const) {
      const store = new DigestSpillStore(join(root, name), budget);
      const expected = new Set<string>();
      // Batches of 40 against a buffer of 256 digests: each spill holds several batches.
      for (let batch = 0; batch < 60; batch += 1) {
        const digests = Array.from({ length: 40 }, (_unused, index) => digest(`person-${(batch * 37 + index) % 1500}`));
        for (const value of digests) expected.add(value.toString('hex'));
        const { packed, starts } = groupByLeadingByte(Buffer.concat(digests), digests.length);
        // A worker's buffer can be longer than its digests.
        const longer = new Uint8Array(packed.byteLength + 64);
        longer.set(packed);
        store.add(longer, digests.length, starts);
      }
      expect(drain(store)).toEqual([...expected].sort());
      expect(store.spillCount > 0).toBe(budget === 1);
    }
  });

  it('settles a bucket of one repeated digest without growing', () => {
    const store = new DigestSpillStore(join(root, 'same'), 1);
    const one = digest('the same person');
    for (let batch = 0; batch < 30; batch += 1) store.add(Buffer.concat(Array.from({ length: 300 }, () => one)), 300);
    expect(drain(store)).toEqual([one.toString('hex')]);
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { processBatch } from '../../../../src/adapters/node/transform/in-thread-transform.ts';
import { DEFAULT_NORMALIZE_OPTIONS } from '../../../../src/core/identifiers/normalize-options.ts';
import { REJECT_REASONS } from '../../../../src/core/identifiers/rules.ts';
import { planBatches } from '../../../../src/core/transform/normalize-batch.ts';

const mapping = [{ column: 'email', type: 'EMAIL' as const }];
const plan = planBatches(mapping);
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A worker's JSON Lines chunk: `count` lines, each an email, with the given lines replaced. */
function chunk(count: number, replaced: Record<number, string>): Uint8Array {
  const lines = Array.from(
    { length: count },
    (_unused, line) => replaced[line] ?? JSON.stringify({ email: `person${line}@example.com` }),
  );
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

describe('processBatch on a JSON Lines chunk (parsed a slice of records at a time)', () => {
  it('numbers rows and records across slices when the first malformed record comes late', async () => {
    // Slices are 512 records: the malformed record is in the second slice, the bad email in the third.
    const result = await processBatch(
      { kind: 'jsonl', bytes: chunk(1500, { 700: '{"email": broken', 1200: '{"email":"not-an-email"}' }), first: true },
      plan,
      mapping,
      DEFAULT_NORMALIZE_OPTIONS,
    );
    expect(result.records?.count).toBe(1500);
    expect(result.records?.malformed).toEqual([700]);
    const rowRecord = result.records?.rowRecord as number[];
    expect(rowRecord).toHaveLength(1499);
    expect(rowRecord.slice(0, 700)).toEqual(Array.from({ length: 700 }, (_unused, row) => row));
    expect(rowRecord[700]).toBe(701);
    expect(rowRecord[1498]).toBe(1499);
    // The bad email is record 1200, row 1199 (one malformed record before it).
    expect(result.rejects).toEqual([1199, 0, REJECT_REASONS.indexOf('invalid_email')]);
    const digests = result.digests[0] as { buffer: ArrayBuffer; count: number };
    expect(digests.count).toBe(1498);
    const hex = Buffer.from(digests.buffer, 0, digests.count * 32).toString('hex');
    expect(hex.slice(0, 64)).toBe(sha256('person0@example.com'));
    expect(hex.slice(699 * 64, 700 * 64)).toBe(sha256('person699@example.com'));
    expect(hex.slice(700 * 64, 701 * 64)).toBe(sha256('person701@example.com'));
    expect(hex.slice(-64)).toBe(sha256('person1499@example.com'));
    expect(result.tallies[0]?.[0]).toBe(1498); // valid
  });

  it('keeps rowRecord null when every record is readable, and handles an empty chunk', async () => {
    const result = await processBatch(
      { kind: 'jsonl', bytes: chunk(1100, {}), first: true },
      plan,
      mapping,
      DEFAULT_NORMALIZE_OPTIONS,
    );
    expect(result.records).toEqual({ count: 1100, malformed: [], rowRecord: null });
    expect(result.digests[0]?.count).toBe(1100);
    const empty = await processBatch(
      { kind: 'jsonl', bytes: new Uint8Array(0), first: true },
      plan,
      mapping,
      DEFAULT_NORMALIZE_OPTIONS,
    );
    expect(empty.records).toEqual({ count: 0, malformed: [], rowRecord: null });
    expect(empty.digests[0]?.count).toBe(0);
  });

  it('orders each type by leading byte for a worker, stably, across slices, with where each byte starts', async () => {
    const batch = { kind: 'jsonl' as const, bytes: chunk(2000, { 900: '{"email": broken' }), first: true };
    const inOrder = await processBatch(batch, plan, mapping, DEFAULT_NORMALIZE_OPTIONS);
    const grouped = await processBatch(
      { ...batch, bytes: chunk(2000, { 900: '{"email": broken' }) },
      plan,
      mapping,
      DEFAULT_NORMALIZE_OPTIONS,
      true,
    );
    const digestsOf = (result: typeof inOrder): string[] => {
      const { buffer, count } = result.digests[0] as { buffer: ArrayBuffer; count: number };
      expect(buffer.byteLength).toBe(count * 32); // a buffer of its own, to transfer
      return Array.from({ length: count }, (_unused, index) => Buffer.from(buffer, index * 32, 32).toString('hex'));
    };
    const expected = Array.from({ length: 2000 }, (_unused, line) => line)
      .filter((line) => line !== 900)
      .map((line) => sha256(`person${line}@example.com`));
    expect(digestsOf(inOrder)).toEqual(expected);
    const starts = grouped.digests[0]?.starts as Uint32Array;
    expect(starts).toHaveLength(257);
    expect(starts[256]).toBe(1999);
    const byByte = digestsOf(grouped);
    for (let byte = 0; byte < 256; byte += 1) {
      const run = byByte.slice(starts[byte], starts[byte + 1]);
      expect(run).toEqual(expected.filter((hex) => Number.parseInt(hex.slice(0, 2), 16) === byte));
    }
    expect(grouped.tallies).toEqual(inOrder.tallies);
    expect(grouped.records).toEqual(inOrder.records);
  });
});

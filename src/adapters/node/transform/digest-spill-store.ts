import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DIGEST_BYTES } from '../../../core/transform/digest-lines.ts';
import { sortUniqueDigests } from '../../../core/transform/sort-unique-digests.ts';

/** Smallest useful buffer: the spill files are split by leading byte, so a few digests per bucket. */
const MIN_CAPACITY_BYTES = 256 * DIGEST_BYTES;

/**
 * Exact de-duplication of one identifier type's digests in bounded memory. Digests collect in one
 * buffer of `capacityBytes`; when it is full it is sorted and de-duplicated and the run is appended to
 * 256 bucket files by leading byte. At the end each bucket is sorted and de-duplicated on its own (a
 * bucket still larger than the buffer is re-split by its next byte), giving every unique digest in
 * ascending order. Small inputs never touch the disk.
 */
export class DigestSpillStore {
  private readonly capacity: number;
  private buffer: Buffer;
  private used = 0;
  private spills = 0;

  constructor(
    private readonly directory: string,
    capacityBytes: number,
  ) {
    this.capacity = Math.max(MIN_CAPACITY_BYTES, Math.floor(capacityBytes / DIGEST_BYTES) * DIGEST_BYTES);
    // Grows up to capacity, so a small job does not reserve the whole budget.
    this.buffer = Buffer.allocUnsafeSlow(Math.min(this.capacity, 64 * 1024 * DIGEST_BYTES));
  }

  /** How many times the buffer went to disk (for tests and the benchmark). */
  get spillCount(): number {
    return this.spills;
  }

  add(packed: Uint8Array, count: number): void {
    let offset = 0;
    const end = count * DIGEST_BYTES;
    while (offset < end) {
      if (this.used === this.buffer.byteLength) {
        if (this.buffer.byteLength < this.capacity) this.grow();
        else this.spill();
      }
      const take = Math.min(end - offset, this.buffer.byteLength - this.used);
      this.buffer.set(packed.subarray(offset, offset + take), this.used);
      this.used += take;
      offset += take;
    }
  }

  /** Every distinct digest, ascending, as packed chunks. Call once, after the last `add`. */
  *sortedUnique(): Generator<{ packed: Uint8Array; count: number }> {
    if (this.spills === 0) {
      const sorted = sortUniqueDigests(this.buffer, this.used / DIGEST_BYTES);
      this.release();
      if (sorted.count > 0) yield { packed: sorted.digests, count: sorted.count };
      return;
    }
    if (this.used > 0) this.spill();
    this.release();
    for (let byte = 0; byte < 256; byte += 1) yield* this.bucketSortedUnique(this.bucketPath(byte), 1);
  }

  private grow(): void {
    const larger = Buffer.allocUnsafeSlow(Math.min(this.capacity, this.buffer.byteLength * 2));
    larger.set(this.buffer.subarray(0, this.used));
    this.buffer = larger;
  }

  private release(): void {
    this.buffer = Buffer.alloc(0);
    this.used = 0;
  }

  private bucketPath(byte: number): string {
    return join(this.directory, byte.toString(16).padStart(2, '0'));
  }

  /** Sorts and de-duplicates the buffer, then appends each leading-byte range to its bucket file. */
  private spill(): void {
    if (this.spills === 0) mkdirSync(this.directory, { recursive: true });
    this.spills += 1;
    const sorted = sortUniqueDigests(this.buffer, this.used / DIGEST_BYTES);
    appendByLeadingByte(sorted.digests, sorted.count, 0, (byte) => this.bucketPath(byte), true);
    this.used = 0;
  }

  private *bucketSortedUnique(path: string, depth: number): Generator<{ packed: Uint8Array; count: number }> {
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      return; // no digest started with this prefix
    }
    if (size > this.capacity && depth < DIGEST_BYTES) {
      // Still too big for memory: split by the next byte, reading it a buffer at a time.
      const descriptor = openSync(path, 'r');
      const chunk = Buffer.allocUnsafeSlow(this.capacity);
      try {
        for (
          let read = readSync(descriptor, chunk, 0, chunk.byteLength, null);
          read > 0;
          read = readSync(descriptor, chunk, 0, chunk.byteLength, null)
        ) {
          appendByLeadingByte(
            chunk,
            read / DIGEST_BYTES,
            depth,
            (byte) => `${path}-${byte.toString(16).padStart(2, '0')}`,
          );
        }
      } finally {
        closeSync(descriptor);
      }
      rmSync(path);
      for (let byte = 0; byte < 256; byte += 1)
        yield* this.bucketSortedUnique(`${path}-${byte.toString(16).padStart(2, '0')}`, depth + 1);
      return;
    }
    const bytes = readFileSync(path);
    rmSync(path);
    if (depth >= DIGEST_BYTES) {
      // Every digest in here is the same one.
      yield { packed: bytes.subarray(0, DIGEST_BYTES), count: 1 };
      return;
    }
    const sorted = sortUniqueDigests(bytes, bytes.byteLength / DIGEST_BYTES, depth);
    if (sorted.count > 0) yield { packed: sorted.digests, count: sorted.count };
  }
}

/**
 * Appends digests to the file of their byte at `depth`. Digests already sorted stay grouped; others
 * (a re-split) are grouped with a counting pass so each file gets one write.
 */
function appendByLeadingByte(
  packed: Uint8Array,
  count: number,
  depth: number,
  pathOf: (byte: number) => string,
  sorted = false,
): void {
  const counts = new Uint32Array(256);
  for (let index = 0; index < count; index += 1) {
    const byte = packed[index * DIGEST_BYTES + depth] as number;
    counts[byte] = (counts[byte] as number) + 1;
  }
  const starts = new Uint32Array(256);
  for (let byte = 1; byte < 256; byte += 1) starts[byte] = (starts[byte - 1] as number) + (counts[byte - 1] as number);
  let grouped = packed;
  if (!sorted) {
    grouped = Buffer.allocUnsafeSlow(count * DIGEST_BYTES);
    const next = starts.slice();
    for (let index = 0; index < count; index += 1) {
      const byte = packed[index * DIGEST_BYTES + depth] as number;
      grouped.set(
        packed.subarray(index * DIGEST_BYTES, (index + 1) * DIGEST_BYTES),
        (next[byte] as number) * DIGEST_BYTES,
      );
      next[byte] = (next[byte] as number) + 1;
    }
  }
  for (let byte = 0; byte < 256; byte += 1) {
    const bucketCount = counts[byte] as number;
    if (bucketCount === 0) continue;
    const start = (starts[byte] as number) * DIGEST_BYTES;
    appendFileSync(pathOf(byte), grouped.subarray(start, start + bucketCount * DIGEST_BYTES));
  }
}

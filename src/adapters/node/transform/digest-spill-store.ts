import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as digestLines from '../../../core/transform/digest-lines.ts';

// A module-local copy for the loops below (see sort-unique-digests.ts: an imported binding is
// re-checked on every read).
const DIGEST_BYTES = digestLines.DIGEST_BYTES;

/** Smallest useful buffer: the spill files are split by leading byte, so a few digests per bucket. */
const MIN_CAPACITY_BYTES = 256 * DIGEST_BYTES;
/** An in-memory store is handed out in groups of about this many digests (so several threads can sort them). */
const GROUP_DIGESTS = 64 * 1024;
const WORDS = DIGEST_BYTES / 4;

/**
 * Unsorted digests whose leading bytes all fall in one range, ranges ascending from group to group:
 * sorting and de-duplicating each group on its own and concatenating the results gives every distinct
 * digest in order. `commonPrefixBytes` leading bytes are known equal within the group.
 */
export interface DigestGroup {
  packed: Uint8Array;
  count: number;
  commonPrefixBytes: number;
}

/**
 * Exact de-duplication of one identifier type's digests in bounded memory. Digests collect in one
 * buffer of `capacityBytes`; when it is full its digests are appended to 256 bucket files by leading
 * byte (not sorted: each digest is sorted once, at the end, in its bucket). At the end the buckets
 * come out as groups in leading-byte order (a bucket still larger than the buffer is re-split by its
 * next byte) for the caller to sort, in parallel if it likes. Small inputs never touch the disk.
 */
export class DigestSpillStore {
  private readonly capacity: number;
  private buffer: Buffer;
  private used = 0;
  private spills = 0;
  /** Bucket files already read, being deleted on libuv's thread pool (see `removed`). */
  private readonly removals: Array<Promise<void>> = [];

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

  /**
   * Every digest added, as unsorted groups in ascending leading-byte ranges (see DigestGroup). Call
   * once, after the last `add`; a spilled store reads (and deletes) one bucket file per group.
   */
  *groups(): Generator<DigestGroup> {
    if (this.spills === 0) {
      const count = this.used / DIGEST_BYTES;
      const { grouped, counts } = groupByByte(this.buffer, count, 0);
      this.release();
      let start = 0;
      let size = 0;
      let first = 0;
      for (let byte = 0; byte < 256; byte += 1) {
        if (size === 0) first = byte;
        size += counts[byte] as number;
        if (size < GROUP_DIGESTS && byte < 255) continue;
        if (size > 0) {
          yield {
            packed: grouped.subarray(start * DIGEST_BYTES, (start + size) * DIGEST_BYTES),
            count: size,
            // One leading byte in the whole group: the sort key can start after it.
            commonPrefixBytes: first === byte ? 1 : 0,
          };
        }
        start += size;
        size = 0;
      }
      return;
    }
    if (this.used > 0) this.spill();
    this.release();
    for (let byte = 0; byte < 256; byte += 1) yield* this.bucketGroups(this.bucketPath(byte), 1);
  }

  /**
   * Resolves once the bucket files `groups()` has read are deleted. They are deleted in the
   * background: on a busy disk an unlink can wait behind the partition writes' fsyncs (2.3 s of
   * this thread's time at 10M rows when it was synchronous).
   */
  async removed(): Promise<void> {
    await Promise.all(this.removals);
  }

  private remove(path: string): void {
    // A failure here leaves the file to the removal of the whole spill folder at the end.
    this.removals.push(rm(path, { force: true }).catch(() => undefined));
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

  /** Appends the buffer's digests to the bucket files of their leading byte. */
  private spill(): void {
    if (this.spills === 0) mkdirSync(this.directory, { recursive: true });
    this.spills += 1;
    appendByByte(this.buffer, this.used / DIGEST_BYTES, 0, (byte) => this.bucketPath(byte));
    this.used = 0;
  }

  private *bucketGroups(path: string, depth: number): Generator<DigestGroup> {
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      return; // no digest started with this prefix
    }
    if (depth >= DIGEST_BYTES) {
      // Every digest in here is the same one.
      const one = Buffer.allocUnsafeSlow(DIGEST_BYTES);
      const descriptor = openSync(path, 'r');
      try {
        readSync(descriptor, one, 0, DIGEST_BYTES, 0);
      } finally {
        closeSync(descriptor);
      }
      this.remove(path);
      yield { packed: one, count: 1, commonPrefixBytes: DIGEST_BYTES };
      return;
    }
    if (size > this.capacity) {
      // Still too big for memory: split by the next byte, reading it a buffer at a time.
      const descriptor = openSync(path, 'r');
      const chunk = Buffer.allocUnsafeSlow(this.capacity);
      try {
        for (
          let read = readSync(descriptor, chunk, 0, chunk.byteLength, null);
          read > 0;
          read = readSync(descriptor, chunk, 0, chunk.byteLength, null)
        ) {
          appendByByte(chunk, read / DIGEST_BYTES, depth, (byte) => `${path}-${byte.toString(16).padStart(2, '0')}`);
        }
      } finally {
        closeSync(descriptor);
      }
      this.remove(path);
      for (let byte = 0; byte < 256; byte += 1)
        yield* this.bucketGroups(`${path}-${byte.toString(16).padStart(2, '0')}`, depth + 1);
      return;
    }
    const bytes = readFileSync(path);
    this.remove(path);
    yield { packed: bytes, count: bytes.byteLength / DIGEST_BYTES, commonPrefixBytes: depth };
  }
}

/** Groups digests by their byte at `depth` (a counting pass, then one copy each), in byte order. */
function groupByByte(packed: Uint8Array, count: number, depth: number): { grouped: Buffer; counts: Uint32Array } {
  const counts = new Uint32Array(256);
  for (let index = 0; index < count; index += 1) {
    const byte = packed[index * DIGEST_BYTES + depth] as number;
    counts[byte] = (counts[byte] as number) + 1;
  }
  const next = new Uint32Array(256);
  for (let byte = 1; byte < 256; byte += 1) next[byte] = (next[byte - 1] as number) + (counts[byte - 1] as number);
  const grouped = Buffer.allocUnsafeSlow(count * DIGEST_BYTES);
  // Moved as 32-bit words (several times faster than a subarray copy per digest): needs 4-byte alignment.
  const source = packed.byteOffset % 4 === 0 ? packed : Uint8Array.from(packed.subarray(0, count * DIGEST_BYTES));
  const from = new Uint32Array(source.buffer, source.byteOffset, count * WORDS);
  const to = new Uint32Array(grouped.buffer, grouped.byteOffset, count * WORDS);
  for (let index = 0; index < count; index += 1) {
    const byte = source[index * DIGEST_BYTES + depth] as number;
    const target = (next[byte] as number) * WORDS;
    next[byte] = (next[byte] as number) + 1;
    const at = index * WORDS;
    for (let word = 0; word < WORDS; word += 1) to[target + word] = from[at + word] as number;
  }
  return { grouped, counts };
}

/** Appends digests to the file of their byte at `depth`: one write per file. */
function appendByByte(packed: Uint8Array, count: number, depth: number, pathOf: (byte: number) => string): void {
  const { grouped, counts } = groupByByte(packed, count, depth);
  let start = 0;
  for (let byte = 0; byte < 256; byte += 1) {
    const bucketCount = counts[byte] as number;
    if (bucketCount === 0) continue;
    appendFileSync(pathOf(byte), grouped.subarray(start * DIGEST_BYTES, (start + bucketCount) * DIGEST_BYTES));
    start += bucketCount;
  }
}

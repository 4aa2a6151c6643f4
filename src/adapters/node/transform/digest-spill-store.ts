import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as digestLines from '../../../core/transform/digest-lines.ts';
import { groupByLeadingByte } from '../../../core/transform/sort-unique-digests.ts';

// A module-local copy for the loops below (see sort-unique-digests.ts: an imported binding is
// re-checked on every read).
const DIGEST_BYTES = digestLines.DIGEST_BYTES;

/** Smallest useful buffer: the spill files are split by leading byte, so a few digests per bucket. */
const MIN_CAPACITY_DIGESTS = 256;
/**
 * An in-memory store is handed out in groups of about this many digests, so several threads can sort
 * them and each group's sort (0.5 MiB of digests, 1 MiB of lines) stays in a core's L2 cache: 64 Ki
 * groups cost three-1m.jsonl ≈ 0.35 CPU s more (interleaved runs; 6 Ki was no better than 16 Ki).
 */
const GROUP_DIGESTS = 16 * 1024;
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
 * Exact de-duplication of one identifier type's digests in bounded memory. Digests collect in memory
 * up to `capacityBytes`; then they are appended to 256 bucket files by leading byte (not sorted:
 * each digest is sorted once, at the end, in its bucket). At the end the buckets
 * come out as groups in leading-byte order (a bucket still larger than the buffer is re-split by its
 * next byte) for the caller to sort, in parallel if it likes. Small inputs never touch the disk.
 */
export class DigestSpillStore {
  /** Digests held in memory before a spill. */
  private readonly capacity: number;
  /** The digests added since the last spill, each batch ordered by leading byte (see groupByLeadingByte). */
  private chunks: GroupedDigests[] = [];
  private used = 0;
  private spills = 0;
  /** Bucket files already read, being deleted on libuv's thread pool (see `removed`). */
  private readonly removals: Array<Promise<void>> = [];

  constructor(
    private readonly directory: string,
    capacityBytes: number,
  ) {
    this.capacity = Math.max(MIN_CAPACITY_DIGESTS, Math.floor(capacityBytes / DIGEST_BYTES));
  }

  /** How many times the buffer went to disk (for tests and the benchmark). */
  get spillCount(): number {
    return this.spills;
  }

  /**
   * Takes `count` packed digests; `starts` when they are already ordered by leading byte (the
   * workers do that: see groupByLeadingByte), else the store orders them itself, in place. The store keeps the
   * bytes themselves (a worker's transferred buffer: copying each batch cost the main thread more
   * than anything else it did with it), so the caller hands them over and must not change them
   * afterwards. A batch is never split: the buffer spills before a batch that would overflow it.
   */
  add(packed: Uint8Array, count: number, starts?: Uint32Array): void {
    if (count === 0) return;
    const chunk = starts ? { packed, starts } : groupByLeadingByte(packed, count);
    if (this.used > 0 && this.used + count > this.capacity) this.spill();
    this.chunks.push(chunk);
    this.used += count;
  }

  /**
   * Every digest added, as unsorted groups in ascending leading-byte ranges (see DigestGroup). Call
   * once, after the last `add`; a spilled store reads (and deletes) one bucket file per group.
   */
  *groups(): Generator<DigestGroup> {
    if (this.spills === 0) {
      // Groups of consecutive leading bytes, about GROUP_DIGESTS digests each, each in a buffer of its
      // own (the caller can transfer it to a worker as it is): one copy per batch and group.
      const counts = countsByByte(this.chunks);
      const chunks = this.chunks;
      this.release();
      let size = 0;
      let first = 0;
      for (let byte = 0; byte < 256; byte += 1) {
        if (size === 0) first = byte;
        size += counts[byte] as number;
        if (size < GROUP_DIGESTS && byte < 255) continue;
        if (size > 0) {
          // One leading byte in the whole group: the sort key can start after it.
          yield {
            packed: gatherBytes(chunks, first, byte + 1, size),
            count: size,
            commonPrefixBytes: first === byte ? 1 : 0,
          };
        }
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

  private release(): void {
    this.chunks = [];
    this.used = 0;
  }

  private bucketPath(byte: number): string {
    return join(this.directory, byte.toString(16).padStart(2, '0'));
  }

  /** Appends the buffer's digests to the bucket files of their leading byte. */
  private spill(): void {
    if (this.spills === 0) mkdirSync(this.directory, { recursive: true });
    this.spills += 1;
    const counts = countsByByte(this.chunks);
    for (let byte = 0; byte < 256; byte += 1) {
      const count = counts[byte] as number;
      if (count !== 0) appendFileSync(this.bucketPath(byte), gatherBytes(this.chunks, byte, byte + 1, count));
    }
    this.release();
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
    if (size > this.capacity * DIGEST_BYTES) {
      // Still too big for memory: split by the next byte, reading it a buffer at a time.
      const descriptor = openSync(path, 'r');
      const chunk = Buffer.allocUnsafeSlow(this.capacity * DIGEST_BYTES);
      try {
        for (
          let read = readSync(descriptor, chunk, 0, chunk.byteLength, null);
          read > 0;
          read = readSync(descriptor, chunk, 0, chunk.byteLength, null)
        ) {
          appendByByte([chunk.subarray(0, read)], depth, (byte) => `${path}-${byte.toString(16).padStart(2, '0')}`);
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

interface GroupedDigests {
  packed: Uint8Array;
  /** 257 entries: the digests with leading byte b are starts[b]…starts[b + 1] - 1. */
  starts: Uint32Array;
}

/** How many of the digests in `chunks` have each leading byte. */
function countsByByte(chunks: readonly GroupedDigests[]): Uint32Array {
  const counts = new Uint32Array(256);
  for (const { starts } of chunks) {
    for (let byte = 0; byte < 256; byte += 1) {
      counts[byte] = (counts[byte] as number) + (starts[byte + 1] as number) - (starts[byte] as number);
    }
  }
  return counts;
}

/** The `count` digests of `chunks` whose leading byte is in [from, to), in a buffer of their own. */
function gatherBytes(chunks: readonly GroupedDigests[], from: number, to: number, count: number): Buffer {
  const target = Buffer.allocUnsafeSlow(count * DIGEST_BYTES);
  let at = 0;
  for (const { packed, starts } of chunks) {
    const begin = (starts[from] as number) * DIGEST_BYTES;
    const end = (starts[to] as number) * DIGEST_BYTES;
    target.set(packed.subarray(begin, end), at);
    at += end - begin;
  }
  return target;
}

/** How many of the digests in `chunks` have each value of the byte at `depth`. */
function countByByte(chunks: readonly Uint8Array[], depth: number): Uint32Array {
  const counts = new Uint32Array(256);
  for (const chunk of chunks) {
    for (let at = depth; at < chunk.byteLength; at += DIGEST_BYTES) {
      const byte = chunk[at] as number;
      counts[byte] = (counts[byte] as number) + 1;
    }
  }
  return counts;
}

/**
 * Copies each digest of `chunks` to `targetOf(its byte at depth)` at digest `next[byte]` (which it
 * advances). Digests move as 32-bit words (several times faster than a subarray copy each), which
 * needs 4-byte alignment: a chunk that has none is copied first.
 */
function scatterByByte(
  chunks: readonly Uint8Array[],
  depth: number,
  targetOf: (byte: number) => Buffer,
  next: Uint32Array,
): void {
  const words = Array.from({ length: 256 }, (_unused, byte) => {
    const target = targetOf(byte);
    return new Uint32Array(target.buffer, target.byteOffset, Math.floor(target.byteLength / 4));
  });
  for (const chunk of chunks) {
    const source = chunk.byteOffset % 4 === 0 ? chunk : Uint8Array.from(chunk);
    const from = new Uint32Array(source.buffer, source.byteOffset, source.byteLength / 4);
    const count = source.byteLength / DIGEST_BYTES;
    for (let index = 0; index < count; index += 1) {
      const byte = source[index * DIGEST_BYTES + depth] as number;
      const to = words[byte] as Uint32Array;
      const target = (next[byte] as number) * WORDS;
      next[byte] = (next[byte] as number) + 1;
      const at = index * WORDS;
      for (let word = 0; word < WORDS; word += 1) to[target + word] = from[at + word] as number;
    }
  }
}

/** Appends the digests of `chunks` to the file of their byte at `depth`: one write per file. */
function appendByByte(chunks: readonly Uint8Array[], depth: number, pathOf: (byte: number) => string): void {
  const counts = countByByte(chunks, depth);
  const next = new Uint32Array(256);
  for (let byte = 1; byte < 256; byte += 1) next[byte] = (next[byte - 1] as number) + (counts[byte - 1] as number);
  const starts = next.slice();
  const total = (next[255] as number) + (counts[255] as number);
  const grouped = Buffer.allocUnsafeSlow(total * DIGEST_BYTES);
  scatterByByte(chunks, depth, () => grouped, next);
  for (let byte = 0; byte < 256; byte += 1) {
    const bucketCount = counts[byte] as number;
    if (bucketCount === 0) continue;
    const start = starts[byte] as number;
    appendFileSync(pathOf(byte), grouped.subarray(start * DIGEST_BYTES, (start + bucketCount) * DIGEST_BYTES));
  }
}

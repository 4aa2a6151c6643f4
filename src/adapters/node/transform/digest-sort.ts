import { DIGEST_BYTES, DIGEST_LINE_BYTES as LINE_BYTES } from '../../../core/transform/digest-lines.ts';
import { sortUniqueDigestLines } from '../../../core/transform/sort-unique-digests.ts';
import { DIGEST_SORT_WASM_BASE64 } from './digest-sort-wasm.ts';

const PAGE_BYTES = 65536;
/** Bucket starts and their running copy hold up to 2^16 buckets (digest-sort.wat). */
const STARTS_BYTES = (65536 + 1) * 4;
const NEXT_BYTES = 65536 * 4;
/**
 * Larger groups (a spilled bucket read back) are sorted in JavaScript, so this thread's WebAssembly
 * memory, which never shrinks, stays under ≈ 30 MB.
 */
const MAX_WASM_DIGESTS = 256 * 1024;

interface DigestSortExports {
  memory: WebAssembly.Memory;
  sortUniqueLines(
    packed: number,
    count: number,
    keyAt: number,
    keys: number,
    bucketOf: number,
    starts: number,
    next: number,
    order: number,
    lines: number,
    maxShifts: number,
  ): number;
}

let instance: DigestSortExports | undefined;

const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/**
 * sortUniqueDigestLines (the same bytes: every distinct digest once, ascending, as hex lines) done in
 * WebAssembly SIMD (digest-sort.wat), ≈ 3× faster. Falls back to the JavaScript for groups too large
 * for this thread's module memory and for crafted groups whose crowded buckets would make its
 * insertion sorts slow. The lines come back in a buffer of their own (transferable).
 */
export function sortUniqueDigestLinesFast(
  packed: Uint8Array,
  count: number,
  commonPrefixBytes = 0,
): { lines: Uint8Array; count: number } {
  if (count === 0 || count > MAX_WASM_DIGESTS) return sortUniqueDigestLines(packed, count, commonPrefixBytes);
  // Layout: packed digests, keys, bucket numbers, bucket starts, their copy, order, lines.
  const packedAt = 0;
  const keysAt = packedAt + count * DIGEST_BYTES;
  const bucketOfAt = keysAt + count * 4;
  const startsAt = bucketOfAt + align16(count * 2);
  const nextAt = startsAt + align16(STARTS_BYTES);
  const orderAt = nextAt + NEXT_BYTES;
  const linesAt = orderAt + count * 4;
  const end = linesAt + count * LINE_BYTES;
  instance ??= new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(DIGEST_SORT_WASM_BASE64, 'base64')))
    .exports as unknown as DigestSortExports;
  const { memory } = instance;
  if (memory.buffer.byteLength < end) memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE_BYTES));
  new Uint8Array(memory.buffer, packedAt, count * DIGEST_BYTES).set(packed.subarray(0, count * DIGEST_BYTES));
  const keyAt = Math.min(commonPrefixBytes, DIGEST_BYTES - 4);
  // Uniform digests need ≈ count / 2 shifts in all; this bound is only reached by crafted ones.
  const maxShifts = 8 * count + 4096;
  const unique = instance.sortUniqueLines(
    packedAt,
    count,
    keyAt,
    keysAt,
    bucketOfAt,
    startsAt,
    nextAt,
    orderAt,
    linesAt,
    maxShifts,
  );
  if (unique < 0) return sortUniqueDigestLines(packed, count, commonPrefixBytes);
  const lines = new Uint8Array(Buffer.allocUnsafeSlow(unique * LINE_BYTES).buffer, 0, unique * LINE_BYTES);
  lines.set(new Uint8Array(memory.buffer, linesAt, unique * LINE_BYTES));
  return { lines, count: unique };
}

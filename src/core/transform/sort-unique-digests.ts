import { DIGEST_BYTES } from './digest-lines.ts';

/** Most digests one call sorts: the record index must fit in the low 24 bits of the sort key. */
export const MAX_SORT_DIGESTS = 1 << 24;
const INDEX_SPAN = 2 ** 24;

/**
 * Sorts `count` packed 32-byte digests ascending (byte order, which is also the order of their hex
 * lines) and drops duplicates. `commonPrefixBytes` leading bytes are known equal (a spill bucket), so
 * the sort key starts after them.
 *
 * Why a Float64Array: a native numeric sort over (29 bits of the digest, then the index) is many times
 * faster than sorting strings or comparing buffers; SHA-256 digests are uniform, so equal keys are
 * nearly always true duplicates, and those runs are settled with a full byte comparison.
 */
export function sortUniqueDigests(packed: Uint8Array, count: number, commonPrefixBytes = 0): { digests: Uint8Array; count: number } {
  if (count > MAX_SORT_DIGESTS) throw new RangeError(`sortUniqueDigests: ${count} digests exceed ${MAX_SORT_DIGESTS}`);
  const keyOffset = Math.min(commonPrefixBytes, DIGEST_BYTES - 4);
  const keys = new Float64Array(count);
  for (let index = 0; index < count; index += 1) {
    const at = index * DIGEST_BYTES + keyOffset;
    const word = ((packed[at] as number) << 24) | ((packed[at + 1] as number) << 16) | ((packed[at + 2] as number) << 8) | (packed[at + 3] as number);
    keys[index] = (word >>> 3) * INDEX_SPAN + index;
  }
  keys.sort();

  const out = new Uint8Array(count * DIGEST_BYTES);
  let written = 0;
  const run: number[] = [];
  let position = 0;
  while (position < count) {
    const key = keys[position] as number;
    const prefix = Math.floor(key / INDEX_SPAN);
    let end = position + 1;
    while (end < count && Math.floor((keys[end] as number) / INDEX_SPAN) === prefix) end += 1;
    if (end - position === 1) {
      // A key prefix of its own: no other digest can equal this one.
      const index = key - prefix * INDEX_SPAN;
      copyDigest(packed, index, out, written);
      written += 1;
    } else if (end - position === 2) {
      // The common duplicate case: a pair, settled with one comparison.
      const first = (keys[position] as number) - prefix * INDEX_SPAN;
      const second = (keys[position + 1] as number) - prefix * INDEX_SPAN;
      const order = compareDigests(packed, first, second);
      const low = order <= 0 ? first : second;
      copyDigest(packed, low, out, written);
      written += 1;
      if (order !== 0) {
        const high = low === first ? second : first;
        copyDigest(packed, high, out, written);
        written += 1;
      }
    } else {
      run.length = 0;
      for (let at = position; at < end; at += 1) run.push((keys[at] as number) - prefix * INDEX_SPAN);
      run.sort((a, b) => compareDigests(packed, a, b));
      let last = -1;
      for (const index of run) {
        if (last >= 0 && compareDigests(packed, last, index) === 0) continue;
        copyDigest(packed, index, out, written);
        written += 1;
        last = index;
      }
    }
    position = end;
  }
  return { digests: out.subarray(0, written * DIGEST_BYTES), count: written };
}

/** Byte-wise comparison of digests number `a` and `b` in `packed`. */
export function compareDigests(packed: Uint8Array, a: number, b: number): number {
  const left = a * DIGEST_BYTES;
  const right = b * DIGEST_BYTES;
  for (let byte = 0; byte < DIGEST_BYTES; byte += 1) {
    const difference = (packed[left + byte] as number) - (packed[right + byte] as number);
    if (difference !== 0) return difference;
  }
  return 0;
}

// A plain loop: cheaper than a subarray view plus set() for 32 bytes.
function copyDigest(from: Uint8Array, index: number, to: Uint8Array, at: number): void {
  const source = index * DIGEST_BYTES;
  const target = at * DIGEST_BYTES;
  for (let byte = 0; byte < DIGEST_BYTES; byte += 1) to[target + byte] = from[source + byte] as number;
}

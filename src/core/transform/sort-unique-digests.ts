import * as digestLines from './digest-lines.ts';

// Module-local copies: V8 reads an imported binding through its module cell, checking that it is
// initialized, on every use; measured, that halved the speed of these loops. A local const is folded.
const DIGEST_BYTES = digestLines.DIGEST_BYTES;
const DIGEST_LINE_BYTES = digestLines.DIGEST_LINE_BYTES;
const writeDigestLine = digestLines.writeDigestLine;
const WORDS = DIGEST_BYTES / 4;

/** Runs of digests in one bucket up to this long are ordered by insertion; longer ones by Array#sort. */
const INSERTION_RUN = 16;

/**
 * Sorts `count` packed 32-byte digests ascending (byte order, which is also the order of their hex
 * lines), drops duplicates and encodes the rest as hex lines (`count × 65` bytes at most).
 * `commonPrefixBytes` leading bytes are known equal (a spill bucket), so the sort key starts after them.
 *
 * Why this shape: SHA-256 digests are uniform, so a counting sort into about one bucket per digest
 * (at most 65,536) puts nearly every digest in place in a few passes; a bucket holding more than
 * one is settled by full byte comparisons — which also keeps crafted inputs (pre-hashed values
 * sharing leading bytes) exact, if slower. The lines are written straight from the input in sorted
 * order, with no sorted copy of the digests in between.
 */
export function sortUniqueDigestLines(
  packed: Uint8Array,
  count: number,
  commonPrefixBytes = 0,
): { lines: Uint8Array; count: number } {
  // The sort key: the 4 bytes after the common prefix. The buckets split the range of keys the
  // group actually holds (a group can span a few leading bytes) into at most 65,536 equal parts.
  const keyAt = Math.min(commonPrefixBytes, DIGEST_BYTES - 4);
  const keys = new Uint32Array(count);
  let lowest = 0xffffffff;
  let highest = 0;
  for (let index = 0; index < count; index += 1) {
    const at = index * DIGEST_BYTES + keyAt;
    const key =
      (((packed[at] as number) << 24) |
        ((packed[at + 1] as number) << 16) |
        ((packed[at + 2] as number) << 8) |
        (packed[at + 3] as number)) >>>
      0;
    keys[index] = key;
    if (key < lowest) lowest = key;
    if (key > highest) highest = key;
  }
  const bucketBits = Math.min(16, Math.max(4, Math.ceil(Math.log2(count + 1))));
  const rangeBits = count === 0 ? 0 : 32 - Math.clz32(highest - lowest);
  const shift = Math.max(0, rangeBits - bucketBits);
  const bucketCount = 2 ** bucketBits;
  const bucketOf = new Uint16Array(count);
  // Bucket b's digests go to order[starts[b]] … order[starts[b + 1] - 1].
  const starts = new Uint32Array(bucketCount + 1);
  for (let index = 0; index < count; index += 1) {
    const bucket = ((keys[index] as number) - lowest) >>> shift;
    bucketOf[index] = bucket;
    starts[bucket + 1] = (starts[bucket + 1] as number) + 1;
  }
  for (let bucket = 1; bucket <= bucketCount; bucket += 1)
    starts[bucket] = (starts[bucket] as number) + (starts[bucket - 1] as number);
  const next = starts.slice(0, bucketCount);
  const order = new Uint32Array(count);
  for (let index = 0; index < count; index += 1) {
    const bucket = bucketOf[index] as number;
    order[next[bucket] as number] = index;
    next[bucket] = (next[bucket] as number) + 1;
  }

  const lines = new Uint8Array(count * DIGEST_LINE_BYTES);
  const view = new DataView(lines.buffer);
  let at = 0;
  const emit = (index: number): void => {
    writeDigestLine(packed, index * DIGEST_BYTES, view, at);
    at += DIGEST_LINE_BYTES;
  };
  let position = 0;
  while (position < count) {
    const end = starts[(bucketOf[order[position] as number] as number) + 1] as number;
    if (end - position === 1) {
      emit(order[position] as number);
    } else {
      if (end - position <= INSERTION_RUN) {
        for (let run = position + 1; run < end; run += 1) {
          const index = order[run] as number;
          let before = run - 1;
          while (before >= position && compareDigests(packed, order[before] as number, index) > 0) {
            order[before + 1] = order[before] as number;
            before -= 1;
          }
          order[before + 1] = index;
        }
      } else {
        const run = Array.from(order.subarray(position, end)).sort((a, b) => compareDigests(packed, a, b));
        order.set(run, position);
      }
      let last = -1;
      for (let run = position; run < end; run += 1) {
        const index = order[run] as number;
        if (last >= 0 && compareDigests(packed, last, index) === 0) continue;
        emit(index);
        last = index;
      }
    }
    position = end;
  }
  return { lines: lines.subarray(0, at), count: at / DIGEST_LINE_BYTES };
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

/** Scratch space for groupByLeadingByte, kept between calls (a thread reorders one batch at a time). */
let scratch = new Uint32Array(0);

/**
 * Reorders the first `count` packed digests of `packed` by their leading byte, in place (a stable
 * counting sort through a scratch buffer), and says where each byte's run is: digests `starts[b]`…
 * `starts[b + 1] - 1` (257 entries) lead with byte `b`. The main thread's de-duplication store does
 * this to a batch it gets unordered, so it can split it by leading byte with a few copies of
 * contiguous ranges instead of one copy per digest.
 */
export function groupByLeadingByte(packed: Uint8Array, count: number): { packed: Uint8Array; starts: Uint32Array } {
  if (packed.byteOffset % 4 === 0) {
    // Digests move as 32-bit words (several times faster than a subarray copy each).
    if (scratch.length < count * WORDS) scratch = new Uint32Array(Math.max(count * WORDS, scratch.length * 2));
    const starts = scatterByLeadingByte([{ packed, count }], scratch);
    new Uint32Array(packed.buffer, packed.byteOffset, count * WORDS).set(scratch.subarray(0, count * WORDS));
    return { packed: packed.subarray(0, count * DIGEST_BYTES), starts };
  }
  const starts = countByLeadingByte([{ packed, count }]);
  const next = starts.slice(0, 256);
  const to = new Uint8Array(count * DIGEST_BYTES);
  for (let index = 0; index < count; index += 1) {
    const byte = packed[index * DIGEST_BYTES] as number;
    to.set(packed.subarray(index * DIGEST_BYTES, (index + 1) * DIGEST_BYTES), (next[byte] as number) * DIGEST_BYTES);
    next[byte] = (next[byte] as number) + 1;
  }
  packed.set(to);
  return { packed: packed.subarray(0, count * DIGEST_BYTES), starts };
}

/**
 * Copies the digests of `views` (each 4-byte aligned) into `to`, ordered by leading byte and stable
 * (views in order, digests in order within each), and says where each byte's run starts (257
 * entries). The workers build each batch's transferable buffer this way, straight from its slices.
 */
export function scatterByLeadingByte(
  views: ReadonlyArray<{ packed: Uint8Array; count: number }>,
  to: Uint32Array,
): Uint32Array {
  const starts = countByLeadingByte(views);
  const next = starts.slice(0, 256);
  for (let view = 0; view < views.length; view += 1) {
    const { packed, count } = views[view] as { packed: Uint8Array; count: number };
    const words = new Uint32Array(packed.buffer, packed.byteOffset, count * WORDS);
    for (let index = 0; index < count; index += 1) {
      const byte = packed[index * DIGEST_BYTES] as number;
      const target = (next[byte] as number) * WORDS;
      next[byte] = (next[byte] as number) + 1;
      const from = index * WORDS;
      for (let word = 0; word < WORDS; word += 1) to[target + word] = words[from + word] as number;
    }
  }
  return starts;
}

/** Where each leading byte's run starts when the views' digests are ordered by it (257 entries). */
function countByLeadingByte(views: ReadonlyArray<{ packed: Uint8Array; count: number }>): Uint32Array {
  const starts = new Uint32Array(257);
  for (let view = 0; view < views.length; view += 1) {
    const { packed, count } = views[view] as { packed: Uint8Array; count: number };
    for (let index = 0; index < count; index += 1) {
      const byte = packed[index * DIGEST_BYTES] as number;
      starts[byte + 1] = (starts[byte + 1] as number) + 1;
    }
  }
  for (let byte = 1; byte <= 256; byte += 1) starts[byte] = (starts[byte] as number) + (starts[byte - 1] as number);
  return starts;
}

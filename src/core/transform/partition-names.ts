import { DIGEST_LINE_BYTES } from './digest-lines.ts';

/** `part-00000.csv`, `part-00001.csv`, …: names sort in write order. */
export function partitionFileName(index: number): string {
  return `part-${String(index).padStart(5, '0')}.csv`;
}

/** Whole digest lines that fit in one partition of at most `maxFileBytes`. */
export function linesPerPartition(maxFileBytes: number): number {
  if (!Number.isSafeInteger(maxFileBytes) || maxFileBytes < DIGEST_LINE_BYTES) {
    throw new RangeError(`maxFileBytes must be an integer of at least ${DIGEST_LINE_BYTES} (one digest line)`);
  }
  return Math.floor(maxFileBytes / DIGEST_LINE_BYTES);
}

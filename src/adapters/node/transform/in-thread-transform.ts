import type { NormalizeOptions } from '../../../core/identifiers/normalize-options.ts';
import type { ColumnMapping } from '../../../core/plan.ts';
import { readJsonLines } from '../../../core/readers/read-json-lines.ts';
import { DIGEST_BYTES } from '../../../core/transform/digest-lines.ts';
import { normalizeBatch, TALLY_LENGTH, type BatchPlan } from '../../../core/transform/normalize-batch.ts';
import { decodeAscii } from './decode-ascii.ts';
import { sortUniqueDigestLinesFast } from './digest-sort.ts';
import { nodeDigestWriter } from './node-digest-writer.ts';
import { splitRecords } from './split-records.ts';
import type { WorkerBatch, WorkerResult, WorkerSortRequest, WorkerSortResult } from './worker-messages.ts';

/** A result made in this thread: its rejects are still a plain list (a worker transfers them as an Int32Array). */
type LocalResult = WorkerResult & { rejects: number[] };

function cellsResult(columns: unknown[][], rowCount: number, plan: BatchPlan, options: NormalizeOptions): LocalResult {
  const result = normalizeBatch(columns, rowCount, plan, options, nodeDigestWriter);
  return {
    digests: result.digests.map(({ packed, count }) => ({ buffer: packed.buffer as ArrayBuffer, count })),
    tallies: result.tallies,
    rejects: result.rejects,
  };
}

/**
 * JSON Lines records are parsed, split and normalized this many at a time: only their objects are
 * alive at once, so the young-generation GC has little to copy (when a whole chunk's records were
 * parsed first, they survived every scavenge: about half of the workers' GC time).
 */
const JSON_LINES_SLICE_RECORDS = 512;

/**
 * Normalizes and hashes one batch: what a worker does with a message, usable in any thread. A JSON
 * Lines chunk is parsed first, by the readers' own JSON Lines reader (the same records, byte for byte).
 */
export async function processBatch(
  batch: WorkerBatch,
  plan: BatchPlan,
  mapping: readonly ColumnMapping[],
  options: NormalizeOptions,
): Promise<WorkerResult> {
  if (batch.kind === 'cells') return cellsResult(batch.columns, batch.rowCount, plan, options);
  // (The main thread never starts a later chunk with a byte-order mark, which the reader's decoder
  // would drop: in one stream only the file's first one is dropped.)
  const chunks = (async function* () {
    yield batch.bytes;
  })();
  const context = { source: '', batchSize: JSON_LINES_SLICE_RECORDS, progress: { bytesRead: 0 }, decodeAscii };
  const parts: LocalResult[] = [];
  const malformed: number[] = [];
  // Row (readable record) → record index in the chunk; null while every record so far was readable.
  let rowRecord: number[] | null = null;
  let records = 0;
  let rows = 0;
  for await (const parsed of readJsonLines(chunks, context)) {
    const split = splitRecords(parsed.records, mapping);
    if (split.rowRecord !== null && rowRecord === null) rowRecord = Array.from({ length: rows }, (_unused, row) => row);
    for (const index of split.malformed) malformed.push(records + index);
    if (rowRecord !== null) {
      for (let row = 0; row < split.rowCount; row += 1) {
        rowRecord.push(records + (split.rowRecord ? (split.rowRecord[row] as number) : row));
      }
    }
    const part = cellsResult(split.columns, split.rowCount, plan, options);
    for (let at = 0; at < part.rejects.length; at += 3) part.rejects[at] = (part.rejects[at] as number) + rows;
    parts.push(part);
    records += parsed.records.length;
    rows += split.rowCount;
  }
  return { ...mergeResults(parts, plan, options), records: { count: records, malformed, rowRecord } };
}

/** One result from consecutive parts of a batch (their reject rows already counted from the batch's start). */
function mergeResults(parts: LocalResult[], plan: BatchPlan, options: NormalizeOptions): LocalResult {
  if (parts.length === 1) return parts[0] as LocalResult;
  if (parts.length === 0) return cellsResult([], 0, plan, options);
  const digests = plan.types.map((_type, typeIndex) => {
    const count = parts.reduce((sum, part) => sum + (part.digests[typeIndex]?.count ?? 0), 0);
    const packed = nodeDigestWriter.allocate(count * DIGEST_BYTES);
    let at = 0;
    for (const part of parts) {
      const { buffer, count: partCount } = part.digests[typeIndex] as { buffer: ArrayBuffer; count: number };
      packed.set(new Uint8Array(buffer, 0, partCount * DIGEST_BYTES), at);
      at += partCount * DIGEST_BYTES;
    }
    return { buffer: packed.buffer as ArrayBuffer, count };
  });
  const tallies = plan.types.map((_type, typeIndex) => {
    const sums = new Array<number>(TALLY_LENGTH).fill(0);
    for (const part of parts) {
      (part.tallies[typeIndex] as number[]).forEach((count, slot) => {
        sums[slot] = (sums[slot] as number) + count;
      });
    }
    return sums;
  });
  return { digests, tallies, rejects: parts.flatMap((part) => part.rejects) };
}

/** Sorts and de-duplicates one group of digests and encodes it as hex lines (the final phase's work). */
export function sortGroup(request: WorkerSortRequest): WorkerSortResult {
  return sortUniqueDigestLinesFast(request.packed, request.count, request.commonPrefixBytes);
}

/**
 * The worker pool's interface, done in the calling thread. For small inputs: starting worker threads
 * (each loading the TypeScript normalizer) costs more than the whole transform.
 */
export class InThreadTransform {
  readonly capacity = 1;
  readonly parsesJsonLines = false;

  constructor(
    private readonly plan: BatchPlan,
    private readonly mapping: readonly ColumnMapping[],
    private readonly options: NormalizeOptions,
  ) {}

  submit(batch: WorkerBatch): Promise<WorkerResult> {
    return processBatch(batch, this.plan, this.mapping, this.options);
  }

  sortDigests(request: WorkerSortRequest): Promise<WorkerSortResult> {
    return Promise.resolve(sortGroup(request));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

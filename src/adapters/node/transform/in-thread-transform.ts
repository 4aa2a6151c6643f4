import type { NormalizeOptions } from '../../../core/identifiers/normalize-options.ts';
import type { ColumnMapping } from '../../../core/plan.ts';
import { readJsonLines } from '../../../core/readers/read-json-lines.ts';
import type { SourceRecord } from '../../../core/readers/reader-context.ts';
import { normalizeBatch, type BatchPlan } from '../../../core/transform/normalize-batch.ts';
import { sortUniqueDigestLines } from '../../../core/transform/sort-unique-digests.ts';
import { nodeDigestWriter } from './node-digest-writer.ts';
import { splitRecords } from './split-records.ts';
import type { WorkerBatch, WorkerResult, WorkerSortRequest, WorkerSortResult } from './worker-messages.ts';

function cellsResult(columns: unknown[][], rowCount: number, plan: BatchPlan, options: NormalizeOptions): WorkerResult {
  const result = normalizeBatch(columns, rowCount, plan, options, nodeDigestWriter);
  return {
    digests: result.digests.map(({ packed, count }) => ({ buffer: packed.buffer as ArrayBuffer, count })),
    tallies: result.tallies,
    rejects: result.rejects,
  };
}

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
  let records: SourceRecord[] = [];
  const chunks = (async function* () {
    yield batch.bytes;
  })();
  const context = { source: '', batchSize: Number.MAX_SAFE_INTEGER, progress: { bytesRead: 0 } };
  for await (const parsed of readJsonLines(chunks, context)) records = records.concat(parsed.records);
  const split = splitRecords(records, mapping);
  return {
    ...cellsResult(split.columns, split.rowCount, plan, options),
    records: { count: records.length, malformed: split.malformed, rowRecord: split.rowRecord },
  };
}

/** Sorts and de-duplicates one group of digests and encodes it as hex lines (the final phase's work). */
export function sortGroup(request: WorkerSortRequest): WorkerSortResult {
  return sortUniqueDigestLines(request.packed, request.count, request.commonPrefixBytes);
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

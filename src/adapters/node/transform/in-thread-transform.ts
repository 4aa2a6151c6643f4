import type { NormalizeOptions } from '../../../core/identifiers/normalize-options.ts';
import { normalizeBatch, type BatchPlan } from '../../../core/transform/normalize-batch.ts';
import { nodeDigestWriter } from './node-digest-writer.ts';
import type { WorkerBatch, WorkerResult } from './worker-messages.ts';

/** Normalizes and hashes one batch: what a worker does with a message, usable in any thread. */
export function processBatch(batch: WorkerBatch, plan: BatchPlan, options: NormalizeOptions): WorkerResult {
  const result = normalizeBatch(batch.columns, batch.rowCount, plan, options, nodeDigestWriter);
  return {
    sequence: batch.sequence,
    digests: result.digests.map(({ packed, count }) => ({ buffer: packed.buffer as ArrayBuffer, count })),
    tallies: result.tallies,
    rejects: result.rejects,
  };
}

/**
 * The worker pool's interface, done in the calling thread. For small inputs: starting worker threads
 * (each loading the TypeScript normalizer) costs more than the whole transform.
 */
export class InThreadTransform {
  readonly capacity = 1;

  constructor(
    private readonly plan: BatchPlan,
    private readonly options: NormalizeOptions,
  ) {}

  submit(batch: WorkerBatch): Promise<WorkerResult> {
    try {
      return Promise.resolve(processBatch(batch, this.plan, this.options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

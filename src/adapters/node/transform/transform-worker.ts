// Worker thread: normalizes and hashes batches sent by run-transform: cells the main thread parsed,
// or raw JSON Lines chunks it parses itself. Results go back with their digest buffers transferred, not copied.
import { parentPort, workerData } from 'node:worker_threads';
import type { NormalizeOptions } from '../../../core/identifiers/normalize-options.ts';
import type { ColumnMapping } from '../../../core/plan.ts';
import type { BatchPlan } from '../../../core/transform/normalize-batch.ts';
import { processBatch } from './in-thread-transform.ts';
import type { WorkerBatch } from './worker-messages.ts';

const { plan, mapping, options } = workerData as {
  plan: BatchPlan;
  mapping: ColumnMapping[];
  options: NormalizeOptions;
};

parentPort?.on('message', (batch: WorkerBatch) => {
  // A failure rejects here and, unhandled, stops the worker with an 'error' the pool reports.
  void processBatch(batch, plan, mapping, options).then((message) =>
    parentPort?.postMessage(
      message,
      message.digests.map(({ buffer }) => buffer),
    ),
  );
});

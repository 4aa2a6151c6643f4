// Worker thread: normalizes and hashes batches of cells sent by run-transform (the main thread reads
// and parses). Results go back with their digest buffers transferred, not copied.
import { parentPort, workerData } from 'node:worker_threads';
import type { NormalizeOptions } from '../../../core/identifiers/normalize-options.ts';
import type { BatchPlan } from '../../../core/transform/normalize-batch.ts';
import { processBatch } from './in-thread-transform.ts';
import type { WorkerBatch } from './worker-messages.ts';

const { plan, options } = workerData as { plan: BatchPlan; options: NormalizeOptions };

parentPort?.on('message', (batch: WorkerBatch) => {
  const message = processBatch(batch, plan, options);
  parentPort?.postMessage(
    message,
    message.digests.map(({ buffer }) => buffer),
  );
});

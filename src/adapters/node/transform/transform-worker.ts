// Worker thread: normalizes and hashes batches sent by run-transform: cells the main thread parsed,
// or raw JSON Lines chunks it parses itself; in the final phase it sorts groups of digests.
// Results go back with their buffers transferred, not copied.
import { parentPort, workerData } from 'node:worker_threads';
import type { NormalizeOptions } from '../../../core/identifiers/normalize-options.ts';
import type { ColumnMapping } from '../../../core/plan.ts';
import type { BatchPlan } from '../../../core/transform/normalize-batch.ts';
import { processBatch, sortGroup } from './in-thread-transform.ts';
import type { WorkerEnvelope } from './worker-messages.ts';

const { plan, mapping, options } = workerData as {
  plan: BatchPlan;
  mapping: ColumnMapping[];
  options: NormalizeOptions;
};

parentPort?.on('message', ({ id, message }: WorkerEnvelope) => {
  if (message.kind === 'sort') {
    const result = sortGroup(message);
    parentPort?.postMessage({ id, result }, [result.lines.buffer as ArrayBuffer]);
    return;
  }
  // A failure rejects here and, unhandled, stops the worker with an 'error' the pool reports.
  void processBatch(message, plan, mapping, options).then((result) =>
    parentPort?.postMessage(
      { id, result },
      result.digests.map(({ buffer }) => buffer),
    ),
  );
});

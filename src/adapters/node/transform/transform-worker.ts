// Worker thread: normalizes and hashes batches of cells sent by run-transform (the main thread reads
// and parses). Results go back with their digest buffers transferred, not copied.
import { hash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import type { NormalizeOptions } from '../../../core/identifiers/normalize-options.ts';
import { normalizeBatch, type BatchPlan, type DigestWriter } from '../../../core/transform/normalize-batch.ts';
import type { WorkerBatch, WorkerResult } from './worker-messages.ts';

const { plan, options } = workerData as { plan: BatchPlan; options: NormalizeOptions };

const writer: DigestWriter<Buffer> = {
  allocate: (bytes) => Buffer.allocUnsafeSlow(bytes),
  // crypto.hash is several times faster per value than createHash().update().digest(); a latin1
  // digest string (one char per byte) is the cheapest way to get its bytes into the batch buffer.
  hashInto: (text, target, offset) => {
    target.write(hash('sha256', text, 'binary'), offset, 'latin1');
  },
};

parentPort?.on('message', (batch: WorkerBatch) => {
  const result = normalizeBatch(batch.columns, batch.rowCount, plan, options, writer);
  const message: WorkerResult = {
    sequence: batch.sequence,
    digests: result.digests.map(({ packed, count }) => ({ buffer: packed.buffer as ArrayBuffer, count })),
    tallies: result.tallies,
    rejects: result.rejects,
  };
  parentPort?.postMessage(
    message,
    message.digests.map(({ buffer }) => buffer),
  );
});

// Worker thread: normalizes and hashes batches sent by run-transform: cells the main thread parsed,
// or raw JSON Lines chunks it parses itself; in the final phase it sorts groups of digests and
// computes part files' MD5s.
// Results go back with their buffers transferred, not copied.
import { createHash, type Hash } from 'node:crypto';
import { MessageChannel, parentPort, workerData } from 'node:worker_threads';
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

/** Part files whose MD5 this worker is computing (WorkerMd5Request). */
const md5ByFile = new Map<number, Hash>();

/**
 * Frees the buffers' memory now rather than at some later GC: transferred into a message channel
 * whose receiving end is closed, they are released with the queued message (≈ 1 ms later). This
 * thread allocates too little to collect them soon (it held ≈ 100 MB more of them at 10M rows), and
 * sending them back made the main thread's GC run several times in the final phase instead.
 */
function freeNow(buffers: ArrayBuffer[]): void {
  if (buffers.length === 0) return;
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(null, buffers);
  port2.close();
  port1.close();
}

parentPort?.on('message', ({ id, message }: WorkerEnvelope) => {
  if (message.kind === 'md5') {
    const md5s: Array<{ file: number; md5: string }> = [];
    const hashed = new Set<ArrayBuffer>();
    for (const step of message.steps) {
      let hash = md5ByFile.get(step.file);
      if (hash === undefined) {
        hash = createHash('md5');
        md5ByFile.set(step.file, hash);
      }
      if ('bytes' in step) {
        hash.update(step.bytes);
        hashed.add(step.bytes.buffer as ArrayBuffer);
      } else {
        md5s.push({ file: step.file, md5: hash.digest('hex') });
        md5ByFile.delete(step.file);
      }
    }
    freeNow([...hashed]);
    parentPort?.postMessage({ id, result: { md5s } });
    return;
  }
  if (message.kind === 'sort') {
    const result = sortGroup(message);
    parentPort?.postMessage({ id, result }, [result.lines.buffer as ArrayBuffer]);
    return;
  }
  // A failure rejects here and, unhandled, stops the worker with an 'error' the pool reports.
  // Digests ordered by leading byte here, in parallel, rather than digest by digest in the main thread's store.
  void processBatch(message, plan, mapping, options, true).then((result) => {
    // Number lists go as transferred Int32Arrays (a clone costs ≈ 0.4 µs per number on each side).
    const rejects = Int32Array.from(result.rejects);
    const rowRecord = result.records?.rowRecord ? Int32Array.from(result.records.rowRecord) : null;
    const records = result.records && { ...result.records, rowRecord };
    parentPort?.postMessage({ id, result: { ...result, rejects, records } }, [
      ...result.digests.map(({ buffer }) => buffer),
      rejects.buffer,
      ...(rowRecord ? [rowRecord.buffer] : []),
    ]);
  });
});

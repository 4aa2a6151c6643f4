/**
 * What the engine's per-row work costs on its own: the file cut into the engine's 1 MiB JSON Lines
 * chunks, each parsed, validated, normalized and SHA-256-hashed by the engine's own worker code
 * (processBatch) on one worker thread per core — and nothing else: no de-duplication, no sorting, no
 * part files, no reject report. A run can only be slower than this plus start-up. Not a product
 * path; evidence for bench/RESULTS.md.
 *
 *   node --import tsx bench/mandatory-work-floor.ts <file.jsonl> <field>=<TYPE>…
 *
 * Prints the wall time from process start (Node and tsx start-up included) and after start-up (from
 * the moment every worker is loaded and the file is in memory), with the counts so a reader can
 * check nothing was skipped.
 */
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { DEFAULT_NORMALIZE_OPTIONS, IDENTIFIER_TYPES, type IdentifierType } from '../src/core/identifiers/index.ts';
import type { ColumnMapping } from '../src/core/plan.ts';
import { planBatches, TALLY_VALID } from '../src/core/transform/normalize-batch.ts';
import { fileByteSource } from '../src/adapters/node/local-inputs.ts';
import { processBatch } from '../src/adapters/node/transform/in-thread-transform.ts';
import { jsonLinesChunks } from '../src/adapters/node/transform/json-lines-chunks.ts';
import type { WorkerJsonLinesBatch } from '../src/adapters/node/transform/worker-messages.ts';

interface Counts {
  records: number;
  hashed: number;
}

if (!isMainThread) {
  const mapping = workerData as ColumnMapping[];
  const plan = planBatches(mapping);
  parentPort?.postMessage('ready');
  parentPort?.on('message', (batch: WorkerJsonLinesBatch | null) => {
    if (batch === null) return process.exit(0);
    void processBatch(batch, plan, mapping, DEFAULT_NORMALIZE_OPTIONS).then((result) => {
      const hashed = result.tallies.reduce((sum, tally) => sum + (tally[TALLY_VALID] as number), 0);
      parentPort?.postMessage({ records: result.records?.count ?? 0, hashed } satisfies Counts);
    });
  });
} else {
  const [file, ...maps] = process.argv.slice(2);
  if (!file || maps.length === 0) {
    console.error('usage: node --import tsx bench/mandatory-work-floor.ts <file.jsonl> <field>=<TYPE>…');
    process.exit(2);
  }
  const mapping = maps.map((map): ColumnMapping => {
    const [column, type] = map.split('=') as [string, string];
    if (!(IDENTIFIER_TYPES as readonly string[]).includes(type)) throw new Error(`unknown type ${type}`);
    return { column, type: type as IdentifierType };
  });
  // The engine's own chunks (whole lines, each a buffer of its own), all read before the workers start.
  const chunks: WorkerJsonLinesBatch[] = [];
  const format = { format: 'jsonl', compression: 'none' } as const;
  for await (const bytes of jsonLinesChunks(fileByteSource(file), format, { bytesRead: 0 }, async () => 0)) {
    chunks.push({ kind: 'jsonl', bytes, first: chunks.length === 0 });
  }
  const bootstrap = `(async () => {
    const { register } = await import('tsx/esm/api');
    register();
    await import(${JSON.stringify(import.meta.url)});
  })();`;
  const total: Counts = { records: 0, hashed: 0 };
  // Workers first loaded (under tsx, which compiles the TypeScript: far slower than the CLI's bundle),
  // so the clock starts with every worker ready and every chunk in memory.
  const workers = await Promise.all(
    Array.from({ length: availableParallelism() }, async () => {
      const worker = new Worker(bootstrap, { eval: true, workerData: mapping });
      await new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
      });
      return worker;
    }),
  );
  const ready = performance.now();
  // Each worker takes the next chunk when it finishes one, two in flight so it never waits.
  await Promise.all(
    workers.map((worker) => {
      return new Promise<void>((resolve, reject) => {
        let inFlight = 0;
        const feed = () => {
          const chunk = chunks.shift();
          if (chunk === undefined) return;
          inFlight += 1;
          worker.postMessage(chunk, [chunk.bytes.buffer as ArrayBuffer]);
        };
        const finishIfIdle = () => {
          if (inFlight > 0) return;
          worker.postMessage(null);
          resolve();
        };
        worker.on('message', (counts: Counts) => {
          total.records += counts.records;
          total.hashed += counts.hashed;
          inFlight -= 1;
          feed();
          finishIfIdle();
        });
        worker.once('error', reject);
        feed();
        feed();
        finishIfIdle();
      });
    }),
  );
  const done = performance.now(); // counts from process start
  console.log(
    JSON.stringify({
      threads: availableParallelism(),
      ...total,
      secondsFromProcessStart: Number((done / 1000).toFixed(3)),
      secondsAfterStartUp: Number(((done - ready) / 1000).toFixed(3)),
    }),
  );
}

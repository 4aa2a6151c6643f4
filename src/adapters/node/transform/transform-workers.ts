import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { NormalizeOptions } from '../../../core/identifiers/index.ts';
import type { ColumnMapping } from '../../../core/plan.ts';
import type { BatchPlan } from '../../../core/transform/normalize-batch.ts';
import type {
  WorkerBatch,
  WorkerEnvelope,
  WorkerResult,
  WorkerSortRequest,
  WorkerSortResult,
} from './worker-messages.ts';

/** In the bundled CLI (scripts/cli-bundle.mjs defines it): the URL of the bundled worker. Undeclared under tsx. */
declare const AUDIENCE_UPLOADER_BUNDLED_WORKER: string | undefined;
const BUNDLED_WORKER = typeof AUDIENCE_UPLOADER_BUNDLED_WORKER === 'string' ? AUDIENCE_UPLOADER_BUNDLED_WORKER : null;

// Under tsx the worker is TypeScript: it registers tsx's loader (a runtime dependency) before importing it.
// (Node 20 does not apply a parent's `--import` loader hooks inside worker threads.)
const tsxWorkerBootstrap = () => `(async () => {
  const { register } = await import(${JSON.stringify(tsxEsmApiUrl())});
  register();
  await import(${JSON.stringify(new URL('./transform-worker.ts', import.meta.url).href)});
})();`;

/** Batches in flight per worker: enough to keep it busy while the main thread parses the next one. */
const IN_FLIGHT_PER_WORKER = 3;

/**
 * Worker threads that normalize and hash, fed round robin; the main thread keeps reading and parsing
 * meanwhile. A worker that fails fails every batch still waiting, so the run stops with its error.
 */
export class TransformWorkerPool {
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, { resolve: (result: never) => void; reject: (error: unknown) => void }>();
  private failure: unknown = null;
  /** Id of the next message; also picks its worker, round robin. */
  private next = 0;

  /** The workers parse JSON Lines chunks themselves (WorkerJsonLinesBatch). */
  readonly parsesJsonLines = true;

  constructor(
    plan: BatchPlan,
    mapping: readonly ColumnMapping[],
    options: NormalizeOptions,
    size = defaultWorkerCount(plan, false),
  ) {
    this.workers = Array.from({ length: Math.max(1, size) }, () => {
      // Bundled: the worker's own file, plain JavaScript. Under tsx: a bootstrap that loads the TypeScript.
      const worker = new Worker(BUNDLED_WORKER === null ? tsxWorkerBootstrap() : new URL(BUNDLED_WORKER), {
        eval: BUNDLED_WORKER === null,
        workerData: { plan, mapping, options },
        // TRANSFORM_WORKER_CPU_PROF=<dir>: CPU profiles of the workers too (the bench's profiling).
        execArgv: process.env.TRANSFORM_WORKER_CPU_PROF
          ? ['--cpu-prof', `--cpu-prof-dir=${process.env.TRANSFORM_WORKER_CPU_PROF}`]
          : [],
      });
      worker.on('message', ({ id, result }: { id: number; result: never }) => {
        const waiter = this.waiting.get(id);
        this.waiting.delete(id);
        waiter?.resolve(result);
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`transform worker stopped with exit code ${code}`));
      });
      return worker;
    });
  }

  get capacity(): number {
    return this.workers.length * IN_FLIGHT_PER_WORKER;
  }

  /** Sends a batch to the next worker (round robin); resolves with its result. */
  submit(batch: WorkerBatch): Promise<WorkerResult> {
    return this.post(batch, batch.kind === 'jsonl' ? [batch.bytes.buffer as ArrayBuffer] : []);
  }

  /** Final phase: one group of digests sorted, de-duplicated and hex-encoded by the next worker. */
  sortDigests(request: WorkerSortRequest): Promise<WorkerSortResult> {
    return this.post(request, [request.packed.buffer as ArrayBuffer]);
  }

  private post<T>(message: WorkerEnvelope['message'], transfer: ArrayBuffer[]): Promise<T> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const id = this.next;
    this.next += 1;
    const worker = this.workers[id % this.workers.length] as Worker;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (result: never) => void, reject });
      worker.postMessage({ id, message } satisfies WorkerEnvelope, transfer);
    });
  }

  /** Stops one worker thread abruptly, as a crash would (tests prove a run then fails cleanly). */
  async terminateWorker(index = 0): Promise<void> {
    await this.workers[index % this.workers.length]?.terminate();
  }

  async close(): Promise<void> {
    this.failure ??= new Error('transform worker pool closed');
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private fail(error: unknown): void {
    if (this.failure !== null) return;
    this.failure = error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}

/** tsx's ESM register API (`tsx/esm/api`, import condition), found from its package.json. */
function tsxEsmApiUrl(): string {
  const require = createRequire(import.meta.url);
  const packageJsonPath = require.resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  const entry = manifest.exports['./esm/api']?.import.default ?? './dist/esm/api/index.mjs';
  return pathToFileURL(join(dirname(packageJsonPath), entry)).href;
}

/**
 * One worker per core when the workers parse (JSON Lines: the main thread only reads bytes) or when
 * phone numbers are mapped (normalizing then costs far more than parsing, so the main thread mostly
 * waits); otherwise one fewer, since the main thread's parsing costs about as much as the workers'
 * normalizing and hashing.
 */
export function defaultWorkerCount(plan: BatchPlan, workersParse: boolean): number {
  const cores = availableParallelism();
  return Math.max(1, workersParse || plan.types.includes('PHONE') ? cores : cores - 1);
}

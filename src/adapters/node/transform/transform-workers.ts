import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { NormalizeOptions } from '../../../core/identifiers/index.ts';
import type { ColumnMapping } from '../../../core/plan.ts';
import type { BatchPlan } from '../../../core/transform/normalize-batch.ts';
import type { PartHash, PartHasher } from './partition-writer.ts';
import type {
  WorkerBatch,
  WorkerEnvelope,
  WorkerMd5Request,
  WorkerMd5Result,
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
 * Worker threads that normalize and hash, each batch to the least busy; the main thread keeps reading and parsing
 * meanwhile. A worker that fails fails every batch still waiting, so the run stops with its error.
 */
export class TransformWorkerPool {
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, { resolve: (result: never) => void; reject: (error: unknown) => void }>();
  private failure: unknown = null;
  /** Id of the next message. */
  private next = 0;
  /** Messages posted to each worker and not answered yet. */
  private readonly outstanding: number[];

  /** The workers parse JSON Lines chunks themselves (WorkerJsonLinesBatch). */
  readonly parsesJsonLines = true;

  constructor(
    plan: BatchPlan,
    mapping: readonly ColumnMapping[],
    options: NormalizeOptions,
    size = defaultWorkerCount(plan, false),
  ) {
    this.outstanding = Array.from({ length: Math.max(1, size) }, () => 0);
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

  /** Sends a batch to the least busy worker; resolves with its result. */
  submit(batch: WorkerBatch): Promise<WorkerResult> {
    return this.post(batch, batch.kind === 'jsonl' ? [batch.bytes.buffer as ArrayBuffer] : []);
  }

  /** Final phase: one group of digests sorted, de-duplicated and hex-encoded by the least busy worker. */
  sortDigests(request: WorkerSortRequest): Promise<WorkerSortResult> {
    return this.post(request, [request.packed.buffer as ArrayBuffer]);
  }

  /**
   * Part files' MD5s computed in the workers (each file's in one of them), so that in the final phase
   * this thread only writes: it was the phase's bottleneck (≈ 0.16 µs a line), the workers were not.
   */
  partHasher(): PartHasher {
    return new WorkerPartHasher(this.workers.length, (worker, request, transfer) =>
      this.post<WorkerMd5Result>(request, transfer, worker),
    );
  }

  /**
   * Posts to `workerIndex`, else to the worker with the fewest messages outstanding (round robin
   * among equals): a worker slowed by other load gets less, so both finish the last batches together.
   */
  private post<T>(message: WorkerEnvelope['message'], transfer: ArrayBuffer[], workerIndex?: number): Promise<T> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const id = this.next;
    this.next += 1;
    let index = workerIndex ?? id % this.workers.length;
    if (workerIndex === undefined) {
      for (let offset = 1; offset < this.workers.length; offset += 1) {
        const other = (id + offset) % this.workers.length;
        if ((this.outstanding[other] as number) < (this.outstanding[index] as number)) index = other;
      }
    }
    const worker = this.workers[index] as Worker;
    this.outstanding[index] = (this.outstanding[index] as number) + 1;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, {
        resolve: (result: never) => {
          this.outstanding[index] = (this.outstanding[index] as number) - 1;
          (resolve as (result: never) => void)(result);
        },
        reject,
      });
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

interface Md5Queue {
  steps: WorkerMd5Request['steps'];
  transfer: Set<ArrayBuffer>;
  ends: Map<number, { resolve: (md5: string) => void; reject: (error: unknown) => void }>;
}

/**
 * Sends each part file's bytes to one worker for its MD5 (the worker with the fewest bytes so far
 * when the file gets its first ones), held until `release()` and then transferred, not copied. A
 * buffer whose bytes go to two workers (lines that straddle two files) is copied for the second.
 */
class WorkerPartHasher implements PartHasher {
  private files = 0;
  private readonly load: number[];
  private queues = new Map<number, Md5Queue>();

  constructor(
    private readonly workers: number,
    private readonly send: (
      worker: number,
      request: WorkerMd5Request,
      transfer: ArrayBuffer[],
    ) => Promise<WorkerMd5Result>,
  ) {
    this.load = Array.from({ length: workers }, () => 0);
  }

  start(): PartHash {
    const file = this.files;
    this.files += 1;
    let worker: number | null = null;
    const workerOf = (): number => {
      worker ??= this.load.indexOf(Math.min(...this.load));
      return worker;
    };
    return {
      update: (bytes) => {
        if (bytes.byteLength === 0) return;
        const target = workerOf();
        this.load[target] = (this.load[target] as number) + bytes.byteLength;
        const queue = this.queue(target);
        const buffer = bytes.buffer as ArrayBuffer;
        const elsewhere = [...this.queues].some(([other, { transfer }]) => other !== target && transfer.has(buffer));
        const view = elsewhere ? bytes.slice() : bytes;
        queue.transfer.add(view.buffer as ArrayBuffer);
        queue.steps.push({ file, bytes: view });
      },
      end: () =>
        new Promise<string>((resolve, reject) => {
          const queue = this.queue(workerOf());
          queue.steps.push({ file, end: true });
          queue.ends.set(file, { resolve, reject });
        }),
    };
  }

  release(): void {
    const queues = this.queues;
    this.queues = new Map();
    for (const [worker, { steps, transfer, ends }] of queues) {
      this.send(worker, { kind: 'md5', steps }, [...transfer]).then(
        ({ md5s }) => {
          for (const { file, md5 } of md5s) ends.get(file)?.resolve(md5);
        },
        (error: unknown) => {
          for (const end of ends.values()) end.reject(error);
        },
      );
    }
  }

  private queue(worker: number): Md5Queue {
    let queue = this.queues.get(worker);
    if (queue === undefined) {
      queue = { steps: [], transfer: new Set(), ends: new Map() };
      this.queues.set(worker, queue);
    }
    return queue;
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

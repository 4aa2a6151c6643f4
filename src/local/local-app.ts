import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { JobDestination } from '../adapters/node/sqlite/job-store.ts';
import { SqliteJobStore } from '../adapters/node/sqlite/job-store.ts';
import { openDatabase } from '../adapters/node/sqlite/open-database.ts';
import { SqliteAudienceWriteLocks, SqliteUploadLedgerStore } from '../adapters/node/sqlite/upload-ledger-store.ts';
import { SqliteWorkQueue } from '../adapters/node/sqlite/work-queue.ts';
import type { CredentialsStatus, CredentialsUpdate } from './credentials.ts';
import { JobRunner } from './job-runner.ts';
import { JobService } from './job-service.ts';
import type { JobStages } from './job-stages.ts';
import { newLeaseOwner } from './lease-owner.ts';
import { LocalWorker } from './local-worker.ts';

/** The TikTok side of local mode: real TikTok with credentials, the bundled emulator without. */
export interface LocalDestination {
  /** Where new jobs go now. */
  current(): JobDestination;
  listAudiences(): Promise<{ advertiserId: string; audiences: unknown[] }>;
  credentialsStatus(): Promise<CredentialsStatus>;
  saveCredentials(update: CredentialsUpdate): Promise<CredentialsStatus>;
  close(): Promise<void>;
}

export interface LocalAppOptions {
  dataDir: string;
  /** Built once the store exists: the real engine needs the SQLite upload ledger. */
  stages: (deps: { ledger: SqliteUploadLedgerStore; audienceLocks: SqliteAudienceWriteLocks }) => JobStages;
  destination: LocalDestination;
  /** false: no worker loop in this process (the CLI runs its own job, `jobs list` runs none). */
  worker?: false | { concurrency?: number; leaseMs?: number; pollMs?: number; label?: string };
  outputTtlMs?: number;
  queue?: { maxAttempts?: number; backoffBaseMs?: number; backoffMaxMs?: number };
  onJobError?: (jobId: string, error: unknown) => void;
}

export interface LocalApp {
  dataDir: string;
  /** `<DATA_DIR>/.jobs`: per-job hashed output. */
  jobsDir: string;
  db: Database.Database;
  jobStore: SqliteJobStore;
  queue: SqliteWorkQueue;
  ledger: SqliteUploadLedgerStore;
  runner: JobRunner;
  jobs: JobService;
  worker: LocalWorker | undefined;
  owner: string;
  destination: LocalDestination;
  close(): Promise<void>;
}

export const DATABASE_FILE = '.audience-uploader.db';
export const JOBS_FOLDER = '.jobs';

/** Composes local mode around one data folder: SQLite store and queue, job runner, in-process worker. */
export function openLocalApp(options: LocalAppOptions): LocalApp {
  const { dataDir } = options;
  mkdirSync(dataDir, { recursive: true });
  const jobsDir = join(dataDir, JOBS_FOLDER);
  mkdirSync(jobsDir, { recursive: true });
  const db = openDatabase(join(dataDir, DATABASE_FILE));
  const jobStore = new SqliteJobStore(db);
  const queue = new SqliteWorkQueue(db, options.queue ?? {});
  const ledger = new SqliteUploadLedgerStore(db);
  const runner = new JobRunner({
    jobs: jobStore,
    dataDir,
    jobsDir,
    // Audience locks live in the shared database: the server and a CLI run never write one audience at once.
    stages: options.stages({ ledger, audienceLocks: new SqliteAudienceWriteLocks(db) }),
    ...(options.outputTtlMs === undefined ? {} : { outputTtlMs: options.outputTtlMs }),
  });
  const workerOptions = options.worker === false ? undefined : (options.worker ?? {});
  const owner = newLeaseOwner(workerOptions?.label ?? (workerOptions ? 'server' : 'cli'));
  const worker = workerOptions
    ? new LocalWorker({
        jobs: jobStore,
        queue,
        runner,
        owner,
        ...(workerOptions.concurrency === undefined ? {} : { concurrency: workerOptions.concurrency }),
        ...(workerOptions.leaseMs === undefined ? {} : { leaseMs: workerOptions.leaseMs }),
        ...(workerOptions.pollMs === undefined ? {} : { pollMs: workerOptions.pollMs }),
        ...(options.onJobError ? { onError: options.onJobError } : {}),
      })
    : undefined;
  const jobs = new JobService({
    jobs: jobStore,
    queue,
    ledger,
    jobsDir,
    // Read at each job's creation: saving credentials switches new jobs from the emulator to TikTok.
    get destination() {
      return options.destination.current();
    },
    ...(worker ? { worker } : {}),
  });
  let closed = false;
  return {
    dataDir,
    jobsDir,
    db,
    jobStore,
    queue,
    ledger,
    runner,
    jobs,
    worker,
    owner,
    destination: options.destination,
    async close() {
      if (closed) return;
      closed = true;
      await worker?.stop();
      await options.destination.close();
      db.close();
    },
  };
}

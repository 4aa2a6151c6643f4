import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteJobStore } from '../../../../src/adapters/node/sqlite/job-store.ts';
import { openDatabase } from '../../../../src/adapters/node/sqlite/open-database.ts';
import {
  SqliteAudienceWriteLocks,
  SqliteUploadLedgerStore,
} from '../../../../src/adapters/node/sqlite/upload-ledger-store.ts';
import { SqliteWorkQueue } from '../../../../src/adapters/node/sqlite/work-queue.ts';
import { StaleRunError } from '../../../../src/core/jobs/run-fence.ts';
import { jobPlanSchema } from '../../../../src/core/plan.ts';
import type { UploadLedgerState } from '../../../../src/destinations/tiktok/upload-ledger.ts';
import { rejectionOf } from '../../../helpers/rejection-of.ts';

let dir: string;
let db: Database.Database;
let now = 1_000_000;
const clock = () => now;
const plan = jobPlanSchema.parse({
  inputs: ['a.csv'],
  mapping: [{ column: 'email', type: 'EMAIL' }],
  audience: { name: 'A', action: 'create' },
});
const destination = { kind: 'emulator' as const, label: 'simulated TikTok' };
const state = (updatedAt: string): UploadLedgerState => ({
  version: 1,
  advertiserId: '7',
  action: 'create',
  audiences: {},
  createdAt: 't0',
  updatedAt,
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'au-fence-'));
  db = openDatabase(join(dir, 'jobs.db'));
  now = 1_000_000;
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('fencing in local mode', () => {
  it('each claim of a job takes a higher generation, and the older run can no longer change the job', () => {
    const jobs = new SqliteJobStore(db, clock);
    const queue = new SqliteWorkQueue(db, { now: clock });
    jobs.create({ id: 'j1', origin: 'api', plan, destination });
    queue.enqueue('j1');
    const first = queue.claim('worker-a', 1_000);
    expect(first?.generation).toBe(1);
    jobs.setState('j1', { state: 'transforming' }, 1);
    now += 1_001; // worker-a stalled past its lease
    const second = queue.claim('worker-b', 1_000);
    expect(second?.generation).toBe(2);
    expect(() => jobs.setState('j1', { state: 'failed', reason: 'stale' }, 1)).toThrow(StaleRunError);
    expect(() => jobs.setProgress('j1', { percent: 99 }, 1)).toThrow(StaleRunError);
    expect(() => jobs.mergeResult('j1', { upload: {} }, 1)).toThrow(StaleRunError);
    expect(jobs.get('j1')).toMatchObject({ state: 'transforming', progress: {}, result: null, runGeneration: 2 });
    expect(jobs.setState('j1', { state: 'uploading' }, 2)?.state).toBe('uploading');
  });

  it('a claim never takes a job listed as running here, even with its lease run out', () => {
    const jobs = new SqliteJobStore(db, clock);
    const queue = new SqliteWorkQueue(db, { now: clock });
    jobs.create({ id: 'j1', origin: 'api', plan, destination });
    queue.enqueue('j1');
    expect(queue.claim('me', 1_000)?.generation).toBe(1);
    now += 5_000;
    expect(queue.claim('me', 1_000, ['j1'])).toBeUndefined();
    expect(queue.heartbeat(1, 'me', 1_000)).toBe(true); // the live run renews its expired lease
    expect(jobs.get('j1')?.runGeneration).toBe(1);
  });

  it('the ledger refuses saves from a run older than the one that took it, and the job generation fences it at once', async () => {
    const jobs = new SqliteJobStore(db, clock);
    const queue = new SqliteWorkQueue(db, { now: clock });
    const ledger = new SqliteUploadLedgerStore(db, clock);
    jobs.create({ id: 'j1', origin: 'api', plan, destination });
    queue.enqueue('j1');
    queue.claim('a', 1_000);
    expect(await ledger.acquire('j1', 1)).toBeUndefined();
    await ledger.save('j1', state('by-1'), 1);
    now += 2_000;
    queue.claim('b', 1_000); // generation 2: run 1 is stale before run 2 has written anything
    const stale = await rejectionOf(ledger.save('j1', state('stale'), 1), StaleRunError);
    expect(stale.current).toBe(2);
    expect((await ledger.acquire('j1', 2))?.updatedAt).toBe('by-1');
    await ledger.save('j1', state('by-2'), 2);
    await rejectionOf(ledger.acquire('j1', 1), StaleRunError);
    expect((await ledger.load('j1'))?.updatedAt).toBe('by-2');
  });

  it('audience locks: one holder at a time, renewable by the holder, free again after expiry or release', async () => {
    const locks = new SqliteAudienceWriteLocks(db, clock);
    const key = '7/id/123';
    expect(await locks.tryAcquire(key, 'job-a', 1_000)).toBe(true);
    expect(await locks.tryAcquire(key, 'job-b', 1_000)).toBe(false);
    now += 900;
    expect(await locks.tryAcquire(key, 'job-a', 1_000)).toBe(true); // renewed to now + 1000
    now += 900;
    expect(await locks.tryAcquire(key, 'job-b', 1_000)).toBe(false);
    now += 101;
    expect(await locks.tryAcquire(key, 'job-b', 1_000)).toBe(true); // job-a's lease ran out
    await locks.release(key, 'job-a'); // not the holder: no effect
    expect(await locks.tryAcquire(key, 'job-a', 1_000)).toBe(false);
    await locks.release(key, 'job-b');
    expect(await locks.tryAcquire(key, 'job-a', 1_000)).toBe(true);
  });
});

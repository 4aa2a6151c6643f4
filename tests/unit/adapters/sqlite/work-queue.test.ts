import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate } from '../../../../src/adapters/node/sqlite/migrations.ts';
import { openDatabase } from '../../../../src/adapters/node/sqlite/open-database.ts';
import { SqliteWorkQueue } from '../../../../src/adapters/node/sqlite/work-queue.ts';

let dir: string;
let db: Database.Database;
let now = 1_000_000;
const clock = () => now;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'au-queue-'));
  db = openDatabase(join(dir, 'jobs.db'));
  now = 1_000_000;
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('migrations', () => {
  it('records each version once and uses WAL', () => {
    expect(db.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual(MIGRATIONS.map((m) => m.version));
    expect(migrate(db)).toEqual([]);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toEqual(
      expect.arrayContaining(['jobs', 'job_events', 'work_queue', 'upload_ledgers', 'schema_migrations']),
    );
  });

  it('applies a later version on top of an existing database', () => {
    const ran = migrate(db, [
      ...MIGRATIONS,
      { version: 99, name: 'test column', sql: 'ALTER TABLE jobs ADD COLUMN note TEXT' },
    ]);
    expect(ran).toEqual([99]);
    expect((db.prepare('PRAGMA table_info(jobs)').all() as Array<{ name: string }>).map((c) => c.name)).toContain(
      'note',
    );
  });
});

describe('SqliteWorkQueue', () => {
  it('hands a message to one claimer at a time, and again after the lease expires', () => {
    const queue = new SqliteWorkQueue(db, { now: clock });
    queue.enqueue('job-1');
    const first = queue.claim('worker-a', 1_000);
    expect(first).toMatchObject({ jobId: 'job-1', state: 'leased', attempts: 1, leaseOwner: 'worker-a' });
    expect(queue.claim('worker-b', 1_000)).toBeUndefined();
    now += 999;
    expect(queue.claim('worker-b', 1_000)).toBeUndefined();
    now += 1;
    const second = queue.claim('worker-b', 1_000);
    expect(second).toMatchObject({ jobId: 'job-1', attempts: 2, leaseOwner: 'worker-b' });
    // The first owner lost the lease: its heartbeat and completion are refused.
    expect(queue.heartbeat(first!.id, 'worker-a', 1_000)).toBe(false);
    expect(queue.complete(first!.id, 'worker-a')).toBe(false);
    expect(queue.complete(second!.id, 'worker-b')).toBe(true);
    expect(queue.pendingCount()).toBe(0);
  });

  it('keeps a lease alive with heartbeats', () => {
    const queue = new SqliteWorkQueue(db, { now: clock });
    queue.enqueue('job-1');
    const message = queue.claim('a', 1_000)!;
    for (let i = 0; i < 5; i += 1) {
      now += 800;
      expect(queue.heartbeat(message.id, 'a', 1_000)).toBe(true);
      expect(queue.claim('b', 1_000)).toBeUndefined();
    }
  });

  it('retries a failure after an exponential back-off, then dead-letters it with the reason', () => {
    const queue = new SqliteWorkQueue(db, {
      now: clock,
      random: () => 0.5,
      backoffBaseMs: 100,
      backoffMaxMs: 1_000,
      maxAttempts: 3,
    });
    queue.enqueue('job-1');
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      const message = queue.claim('a', 10_000)!;
      expect(message.attempts).toBe(attempt);
      const outcome = queue.fail(message.id, 'a', `boom ${attempt}`, { retryable: true });
      if (!outcome?.retried) throw new Error('expected a retry');
      delays.push(outcome.availableAt - now);
      expect(queue.claim('a', 10_000)).toBeUndefined();
      now = outcome.availableAt;
    }
    expect(delays).toEqual([100, 200]);
    const last = queue.claim('a', 10_000)!;
    expect(queue.fail(last.id, 'a', 'boom 3', { retryable: true })).toEqual({ retried: false, deadLettered: true });
    expect(queue.deadLetters()).toEqual([
      expect.objectContaining({ jobId: 'job-1', state: 'dead', attempts: 3, lastError: 'boom 3' }),
    ]);
    now += 1_000_000;
    expect(queue.claim('a', 10_000)).toBeUndefined();
  });

  it('caps the back-off', () => {
    const queue = new SqliteWorkQueue(db, { random: () => 0.5, backoffBaseMs: 1_000, backoffMaxMs: 5_000 });
    expect([1, 2, 3, 4, 10].map((n) => queue.backoffMs(n))).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
  });

  it('dead-letters a message that keeps killing its worker (lease expiring every time)', () => {
    const queue = new SqliteWorkQueue(db, { now: clock, maxAttempts: 2 });
    queue.enqueue('poison');
    queue.claim('a', 100);
    now += 100;
    queue.claim('b', 100);
    now += 100;
    expect(queue.claim('c', 100)).toBeUndefined();
    const [dead] = queue.deadLetters();
    expect(dead).toMatchObject({ jobId: 'poison', state: 'dead' });
    expect(dead?.lastError).toMatch(/stopped 2 times/);
  });

  it('releases the leases of owners known to be dead at once', () => {
    const queue = new SqliteWorkQueue(db, { now: clock });
    queue.enqueue('job-1');
    queue.enqueue('job-2');
    queue.claim('dead-owner', 60_000);
    queue.claim('live-owner', 60_000);
    expect(queue.releaseLeases((owner) => owner === 'live-owner')).toBe(1);
    expect(queue.claim('new', 60_000)).toMatchObject({ jobId: 'job-1', attempts: 2, leaseOwner: 'new' });
    expect(queue.claim('new', 60_000)).toBeUndefined();
  });

  it('can start a message leased to its creator (the CLI runs its own job)', () => {
    const queue = new SqliteWorkQueue(db, { now: clock });
    const message = queue.enqueue('cli-job', { leaseTo: { owner: 'cli', leaseMs: 1_000 } });
    expect(message).toMatchObject({ state: 'leased', attempts: 1, leaseOwner: 'cli' });
    expect(queue.claim('server', 1_000)).toBeUndefined();
    now += 1_000;
    expect(queue.claim('server', 1_000)).toMatchObject({ jobId: 'cli-job', leaseOwner: 'server' });
  });

  it('survives reopening the database (durable)', () => {
    const queue = new SqliteWorkQueue(db, { now: clock });
    queue.enqueue('job-1');
    db.close();
    db = openDatabase(join(dir, 'jobs.db'));
    expect(new SqliteWorkQueue(db, { now: clock }).claim('a', 1_000)).toMatchObject({ jobId: 'job-1' });
  });
});

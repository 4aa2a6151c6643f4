import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteJobStore } from '../../../../src/adapters/node/sqlite/job-store.ts';
import { openDatabase } from '../../../../src/adapters/node/sqlite/open-database.ts';
import { SqliteUploadLedgerStore } from '../../../../src/adapters/node/sqlite/upload-ledger-store.ts';
import { jobPlanSchema } from '../../../../src/core/plan.ts';
import type { UploadLedgerState } from '../../../../src/destinations/tiktok/upload-ledger.ts';

let dir: string;
let db: Database.Database;
const plan = jobPlanSchema.parse({
  inputs: ['a.csv'],
  mapping: [{ column: 'email', type: 'EMAIL' }],
  audience: { name: 'A', action: 'create' },
});
const destination = { kind: 'emulator' as const, label: 'simulated TikTok' };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'au-jobs-'));
  db = openDatabase(join(dir, 'jobs.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteJobStore', () => {
  it('creates, moves through states with events, and lists newest first', () => {
    let now = 1_000;
    const store = new SqliteJobStore(db, () => now);
    store.create({ id: 'j1', origin: 'api', plan, destination });
    now = 2_000;
    store.create({ id: 'j2', origin: 'cli', plan, destination });
    expect(store.list().map((j) => j.id)).toEqual(['j2', 'j1']);
    expect(store.get('j1')).toMatchObject({ state: 'queued', plan, destination, finishedAt: null });
    store.setState('j1', { state: 'transforming', reason: 'reading' });
    store.setProgress('j1', { stage: 'transform', recordsRead: 10, percent: 5 });
    store.mergeResult('j1', { transform: { recordsRead: 10 } });
    now = 3_000;
    const done = store.setState('j1', { state: 'failed', reason: 'broke', resolution: 'fix it', outputTtlMs: 6_000 });
    expect(done).toMatchObject({
      state: 'failed',
      reason: 'broke',
      resolution: 'fix it',
      finishedAt: 3_000,
      outputExpiresAt: 9_000,
      progress: { recordsRead: 10 },
      result: { transform: { recordsRead: 10 } },
    });
    expect(store.events('j1').map((e) => e.data.state)).toEqual(['queued', 'transforming', 'failed']);
    expect(store.list({ states: ['failed'] }).map((j) => j.id)).toEqual(['j1']);
    expect(store.expiredOutputs(8_999)).toEqual([]);
    expect(store.expiredOutputs(9_000)).toEqual(['j1']);
  });

  it('refuses a state change whose `from` does not match (a cancel raced it)', () => {
    const store = new SqliteJobStore(db);
    store.create({ id: 'j1', origin: 'api', plan, destination });
    store.setState('j1', { state: 'cancelled', reason: 'user' });
    expect(store.setState('j1', { state: 'failed', from: ['queued', 'transforming'] })).toBeUndefined();
    expect(store.get('j1')?.state).toBe('cancelled');
  });

  it('deletes a job with its events', () => {
    const store = new SqliteJobStore(db);
    store.create({ id: 'j1', origin: 'api', plan, destination });
    expect(store.delete('j1')).toBe(true);
    expect(store.get('j1')).toBeUndefined();
    expect(store.events('j1')).toEqual([]);
    expect(store.delete('j1')).toBe(false);
  });
});

describe('SqliteUploadLedgerStore', () => {
  it('saves durably and loads deep copies', async () => {
    const ledger = new SqliteUploadLedgerStore(db);
    const state: UploadLedgerState = {
      version: 1,
      advertiserId: '7',
      action: 'create',
      audiences: {},
      createdAt: 't0',
      updatedAt: 't0',
    };
    expect(await ledger.load('job')).toBeUndefined();
    await ledger.save('job', state, 0);
    state.updatedAt = 'mutated';
    db.close();
    db = openDatabase(join(dir, 'jobs.db'));
    const reopened = new SqliteUploadLedgerStore(db);
    expect(await reopened.load('job')).toEqual({ ...state, updatedAt: 't0' });
    await reopened.save('job', { ...state, updatedAt: 't1' }, 0);
    expect((await reopened.load('job'))?.updatedAt).toBe('t1');
    reopened.delete('job');
    expect(await reopened.load('job')).toBeUndefined();
  });
});

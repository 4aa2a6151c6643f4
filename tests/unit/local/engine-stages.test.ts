import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/adapters/node/sqlite/open-database.ts';
import { SqliteUploadLedgerStore } from '../../../src/adapters/node/sqlite/upload-ledger-store.ts';
import { jobPlanSchema } from '../../../src/core/plan.ts';
import {
  startTikTokEmulator,
  type RunningEmulator,
} from '../../../src/destinations/tiktok/emulator/tiktok-emulator.ts';
import { TikTokClient } from '../../../src/destinations/tiktok/tiktok-client.ts';
import { engineStages } from '../../../src/local/engine-stages.ts';
import { EMULATOR_DESTINATION } from '../../../src/local/tiktok-destination.ts';

let dir: string;
let db: Database.Database;
let emulator: RunningEmulator;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'au-stages-'));
  db = openDatabase(join(dir, 'jobs.db'));
  emulator = await startTikTokEmulator({ calculatingMs: 50, advertisers: ['42'], tokens: ['t'] });
  const rows = ['email,phone'];
  for (let i = 0; i < 1200; i += 1) rows.push(`person${i}@example.com,+1 613 444 ${String(1000 + i).padStart(4, '0')}`);
  writeFileSync(join(dir, 'in.csv'), `${rows.join('\n')}\n`);
});
afterEach(async () => {
  await emulator.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const plan = jobPlanSchema.parse({
  inputs: ['in.csv'],
  mapping: [
    { column: 'email', type: 'EMAIL' },
    { column: 'phone', type: 'PHONE' },
  ],
  audience: { name: 'Stages', action: 'create' },
});

describe('engineStages', () => {
  it('reports partially_failed when TikTok refuses a later type for good, and a retry finishes only what is missing', async () => {
    const ledger = new SqliteUploadLedgerStore(db);
    let refusePhone = true;
    // TikTok refuses to create the PHONE audience (a permission error: final, not retried).
    const refusingFetch: typeof fetch = async (input, init) => {
      if (
        refusePhone &&
        String(input).includes('/custom_audience/create/') &&
        String(init?.body ?? '').includes('PHONE_SHA256')
      ) {
        return new Response(
          JSON.stringify({
            code: 40001,
            message: 'No permission to operate this advertiser',
            request_id: 'req-1',
            data: {},
          }),
          { status: 200, headers: { 'content-type': 'application/json' } },
        );
      }
      return fetch(input, init);
    };
    const stages = engineStages({
      ledger,
      connect: async () => ({
        client: new TikTokClient({ baseUrl: emulator.baseUrl, accessToken: 't', fetch: refusingFetch }),
        advertiserId: '42',
        poll: { timeoutMs: 5_000, intervalMs: 50 },
        destination: EMULATOR_DESTINATION,
      }),
    });
    const outDir = join(dir, 'out');
    mkdirSync(join(dir, 'tmp'));
    const manifest = await stages.transform({
      inputPaths: [join(dir, 'in.csv')],
      plan,
      outDir,
      tempDir: join(dir, 'tmp'),
      signal: new AbortController().signal,
      onProgress: () => {},
    });
    expect(manifest.types.EMAIL?.unique).toBe(1200);
    expect(manifest.types.PHONE?.unique).toBe(1200);
    const upload = (signal = new AbortController().signal) =>
      stages.upload({
        manifest,
        outDir,
        plan,
        ledgerId: 'job-1',
        destination: EMULATOR_DESTINATION,
        signal,
        onProgress: () => {},
      });

    const first = await upload();
    expect(first.state).toBe('partially_failed');
    expect(first.reason).toMatch(/simulated TikTok refused the upload \(credentials, code 40001, request_id req-1\)/);
    expect(first.reason).toMatch(/Already done: EMAIL → \d+/);
    expect(first.resolution).toMatch(/retry the job/i);
    expect(emulator.audiences().map((a) => a.name)).toEqual(['Stages · EMAIL']);

    refusePhone = false;
    const second = await upload();
    expect(second.state).toBe('completed');
    const audiences = emulator.audiences();
    expect(audiences.map((a) => a.name).sort()).toEqual(['Stages · EMAIL', 'Stages · PHONE']);
    expect(audiences.every((a) => a.idCount === 1200 && a.duplicateIdsReceived === 0)).toBe(true);
    // EMAIL was not sent again: one create per audience, each file uploaded once.
    expect(emulator.operations()).toHaveLength(2);
    const md5s = emulator.uploads().map((u) => u.md5);
    expect(new Set(md5s).size).toBe(md5s.length);
  });
});

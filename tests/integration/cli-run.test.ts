import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteJobStore } from '../../src/adapters/node/sqlite/job-store.ts';
import { openDatabase } from '../../src/adapters/node/sqlite/open-database.ts';
import { DATABASE_FILE } from '../../src/local/local-app.ts';
import { api, REPO_ROOT, startServerProcess } from './server-process.ts';
import { runCliProcess, type CliOutcome } from '../helpers/run-cli-process.ts';

const SAMPLE = join(REPO_ROOT, 'tests', 'fixtures', 'clean-rooms-sample.jsonl');

let base: string;
let dataDir: string;

function cli(args: string[]): Promise<CliOutcome> {
  return runCliProcess(args, {
    cwd: base,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      TIKTOK_ACCESS_TOKEN: '',
      AU_EMULATOR_OPTIONS: JSON.stringify({ calculatingMs: 100 }),
    },
  });
}

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'au-cli-run-'));
  dataDir = join(base, 'data');
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('cli run / jobs', () => {
  it('runs transform + upload as one job in the shared store, visible to jobs list/show and the web API', async () => {
    const result = await cli([
      'run',
      SAMPLE,
      '--map',
      'e-mail=EMAIL',
      '--map',
      'mobile_advertiser_id=MAID',
      '--audience',
      'From CLI',
      '--action',
      'create',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/→ simulated TikTok \(bundled emulator/);
    expect(result.stdout).toMatch(/State: +completed/);
    expect(result.stdout).toMatch(/From CLI · EMAIL = \d+: 3 ids sent/);
    expect(result.stdout).toMatch(/From CLI · MAID = \d+: 2 ids sent/);
    const id = /Job ([0-9a-f-]{36})/.exec(result.stdout)?.[1];
    expect(id).toBeDefined();
    // Every state it went through, from the store (stderr only samples progress every 500 ms).
    const db = openDatabase(join(dataDir, DATABASE_FILE));
    try {
      const states = new SqliteJobStore(db).events(id ?? '').map((event) => event.data.state);
      expect(states).toEqual(['queued', 'transforming', 'uploading', 'processing', 'completed']);
    } finally {
      db.close();
    }

    const list = await cli(['jobs', 'list']);
    expect(list.stdout).toContain(`${id}`);
    expect(list.stdout).toMatch(/completed +cli +From CLI \(create\) → simulated TikTok/);
    const show = await cli(['jobs', 'show', id!, '--json']);
    expect(JSON.parse(show.stdout)).toMatchObject({ id, origin: 'cli', state: 'completed' });
    expect(await cli(['jobs', 'show', '00000000-0000-0000-0000-000000000000'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('Job not found'),
    });

    // The web app sees the same history.
    const server = await startServerProcess({ dataDir, env: { AU_SKIP_UI_BUILD: '1' } });
    try {
      const jobs = await api<{ jobs: Array<{ id: string; origin: string; state: string }> }>(
        server.url,
        'GET',
        '/api/jobs',
      );
      expect(jobs.json.jobs).toEqual([expect.objectContaining({ id, origin: 'cli', state: 'completed' })]);
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('reports bad options as usage errors naming the option', async () => {
    const bad = await cli(['run', SAMPLE, '--map', 'e-mail=EMALE', '--audience', 'x', '--action', 'create']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--map/);
    const noAction = await cli(['run', SAMPLE, '--map', 'e-mail=EMAIL', '--audience', 'x']);
    expect(noAction.code).toBe(2);
    expect(noAction.stderr).toMatch(/--action/);
    const missing = await cli([
      'run',
      join(base, 'nope.csv'),
      '--map',
      'e-mail=EMAIL',
      '--audience',
      'x',
      '--action',
      'create',
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Input not found/);
  });
});

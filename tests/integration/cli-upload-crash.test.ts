import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTikTokEmulator,
  type EmulatorRequestLogEntry,
  type RunningEmulator,
} from '../../src/destinations/tiktok/emulator/tiktok-emulator.ts';
import type { EmulatorAudienceView, EmulatorUpload } from '../../src/destinations/tiktok/emulator/tiktok-emulator.ts';
import {
  buildFakeTransformOutput,
  writeFakeTransformOutput,
  type FakeTransformOutput,
} from '../unit/destinations/tiktok/fake-transform-output.ts';
import { seededRandomForTest } from '../helpers/test-seed.ts';

const ADVERTISER = '7000000000000000001';
const TOKEN = 'crash-test-token-4321';

let emulator: RunningEmulator;
let dir: string;
let output: FakeTransformOutput;

/** Everything is inspected over the emulator's HTTP inspection API, as an outside observer would. */
async function inspect<T>(path: string): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${emulator.port}/__emulator/${path}`);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real CLI in a child process. With `killAfterRequests`, the test watches the emulator's
 * request log and SIGKILLs the uploader (no chance to clean up) a few milliseconds after that many
 * TikTok requests of this run arrived: a crash between any two steps, mid-request included.
 */
function runUpload(kill?: { afterRequests: number; delayMs: number }): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    // `node --import tsx` (not npx) so the kill hits the uploader itself, not a wrapper.
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'upload',
        dir,
        '--audience',
        'Crash',
        '--action',
        'create',
        '--batch-size',
        '2',
        '--wait-minutes',
        '0.1',
      ],
      {
        cwd: process.cwd(),
        env: {
          ...process.env,
          TIKTOK_API_BASE_URL: emulator.baseUrl,
          TIKTOK_ACCESS_TOKEN: TOKEN,
          TIKTOK_ADVERTISER_ID: ADVERTISER,
          TIKTOK_QPS: '50',
          // The emulator's list never lags behind a create: a create killed before it reached TikTok
          // is looked up for 2 s (not 5 minutes) before it is sent again.
          TIKTOK_CREATE_LOOKUP_WINDOW_MS: '2000',
          AU_CONFIG_DIR: join(dir, '.config'),
        },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const seenBefore = emulator.requestLog().length;
    const watcher =
      kill === undefined
        ? undefined
        : setInterval(() => {
            if (emulator.requestLog().length - seenBefore >= kill.afterRequests) {
              clearInterval(watcher);
              setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
            }
          }, 2);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (watcher) clearInterval(watcher);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  emulator = await startTikTokEmulator({
    qps: 50,
    calculatingMs: 250,
    latencyMs: 40,
    matchRate: 1,
    tokens: [TOKEN],
    advertisers: [ADVERTISER],
    seed: 3,
  });
  dir = await mkdtemp(join(tmpdir(), 'au-upload-crash-'));
  output = buildFakeTransformOutput({ EMAIL: { ids: 12_000, partitions: 6 }, PHONE: { ids: 4_500, partitions: 3 } });
  await writeFakeTransformOutput(dir, output);
});

afterAll(async () => {
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('upload CLI killed at random points', () => {
  it('ends with one audience per type holding exactly the ids, every partition applied; a re-run changes nothing and says so', async () => {
    // Kill points are drawn from a seed (printed on failure; AU_TEST_SEED=<seed> replays it).
    const { random } = seededRandomForTest('upload CLI kill points');
    const kills: number[] = [];
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const afterRequests = 1 + Math.floor(random() * 6);
      const run = await runUpload({ afterRequests, delayMs: Math.floor(random() * 40) });
      if (run.signal !== 'SIGKILL') {
        expect(run.code, run.stderr).toBe(0);
        break;
      }
      kills.push(afterRequests);
    }
    expect(kills.length).toBeGreaterThanOrEqual(3);

    const final = await runUpload();
    expect(final.code, final.stderr).toBe(0);

    const state = await inspect<{ audiences: EmulatorAudienceView[] }>('state');
    const { uploads } = await inspect<{ uploads: EmulatorUpload[] }>('uploads');
    const md5ByPath = new Map(uploads.map((upload) => [upload.filePath, upload.md5]));
    expect(state.audiences.map((audience) => audience.name).sort()).toEqual(['Crash · EMAIL', 'Crash · PHONE']);
    for (const [type, ids] of output.ids) {
      const audience = state.audiences.find(
        (candidate) => candidate.name === `Crash · ${type}`,
      ) as EmulatorAudienceView;
      const held = await inspect<{ ids: string[] }>(`audiences/${audience.audienceId}/ids`);
      expect(held.ids).toEqual([...ids].sort());
      // An update killed before its answer was recorded is sent again (set semantics: same audience),
      // so a file may be applied twice; none is missing, and no audience exists twice (names above).
      const applied = [...new Set(audience.appliedFilePaths.map((path) => md5ByPath.get(path)))].sort();
      expect(applied).toEqual((output.manifest.types[type]?.files ?? []).map((file) => file.md5).sort());
      expect(final.stdout).toContain(audience.audienceId);
    }

    // Same arguments again: only reads at TikTok, and the CLI says it was already complete.
    const before = (await inspect<{ requests: EmulatorRequestLogEntry[] }>('requests')).requests.length;
    const again = await runUpload();
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/Already complete/);
    const after = (await inspect<{ requests: EmulatorRequestLogEntry[] }>('requests')).requests.slice(before);
    expect(after.filter((entry) => entry.method !== 'GET')).toEqual([]);
    expect((await inspect<{ audiences: EmulatorAudienceView[] }>('state')).audiences).toEqual(state.audiences);
  }, 120_000);
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTikTokEmulator, type RunningEmulator } from '../../src/destinations/tiktok/emulator/tiktok-emulator.ts';
import {
  buildFakeTransformOutput,
  writeFakeTransformOutput,
} from '../unit/destinations/tiktok/fake-transform-output.ts';
import { runCliProcess, type CliOutcome } from '../helpers/run-cli-process.ts';

const ADVERTISER = '7000000000000000001';
const TOKEN = 'cli-errors-token-7788';

let emulator: RunningEmulator;
let dir: string;
let smallDir: string;

function cli(args: string[], env: Record<string, string | undefined>): Promise<CliOutcome> {
  const base: NodeJS.ProcessEnv = { ...process.env, AU_CONFIG_DIR: join(dir, '.no-config') };
  for (const key of ['TIKTOK_ACCESS_TOKEN', 'TIKTOK_ADVERTISER_ID', 'TIKTOK_API_BASE_URL', 'TIKTOK_QPS'])
    delete base[key];
  return runCliProcess(args, { env: { ...base, ...env } });
}

const emulatorEnv = () => ({
  TIKTOK_API_BASE_URL: emulator.baseUrl,
  TIKTOK_ACCESS_TOKEN: TOKEN,
  TIKTOK_ADVERTISER_ID: ADVERTISER,
});

beforeAll(async () => {
  emulator = await startTikTokEmulator({
    qps: 100,
    calculatingMs: 50,
    matchRate: 1,
    tokens: [TOKEN],
    advertisers: [ADVERTISER],
  });
  dir = await mkdtemp(join(tmpdir(), 'au-cli-upload-'));
  await writeFakeTransformOutput(dir, buildFakeTransformOutput({ EMAIL: { ids: 1500, partitions: 2 } }));
  smallDir = join(dir, 'small');
  await writeFakeTransformOutput(smallDir, buildFakeTransformOutput({ PHONE: { ids: 400, partitions: 1 } }));
});

afterAll(async () => {
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('upload and audiences CLI: what a person sees', () => {
  // Each case spawns the CLI (about a second of start-up): run them side by side.
  it('names the cause and the fix for each mistake, and works end to end', async () => {
    const [noToken, revoked, noManifest, badAction, replaceSmall] = await Promise.all([
      cli(['upload', dir, '--audience', 'X', '--action', 'create'], { TIKTOK_ADVERTISER_ID: ADVERTISER }),
      cli(['audiences', 'list'], { ...emulatorEnv(), TIKTOK_ACCESS_TOKEN: 'revoked-token-zzzz9999' }),
      cli(['upload', join(dir, 'nowhere'), '--audience', 'X', '--action', 'create'], emulatorEnv()),
      cli(['upload', dir, '--audience', 'X', '--action', 'merge'], emulatorEnv()),
      cli(['upload', smallDir, '--audience-id', '123', '--action', 'replace'], emulatorEnv()),
    ]);

    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('No TikTok access token');
    expect(noToken.stderr).toContain('TIKTOK_ACCESS_TOKEN');
    expect(noToken.stderr).toContain('npm run tiktok-emulator');

    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toContain('TikTok refused the access token');
    expect(revoked.stderr).toMatch(/request_id \S+/);
    expect(revoked.stderr).toContain('set TIKTOK_ACCESS_TOKEN');
    expect(revoked.stderr).not.toContain('revoked-token-zzzz9999');

    expect(noManifest.code).toBe(2);
    expect(noManifest.stderr).toContain('Not a transform output');
    expect(noManifest.stderr).toContain('transform');

    expect(badAction.code).toBe(2);
    expect(badAction.stderr).toMatch(/action/);

    expect(replaceSmall.code).toBe(2);
    expect(replaceSmall.stderr).toContain('Too few ids to replace');
    expect(emulator.requestLog().filter((entry) => entry.path.includes('/update/'))).toEqual([]);

    const upload = await cli(['upload', dir, '--audience', 'Cli', '--action', 'create', '--json'], emulatorEnv());
    expect(upload.code, upload.stderr).toBe(0);
    const result = JSON.parse(upload.stdout) as {
      alreadyComplete: boolean;
      audiences: Array<{
        audienceId: string;
        audienceName: string;
        coverNum: number;
        matchRate: number;
        idsSent: number;
      }>;
    };
    expect(result.alreadyComplete).toBe(false);
    expect(result.audiences).toHaveLength(1);
    expect(result.audiences[0]).toMatchObject({
      audienceName: 'Cli · EMAIL',
      idsSent: 1500,
      coverNum: 1500,
      matchRate: 1,
    });
    const audienceId = result.audiences[0]?.audienceId as string;

    const [list, listJson, show, again] = await Promise.all([
      cli(['audiences', 'list'], emulatorEnv()),
      cli(['audiences', 'list', '--json'], emulatorEnv()),
      cli(['audiences', 'show', audienceId], emulatorEnv()),
      cli(['upload', dir, '--audience', 'Cli', '--action', 'create'], emulatorEnv()),
    ]);
    expect(list.stdout).toMatch(new RegExp(`${audienceId}\\s+Cli · EMAIL\\s+EMAIL_SHA256\\s+1,500\\s+ready`));
    expect((JSON.parse(listJson.stdout) as Array<{ audienceId: string }>).map((item) => item.audienceId)).toEqual([
      audienceId,
    ]);
    expect(show.stdout).toContain(`Audience ${audienceId}`);
    expect(show.stdout).toContain('CREATE');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Already complete');
    expect(again.stdout).toContain('match rate 100.0%');
  }, 60_000);
});

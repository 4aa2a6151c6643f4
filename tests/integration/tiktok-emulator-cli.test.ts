import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';

const TOKEN = 'cli-secret-token-9876';
let child: ChildProcessWithoutNullStreams | undefined;

function startCli(args: string[]): ChildProcessWithoutNullStreams {
  // `node --import tsx` rather than `npx tsx`, so the signal reaches the emulator itself and not a wrapper.
  child = spawn(process.execPath, ['--import', 'tsx', 'src/destinations/tiktok/emulator/main.ts', ...args], {
    cwd: process.cwd(),
    env: { ...process.env, NO_COLOR: '1' },
  });
  return child;
}

async function firstLine(process: ChildProcessWithoutNullStreams): Promise<string> {
  const lines = createInterface({ input: process.stdout });
  const [line] = (await once(lines, 'line')) as [string];
  lines.close();
  return line;
}

afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
});

describe('npm run tiktok-emulator (main.ts)', () => {
  it('prints its base URL first, serves TikTok paths, hides tokens and stops on SIGTERM', async () => {
    const emulator = startCli([
      '--port',
      '0',
      '--qps',
      '3',
      '--match-rate',
      '1',
      '--calculating-ms',
      '50',
      '--token',
      TOKEN,
      '--advertiser',
      '123',
      '--advertiser',
      '456',
    ]);
    let stdout = '';
    let stderr = '';
    const line = await firstLine(emulator);
    emulator.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    emulator.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const match =
      /^TikTok emulator \(simulated TikTok\) listening on (http:\/\/127\.0\.0\.1:(\d+)\/open_api\/v1\.3)$/.exec(line);
    expect(match, line).not.toBeNull();
    const baseUrl = match?.[1] ?? '';

    const answer = (await (
      await fetch(`${baseUrl}/dmp/custom_audience/list/?advertiser_id=456`, { headers: { 'Access-Token': TOKEN } })
    ).json()) as { code: number; data: { page_info: { total_number: number } } };
    expect(answer.code).toBe(0);
    expect(answer.data.page_info.total_number).toBe(0);
    const wrongAdvertiser = (await (
      await fetch(`${baseUrl}/dmp/custom_audience/list/?advertiser_id=789`, { headers: { 'Access-Token': TOKEN } })
    ).json()) as { code: number };
    expect(wrongAdvertiser.code).toBe(40300);

    const state = (await (await fetch(`${baseUrl.replace('/open_api/v1.3', '')}/__emulator/state`)).json()) as {
      options: { qps: number; matchRate: number; calculatingMs: number; advertisers: string[]; tokens: string[] };
    };
    expect(state.options).toMatchObject({
      qps: 3,
      matchRate: 1,
      calculatingMs: 50,
      advertisers: ['123', '456'],
      tokens: ['…9876'],
    });

    emulator.kill('SIGTERM');
    const [code] = (await once(emulator, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(line + stdout).toContain('TikTok emulator stopped');
    expect(line + stdout + stderr).not.toContain(TOKEN);
  });

  it('exits 2 with the usage on a bad option', async () => {
    const emulator = startCli(['--qps', 'many']);
    let stderr = '';
    emulator.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(emulator, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(stderr).toContain('--qps must be a number');
    expect(stderr).toContain('Usage: npm run tiktok-emulator');
  });
});

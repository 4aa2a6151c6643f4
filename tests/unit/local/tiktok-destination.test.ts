import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTikTokDestination, type TikTokDestination } from '../../../src/local/tiktok-destination.ts';

let dataDir: string;
let destination: TikTokDestination;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'au-dest-'));
  destination = openTikTokDestination({ dataDir, env: {}, emulatorOptions: { calculatingMs: 10 } });
});
afterEach(async () => {
  await destination.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('openTikTokDestination', () => {
  it('without credentials uses the bundled emulator, labelled simulated TikTok, with state under the data folder', async () => {
    expect(destination.current()).toEqual({ kind: 'emulator', label: 'simulated TikTok' });
    expect(await destination.credentialsStatus()).toMatchObject({
      configured: false,
      source: 'none',
      tokenLast4: null,
      destination: { label: 'simulated TikTok' },
    });
    expect(await destination.listAudiences()).toEqual({ advertiserId: '7000000000000000001', audiences: [] });
    expect(statSync(join(dataDir, '.emulator')).isDirectory()).toBe(true);
    await expect(destination.connect('emulator', '123')).rejects.toMatchObject({ code: 'unknown_emulator_advertiser' });
  });

  it('stores credentials write-only in <DATA_DIR>/.config with mode 0600, and new jobs then go to TikTok', async () => {
    await expect(destination.saveCredentials({ advertiserId: '42' })).rejects.toMatchObject({ field: 'accessToken' });
    const status = await destination.saveCredentials({ accessToken: 'secret-token-value-9f3a', advertiserId: '42' });
    expect(status).toEqual({
      configured: true,
      source: 'file',
      tokenLast4: '9f3a',
      advertiserId: '42',
      destination: { kind: 'tiktok', label: 'TikTok' },
    });
    expect(JSON.stringify(status)).not.toContain('secret-token');
    const file = join(dataDir, '.config', 'tiktok-credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      accessToken: 'secret-token-value-9f3a',
      advertiserId: '42',
    });
    expect(destination.current()).toEqual({ kind: 'tiktok', label: 'TikTok' });
    // Changing only the advertiser keeps the stored token.
    expect(await destination.saveCredentials({ advertiserId: '43' })).toMatchObject({
      tokenLast4: '9f3a',
      advertiserId: '43',
    });
    const connection = await destination.connect('tiktok');
    expect(connection).toMatchObject({ advertiserId: '43', destination: { kind: 'tiktok' } });
  });
});

import { chmod, mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../../src/core/errors.ts';
import {
  loadTikTokSettings,
  maskToken,
  missingCredentialsError,
  saveTikTokCredentials,
} from '../../../../src/adapters/node/tiktok-credentials.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'au-creds-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadTikTokSettings', () => {
  it('reads the environment first, with production and 10 QPS as defaults', () => {
    const settings = loadTikTokSettings({
      env: { TIKTOK_ACCESS_TOKEN: 'tok-123456789', TIKTOK_ADVERTISER_ID: '42' },
      configDir: dir,
    });
    expect(settings).toEqual({
      accessToken: 'tok-123456789',
      advertiserId: '42',
      baseUrl: 'https://business-api.tiktok.com/open_api/v1.3',
      qps: 10,
      source: 'environment',
      warnings: [],
    });
  });

  it('takes the base URL (trailing slash dropped) and QPS from the environment', () => {
    const settings = loadTikTokSettings({
      env: { TIKTOK_API_BASE_URL: 'http://127.0.0.1:9999/open_api/v1.3/', TIKTOK_QPS: '5' },
      configDir: dir,
    });
    expect([settings.baseUrl, settings.qps, settings.source]).toEqual([
      'http://127.0.0.1:9999/open_api/v1.3',
      5,
      'none',
    ]);
  });

  it('refuses a nonsense QPS or base URL with the fix', () => {
    expect(() => loadTikTokSettings({ env: { TIKTOK_QPS: 'fast' }, configDir: dir })).toThrow(UserError);
    expect(() => loadTikTokSettings({ env: { TIKTOK_API_BASE_URL: 'ftp://x' }, configDir: dir })).toThrow(
      /TIKTOK_API_BASE_URL/,
    );
  });

  it('falls back to the 0600 credentials file that saveTikTokCredentials writes', async () => {
    const path = await saveTikTokCredentials(
      { accessToken: 'file-token-abcdef', advertiserId: '7000000000000000001' },
      dir,
    );
    expect(path).toBe(join(dir, 'tiktok-credentials.json'));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({
      accessToken: 'file-token-abcdef',
      advertiserId: '7000000000000000001',
    });
    const settings = loadTikTokSettings({ env: {}, configDir: dir });
    expect([settings.accessToken, settings.advertiserId, settings.source]).toEqual([
      'file-token-abcdef',
      '7000000000000000001',
      'file',
    ]);
    // The environment's advertiser wins over the file's.
    expect(loadTikTokSettings({ env: { TIKTOK_ADVERTISER_ID: '9' }, configDir: dir }).advertiserId).toBe('9');
  });

  it('uses AU_CONFIG_DIR when no folder is given', async () => {
    await saveTikTokCredentials({ accessToken: 'env-dir-token-1', advertiserId: '1' }, dir);
    expect(loadTikTokSettings({ env: { AU_CONFIG_DIR: dir } }).accessToken).toBe('env-dir-token-1');
  });

  it('refuses a credentials file that others can read, saying how to fix it', async () => {
    await mkdir(dir, { recursive: true });
    const path = join(dir, 'tiktok-credentials.json');
    await writeFile(path, JSON.stringify({ accessToken: 'x-token-xxxxxxxx', advertiserId: '1' }));
    await chmod(path, 0o644);
    try {
      loadTikTokSettings({ env: {}, configDir: dir });
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).resolution).toBe(`Run: chmod 600 ${path}`);
      expect((error as UserError).message).not.toContain('x-token-xxxxxxxx');
    }
  });
});

describe('tokens and missing credentials', () => {
  it('masks a token to its last 4 characters', () => {
    expect(maskToken('abcdefghijklmnop1234')).toBe('…1234');
    expect(maskToken('short')).toBe('…');
    expect(maskToken(undefined)).toBe('(none)');
  });

  it('explains how to set the token, the advertiser and the emulator', () => {
    const error = missingCredentialsError('token');
    expect(error.resolution).toContain('TIKTOK_ACCESS_TOKEN');
    expect(error.resolution).toContain('TIKTOK_ADVERTISER_ID');
    expect(error.resolution).toContain('TIKTOK_API_BASE_URL');
    expect(error.resolution).toContain('npm run tiktok-emulator');
    expect(missingCredentialsError('advertiser').resolution).toContain('--advertiser');
  });
});

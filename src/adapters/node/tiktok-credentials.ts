import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../core/errors.ts';
import { DEFAULT_TIKTOK_QPS } from '../../destinations/tiktok/request-rate-limiter.ts';
import { TIKTOK_PRODUCTION_BASE_URL } from '../../destinations/tiktok/tiktok-api-version.ts';
import { maskToken } from '../../destinations/tiktok/mask-token.ts';
import { writeFileAtomically } from './json-file-upload-ledger.ts';

export { maskToken };

/** Environment variable names: one constant each, shared by the CLI, local mode and the docs. */
export const TIKTOK_ENV = {
  accessToken: 'TIKTOK_ACCESS_TOKEN',
  advertiserId: 'TIKTOK_ADVERTISER_ID',
  baseUrl: 'TIKTOK_API_BASE_URL',
  qps: 'TIKTOK_QPS',
  configDir: 'AU_CONFIG_DIR',
} as const;

export const DEFAULT_CONFIG_DIR = '.audience-uploader';
export const CREDENTIALS_FILE = 'tiktok-credentials.json';

export interface TikTokSettings {
  accessToken?: string;
  advertiserId?: string;
  baseUrl: string;
  qps: number;
  /** Where the token came from. */
  source: 'environment' | 'file' | 'none';
  /** Problems worth telling the person (e.g. a credentials file readable by others). */
  warnings: string[];
}

export function credentialsPath(configDir?: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir ?? env[TIKTOK_ENV.configDir] ?? DEFAULT_CONFIG_DIR, CREDENTIALS_FILE);
}

function parseQps(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_TIKTOK_QPS;
  const qps = Number(raw);
  if (!Number.isFinite(qps) || qps <= 0 || qps > 1000) {
    throw new UserError({
      code: 'invalid_qps',
      title: 'Invalid TIKTOK_QPS',
      detail: `TIKTOK_QPS must be a positive number of requests per second (got "${raw}").`,
      resolution: "Set TIKTOK_QPS to your app's TikTok rate limit (10 at the default tier), or unset it.",
      field: TIKTOK_ENV.qps,
    });
  }
  return qps;
}

function parseBaseUrl(raw: string | undefined): string {
  if (raw === undefined || raw.trim() === '') return TIKTOK_PRODUCTION_BASE_URL;
  try {
    const url = new URL(raw.trim());
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    return url.toString().replace(/\/+$/, '');
  } catch (error) {
    throw new UserError({
      code: 'invalid_base_url',
      title: 'Invalid TIKTOK_API_BASE_URL',
      detail: `"${raw}" is not an http(s) URL.`,
      resolution: `Unset it for production (${TIKTOK_PRODUCTION_BASE_URL}) or point it at the emulator, e.g. http://127.0.0.1:8787/open_api/v1.3 (npm run tiktok-emulator).`,
      field: TIKTOK_ENV.baseUrl,
      cause: error,
    });
  }
}

interface CredentialsFile {
  accessToken?: string;
  advertiserId?: string;
}

function readCredentialsFile(path: string, warnings: string[]): CredentialsFile | undefined {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    return undefined;
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new UserError({
      code: 'credentials_file_permissions',
      title: 'The TikTok credentials file is readable by others',
      detail: `${path} has mode ${(mode & 0o777).toString(8)}; it holds an access token.`,
      resolution: `Run: chmod 600 ${path}`,
      kind: 'failure',
    });
  }
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    const file = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    return {
      ...(typeof file.accessToken === 'string' && file.accessToken ? { accessToken: file.accessToken } : {}),
      ...(typeof file.advertiserId === 'string' && file.advertiserId ? { advertiserId: file.advertiserId } : {}),
    };
  } catch {
    warnings.push(`${path} is not valid JSON and was ignored.`);
    return undefined;
  }
}

/**
 * TikTok settings: the token and advertiser from TIKTOK_ACCESS_TOKEN / TIKTOK_ADVERTISER_ID, else
 * from the git-ignored `<config dir>/tiktok-credentials.json` (mode 0600); base URL and QPS from the
 * environment.
 */
export function loadTikTokSettings(options: { env?: NodeJS.ProcessEnv; configDir?: string } = {}): TikTokSettings {
  const env = options.env ?? process.env;
  const warnings: string[] = [];
  const baseUrl = parseBaseUrl(env[TIKTOK_ENV.baseUrl]);
  const qps = parseQps(env[TIKTOK_ENV.qps]);
  const envToken = env[TIKTOK_ENV.accessToken]?.trim() || undefined;
  const envAdvertiser = env[TIKTOK_ENV.advertiserId]?.trim() || undefined;
  if (envToken) {
    return {
      accessToken: envToken,
      ...(envAdvertiser ? { advertiserId: envAdvertiser } : {}),
      baseUrl,
      qps,
      source: 'environment',
      warnings,
    };
  }
  const file = readCredentialsFile(credentialsPath(options.configDir, env), warnings);
  const advertiserId = envAdvertiser ?? file?.advertiserId;
  if (file?.accessToken)
    return {
      accessToken: file.accessToken,
      ...(advertiserId ? { advertiserId } : {}),
      baseUrl,
      qps,
      source: 'file',
      warnings,
    };
  return { ...(advertiserId ? { advertiserId } : {}), baseUrl, qps, source: 'none', warnings };
}

/** Saves the token and advertiser id to the credentials file, mode 0600, atomically. */
export async function saveTikTokCredentials(
  credentials: { accessToken: string; advertiserId: string },
  configDir?: string,
): Promise<string> {
  if (!/^\d+$/.test(credentials.advertiserId)) {
    throw new UserError({
      code: 'invalid_advertiser',
      title: 'Invalid advertiser id',
      detail: 'The advertiser id must be digits.',
      resolution: 'Copy the advertiser id from TikTok Ads Manager.',
      field: 'advertiserId',
    });
  }
  if (credentials.accessToken.trim() === '') {
    throw new UserError({
      code: 'missing_token',
      title: 'Missing access token',
      detail: 'The access token is empty.',
      resolution: 'Paste the long-term access token of your TikTok for Business app.',
      field: 'accessToken',
    });
  }
  const path = credentialsPath(configDir);
  await writeFileAtomically(
    path,
    `${JSON.stringify({ accessToken: credentials.accessToken.trim(), advertiserId: credentials.advertiserId }, null, 2)}\n`,
    0o600,
  );
  return path;
}

/** The error for a command that needs TikTok credentials and has none. */
export function missingCredentialsError(what: 'token' | 'advertiser'): UserError {
  const setup = `export ${TIKTOK_ENV.accessToken}=<long-term token> ${TIKTOK_ENV.advertiserId}=<advertiser id>, or save them as {"accessToken": "…", "advertiserId": "…"} in ${DEFAULT_CONFIG_DIR}/${CREDENTIALS_FILE} (chmod 600). To try it without TikTok, start the emulator (npm run tiktok-emulator) and set ${TIKTOK_ENV.baseUrl}=http://127.0.0.1:<port>/open_api/v1.3 with ${TIKTOK_ENV.accessToken}=emulator-token ${TIKTOK_ENV.advertiserId}=7000000000000000001.`;
  return what === 'token'
    ? new UserError({
        code: 'missing_tiktok_token',
        title: 'No TikTok access token',
        detail: `${TIKTOK_ENV.accessToken} is not set and there is no credentials file.`,
        resolution: setup,
        field: TIKTOK_ENV.accessToken,
      })
    : new UserError({
        code: 'missing_advertiser_id',
        title: 'No TikTok advertiser id',
        detail: `Neither --advertiser nor ${TIKTOK_ENV.advertiserId} (nor the credentials file) gives an advertiser id.`,
        resolution: `Pass --advertiser <id> or ${setup}`,
        field: TIKTOK_ENV.advertiserId,
      });
}

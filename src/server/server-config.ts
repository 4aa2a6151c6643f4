import { resolve } from 'node:path';
import { UserError } from '../core/errors.ts';
import { DEFAULT_OUTPUT_TTL_MS } from '../local/job-runner.ts';
import { DEFAULT_UPLOAD_MAX_BYTES } from './routes/upload-routes.ts';

export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  authPassword: string | undefined;
  concurrency: number;
  leaseMs: number;
  outputTtlMs: number;
  skipUiBuild: boolean;
  /** Host names the server answers to besides the loopback names and `host` (ALLOWED_HOSTS, comma-separated). */
  allowedHosts: string[];
  uploadMaxBytes: number;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UserError({
      code: 'invalid_setting',
      title: `Invalid ${name}`,
      detail: `${name} must be a whole number from ${min} to ${max} (got "${raw}").`,
      resolution: `Fix or unset ${name}.`,
      field: name,
    });
  }
  return value;
}

/** Settings of `npm start`, all from the environment (documented in docs/api.md). */
export function readServerConfig(env: NodeJS.ProcessEnv): ServerConfig {
  const days = Number(env.OUTPUT_RETENTION_DAYS ?? '');
  return {
    host: env.HOST?.trim() || '127.0.0.1',
    port: integer(env, 'PORT', 8787, 0, 65535),
    dataDir: resolve(env.DATA_DIR?.trim() || './data'),
    authPassword: env.AUTH_PASSWORD ? env.AUTH_PASSWORD : undefined,
    concurrency: integer(env, 'JOB_CONCURRENCY', 2, 1, 16),
    leaseMs: integer(env, 'AU_LEASE_MS', 30_000, 1_000, 3_600_000),
    outputTtlMs: Number.isFinite(days) && days > 0 ? days * 24 * 60 * 60 * 1000 : DEFAULT_OUTPUT_TTL_MS,
    skipUiBuild: env.AU_SKIP_UI_BUILD === '1',
    allowedHosts: (env.ALLOWED_HOSTS ?? '')
      .split(',')
      .map((host) => host.trim())
      .filter((host) => host !== ''),
    uploadMaxBytes: integer(env, 'UPLOAD_MAX_BYTES', DEFAULT_UPLOAD_MAX_BYTES, 1, Number.MAX_SAFE_INTEGER),
  };
}

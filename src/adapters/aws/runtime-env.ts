/**
 * The environment of the cloud functions: one name per setting, used by the constructs that set
 * them (amplify/custom/*) and by the handlers that read them, so the two cannot drift apart.
 */
export const RUNTIME_ENV = {
  /** The data bucket (an existing one, or Amplify storage's). */
  dataBucket: 'AU_DATA_BUCKET',
  /** Key prefix plans are relative to: '' for an existing bucket, 'uploads/' for Amplify storage. */
  dataPrefix: 'AU_DATA_PREFIX',
  artifactsBucket: 'AU_ARTIFACTS_BUCKET',
  glueJobName: 'AU_GLUE_JOB_NAME',
  uploadQueueUrl: 'AU_UPLOAD_QUEUE_URL',
  statusQueueUrl: 'AU_STATUS_QUEUE_URL',
  ledgerTable: 'AU_LEDGER_TABLE',
  rateLimitTable: 'AU_RATE_LIMIT_TABLE',
  tiktokSecretId: 'AU_TIKTOK_SECRET_ID',
  tiktokQps: 'AU_TIKTOK_QPS',
  /** TikTok's base URL (default production); the tests point it at the emulator. */
  tiktokBaseUrl: 'AU_TIKTOK_BASE_URL',
  outputRetentionDays: 'AU_OUTPUT_RETENTION_DAYS',
  /** How long the poller waits for TikTok to finish calculating before completing the job anyway. */
  statusPollMinutes: 'AU_STATUS_POLL_MINUTES',
  /** Partition uploads one uploader invocation may do before it queues the rest (bounded work per invocation). */
  uploadsPerInvocation: 'AU_UPLOADS_PER_INVOCATION',
  /** Set only when running against an emulation (moto): every SDK client uses it. */
  endpointUrl: 'AWS_ENDPOINT_URL',
} as const;

export type RuntimeSetting = keyof typeof RUNTIME_ENV;

export class MissingEnvironmentError extends Error {
  constructor(readonly variable: string) {
    super(`The function's environment lacks ${variable}: the deployment is incomplete (redeploy the backend).`);
    this.name = 'MissingEnvironmentError';
  }
}

/** Reads one setting; throws MissingEnvironmentError when it is absent or empty. */
export function requireEnv(setting: RuntimeSetting, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[RUNTIME_ENV[setting]];
  if (value === undefined || value === '') throw new MissingEnvironmentError(RUNTIME_ENV[setting]);
  return value;
}

export function optionalEnv(setting: RuntimeSetting, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[RUNTIME_ENV[setting]];
  return value === undefined || value === '' ? undefined : value;
}

/** Hashed output lives under `jobs/<jobId>/` of the artifacts bucket (the lifecycle rule expires it). */
export const JOBS_KEY_PREFIX = 'jobs/';

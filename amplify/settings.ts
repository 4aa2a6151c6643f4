import { z } from 'zod';

/**
 * Deploy-time settings (the retired stack's parameters), read once from the environment of the build
 * (Amplify Hosting: App settings → Environment variables; sandbox: your shell) and validated at synth,
 * so a bad value stops the deploy with a message that names the variable and the fix.
 */
export const SETTINGS_ENV = {
  targetPlatform: 'AU_TARGET_PLATFORM',
  adminEmail: 'AU_ADMIN_EMAIL',
  dataBucketName: 'AU_DATA_BUCKET_NAME',
  artifactsRetentionDays: 'AU_ARTIFACTS_RETENTION_DAYS',
  kmsKeyArn: 'AU_KMS_KEY_ARN',
  glueWorkerType: 'AU_GLUE_WORKER_TYPE',
  glueNumberOfWorkers: 'AU_GLUE_NUMBER_OF_WORKERS',
  glueTimeoutMinutes: 'AU_GLUE_TIMEOUT_MINUTES',
  glueMaxConcurrentRuns: 'AU_GLUE_MAX_CONCURRENT_RUNS',
  tiktokQps: 'AU_TIKTOK_QPS',
} as const;

export type SettingName = keyof typeof SETTINGS_ENV;

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const whole = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const deploySettingsSchema = z.object({
  /** Selects the destination's resources; a second platform is a new construct, not an edit. */
  targetPlatform: z.enum(['tiktok']).default('tiktok'),
  /** Invited as the first member of Admins when set. */
  adminEmail: optionalText.pipe(z.email('must be an email address such as ops@example.com').optional()),
  /** An existing bucket (e.g. the Clean Rooms results bucket), read-only to the app; unset → one made by defineStorage. */
  dataBucketName: optionalText.pipe(
    z
      .string()
      .regex(
        /^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        'must be an S3 bucket name (3–63 lowercase letters, digits, dots, hyphens)',
      )
      .optional(),
  ),
  artifactsRetentionDays: whole(1, 365).default(7),
  /** A customer-managed key for the artifacts bucket, queues, secret and Glue; unset → the stack makes one. */
  kmsKeyArn: optionalText.pipe(
    z
      .string()
      .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/, 'must be a KMS key ARN (arn:aws:kms:…:key/…)')
      .optional(),
  ),
  glueWorkerType: z.enum(['G.1X', 'G.2X', 'G.4X', 'G.8X']).default('G.1X'),
  glueNumberOfWorkers: whole(2, 299).default(10),
  glueTimeoutMinutes: whole(5, 2880).default(120),
  glueMaxConcurrentRuns: whole(20, 1000).default(20),
  /** TikTok's per-app budget (Basic tier 10/s; 20, 30, 50 on higher tiers), shared by every function. */
  tiktokQps: whole(1, 50).default(10),
});

export type DeploySettings = z.output<typeof deploySettingsSchema>;

/** What the web app shows of the settings: amplify_outputs.json → custom.settings (backend.ts, scripts/amplify-outputs.ts). */
export function publishedSettings(settings: DeploySettings) {
  return {
    targetPlatform: settings.targetPlatform,
    tiktokQps: settings.tiktokQps,
    outputRetentionDays: settings.artifactsRetentionDays,
    existingDataBucket: settings.dataBucketName !== undefined,
  };
}

export class DeploySettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid deploy-time settings:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        'Fix them in the Amplify console (App settings → Environment variables) or your shell, then deploy again.',
    );
    this.name = 'DeploySettingsError';
  }
}

/** Parses the settings from an environment (default: process.env); throws DeploySettingsError naming each bad variable. */
export function readDeploySettings(env: Record<string, string | undefined> = process.env): DeploySettings {
  const raw: Record<string, string | undefined> = {};
  for (const [key, variable] of Object.entries(SETTINGS_ENV)) raw[key] = env[variable];
  const parsed = deploySettingsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new DeploySettingsError(
    parsed.error.issues.map((issue) => {
      const key = String(issue.path[0]) as SettingName;
      const value = raw[key];
      return `${SETTINGS_ENV[key] ?? key}${value === undefined ? '' : ` = "${value.slice(0, 80)}"`}: ${issue.message}`;
    }),
  );
}

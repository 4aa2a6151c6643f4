import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { z } from 'zod';
import { UserError } from '../../core/errors.ts';
import type { JobDestination } from '../../core/jobs/job-lifecycle.ts';
import { maskToken } from '../../destinations/tiktok/mask-token.ts';

export const TIKTOK_DESTINATION: JobDestination = { kind: 'tiktok', label: 'TikTok' };

/** What the secret holds: `{}` until an Admin saves credentials. */
const storedCredentialsSchema = z.object({
  accessToken: z.string().min(1).optional(),
  advertiserId: z.string().regex(/^\d+$/).optional(),
  updatedAt: z.string().optional(),
});
export type StoredCredentials = z.output<typeof storedCredentialsSchema>;

/** setCredentials' arguments (the Settings page): both optional, one kept from the secret when absent. */
export const credentialsUpdateSchema = z.object({
  accessToken: z
    .string()
    .trim()
    .min(16, 'accessToken looks too short for a TikTok long-term token')
    .max(1024)
    .regex(/^[\x21-\x7e]+$/, 'accessToken has characters a TikTok token never has (spaces, non-ASCII)')
    .nullish()
    .transform((value) => value ?? undefined),
  advertiserId: z
    .string()
    .trim()
    .regex(/^\d{1,30}$/, 'advertiserId is the digits of a TikTok advertiser id')
    .nullish()
    .transform((value) => value ?? undefined),
});
export type CredentialsUpdate = z.output<typeof credentialsUpdateSchema>;

export interface CloudCredentialsStatus {
  configured: boolean;
  source: 'secret' | 'none';
  /** At most the last 4 characters of the token. */
  tokenLast4: string | null;
  advertiserId: string | null;
  destination: JobDestination;
}

/** Seconds a Lambda keeps the credentials before reading the secret again (Powertools' cache). */
export const CREDENTIALS_CACHE_SECONDS = 300;

/**
 * The TikTok credentials in Secrets Manager (KMS-encrypted): read through Powertools Parameters,
 * cached across invocations of a warm Lambda; written only by setCredentials (Admins). The token
 * never leaves this module except into the TikTok client; status shows its last 4 characters.
 */
export class SecretsManagerCredentials {
  readonly #provider: SecretsProvider;
  readonly #client: SecretsManagerClient;

  constructor(
    readonly secretId: string,
    clientConfig: { endpoint?: string } = {},
  ) {
    this.#client = new SecretsManagerClient(clientConfig);
    this.#provider = new SecretsProvider({ awsSdkV3Client: this.#client });
  }

  async load(options: { fresh?: boolean } = {}): Promise<StoredCredentials> {
    const raw = await this.#provider.get(this.secretId, {
      maxAge: CREDENTIALS_CACHE_SECONDS,
      ...(options.fresh ? { forceFetch: true } : {}),
    });
    let parsed: unknown = {};
    try {
      parsed = typeof raw === 'string' && raw.trim() !== '' ? JSON.parse(raw) : {};
    } catch {
      parsed = {};
    }
    const result = storedCredentialsSchema.safeParse(parsed);
    return result.success ? result.data : {};
  }

  /** The token and advertiser for a job, or a UserError saying what an Admin must do. */
  async require(advertiserId?: string): Promise<{ accessToken: string; advertiserId: string }> {
    const stored = await this.load();
    if (!stored.accessToken) throw missingCloudCredentials('token');
    const advertiser = advertiserId ?? stored.advertiserId;
    if (!advertiser) throw missingCloudCredentials('advertiser');
    return { accessToken: stored.accessToken, advertiserId: advertiser };
  }

  async status(options: { fresh?: boolean } = {}): Promise<CloudCredentialsStatus> {
    const stored = await this.load(options);
    return statusOf(stored);
  }

  async save(update: CredentialsUpdate, now: Date = new Date()): Promise<CloudCredentialsStatus> {
    const current = await this.load({ fresh: true });
    const accessToken = update.accessToken ?? current.accessToken;
    const advertiserId = update.advertiserId ?? current.advertiserId;
    if (!accessToken)
      throw new UserError({
        code: 'missing_token',
        title: 'Access token needed',
        detail: 'No access token is stored yet, so one must be given.',
        resolution: 'Paste the long-term access token from the TikTok developer portal.',
        field: 'accessToken',
      });
    if (!advertiserId)
      throw new UserError({
        code: 'missing_advertiser_id',
        title: 'Advertiser id needed',
        detail: 'No advertiser id is stored yet, so one must be given.',
        resolution: 'Enter the advertiser id (digits) shown in TikTok Ads Manager.',
        field: 'advertiserId',
      });
    const next: StoredCredentials = { accessToken, advertiserId, updatedAt: now.toISOString() };
    await this.#client.send(new PutSecretValueCommand({ SecretId: this.secretId, SecretString: JSON.stringify(next) }));
    return statusOf(next);
  }
}

function statusOf(stored: StoredCredentials): CloudCredentialsStatus {
  const token = stored.accessToken;
  return {
    configured: token !== undefined,
    source: token !== undefined ? 'secret' : 'none',
    tokenLast4: token && token.length > 8 ? maskToken(token).slice(-4) : null,
    advertiserId: stored.advertiserId ?? null,
    destination: TIKTOK_DESTINATION,
  };
}

export function missingCloudCredentials(what: 'token' | 'advertiser'): UserError {
  return new UserError({
    code: what === 'token' ? 'missing_token' : 'missing_advertiser_id',
    title: what === 'token' ? 'TikTok is not connected' : 'No advertiser chosen',
    detail:
      what === 'token'
        ? 'No TikTok access token is stored for this deployment.'
        : 'No advertiser id is stored, and the plan names none.',
    resolution: 'An Admin opens Settings and saves the TikTok access token and advertiser id; then retry the job.',
    field: what === 'token' ? 'accessToken' : 'audience.advertiserId',
    kind: 'failure',
  });
}

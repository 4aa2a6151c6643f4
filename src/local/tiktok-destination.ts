import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.ts';
import type { JobDestination } from '../adapters/node/sqlite/job-store.ts';
import {
  loadTikTokSettings,
  maskToken,
  missingCredentialsError,
  saveTikTokCredentials,
  type TikTokSettings,
} from '../adapters/node/tiktok-credentials.ts';
import {
  startTikTokEmulator,
  type EmulatorOptions,
  type RunningEmulator,
} from '../destinations/tiktok/emulator/tiktok-emulator.ts';
import { processRequestRateLimiter, RequestRateLimiter } from '../destinations/tiktok/request-rate-limiter.ts';
import { TikTokClient } from '../destinations/tiktok/tiktok-client.ts';
import type { CredentialsStatus, CredentialsUpdate } from './credentials.ts';
import type { LocalDestination } from './local-app.ts';

export const EMULATOR_DESTINATION: JobDestination = { kind: 'emulator', label: 'simulated TikTok' };
export const TIKTOK_DESTINATION: JobDestination = { kind: 'tiktok', label: 'TikTok' };
export const EMULATOR_TOKEN = 'emulator-token';
export const EMULATOR_ADVERTISER_ID = '7000000000000000001';
/** JSON object of emulator options (latencyMs, calculatingMs, faultRate, …) for trying failure modes. */
export const EMULATOR_OPTIONS_ENV = 'AU_EMULATOR_OPTIONS';

export interface TikTokConnection {
  client: TikTokClient;
  advertiserId: string;
  poll: { timeoutMs: number; intervalMs: number };
  /** How long a create whose answer was lost is looked up before it is sent again (default 5 minutes). */
  createLookupWindowMs?: number;
  destination: JobDestination;
}

export interface TikTokDestination extends LocalDestination {
  /** Client and advertiser for a job of this destination kind (the emulator starts on first use). */
  connect(kind: JobDestination['kind'], advertiserId?: string): Promise<TikTokConnection>;
  /** The running emulator, if any (tests look inside it). */
  emulator(): RunningEmulator | undefined;
  configDir: string;
}

/**
 * Credentials live under `<DATA_DIR>/.config` (0600, never served) or in the environment. Without a
 * token, jobs go to the bundled emulator, whose state persists in `<DATA_DIR>/.emulator/state.json`
 * so audiences survive restarts; it is always labelled "simulated TikTok".
 */
export function openTikTokDestination(options: {
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  emulatorOptions?: Partial<EmulatorOptions>;
}): TikTokDestination {
  const env = options.env ?? process.env;
  const configDir = join(options.dataDir, '.config');
  const emulatorDir = join(options.dataDir, '.emulator');
  let running: Promise<RunningEmulator> | undefined;
  let started: RunningEmulator | undefined;
  // The emulator has its own budget (its `qps` option); real TikTok shares the process limiter at TIKTOK_QPS.
  let emulatorLimiter: RequestRateLimiter | undefined;
  const settings = (): TikTokSettings => loadTikTokSettings({ env, configDir });
  const emulatorOptions = (): Partial<EmulatorOptions> => {
    const raw = env[EMULATOR_OPTIONS_ENV];
    let fromEnv: Partial<EmulatorOptions> = {};
    if (raw) {
      try {
        fromEnv = JSON.parse(raw) as Partial<EmulatorOptions>;
      } catch (error) {
        throw new UserError({
          code: 'invalid_emulator_options',
          title: `Invalid ${EMULATOR_OPTIONS_ENV}`,
          detail: 'It is not a JSON object.',
          resolution: `Unset ${EMULATOR_OPTIONS_ENV} or set it to JSON such as {"latencyMs": 100}.`,
          field: EMULATOR_OPTIONS_ENV,
          cause: error,
        });
      }
    }
    return { ...fromEnv, ...options.emulatorOptions };
  };
  const ensureEmulator = (): Promise<RunningEmulator> => {
    if (!running) {
      mkdirSync(emulatorDir, { recursive: true });
      running = startTikTokEmulator({
        ...emulatorOptions(),
        host: '127.0.0.1',
        port: 0,
        statePath: join(emulatorDir, 'state.json'),
        tokens: [EMULATOR_TOKEN],
        advertisers: [EMULATOR_ADVERTISER_ID],
      }).then((emulator) => {
        started = emulator;
        return emulator;
      });
    }
    return running;
  };
  const current = (): JobDestination => (settings().accessToken ? TIKTOK_DESTINATION : EMULATOR_DESTINATION);
  const connect = async (kind: JobDestination['kind'], advertiserId?: string): Promise<TikTokConnection> => {
    if (kind === 'emulator') {
      const emulator = await ensureEmulator();
      if (advertiserId !== undefined && advertiserId !== EMULATOR_ADVERTISER_ID) {
        throw new UserError({
          code: 'unknown_emulator_advertiser',
          title: 'Unknown advertiser on simulated TikTok',
          detail: `The simulated TikTok only has advertiser ${EMULATOR_ADVERTISER_ID}.`,
          resolution: 'Leave the advertiser empty, or configure real TikTok credentials first.',
          field: 'audience.advertiserId',
          kind: 'failure',
        });
      }
      return {
        client: new TikTokClient({
          baseUrl: emulator.baseUrl,
          accessToken: EMULATOR_TOKEN,
          limiter: (emulatorLimiter ??= new RequestRateLimiter({ ratePerSecond: emulator.options.qps })),
        }),
        advertiserId: EMULATOR_ADVERTISER_ID,
        poll: {
          timeoutMs: Math.max(60_000, emulator.options.calculatingMs * 3),
          intervalMs: Math.min(1_000, Math.max(100, emulator.options.calculatingMs / 4)),
        },
        // The emulator's list shows a create at once (TikTok's may lag): a short lookup suffices.
        createLookupWindowMs: 5_000,
        destination: EMULATOR_DESTINATION,
      };
    }
    const found = settings();
    if (!found.accessToken) throw missingCredentialsError('token');
    const advertiser = advertiserId ?? found.advertiserId;
    if (!advertiser) throw missingCredentialsError('advertiser');
    return {
      client: new TikTokClient({
        baseUrl: found.baseUrl,
        accessToken: found.accessToken,
        limiter: processRequestRateLimiter(found.qps),
      }),
      advertiserId: advertiser,
      poll: { timeoutMs: 2 * 60_000, intervalMs: 10_000 },
      destination: TIKTOK_DESTINATION,
    };
  };
  const status = async (): Promise<CredentialsStatus> => {
    const found = settings();
    return {
      configured: found.accessToken !== undefined,
      source: found.source,
      tokenLast4: found.accessToken ? maskToken(found.accessToken).slice(-4) : null,
      advertiserId: found.accessToken ? (found.advertiserId ?? null) : EMULATOR_ADVERTISER_ID,
      destination: current(),
    };
  };
  return {
    configDir,
    current,
    connect,
    emulator: () => started,
    async listAudiences() {
      const { client, advertiserId } = await connect(current().kind);
      return { advertiserId, audiences: await client.listAudiences({ advertiserId }) };
    },
    credentialsStatus: status,
    async saveCredentials(update: CredentialsUpdate) {
      const found = settings();
      const accessToken = update.accessToken ?? (found.source === 'file' ? found.accessToken : undefined);
      const advertiserId = update.advertiserId ?? found.advertiserId;
      if (!accessToken)
        throw new UserError({
          code: 'missing_token',
          title: 'Access token needed',
          detail: 'No access token is stored yet, so one must be given.',
          resolution: 'Send {"accessToken": "…", "advertiserId": "…"}.',
          field: 'accessToken',
        });
      if (!advertiserId)
        throw new UserError({
          code: 'missing_advertiser_id',
          title: 'Advertiser id needed',
          detail: 'No advertiser id is stored yet, so one must be given.',
          resolution: 'Send the advertiser id (digits) from TikTok Ads Manager with the token.',
          field: 'advertiserId',
        });
      mkdirSync(configDir, { recursive: true, mode: 0o700 });
      await saveTikTokCredentials({ accessToken, advertiserId }, configDir);
      return status();
    },
    async close() {
      const emulator = running ? await running.catch(() => undefined) : undefined;
      running = undefined;
      started = undefined;
      emulatorLimiter = undefined;
      await emulator?.close();
    },
  };
}

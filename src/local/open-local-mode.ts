import type { EmulatorOptions } from '../destinations/tiktok/emulator/tiktok-emulator.ts';
import { engineStages } from './engine-stages.ts';
import { openLocalApp, type LocalApp, type LocalAppOptions } from './local-app.ts';
import { openTikTokDestination, type TikTokDestination } from './tiktok-destination.ts';

export interface LocalModeOptions {
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  worker?: LocalAppOptions['worker'];
  outputTtlMs?: number;
  emulatorOptions?: Partial<EmulatorOptions>;
  onJobError?: (jobId: string, error: unknown) => void;
}

/** Local mode with the real engine and TikTok (or the emulator): what `npm start` and the CLI open. */
export function openLocalMode(options: LocalModeOptions): LocalApp & { tiktok: TikTokDestination } {
  const tiktok = openTikTokDestination({
    dataDir: options.dataDir,
    ...(options.env ? { env: options.env } : {}),
    ...(options.emulatorOptions ? { emulatorOptions: options.emulatorOptions } : {}),
  });
  const concurrency = options.worker ? options.worker.concurrency : 1;
  const app = openLocalApp({
    dataDir: options.dataDir,
    destination: tiktok,
    stages: ({ ledger, audienceLocks }) =>
      engineStages({
        ledger,
        audienceLocks,
        connect: tiktok.connect,
        ...(concurrency === undefined ? {} : { concurrency }),
      }),
    ...(options.worker === undefined ? {} : { worker: options.worker }),
    ...(options.outputTtlMs === undefined ? {} : { outputTtlMs: options.outputTtlMs }),
    ...(options.onJobError ? { onJobError: options.onJobError } : {}),
  });
  return Object.assign(app, { tiktok });
}

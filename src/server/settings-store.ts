import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomically } from '../adapters/node/json-file-upload-ledger.ts';
import { DEFAULT_TIKTOK_QPS } from '../destinations/tiktok/request-rate-limiter.ts';

export const SETTINGS_FILE = 'settings.json';
export const DEFAULT_RETENTION_DAYS = 7;

export const settingsUpdateSchema = z
  .object({
    tiktokQps: z.number().min(1, 'At least 1 request per second').max(50, 'At most 50 requests per second').optional(),
    outputRetentionDays: z
      .number()
      .int('Whole days')
      .min(1, 'Keep hashed output at least 1 day')
      .max(365, 'Keep hashed output at most 365 days')
      .optional(),
  })
  .strict()
  .refine((update) => update.tiktokQps !== undefined || update.outputRetentionDays !== undefined, {
    message: 'Give tiktokQps, outputRetentionDays, or both',
    path: ['tiktokQps'],
  });

export type SettingsUpdate = z.output<typeof settingsUpdateSchema>;
export type SettingSource = 'file' | 'environment' | 'default';

export interface LocalSettings {
  tiktokQps: number;
  outputRetentionDays: number;
  sources: { tiktokQps: SettingSource; outputRetentionDays: SettingSource };
}

const fileSchema = z.object({
  tiktokQps: z.number().positive().optional(),
  outputRetentionDays: z.number().int().positive().optional(),
});

/**
 * The settings the web app can change, kept in `<DATA_DIR>/.config/settings.json`. The environment
 * (TIKTOK_QPS, OUTPUT_RETENTION_DAYS) gives the defaults; a value saved here wins over it.
 */
export class SettingsStore {
  readonly path: string;

  constructor(
    private readonly options: {
      configDir: string;
      env: NodeJS.ProcessEnv;
      /** Applies new values to the running process (the rate limiter, the job runner). */
      onChange?: (settings: LocalSettings) => void;
    },
  ) {
    this.path = join(options.configDir, SETTINGS_FILE);
  }

  private readFile(): z.output<typeof fileSchema> {
    try {
      const parsed = fileSchema.safeParse(JSON.parse(readFileSync(this.path, 'utf8')));
      return parsed.success ? parsed.data : {};
    } catch {
      return {};
    }
  }

  get(): LocalSettings {
    const file = this.readFile();
    const fromEnv = (name: string): number | undefined => {
      const raw = this.options.env[name]?.trim();
      const value = raw ? Number(raw) : NaN;
      return Number.isFinite(value) && value > 0 ? value : undefined;
    };
    const envQps = fromEnv('TIKTOK_QPS');
    const envDays = fromEnv('OUTPUT_RETENTION_DAYS');
    return {
      tiktokQps: file.tiktokQps ?? envQps ?? DEFAULT_TIKTOK_QPS,
      outputRetentionDays: file.outputRetentionDays ?? envDays ?? DEFAULT_RETENTION_DAYS,
      sources: {
        tiktokQps: file.tiktokQps !== undefined ? 'file' : envQps !== undefined ? 'environment' : 'default',
        outputRetentionDays:
          file.outputRetentionDays !== undefined ? 'file' : envDays !== undefined ? 'environment' : 'default',
      },
    };
  }

  async save(update: SettingsUpdate): Promise<LocalSettings> {
    const next = { ...this.readFile(), ...update };
    mkdirSync(this.options.configDir, { recursive: true, mode: 0o700 });
    await writeFileAtomically(this.path, `${JSON.stringify(next, null, 2)}\n`);
    const settings = this.get();
    this.options.onChange?.(settings);
    return settings;
  }
}

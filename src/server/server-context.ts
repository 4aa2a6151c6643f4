import type { HeaderMode } from '../core/readers/detect-header.ts';
import type { JobDestination, SqliteJobStore } from '../adapters/node/sqlite/job-store.ts';
import type { NormalizeOptions } from '../core/identifiers/normalize-options.ts';
import type { ColumnMapping } from '../core/plan.ts';
import type { UploadLedgerState } from '../destinations/tiktok/upload-ledger.ts';
import type { CredentialsStatus, CredentialsUpdate } from '../local/credentials.ts';
import type { JobService } from '../local/job-service.ts';
import type { PreviewResult } from './preview.ts';
import type { LocalSettings, SettingsUpdate } from './settings-store.ts';

/** What the HTTP API needs from the local composition (the seam tests fill with fakes). */
export interface ServerContext {
  dataDir: string;
  /** `<DATA_DIR>/.jobs`: each job's hashed output under `<id>/out`. */
  jobsDir: string;
  jobs: JobService;
  jobStore: SqliteJobStore;
  /** Where new jobs upload to (changes when credentials are saved). */
  destination(): JobDestination;
  /** Schema of files (absolute paths inside the data folder); examples are masked. */
  discoverSchema(
    absolutePaths: string[],
    options: { sampleRows?: number; header?: HeaderMode },
  ): Promise<Record<string, unknown>>;
  /** Counts of a mapping on the schema sample of the files; never values. */
  previewMapping(
    absolutePaths: string[],
    request: { mapping: ColumnMapping[]; options: NormalizeOptions; header?: HeaderMode },
  ): Promise<PreviewResult>;
  /** TikTok's audiences of the advertiser (the configured one when not given). */
  listAudiences(advertiserId?: string): Promise<{ advertiserId: string; audiences: unknown[] }>;
  credentialsStatus(): Promise<CredentialsStatus>;
  saveCredentials(update: CredentialsUpdate): Promise<CredentialsStatus>;
  /** A job's upload ledger (partitions and audience ids as the upload goes). */
  uploadLedger(jobId: string): Promise<UploadLedgerState | undefined>;
  settings(): LocalSettings;
  saveSettings(update: SettingsUpdate): Promise<LocalSettings>;
}

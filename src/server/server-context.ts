import type { HeaderMode } from '../core/readers/detect-header.ts';
import type { JobDestination, SqliteJobStore } from '../adapters/node/sqlite/job-store.ts';
import type { CredentialsStatus, CredentialsUpdate } from '../local/credentials.ts';
import type { JobService } from '../local/job-service.ts';

/** What the HTTP API needs from the local composition (the seam tests fill with fakes). */
export interface ServerContext {
  dataDir: string;
  jobs: JobService;
  jobStore: SqliteJobStore;
  /** Where new jobs upload to (changes when credentials are saved). */
  destination(): JobDestination;
  /** Schema of files (absolute paths inside the data folder); examples are masked. */
  discoverSchema(
    absolutePaths: string[],
    options: { sampleRows?: number; header?: HeaderMode },
  ): Promise<Record<string, unknown>>;
  listAudiences(): Promise<{ advertiserId: string; audiences: unknown[] }>;
  credentialsStatus(): Promise<CredentialsStatus>;
  saveCredentials(update: CredentialsUpdate): Promise<CredentialsStatus>;
}

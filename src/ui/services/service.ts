// The one seam between the web app and its back end. Stores call it; components call stores.
// `local-service.ts` speaks the local HTTP API (docs/api.md). A cloud implementation plugs in at
// `installService()` in main.ts without touching stores or components:
//   listFiles → Storage `list`;  uploadFile → Storage `uploadData` (its onProgress);
//   discoverSchema / preview / listAudiences / createJob / cancel / retry / delete / settings /
//   credentials → Amplify Data queries and mutations;  watchJob → a Data subscription
//   (`observeQuery` / `onUpdate`; the returned Unsubscribe ends it);  rejectsDownload → Storage
//   `getUrl` (a signed URL);  failures → ServiceError with the problem the function returned.
// Auth (the Authenticator) wraps the app in the cloud build; locally there is no login.
import type {
  AudienceList,
  CredentialsStatus,
  CredentialsUpdate,
  Download,
  FileListing,
  Health,
  Job,
  JobList,
  JobPlan,
  JobState,
  Preview,
  PreviewRequest,
  Schema,
  Settings,
  UploadedFile,
} from './types.ts';

/** What a back end said went wrong, in words for a person; `field` names the input at fault. */
export interface Problem {
  title: string;
  detail: string;
  resolution: string;
  field?: string;
  status?: number;
  code?: string;
}

/** Every failure a service reports: a problem a person can act on (never a stack trace). */
export class ServiceError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(`${problem.title}: ${problem.detail}`);
    this.name = 'ServiceError';
    this.problem = problem;
  }
}

/** Turns anything thrown into a problem to show. */
export function problemOf(error: unknown): Problem {
  if (error instanceof ServiceError) return error.problem;
  return {
    title: 'Something went wrong',
    detail: error instanceof Error ? error.message : String(error),
    resolution: 'Check that the app is still running (the terminal of `npm start`), then try again.',
  };
}

/** Stops a subscription. */
export type Unsubscribe = () => void;

export interface UploadRequest {
  /** Folder of the data folder to put the file in ('' = top). */
  folder: string;
  file: File;
  /** Replace a file of the same name (otherwise an existing file is an error). */
  overwrite?: boolean;
  onProgress?: (sentBytes: number, totalBytes: number) => void;
  signal?: AbortSignal;
}

export interface JobSubscriber {
  /** The whole job, whenever it changes (progress included). */
  next(job: Job): void;
  /** The subscription failed; it has stopped. */
  error?(problem: Problem): void;
}

export interface AudienceUploaderService {
  health(): Promise<Health>;

  // Data
  listFiles(folder: string): Promise<FileListing>;
  uploadFile(request: UploadRequest): Promise<UploadedFile>;
  /** Schema of the inputs taken as one (the first file, or a folder of part files). */
  discoverSchema(inputs: string[]): Promise<Schema>;
  /** A check of the mapping on a sample: counts only. */
  preview(request: PreviewRequest, signal?: AbortSignal): Promise<Preview>;

  // TikTok
  listAudiences(query: { q?: string; advertiserId?: string }): Promise<AudienceList>;

  // Jobs
  createJob(plan: JobPlan): Promise<Job>;
  listJobs(query: { state?: JobState; limit?: number }): Promise<JobList>;
  getJob(id: string): Promise<Job>;
  /** Live updates of one job until it finishes (a subscription, however the back end delivers it). */
  watchJob(id: string, subscriber: JobSubscriber): Unsubscribe;
  cancelJob(id: string): Promise<Job>;
  retryJob(id: string): Promise<Job>;
  deleteJob(id: string): Promise<void>;
  /** Where to download the job's rejects.csv; null when the back end offers no download. */
  rejectsDownload(id: string): Promise<Download | null>;

  // Settings
  credentials(): Promise<CredentialsStatus>;
  saveCredentials(update: CredentialsUpdate): Promise<CredentialsStatus>;
  settings(): Promise<Settings>;
  saveSettings(settings: Partial<Settings>): Promise<Settings>;
}

let current: AudienceUploaderService | undefined;

/** Chooses the implementation once, at start-up (or in a test). */
export function installService(service: AudienceUploaderService): void {
  current = service;
}

/** The implementation the stores use. */
export function useService(): AudienceUploaderService {
  if (!current) throw new Error('No service installed: call installService() before using the stores.');
  return current;
}

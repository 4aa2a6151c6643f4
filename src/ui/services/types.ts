// What the web app knows about the back end: plain data, the same for the local API and the cloud.
import type { IdentifierType, RejectReason } from '../../core/identifiers/rules.ts';
import { JOB_STATES, TERMINAL_JOB_STATES, type JobState } from '../../core/jobs/job-lifecycle.ts';

export type { IdentifierType, RejectReason };

export interface Destination {
  kind: 'tiktok' | 'emulator';
  label: string;
}

export interface Health {
  version: string;
  destination: Destination;
}

export interface FileEntry {
  name: string;
  path: string;
  kind: 'file' | 'folder';
  size: number;
  modifiedAt: string;
}

export interface FileListing {
  path: string;
  entries: FileEntry[];
}

export interface UploadedFile {
  path: string;
  size: number;
}

export interface SchemaColumn {
  name: string;
  fillRate: number;
  /** Masked (`e***@a***.com`): never raw values. */
  examples: string[];
  suggestedType: IdentifierType | null;
  confidence: number;
}

export interface Schema {
  path: string;
  kind?: 'file' | 'folder';
  format: { format: string; compression: string };
  sampledRows: number;
  malformedRows?: number;
  columns: SchemaColumn[];
  suggestedMapping: Array<{ column: string; type: IdentifierType }>;
}

export interface NormalizeOptions {
  phoneRegion: string;
  phoneFormat: 'digits' | 'e164';
  emailDots: 'keep' | 'strip-gmail' | 'strip-all';
  prehashed: 'accept' | 'reject';
}

export interface ColumnMapping {
  column: string;
  type: IdentifierType;
}

export interface PreviewRequest {
  inputs: string[];
  mapping: ColumnMapping[];
  options: NormalizeOptions;
}

/** Counts of a check on the sample: never values. */
export interface PreviewCounts {
  valid: number;
  prehashed: number;
  empty: number;
  rejected: Partial<Record<RejectReason, number>>;
}

export interface Preview {
  sampleRows: number;
  columns: Array<PreviewCounts & { column: string; type: IdentifierType }>;
  types: Partial<Record<IdentifierType, PreviewCounts & { unique: number }>>;
  destination?: Destination;
}

export type AudienceAction = 'create' | 'append' | 'remove' | 'replace';

export interface Audience {
  id: string;
  name: string;
  size: number | null;
  /** TikTok's calculate_type, e.g. EMAIL_SHA256. */
  type: string | null;
  /** e.g. "valid" or "calculating". */
  status: string;
  expiry: string | null;
  expiringSoon: boolean;
  /** Jobs of this app that touched the audience. */
  jobs: string[];
}

export interface AudienceList {
  destination: Destination;
  advertiserId: string;
  audiences: Audience[];
}

// The job lifecycle is the core's (shared by local mode and the Lambdas); the web app names the same states.
export { JOB_STATES, type JobState };
export const FINISHED_STATES: readonly JobState[] = [...TERMINAL_JOB_STATES];

export interface JobProgress {
  stage?: 'transform' | 'upload' | 'processing';
  recordsRead?: number;
  bytesRead?: number;
  totalBytes?: number;
  filesUploaded?: number;
  filesTotal?: number;
  percent?: number;
}

export interface TypeResult {
  valid: number;
  prehashed: number;
  empty: number;
  rejected: Partial<Record<RejectReason, number>>;
  duplicates: number;
  unique: number;
  files?: number;
}

export interface AudienceResult {
  type: IdentifierType;
  audienceId: string;
  audienceName: string;
  idsSent: number;
  coverNum?: number | null;
  matchRate?: number | null;
  isValid?: boolean | null;
}

export interface JobPlan {
  inputs: string[];
  mapping: ColumnMapping[];
  options?: Partial<NormalizeOptions>;
  audience: {
    name?: string;
    audienceId?: string;
    action: AudienceAction;
    advertiserId?: string;
    retentionInDays?: number;
  };
}

export interface Job {
  id: string;
  state: JobState;
  reason: string | null;
  resolution: string | null;
  destination: Destination;
  plan: JobPlan;
  progress: JobProgress;
  result: {
    transform?: {
      recordsRead: number;
      malformedRecords: number;
      rejects: number;
      types: Partial<Record<IdentifierType, TypeResult>>;
    };
    upload?: { advertiserId?: string; action?: string; idsSent?: number; audiences?: AudienceResult[] };
  } | null;
  cancelRequested?: boolean;
  createdAt: string;
  updatedAt?: string | null;
  finishedAt: string | null;
  output?: { expiresAt: string | null; deleted: boolean };
  monitor?: JobMonitorView;
}

/** What a live view needs, in one place (docs/api.md "monitor"). */
export interface JobMonitorView {
  records?: { read: number; malformed: number; bytesRead?: number; totalBytes?: number } | null;
  types?: Partial<Record<IdentifierType, TypeResult & { columns?: string[] }>> | null;
  partitions?: Array<{ type: IdentifierType; path: string; rows: number; uploaded: boolean; applied: boolean }>;
  audiences?: Array<AudienceResult & { created?: boolean; applied?: boolean }>;
}

export interface JobList {
  destination: Destination;
  total: number;
  jobs: Job[];
}

export interface CredentialsStatus {
  configured: boolean;
  source: 'environment' | 'file' | 'secret' | 'none';
  tokenLast4: string | null;
  advertiserId: string | null;
  /** Advertisers the token may use, when the back end knows them. */
  advertisers?: string[];
  destination: Destination;
}

export interface CredentialsUpdate {
  accessToken?: string;
  advertiserId?: string;
}

export interface Settings {
  tiktokQps: number;
  outputRetentionDays: number;
}

/** A download the browser can follow (a same-origin URL locally, a signed URL in the cloud). */
export interface Download {
  url: string;
  filename: string;
}

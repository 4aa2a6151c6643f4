import type { JobDestination } from '../adapters/node/sqlite/job-store.ts';

/** What local mode says about its TikTok credentials: never the token, at most its last 4 characters. */
export interface CredentialsStatus {
  configured: boolean;
  /** Where the token comes from. */
  source: 'environment' | 'file' | 'none';
  /** At most the last 4 characters of the token. */
  tokenLast4: string | null;
  advertiserId: string | null;
  destination: JobDestination;
}

export interface CredentialsUpdate {
  accessToken?: string;
  advertiserId?: string;
}

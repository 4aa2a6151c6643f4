// The one seam between the web app and the local server's JSON API (docs/api.md).

export interface Destination {
  kind: 'tiktok' | 'emulator';
  label: string;
}

export interface FileEntry {
  name: string;
  path: string;
  kind: 'file' | 'folder';
  size: number;
  modifiedAt: string;
}

export interface SchemaColumn {
  name: string;
  fillRate: number;
  examples: string[];
  suggestedType: string | null;
  confidence: number;
}

export interface Schema {
  path: string;
  format: { format: string; compression: string };
  sampledRows: number;
  columns: SchemaColumn[];
  suggestedMapping: Array<{ column: string; type: string }>;
}

export interface Job {
  id: string;
  state: string;
  reason: string | null;
  resolution: string | null;
  destination: Destination;
  plan: { inputs: string[]; audience: { name?: string; action: string } };
  progress: { stage?: string; percent?: number; recordsRead?: number; filesUploaded?: number; filesTotal?: number };
  createdAt: string;
}

export interface CredentialsStatus {
  configured: boolean;
  source: 'environment' | 'file' | 'none';
  tokenLast4: string | null;
  advertiserId: string | null;
  destination: Destination;
}

export interface Problem {
  title: string;
  detail: string;
  resolution: string;
  field?: string;
}

export class ApiProblem extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.title}: ${problem.detail}`);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const payload = (await response.json()) as unknown;
  if (!response.ok) throw new ApiProblem(payload as Problem);
  return payload as T;
}

export const api = {
  health: () => call<{ status: string; destination: Destination }>('GET', '/api/health'),
  files: (path: string) =>
    call<{ path: string; entries: FileEntry[] }>('GET', `/api/files?path=${encodeURIComponent(path)}`),
  schema: (path: string) => call<Schema>('GET', `/api/schema?path=${encodeURIComponent(path)}`),
  jobs: () => call<{ jobs: Job[] }>('GET', '/api/jobs?limit=50'),
  createJob: (plan: unknown) => call<Job>('POST', '/api/jobs', plan),
  cancelJob: (id: string) => call<Job>('POST', `/api/jobs/${id}/cancel`),
  retryJob: (id: string) => call<Job>('POST', `/api/jobs/${id}/retry`),
  deleteJob: (id: string) => call<unknown>('DELETE', `/api/jobs/${id}`),
  credentials: () => call<CredentialsStatus>('GET', '/api/credentials'),
  saveCredentials: (update: { accessToken?: string; advertiserId?: string }) =>
    call<CredentialsStatus>('PUT', '/api/credentials', update),
  /** Live state and progress of one job (server-sent events). */
  watchJob(id: string, onJob: (job: Job) => void): () => void {
    const source = new EventSource(`/api/jobs/${id}/events`);
    source.addEventListener('job', (event) => onJob(JSON.parse((event as MessageEvent<string>).data) as Job));
    source.addEventListener('end', () => source.close());
    return () => source.close();
  },
};

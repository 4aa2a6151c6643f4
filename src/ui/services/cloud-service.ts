// The service over the Amplify backend (amplify/): Data (the Job/JobEvent models and the custom
// queries and mutations of amplify/data/resource.ts, through `generateClient`), Storage (uploads into
// the data bucket's uploads/ prefix) — the same interface as local-service.ts, so stores and
// components do not know which back end they talk to. Sign-in happens before (cloud-shell.ts).
import type { generateClient } from 'aws-amplify/data';
import type { isCancelError, list, uploadData } from 'aws-amplify/storage';
import type { Schema } from '../../../amplify/data/resource.ts';
import { UPLOADS_PREFIX } from './cloud-outputs.ts';
import {
  cloudError,
  OFFLINE,
  problemOfCloudError,
  problemOfGraphqlErrors,
  type GraphqlErrorLike,
} from './cloud-problems.ts';
import type { AudienceUploaderService, JobSubscriber, Unsubscribe, UploadRequest } from './service.ts';
import { ServiceError } from './service.ts';
import {
  FINISHED_STATES,
  type Audience,
  type AudienceList,
  type CredentialsStatus,
  type Destination,
  type FileEntry,
  type Job,
  type JobState,
  type Preview,
  type PreviewCounts,
  type Schema as DiscoveredSchema,
  type Settings,
} from './types.ts';

export type DataClient = ReturnType<typeof generateClient<Schema>>;

/** The Storage functions the service uses (aws-amplify/storage; a test passes fakes). */
export interface CloudStorage {
  list: typeof list;
  uploadData: typeof uploadData;
  isCancelError: typeof isCancelError;
}

export interface CloudServiceOptions {
  client: DataClient;
  /** Absent when the deployment reads an existing bucket (read-only to the app: no uploads). */
  storage?: CloudStorage;
  /** Deploy-time settings published in amplify_outputs.json (`custom.settings`), when present. */
  settings?: Partial<Settings>;
  version?: string;
  now?: () => number;
}

type Result<T> = { data?: T | null; errors?: readonly GraphqlErrorLike[] };

/** Unwraps a Data client result: GraphQL errors become a ServiceError, a missing value `missing`. */
async function unwrap<T>(call: () => Promise<Result<T>>, missing?: () => ServiceError): Promise<T> {
  let result: Result<T>;
  try {
    result = await call();
  } catch (error) {
    throw cloudError(error);
  }
  if (result.errors && result.errors.length > 0) throw new ServiceError(problemOfGraphqlErrors(result.errors));
  if (result.data === null || result.data === undefined) {
    if (missing) throw missing();
    throw new ServiceError({ ...OFFLINE, title: 'No answer', detail: 'The cloud back end answered with nothing.' });
  }
  return result.data;
}

/** AWSJSON arrives as JSON text (or, from some paths, already parsed). */
function json<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  if (typeof value !== 'string') return value as T;
  try {
    return JSON.parse(value) as T;
  } catch {
    return fallback;
  }
}

const TIKTOK: Destination = { kind: 'tiktok', label: 'TikTok' };

interface JobItem {
  id: string;
  state: string;
  reason?: string | null;
  resolution?: string | null;
  plan: unknown;
  progress?: unknown;
  result?: unknown;
  destination: unknown;
  cancelRequested?: boolean | null;
  createdAt: string;
  updatedAt?: string | null;
  finishedAt?: string | null;
  outputExpiresAt?: string | null;
  outputDeletedAt?: string | null;
}

/** The Job model as the web app's Job (what the local API's job view shows). */
export function jobOf(item: JobItem): Job {
  return {
    id: item.id,
    state: item.state as JobState,
    reason: item.reason ?? null,
    resolution: item.resolution ?? null,
    destination: json<Destination>(item.destination, TIKTOK),
    plan: json<Job['plan']>(item.plan, { inputs: [], mapping: [], audience: { action: 'create' } }),
    progress: json<Job['progress']>(item.progress, {}),
    result: json<Job['result']>(item.result, null),
    cancelRequested: item.cancelRequested === true,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt ?? null,
    finishedAt: item.finishedAt ?? null,
    output: { expiresAt: item.outputExpiresAt ?? null, deleted: Boolean(item.outputDeletedAt) },
  };
}

/** TikTok's list item (src/destinations/tiktok/tiktok-client.ts AudienceListItem). */
interface AudienceItem {
  audienceId?: string;
  name?: string;
  calculateType?: string | null;
  coverNum?: number | null;
  isValid?: boolean | null;
  expiredTime?: string | null;
}

/** As the local API: an audience is "expiring" a week before TikTok lets it lapse. */
const EXPIRING_SOON_MS = 7 * 24 * 60 * 60 * 1000;

/** TikTok's expired_time ("2026-06-01 12:00:00", UTC) or ISO text → epoch ms. */
function timeOf(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value) ? `${value.replace(' ', 'T')}Z` : value);
  return Number.isFinite(ms) ? ms : undefined;
}

function audienceOf(item: AudienceItem, now: number, jobs: string[]): Audience {
  const expires = timeOf(item.expiredTime);
  return {
    id: String(item.audienceId ?? ''),
    name: String(item.name ?? ''),
    size: typeof item.coverNum === 'number' ? item.coverNum : null,
    type: item.calculateType ?? null,
    status: item.isValid === true ? 'valid' : item.isValid === false ? 'calculating' : 'unknown',
    expiry: item.expiredTime ?? null,
    expiringSoon: expires !== undefined && expires - now <= EXPIRING_SOON_MS,
    jobs,
  };
}

type ColumnCounts = Partial<PreviewCounts> & { column: string; type: Preview['columns'][number]['type']; ok?: number };

/** The preview as the wizard shows it; `ok` (the core's MappingPreview) is read as `valid`. */
function previewOf(value: Record<string, unknown>): Preview {
  const columns = ((value.columns ?? []) as ColumnCounts[]).map((column) => ({
    column: column.column,
    type: column.type,
    valid: column.valid ?? column.ok ?? 0,
    prehashed: column.prehashed ?? 0,
    empty: column.empty ?? 0,
    rejected: column.rejected ?? {},
  }));
  let types = value.types as Preview['types'] | undefined;
  if (!types) {
    // Without per-type figures, sum the columns (unique is then at most the valid count).
    types = {};
    for (const column of columns) {
      const sum = (types[column.type] ??= { valid: 0, prehashed: 0, empty: 0, rejected: {}, unique: 0 });
      sum.valid += column.valid;
      sum.prehashed += column.prehashed;
      sum.empty += column.empty;
      sum.unique += column.valid;
      for (const [reason, count] of Object.entries(column.rejected))
        sum.rejected[reason as keyof typeof sum.rejected] =
          (sum.rejected[reason as keyof typeof sum.rejected] ?? 0) + (count ?? 0);
    }
  }
  return {
    sampleRows: Number(value.sampleRows ?? value.sampledRows ?? 0),
    columns,
    types,
  };
}

/** A file name that is safe as one S3 key segment (the local server's rule, in short). */
function unsafeNameReason(name: string): string | undefined {
  if (name.trim() === '') return 'The file has no name.';
  if (name.length > 255) return 'The name is longer than 255 characters.';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f/\\]/.test(name)) return 'The name holds a slash or a control character.';
  if (name.startsWith('.')) return 'The name starts with a dot (hidden files are not read).';
  return undefined;
}

const notFound = (id: string) =>
  new ServiceError({
    title: 'Job not found',
    detail: `There is no job ${id}.`,
    resolution: 'Open the Jobs page to see the jobs there are.',
    status: 404,
    code: 'job_not_found',
  });

export function createCloudService(options: CloudServiceOptions): AudienceUploaderService {
  const { client, storage } = options;
  const now = options.now ?? Date.now;
  let destination: Promise<Destination> | undefined;

  type StatusItem = NonNullable<Awaited<ReturnType<DataClient['queries']['credentialsStatus']>>['data']>;
  function remember(status: StatusItem): CredentialsStatus {
    const value: CredentialsStatus = {
      configured: status.configured,
      // The cloud keeps the token in Secrets Manager ('secret').
      source: status.source as CredentialsStatus['source'],
      tokenLast4: status.tokenLast4 ?? null,
      advertiserId: status.advertiserId ?? null,
      destination: json<Destination>(status.destination, TIKTOK),
    };
    destination = Promise.resolve(value.destination);
    return value;
  }

  async function credentials(): Promise<CredentialsStatus> {
    return remember(await unwrap(() => client.queries.credentialsStatus()));
  }

  const currentDestination = (): Promise<Destination> =>
    (destination ??= credentials().then(
      (status) => status.destination,
      () => TIKTOK,
    ));

  async function getJob(id: string): Promise<Job> {
    return jobOf(
      await unwrap(
        () => client.models.Job.get({ id }),
        () => notFound(id),
      ),
    );
  }

  async function listJobItems(state: JobState | undefined, limit: number): Promise<Job[]> {
    const jobs: Job[] = [];
    let nextToken: string | null | undefined;
    // A filtered scan may return short pages: follow the token until enough jobs (bounded).
    for (let page = 0; page < 10 && jobs.length < limit; page += 1) {
      const result = await (async () => {
        try {
          return await client.models.Job.list({
            limit: Math.min(1000, Math.max(limit, 100)),
            ...(state ? { filter: { state: { eq: state } } } : {}),
            ...(nextToken ? { nextToken } : {}),
          });
        } catch (error) {
          throw cloudError(error);
        }
      })();
      if (result.errors && result.errors.length > 0) throw new ServiceError(problemOfGraphqlErrors(result.errors));
      jobs.push(...result.data.map(jobOf));
      nextToken = result.nextToken;
      if (!nextToken) break;
    }
    return jobs.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit);
  }

  function watchJob(id: string, subscriber: JobSubscriber): Unsubscribe {
    let closed = false;
    let lastUpdate = '';
    const subscriptions: Array<{ unsubscribe(): void }> = [];
    const close = () => {
      if (closed) return;
      closed = true;
      for (const subscription of subscriptions) subscription.unsubscribe();
    };
    // Updates can arrive out of order (a re-read racing a pushed update): never go back in time.
    const deliver = (job: Job) => {
      if (closed) return;
      const at = job.updatedAt ?? job.createdAt;
      if (at < lastUpdate) return;
      lastUpdate = at;
      subscriber.next(job);
      if (FINISHED_STATES.includes(job.state)) close();
    };
    const fail = (error: unknown) => {
      if (closed) return;
      close();
      const problem = problemOfCloudError(error);
      subscriber.error?.(
        problem.status === 401
          ? problem
          : {
              title: 'Live updates stopped',
              detail: `The connection for updates of job ${id} was lost.`,
              resolution: 'Reload the page to see the job’s latest state and follow it again.',
            },
      );
    };
    const reread = () =>
      getJob(id).then(deliver, (error: unknown) => {
        if (error instanceof ServiceError && error.problem.status === 404) gone();
        else fail(error);
      });
    const gone = () => {
      if (closed) return;
      close();
      subscriber.error?.({
        title: 'Job deleted',
        detail: `Job ${id} no longer exists.`,
        resolution: 'Open the Jobs page to see the other jobs.',
      });
    };
    try {
      subscriptions.push(
        client.models.Job.onUpdate({ filter: { id: { eq: id } } }).subscribe({
          next: (item) => deliver(jobOf(item)),
          error: fail,
        }),
        client.models.Job.onDelete({ filter: { id: { eq: id } } }).subscribe({ next: gone, error: fail }),
        // Every event (state, progress, partition uploaded…) comes with a Job change: read it, so an
        // update missed while the subscription was starting still arrives.
        client.models.JobEvent.onCreate({ filter: { jobId: { eq: id } } }).subscribe({
          next: () => void reread(),
          error: fail,
        }),
      );
    } catch (error) {
      fail(error);
      return close;
    }
    // A change between the caller's getJob and these subscriptions starting is read here.
    void reread();
    return close;
  }

  async function uploadFile(request: UploadRequest): Promise<{ path: string; size: number }> {
    if (!storage)
      throw new ServiceError({
        title: 'Uploads are off',
        detail: 'This deployment reads an existing bucket, which the app may not write to.',
        resolution: 'Put the file into that bucket with your usual tools, then choose it here.',
        code: 'uploads_disabled',
      });
    const name = request.file.name;
    const reason = unsafeNameReason(name);
    if (reason)
      throw new ServiceError({
        title: 'File name not allowed',
        detail: reason,
        resolution:
          'Rename the file to a plain name such as "customers.csv" (letters, digits, spaces, "-", "_"), keeping its extension.',
        field: 'name',
        status: 400,
        code: 'unsafe_file_name',
      });
    const folder = request.folder.replace(/^\/+|\/+$/g, '');
    const relative = folder === '' ? name : `${folder}/${name}`;
    const path = `${UPLOADS_PREFIX}${relative}`;
    if (!request.overwrite) {
      let existing: { items: Array<{ path: string }> };
      try {
        // S3 lists keys in order: the exact key, when it exists, comes first under its own prefix.
        existing = await storage.list({ path, options: { pageSize: 1 } });
      } catch (error) {
        throw cloudError(error);
      }
      if (existing.items.some((item) => item.path === path))
        throw new ServiceError({
          title: 'A file of that name exists',
          detail: `"${relative}" is already in the data bucket.`,
          resolution: 'Choose another name, or confirm that the existing file should be replaced.',
          field: 'name',
          status: 409,
          code: 'file_exists',
        });
    }
    const task = storage.uploadData({
      path,
      data: request.file,
      options: {
        contentType: request.file.type || 'application/octet-stream',
        onProgress: ({ transferredBytes, totalBytes }) =>
          request.onProgress?.(transferredBytes, totalBytes ?? request.file.size),
      },
    });
    const abort = () => task.cancel();
    request.signal?.addEventListener('abort', abort, { once: true });
    try {
      await task.result;
    } catch (error) {
      if (storage.isCancelError(error))
        throw new ServiceError({
          title: 'Upload cancelled',
          detail: `"${name}" was not uploaded.`,
          resolution: 'Choose the file again to upload it.',
        });
      throw cloudError(error);
    } finally {
      request.signal?.removeEventListener('abort', abort);
    }
    return { path: relative, size: request.file.size };
  }

  const deployTimeOnly = () =>
    new ServiceError({
      title: 'Set at deploy time',
      detail: 'In the cloud, the TikTok QPS tier and the output retention are deploy-time settings.',
      resolution: 'Change them in amplify/settings.ts (or the Amplify Hosting environment) and redeploy.',
      code: 'deploy_time_setting',
    });

  return {
    health: async () => ({ version: options.version ?? 'cloud', destination: await currentDestination() }),

    async listFiles(folder) {
      const prefix = folder.replace(/^\/+|\/+$/g, '');
      const entries: FileEntry[] = [];
      let nextToken: string | null | undefined;
      for (let page = 0; page < 10; page += 1) {
        const list = await unwrap(() =>
          client.queries.listSourceFiles({
            prefix: prefix === '' ? '' : `${prefix}/`,
            ...(nextToken ? { nextToken } : {}),
          }),
        );
        for (const entry of list.entries) {
          if (!entry) continue;
          const path = entry.path.replace(/\/+$/, '');
          entries.push({
            name: path.split('/').pop() ?? path,
            path,
            kind: entry.kind === 'folder' ? 'folder' : 'file',
            size: entry.size ?? 0,
            modifiedAt: entry.lastModified ?? '',
          });
        }
        nextToken = list.nextToken;
        if (!nextToken) break;
      }
      return { path: prefix, entries };
    },

    uploadFile,

    async discoverSchema(inputs) {
      const value = await unwrap(() => client.queries.discoverSchema({ inputs }));
      return json<DiscoveredSchema>(value, {} as DiscoveredSchema);
    },

    async preview(request, signal) {
      const call = client.queries.previewMapping({
        inputs: request.inputs,
        mapping: JSON.stringify(request.mapping),
        options: JSON.stringify(request.options),
      });
      const aborted = new Promise<never>((_, reject) => {
        signal?.addEventListener('abort', () => reject(new DOMException('The preview was superseded', 'AbortError')), {
          once: true,
        });
      });
      const value = await unwrap(() => (signal ? Promise.race([call, aborted]) : call));
      return { ...previewOf(json<Record<string, unknown>>(value, {})), destination: await currentDestination() };
    },

    async listAudiences({ q, advertiserId }) {
      const [value, jobs, where] = await Promise.all([
        unwrap(() => client.queries.listAudiences(advertiserId ? { advertiserId } : {})),
        listJobItems(undefined, 100).catch(() => [] as Job[]),
        currentDestination(),
      ]);
      const listed = json<{ advertiserId?: string; audiences?: AudienceItem[] }>(value, {});
      const touched = new Map<string, string[]>();
      for (const job of jobs) {
        const ids = [job.plan.audience?.audienceId, ...(job.result?.upload?.audiences ?? []).map((a) => a.audienceId)];
        for (const audienceId of ids)
          if (audienceId && !touched.get(audienceId)?.includes(job.id))
            touched.set(audienceId, [...(touched.get(audienceId) ?? []), job.id]);
      }
      const needle = q?.trim().toLocaleLowerCase() ?? '';
      const at = now();
      const audiences = (listed.audiences ?? [])
        .map((item) => audienceOf(item, at, touched.get(String(item.audienceId ?? '')) ?? []))
        .filter((audience) => needle === '' || audience.name.toLocaleLowerCase().includes(needle));
      const list: AudienceList = { destination: where, advertiserId: listed.advertiserId ?? '', audiences };
      return list;
    },

    async createJob(plan) {
      return jobOf(await unwrap(() => client.mutations.startUpload({ plan: JSON.stringify(plan) })));
    },

    async listJobs({ state, limit }) {
      const [jobs, where] = await Promise.all([listJobItems(state, limit ?? 100), currentDestination()]);
      return { destination: where, total: jobs.length, jobs };
    },

    getJob,
    watchJob,

    async cancelJob(id) {
      return jobOf(
        await unwrap(
          () => client.mutations.cancelJob({ id }),
          () => notFound(id),
        ),
      );
    },
    async retryJob(id) {
      return jobOf(
        await unwrap(
          () => client.mutations.retryJob({ id }),
          () => notFound(id),
        ),
      );
    },
    async deleteJob(id) {
      await unwrap(
        () => client.mutations.removeJob({ id }),
        () => notFound(id),
      );
    },

    // rejects.csv lives in the KMS-encrypted artifacts bucket, which browsers may not read; the
    // backend has no operation that hands out a download yet, so the monitor shows no link.
    rejectsDownload: async () => null,

    credentials,
    async saveCredentials(update) {
      return remember(
        await unwrap(() =>
          client.mutations.setCredentials({
            ...(update.accessToken !== undefined ? { accessToken: update.accessToken } : {}),
            ...(update.advertiserId !== undefined ? { advertiserId: update.advertiserId } : {}),
          }),
        ),
      );
    },

    async settings() {
      const { tiktokQps, outputRetentionDays } = options.settings ?? {};
      if (typeof tiktokQps !== 'number' || typeof outputRetentionDays !== 'number') throw deployTimeOnly();
      return { tiktokQps, outputRetentionDays };
    },
    saveSettings: async () => {
      throw deployTimeOnly();
    },
  };
}

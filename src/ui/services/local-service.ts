// The service over the local HTTP API of `npm start` (docs/api.md): JSON, problem documents,
// server-sent events for job progress, a streamed request body for uploads.
import type { AudienceUploaderService, JobSubscriber, Problem, UploadRequest, Unsubscribe } from './service.ts';
import { ServiceError } from './service.ts';
import type { Audience, AudienceList, Download, Job, Settings } from './types.ts';

const OFFLINE: Problem = {
  title: 'The app is not reachable',
  detail: 'The request did not reach the local server.',
  resolution: 'Check that `npm start` is still running in its terminal, then try again.',
};

function problemFromBody(status: number, body: unknown): Problem {
  const value = (body ?? {}) as Partial<Problem>;
  return {
    title: typeof value.title === 'string' ? value.title : `Request failed (${status})`,
    detail: typeof value.detail === 'string' ? value.detail : 'The server answered with an error.',
    resolution:
      typeof value.resolution === 'string' ? value.resolution : 'Try again; if it keeps failing, see the terminal.',
    ...(typeof value.field === 'string' ? { field: value.field } : {}),
    ...(typeof value.code === 'string' ? { code: value.code } : {}),
    status,
  };
}

async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ServiceError(OFFLINE);
  }
  const text = await response.text();
  let payload: unknown = undefined;
  try {
    payload = text === '' ? undefined : JSON.parse(text);
  } catch {
    payload = undefined;
  }
  if (!response.ok) throw new ServiceError(problemFromBody(response.status, payload));
  return payload as T;
}

const query = (values: Record<string, string | number | undefined>) => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values))
    if (value !== undefined && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
};

/** Accepts the audience list's documented shape and TikTok's raw list items (older servers). */
function audienceOf(item: Record<string, unknown>): Audience {
  const text = (value: unknown) => (typeof value === 'string' ? value : value == null ? null : String(value));
  const isValid = item.isValid ?? item.is_valid;
  return {
    id: text(item.id ?? item.audienceId ?? item.custom_audience_id) ?? '',
    name: text(item.name) ?? '',
    size: typeof (item.size ?? item.coverNum) === 'number' ? ((item.size ?? item.coverNum) as number) : null,
    type: text(item.type ?? item.calculateType),
    status: text(item.status) ?? (isValid === true ? 'valid' : isValid === false ? 'calculating' : 'unknown'),
    expiry: text(item.expiry ?? item.expiredTime),
    expiringSoon: item.expiringSoon === true || item.isExpiring === true,
    jobs: Array.isArray(item.jobs) ? item.jobs.map(String) : [],
  };
}

function upload(request: UploadRequest): Promise<{ path: string; size: number }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const url = `/api/uploads${query({ folder: request.folder, name: request.file.name, overwrite: request.overwrite ? 'true' : undefined })}`;
    xhr.open('POST', url);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.responseType = 'text';
    xhr.upload.onprogress = (event) => request.onProgress?.(event.loaded, event.total || request.file.size);
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as { path: string; size: number });
      else reject(new ServiceError(problemFromBody(xhr.status, body)));
    };
    xhr.onerror = () => reject(new ServiceError(OFFLINE));
    xhr.onabort = () =>
      reject(
        new ServiceError({
          title: 'Upload cancelled',
          detail: `"${request.file.name}" was not uploaded.`,
          resolution: 'Choose the file again to upload it.',
        }),
      );
    request.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(request.file);
  });
}

function watchJob(id: string, subscriber: JobSubscriber): Unsubscribe {
  const source = new EventSource(`/api/jobs/${encodeURIComponent(id)}/events`);
  let closed = false;
  const close = () => {
    closed = true;
    source.close();
  };
  source.addEventListener('job', (event) => subscriber.next(JSON.parse((event as MessageEvent<string>).data) as Job));
  source.addEventListener('end', close);
  source.addEventListener('deleted', () => {
    close();
    subscriber.error?.({
      title: 'Job deleted',
      detail: `Job ${id} no longer exists.`,
      resolution: 'Open the Jobs page to see the other jobs.',
    });
  });
  // EventSource reconnects by itself; only a stream the browser gave up on is an error.
  source.onerror = () => {
    if (!closed && source.readyState === EventSource.CLOSED) {
      closed = true;
      subscriber.error?.(OFFLINE);
    }
  };
  return close;
}

export function createLocalService(): AudienceUploaderService {
  return {
    health: () => call('GET', '/api/health'),
    listFiles: (folder) => call('GET', `/api/files${query({ path: folder })}`),
    uploadFile: upload,
    discoverSchema: (inputs) => call('GET', `/api/schema${query({ path: inputs[0] })}`),
    preview: (request, signal) => call('POST', '/api/preview', request, signal),
    listAudiences: async ({ q, advertiserId }) => {
      const list = await call<AudienceList & { audiences: Array<Record<string, unknown>> }>(
        'GET',
        `/api/audiences${query({ q, advertiserId })}`,
      );
      return { ...list, audiences: list.audiences.map(audienceOf) };
    },
    createJob: (plan) => call('POST', '/api/jobs', plan),
    listJobs: ({ state, limit }) => call('GET', `/api/jobs${query({ state, limit: limit ?? 100 })}`),
    getJob: (id) => call('GET', `/api/jobs/${encodeURIComponent(id)}`),
    watchJob,
    cancelJob: (id) => call('POST', `/api/jobs/${encodeURIComponent(id)}/cancel`),
    retryJob: (id) => call('POST', `/api/jobs/${encodeURIComponent(id)}/retry`),
    deleteJob: async (id) => {
      await call('DELETE', `/api/jobs/${encodeURIComponent(id)}`);
    },
    rejectsDownload: async (id): Promise<Download> => ({
      url: `/api/jobs/${encodeURIComponent(id)}/rejects.csv`,
      filename: `rejects-${id}.csv`,
    }),
    credentials: () => call('GET', '/api/credentials'),
    saveCredentials: (update) => call('PUT', '/api/credentials', update),
    settings: () => call<Settings>('GET', '/api/settings'),
    saveSettings: (settings) => call<Settings>('PUT', '/api/settings', settings),
  };
}

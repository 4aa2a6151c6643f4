import { envelope, recordingFetch, type RecordedRequest } from './recording-fetch.ts';

/**
 * A small in-memory TikTok for orchestrator unit tests (the real contract tests use the emulator).
 * `intercept` can fail a request before or after TikTok acts on it, to test reconciliation.
 */
export interface FakeAudience {
  id: string;
  name: string;
  calculateType: string;
  ids: Set<string>;
  /** Every id ever received, to detect ids sent twice. */
  received: string[];
  appliedFiles: string[];
  history: Array<{ action: string; msg: string; opt_time: string }>;
  /** Answers 40002 busy this many more times. */
  busyAnswers: number;
  /** Left out of this many more list answers (a list that lags behind creates). */
  hiddenFromLists: number;
}

export type Interception = 'fail-before' | 'fail-after' | { code: number; message: string } | undefined;

let fakeCounter = 0;

export function fakeTikTok(
  options: {
    matchRate?: number;
    listLagCalls?: number;
    intercept?: (endpoint: string, request: RecordedRequest, count: number) => Interception;
  } = {},
) {
  const files = new Map<string, { ids: string[]; calculateType: string }>();
  const audiences = new Map<string, FakeAudience>();
  const counts = new Map<string, number>();
  const expired = new Set<string>();
  let nextAudience = 9000;
  let clockSeconds = 0;
  const stamp = () => `2026-11-29 08:00:${String(clockSeconds).padStart(2, '0')}`;

  const act = async (endpoint: string, request: RecordedRequest): Promise<Response> => {
    const body = (request.json ?? {}) as Record<string, unknown>;
    const params = request.url.searchParams;
    switch (endpoint) {
      case 'file/upload': {
        const form = request.form as FormData;
        const text = await (form.get('file') as File).text();
        fakeCounter += 1;
        const path = `fake/${fakeCounter}.csv`;
        files.set(path, { ids: text.split('\n').filter(Boolean), calculateType: String(form.get('calculate_type')) });
        return envelope({ file_path: path });
      }
      case 'create': {
        const paths = body.file_paths as string[];
        if (paths.some((path) => expired.has(path))) return envelope(null, 40910, 'file expired');
        nextAudience += 1;
        const audience: FakeAudience = {
          id: String(nextAudience),
          name: String(body.custom_audience_name),
          calculateType: String(body.calculate_type),
          ids: new Set(),
          received: [],
          appliedFiles: [],
          history: [],
          busyAnswers: 0,
          hiddenFromLists: options.listLagCalls ?? 0,
        };
        for (const path of paths) {
          const file = files.get(path);
          if (!file || file.calculateType !== audience.calculateType) return envelope(null, 40002, `bad file ${path}`);
          for (const id of file.ids) audience.ids.add(id);
          audience.received.push(...file.ids);
          audience.appliedFiles.push(path);
        }
        audience.history.push({ action: 'CREATE', msg: `created with ${paths.length}`, opt_time: stamp() });
        audiences.set(audience.id, audience);
        return envelope({ custom_audience_id: audience.id });
      }
      case 'update': {
        const audience = audiences.get(String(body.custom_audience_id));
        if (!audience) return envelope(null, 40007, 'no such audience');
        if (audience.busyAnswers > 0) {
          audience.busyAnswers -= 1;
          return envelope(null, 40002, 'Audience busy: the audience is being calculated or updated, try again later');
        }
        const paths = body.file_paths as string[];
        if (paths.some((path) => expired.has(path))) return envelope(null, 40910, 'file expired');
        const action = String(body.action);
        const incoming = paths.flatMap((path) => files.get(path)?.ids ?? []);
        if (action === 'REPLACE') audience.ids.clear();
        for (const id of incoming) {
          if (action === 'REMOVE') audience.ids.delete(id);
          else audience.ids.add(id);
        }
        audience.received.push(...incoming);
        audience.appliedFiles.push(...paths);
        audience.history.push({ action, msg: `${action} ${paths.length}`, opt_time: stamp() });
        return envelope({});
      }
      case 'get': {
        const ids = JSON.parse(params.get('custom_audience_ids') ?? '[]') as string[];
        const size = Number(params.get('history_size') ?? 10);
        return envelope({
          list: ids.flatMap((id) => {
            const audience = audiences.get(id);
            if (!audience) return [];
            return [
              {
                audience_details: {
                  audience_id: audience.id,
                  name: audience.name,
                  calculate_type: audience.calculateType,
                  cover_num: Math.floor(audience.ids.size * (options.matchRate ?? 1)),
                  is_valid: true,
                },
                audience_history: audience.history.slice(-size),
              },
            ];
          }),
        });
      }
      case 'list': {
        const page = Number(params.get('page'));
        const size = Number(params.get('page_size'));
        const visible = [...audiences.values()].filter((audience) => {
          if (audience.hiddenFromLists <= 0) return true;
          if (page === 1) audience.hiddenFromLists -= 1;
          return false;
        });
        const all = visible.map((audience) => ({
          audience_id: audience.id,
          name: audience.name,
          calculate_type: audience.calculateType,
          cover_num: audience.ids.size,
          is_valid: true,
          is_creator: true,
        }));
        return envelope({
          list: all.slice((page - 1) * size, page * size),
          page_info: { page, page_size: size, total_number: all.length, total_page: Math.ceil(all.length / size) },
        });
      }
      default:
        return new Response('not found', { status: 404 });
    }
  };

  const transport = recordingFetch(async (request) => {
    const endpoint = request.url.pathname.replace(/^.*\/dmp\/custom_audience\//, '').replace(/\/$/, '');
    const count = (counts.get(endpoint) ?? 0) + 1;
    counts.set(endpoint, count);
    clockSeconds += 1;
    const interception = options.intercept?.(endpoint, request, count);
    if (interception === 'fail-before') throw new TypeError('fetch failed (socket hang up)');
    if (interception && typeof interception === 'object')
      return envelope(null, interception.code, interception.message);
    const response = await act(endpoint, request);
    if (interception === 'fail-after') throw new TypeError('fetch failed (socket hang up)');
    return response;
  });

  return {
    fetch: transport.fetch,
    requests: transport.requests,
    audiences,
    files,
    expire: (path: string) => expired.add(path),
    writes: () => transport.requests.filter((request) => request.method === 'POST').length,
  };
}

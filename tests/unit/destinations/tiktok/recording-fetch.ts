/** A fetch-like transport that records every request and answers from a script (for client tests). */
export interface RecordedRequest {
  method: string;
  url: URL;
  headers: Headers;
  /** Parsed JSON body, when the body was JSON. */
  json?: unknown;
  /** The multipart body, when the body was FormData. */
  form?: FormData;
}

export type Responder = (request: RecordedRequest, index: number) => Response | Promise<Response>;

export function envelope(
  data: unknown,
  code = 0,
  message = 'OK',
  requestId = `rid-${Math.random().toString(16).slice(2, 10)}`,
): Response {
  return new Response(JSON.stringify({ code, message, request_id: requestId, data }), {
    status: 200,
    headers: { 'Content-Type': 'application/json' },
  });
}

export function recordingFetch(responder: Responder): { fetch: typeof fetch; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const fake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const headers = new Headers(init?.headers);
    const recorded: RecordedRequest = { method: init?.method ?? 'GET', url, headers };
    if (typeof init?.body === 'string') recorded.json = JSON.parse(init.body);
    else if (init?.body instanceof FormData) recorded.form = init.body;
    requests.push(recorded);
    if (init?.signal?.aborted) throw init.signal.reason;
    const response = await responder(recorded, requests.length - 1);
    // Like fetch: an abort before the answer arrived rejects, whatever the server did.
    if (init?.signal?.aborted) throw init.signal.reason;
    return response;
  };
  return { fetch: fake as typeof fetch, requests };
}

/** A manual clock: sleeping advances time immediately, and every pause is recorded. */
export function fakeClock(start = 0): { now: () => number; sleep: (ms: number) => Promise<void>; sleeps: number[] } {
  let time = start;
  const sleeps: number[] = [];
  return {
    now: () => time,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      time += ms;
    },
    sleeps,
  };
}

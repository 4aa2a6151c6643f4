import type { ZodError } from 'zod';
import { isUserError, UserError } from '../core/errors.ts';
import { isTikTokApiError } from '../destinations/tiktok/tiktok-errors.ts';

/** RFC 9457 problem document, plus what the person should do next and the offending field. */
export interface ProblemDocument {
  type: string;
  status: number;
  title: string;
  detail: string;
  resolution: string;
  field?: string;
  code: string;
  errors?: Array<{ field: string; message: string }>;
}

export class HttpProblem extends Error {
  constructor(
    readonly problem: ProblemDocument,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${problem.title}: ${problem.detail}`);
    this.name = 'HttpProblem';
  }
}

export function problem(
  status: number,
  init: {
    code: string;
    title: string;
    detail: string;
    resolution: string;
    field?: string;
    errors?: ProblemDocument['errors'];
  },
  headers: Record<string, string> = {},
): HttpProblem {
  return new HttpProblem({ type: `about:blank#${init.code}`, status, ...init }, headers);
}

const STATUS_BY_CODE: Record<string, number> = {
  job_not_found: 404,
  path_not_found: 404,
  job_finished: 409,
  job_not_retryable: 409,
  job_running_elsewhere: 409,
};

/** Turns anything thrown by a handler into a problem document; only true bugs become 500. */
export function toProblem(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (isUserError(error)) return fromUserError(error);
  // TikTok (or the emulator) answered with an error or not at all: the upstream failed, not this server.
  if (isTikTokApiError(error)) {
    return problem(502, {
      code: `tiktok_${error.kind}`,
      title: 'TikTok answered with an error',
      detail: `${error.endpoint}: ${error.tiktokMessage}${error.code === null ? '' : ` (code ${error.code})`}${error.requestId ? `, request_id ${error.requestId}` : ''}.`,
      resolution: error.resolution,
    });
  }
  return problem(500, {
    code: 'internal_error',
    title: 'Unexpected server error',
    detail: 'The server hit an error it did not expect. Nothing about your data was sent in this answer.',
    resolution:
      'Try again; if it keeps happening, look at the server terminal (AU_DEBUG=1 shows details) and report it.',
  });
}

export function fromUserError(error: UserError): HttpProblem {
  const status = STATUS_BY_CODE[error.code] ?? (error.kind === 'usage' ? 422 : 409);
  return problem(status, {
    code: error.code,
    title: error.title,
    detail: error.detail,
    resolution: error.resolution,
    ...(error.field === undefined ? {} : { field: error.field }),
  });
}

/** `mapping.0.type` → `mapping[0].type`, as people and JSON pointers-in-words read it. */
export function fieldName(path: ReadonlyArray<PropertyKey>): string {
  let name = '';
  for (const part of path)
    name += typeof part === 'number' ? `[${part}]` : name === '' ? String(part) : `.${String(part)}`;
  return name || '(body)';
}

export function fromZodError(error: ZodError, prefix: ReadonlyArray<PropertyKey> = []): HttpProblem {
  const errors = error.issues.map((issue) => ({
    field: fieldName([...prefix, ...issue.path]),
    message: issue.message,
  }));
  const first = errors[0] ?? { field: '(body)', message: 'Invalid value' };
  return problem(422, {
    code: 'invalid_plan',
    title: 'Invalid request',
    detail: `${first.field}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : ''}`,
    resolution: 'Correct the named field(s) and send the request again; GET /api/schema suggests a mapping for a file.',
    field: first.field,
    errors,
  });
}

/** The problem as an HTTP response (`application/problem+json`, never cached). */
export function problemResponse(error: HttpProblem): Response {
  return new Response(JSON.stringify(error.problem), {
    status: error.problem.status,
    headers: {
      'content-type': 'application/problem+json; charset=utf-8',
      'cache-control': 'no-store',
      ...error.headers,
    },
  });
}

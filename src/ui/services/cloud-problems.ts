// What the cloud back end says went wrong, as problems a person can act on. The functions behind the
// custom operations throw their UserError as a JSON problem in the GraphQL error's message
// (src/adapters/aws/appsync-resolver.ts); AppSync's own errors (authorization, validation) and
// transport failures get a fixed wording here. Raw error text is never shown: it could quote a value.
import { ServiceError, type Problem } from './service.ts';

export interface GraphqlErrorLike {
  message?: string;
  errorType?: string | null;
  /** Set by Amplify when the request never got an answer (network, no session). */
  originalError?: { name?: string } | null;
}

const GENERIC: Problem = {
  title: 'Something went wrong',
  detail: 'The cloud back end could not complete the request.',
  resolution: 'Try again in a minute; if it keeps failing, an Admin can look at the function’s log.',
};

export const OFFLINE: Problem = {
  title: 'The cloud back end is not reachable',
  detail: 'The request did not reach AWS.',
  resolution: 'Check your internet connection, then try again.',
};

export const SIGNED_OUT: Problem = {
  title: 'You are signed out',
  detail: 'Your session has ended.',
  resolution: 'Reload the page and sign in again.',
  status: 401,
};

const NOT_ALLOWED: Problem = {
  title: 'Not allowed',
  detail: 'Your account may not do this.',
  resolution: 'Ask an Admin to add you to the Uploaders group (or Admins, for settings).',
  status: 403,
};

const AUTH_ERRORS = new Set([
  'UserUnAuthenticatedException',
  'NoValidAuthTokens',
  'NotAuthorizedException',
  'UserNotFoundException',
]);

/** Problem codes whose HTTP-like status the wizard reacts to (409: offer to replace). */
const STATUS_OF_CODE: Record<string, number> = { not_found: 404, job_not_found: 404, file_exists: 409 };

/** A problem carried in an error message as JSON, when the message is one. */
function problemInMessage(message: string | undefined): Problem | undefined {
  if (!message || !message.trimStart().startsWith('{')) return undefined;
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(message) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof value.title !== 'string' || typeof value.detail !== 'string') return undefined;
  const code = typeof value.code === 'string' ? value.code : undefined;
  const status = code ? STATUS_OF_CODE[code] : undefined;
  return {
    title: value.title,
    detail: value.detail,
    resolution: typeof value.resolution === 'string' ? value.resolution : GENERIC.resolution,
    ...(typeof value.field === 'string' ? { field: value.field } : {}),
    ...(code ? { code } : {}),
    ...(status ? { status } : {}),
  };
}

/** The first GraphQL error of a response, as a problem. */
export function problemOfGraphqlErrors(errors: readonly GraphqlErrorLike[]): Problem {
  const first = errors[0] ?? {};
  const cause = first.originalError?.name;
  if (cause === 'NetworkError') return OFFLINE;
  if (cause && AUTH_ERRORS.has(cause)) return SIGNED_OUT;
  const carried = problemInMessage(first.message);
  if (carried) return carried;
  if (first.errorType === 'Unauthorized' || /not authorized/i.test(first.message ?? '')) return NOT_ALLOWED;
  return { ...GENERIC, ...(first.errorType ? { code: first.errorType } : {}) };
}

/** Anything a cloud call threw (a GraphQL result with errors, a network or sign-in failure). */
export function problemOfCloudError(error: unknown): Problem {
  if (error instanceof ServiceError) return error.problem;
  const value = (error ?? {}) as { errors?: GraphqlErrorLike[]; name?: string; message?: string };
  if (Array.isArray(value.errors) && value.errors.length > 0) return problemOfGraphqlErrors(value.errors);
  if (value.name && AUTH_ERRORS.has(value.name)) return SIGNED_OUT;
  if (value.name === 'NetworkError' || error instanceof TypeError) return OFFLINE;
  return GENERIC;
}

export function cloudError(error: unknown): ServiceError {
  return error instanceof ServiceError ? error : new ServiceError(problemOfCloudError(error));
}

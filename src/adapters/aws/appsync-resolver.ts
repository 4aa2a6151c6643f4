import type { Logger } from '@aws-lambda-powertools/logger';
import type { AppSyncIdentityCognito, AppSyncResolverEvent } from 'aws-lambda';
import type { z } from 'zod';
import { isUserError, UserError } from '../../core/errors.ts';

/** Who called a custom operation (Cognito user pool auth). */
export interface Caller {
  username: string;
  groups: string[];
}

export function callerOf(event: AppSyncResolverEvent<unknown>): Caller {
  const identity = (event.identity ?? {}) as Partial<AppSyncIdentityCognito>;
  return { username: identity.username ?? identity.sub ?? 'unknown', groups: identity.groups ?? [] };
}

/** Validates arguments with a zod schema (the same ones local mode uses); a failure is the caller's mistake. */
export function parseArguments<S extends z.ZodType>(schema: S, value: unknown, field = 'arguments'): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 5);
  const first = issues[0];
  const path = first && first.path.length > 0 ? first.path.join('.') : field;
  throw new UserError({
    code: 'invalid_request',
    title: 'Invalid request',
    detail: issues.map((issue) => `${issue.path.join('.') || field}: ${issue.message}`).join('; '),
    resolution: 'Correct the highlighted field and try again.',
    field: path,
  });
}

/**
 * The error an AppSync client sees: for a UserError, its message is the JSON problem
 * `{code, title, detail, resolution, field}` (the web app parses it); anything else is a generic
 * message (details stay in the function's log, which never holds identifier values).
 */
export function toResolverError(error: unknown): Error {
  if (isUserError(error)) {
    const problem = new Error(
      JSON.stringify({
        code: error.code,
        title: error.title,
        detail: error.detail,
        resolution: error.resolution,
        ...(error.field ? { field: error.field } : {}),
      }),
    );
    problem.name = 'UserError';
    return problem;
  }
  const internal = new Error(
    JSON.stringify({
      code: 'internal_error',
      title: 'Something went wrong',
      detail: 'The request could not be completed.',
      resolution: 'Try again in a minute; if it keeps failing, an Admin can look at the function’s log.',
    }),
  );
  internal.name = 'InternalError';
  return internal;
}

type Operations = Record<string, (args: Record<string, unknown>, caller: Caller) => Promise<unknown>>;

/** One Lambda backing several custom operations: dispatch on the field name, map errors. */
export function appSyncHandler(logger: Logger, operations: Operations) {
  return async (event: AppSyncResolverEvent<Record<string, unknown>>): Promise<unknown> => {
    const field = event.info?.fieldName ?? '';
    const operation = operations[field];
    if (!operation) throw toResolverError(new Error(`No operation ${field}`));
    try {
      return await operation(event.arguments ?? {}, callerOf(event));
    } catch (error) {
      if (isUserError(error)) logger.info('refused', { operation: field, code: error.code });
      // Never the error's message: a reader's message could quote a row.
      else logger.error('failed', { operation: field, errorName: (error as Error)?.name });
      throw toResolverError(error);
    }
  };
}

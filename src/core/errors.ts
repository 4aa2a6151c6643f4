/**
 * An error a person can act on: what went wrong (title, detail) and what to do next (resolution).
 * Messages never contain raw identifier values or secrets.
 */
export class UserError extends Error {
  readonly title: string;
  readonly detail: string;
  readonly resolution: string;
  /** The offending field or argument, when there is one (e.g. `--map`, `mapping[0].column`). */
  readonly field?: string;
  /** A stable machine-readable code, e.g. `unknown_column`. */
  readonly code: string;
  /** Usage errors (bad arguments, bad request) vs. failures of the work itself. */
  readonly kind: 'usage' | 'failure';

  constructor(init: {
    code: string;
    title: string;
    detail: string;
    resolution: string;
    field?: string;
    kind?: 'usage' | 'failure';
    cause?: unknown;
  }) {
    super(`${init.title}: ${init.detail}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'UserError';
    this.code = init.code;
    this.title = init.title;
    this.detail = init.detail;
    this.resolution = init.resolution;
    if (init.field !== undefined) this.field = init.field;
    this.kind = init.kind ?? 'usage';
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

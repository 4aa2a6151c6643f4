/**
 * Fencing. Every run of a job holds a generation number, handed out when it takes the job (the local
 * queue's claim, the cloud's conditional "start run" write) and strictly greater than any earlier
 * run's. Stores refuse a write carrying a generation older than the newest one they have seen, so a
 * run that lost its lease (it stalled, and another run took the job) cannot record anything: its
 * first write throws StaleRunError and it stops.
 */
export type RunFence = number;

/** No fencing: a single writer by construction (the CLI's locked folder, unit tests). */
export const UNFENCED: RunFence = 0;

export class StaleRunError extends Error {
  constructor(
    readonly key: string,
    readonly fence: RunFence,
    readonly current: RunFence | undefined,
  ) {
    super(
      `A newer run holds ${key} (generation ${current ?? 'unknown'}; this run has ${fence}): this run stops without writing.`,
    );
    this.name = 'StaleRunError';
  }
}

export function isStaleRunError(error: unknown): error is StaleRunError {
  return error instanceof StaleRunError;
}

import type { JobRecord } from '../adapters/node/sqlite/job-store.ts';

/** The API's picture of a job: counts, states and reasons; ISO timestamps; never identifier values. */
export function jobView(job: JobRecord): Record<string, unknown> {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: job.id,
    state: job.state,
    reason: job.reason,
    resolution: job.resolution,
    origin: job.origin,
    destination: job.destination,
    plan: job.plan,
    progress: job.progress,
    result: job.result,
    cancelRequested: job.cancelRequested,
    createdAt: iso(job.createdAt),
    updatedAt: iso(job.updatedAt),
    finishedAt: iso(job.finishedAt),
    output: { expiresAt: iso(job.outputExpiresAt), deleted: job.outputDeletedAt !== null },
  };
}

import type { JobRecord } from '../adapters/node/sqlite/job-store.ts';
import type { UploadLedgerState } from '../destinations/tiktok/upload-ledger.ts';

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

type Counts = Record<string, unknown>;
const object = (value: unknown): Counts =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Counts) : {};
const numberOr = (value: unknown, fallback: number | null): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : fallback;

/**
 * What a live monitor needs, in one place: record progress, per-type counts (once the transform
 * ended), each hashed partition's upload state and the audiences (from the upload ledger while the
 * upload runs, from the result after). Counts and ids only.
 */
export function jobMonitor(job: JobRecord, ledger: UploadLedgerState | undefined): Record<string, unknown> {
  const transform = object(job.result?.transform);
  const upload = object(job.result?.upload);
  const types = object(transform.types);
  const finishedAudiences = Array.isArray(upload.audiences) ? upload.audiences.map(object) : [];
  const partitions = Object.values(ledger?.audiences ?? {}).flatMap((audience) =>
    Object.values(audience?.partitions ?? {}).map((partition) => ({
      type: audience?.type,
      path: partition.path,
      rows: partition.rows,
      uploaded: partition.uploadedAt !== undefined,
      applied: partition.appliedAt !== undefined,
    })),
  );
  const fromResult = finishedAudiences.map((finished) => ({
    type: finished.type,
    audienceId: finished.audienceId ?? null,
    audienceName: finished.audienceName ?? null,
    created: finished.created ?? null,
    applied: true,
    coverNum: numberOr(finished.coverNum, null),
    matchRate: numberOr(finished.matchRate, null),
    isValid: typeof finished.isValid === 'boolean' ? finished.isValid : null,
  }));
  const fromLedger = Object.values(ledger?.audiences ?? {}).flatMap((audience) => {
    if (!audience) return [];
    const finished = finishedAudiences.find((entry) => entry.type === audience.type) ?? {};
    return [
      {
        type: audience.type,
        audienceId: audience.audienceId ?? null,
        audienceName: audience.audienceName,
        created: audience.created,
        applied: audience.appliedAt !== undefined,
        coverNum: numberOr(finished.coverNum, audience.result?.coverNum ?? null),
        matchRate: numberOr(finished.matchRate, audience.result?.matchRate ?? null),
        isValid: typeof finished.isValid === 'boolean' ? finished.isValid : (audience.result?.isValid ?? null),
      },
    ];
  });
  const audiences = ledger ? fromLedger : fromResult;
  return {
    records: {
      read: numberOr(transform.recordsRead, job.progress.recordsRead ?? 0),
      malformed: numberOr(transform.malformedRecords, null),
      bytesRead: job.progress.bytesRead ?? null,
      totalBytes: job.progress.totalBytes ?? null,
    },
    types:
      Object.keys(types).length === 0
        ? null
        : Object.fromEntries(
            Object.entries(types).map(([type, value]) => {
              const counts = object(value);
              return [
                type,
                {
                  columns: counts.columns ?? [],
                  valid: counts.valid ?? 0,
                  unique: counts.unique ?? 0,
                  duplicates: counts.duplicates ?? 0,
                  prehashed: counts.prehashed ?? 0,
                  empty: counts.empty ?? 0,
                  rejected: counts.rejected ?? {},
                },
              ];
            }),
          ),
    partitions,
    audiences,
  };
}

/** One job as `GET /api/jobs/:id` and the `job` events show it: the list view plus `monitor`. */
export function jobDetailView(job: JobRecord, ledger: UploadLedgerState | undefined): Record<string, unknown> {
  return { ...jobView(job), monitor: jobMonitor(job, ledger) };
}

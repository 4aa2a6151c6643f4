import type { Logger } from '@aws-lambda-powertools/logger';
import { isUserError } from '../../../core/errors.ts';
import {
  isStaleRunError,
  jobReasons,
  summarizeManifest,
  TERMINAL_JOB_STATES,
  type RunFence,
} from '../../../core/jobs/index.ts';
import { isTikTokApiError, type TikTokApiError } from '../../../destinations/tiktok/tiktok-errors.ts';
import {
  audienceNameFor,
  CreateLookupPending,
  manifestTypes,
  uploadTransformOutput,
  type UploadResult,
} from '../../../destinations/tiktok/upload-orchestrator.ts';
import type { AudiencePlan } from '../../../core/plan.ts';
import type { Manifest } from '../../../core/transform/manifest.ts';
import type { TikTokClient } from '../../../destinations/tiktok/tiktok-client.ts';
import type { CloudJobRecord } from '../data-api-job-store.ts';
import { optionalEnv } from '../runtime-env.ts';
import { readS3Object } from '../s3-byte-source.ts';
import { TIKTOK_DESTINATION } from '../secrets-manager-credentials.ts';
import { isWorkBudgetExhausted, WorkBudget } from '../work-budget.ts';
import type { CloudContext } from './cloud-context.ts';
import { jobOutputPrefix, readManifest } from './job-output.ts';
import type { UploadTrigger } from './messages.ts';
import { connectTikTok } from './tiktok-connection.ts';

/** Temporary TikTok trouble is retried this many times (by delayed messages) before the job fails. */
export const MAX_TRANSIENT_ATTEMPTS = 5;
/** Time kept free at the end of an invocation: the longest single request (a 50 MB upload) plus slack. */
export const INVOCATION_RESERVE_MS = 240_000;
export const DEFAULT_UPLOADS_PER_INVOCATION = 20;
/** How long an audience lock is leased: longer than any invocation, so only a dead one's lock expires. */
export const AUDIENCE_LOCK_MS = 15 * 60_000;
/** Pause before trying again when another job holds one of this job's audiences. */
export const AUDIENCE_BUSY_DELAY_SECONDS = 60;

/** The first status poll: TikTok takes a while to calculate even small audiences. */
export const FIRST_STATUS_DELAY_SECONDS = 60;

export interface UploadStepOptions {
  /** Milliseconds left in this invocation (Lambda's context.getRemainingTimeInMillis). */
  remainingMs: () => number;
  /** Deliveries of this message so far (SQS ApproximateReceiveCount). */
  receiveCount: number;
  /** Deliveries after which SQS moves the message to the dead-letter queue. */
  maxReceiveCount: number;
  logger: Logger;
  now?: () => number;
}

export type UploadStepOutcome =
  | 'ignored'
  | 'not-found'
  | 'finished-already'
  | 'cancelled'
  | 'stale'
  | 'continued'
  | 'retry-later'
  | 'lookup-later'
  | 'audience-busy'
  | 'failed'
  | 'processing'
  | 'completed';

/**
 * One upload-queue message: take the job (a new run, fenced), read its manifest, upload through the
 * ledger until done or until this invocation's share is used up (then a continuation message takes
 * over), and hand the finished upload to the status poller. Person-facing problems end the job with a
 * reason and what to do; temporary TikTok trouble is retried by delayed messages; anything else is
 * thrown so SQS redelivers it (and on its last delivery the job says it gave up).
 */
export async function runUploadStep(
  context: CloudContext,
  trigger: UploadTrigger,
  options: UploadStepOptions,
): Promise<UploadStepOutcome> {
  const { logger } = options;
  const now = options.now ?? Date.now;
  if (trigger.kind === 'ignored') {
    logger.warn('ignored upload-queue message', { why: trigger.why });
    return 'ignored';
  }
  const jobId = trigger.jobId;
  const attempt = trigger.kind === 'upload' ? trigger.attempt : 1;
  const jobs = await context.jobs();
  const job = await jobs.get(jobId);
  if (!job) return 'not-found';
  // Processing: everything was sent; the status poller owns the job now (this is a duplicate event).
  if (TERMINAL_JOB_STATES.has(job.state) || job.state === 'processing') return 'finished-already';
  if (job.cancelRequested) {
    await jobs.setState(jobId, {
      ...jobReasons.cancelled(),
      from: ['queued', 'transforming', 'uploading', 'processing'],
      outputTtlMs: context.outputTtlMs,
    });
    return 'cancelled';
  }
  const fence = await jobs.startRun(jobId);
  if (fence === undefined) return 'not-found';
  try {
    return await upload(context, job, fence, attempt, options, now);
  } catch (error) {
    if (isStaleRunError(error)) {
      logger.info('a newer run holds the job', { jobId });
      return 'stale';
    }
    if (error instanceof AudienceBusy) {
      await context
        .uploadQueue()
        .send({ kind: 'upload', jobId, attempt }, { delaySeconds: AUDIENCE_BUSY_DELAY_SECONDS });
      logger.info('another job is writing to this audience; trying again later', { jobId });
      return 'audience-busy';
    }
    if (error instanceof CreateLookupPending) {
      // Waiting out the lookup window in this Lambda would cost up to 5 minutes; a delayed message costs nothing.
      const delaySeconds = Math.min(900, Math.ceil(error.retryAfterMs / 1000));
      await jobs.setState(jobId, jobReasons.checkingLostCreate(error.audienceName, delaySeconds), fence);
      await context.uploadQueue().send({ kind: 'upload', jobId, attempt }, { delaySeconds });
      logger.info('a lost create is not settled yet; looking again later', { jobId, delaySeconds });
      return 'lookup-later';
    }
    if (isWorkBudgetExhausted(error)) {
      await context.uploadQueue().send({ kind: 'upload', jobId });
      logger.info('share done, continuing in a new message', { jobId });
      return 'continued';
    }
    if (isUserError(error)) {
      await jobs.setState(jobId, { ...jobReasons.failedWith(error), outputTtlMs: context.outputTtlMs }, fence);
      logger.info('job failed', { jobId, code: error.code });
      return 'failed';
    }
    if (isTikTokApiError(error)) {
      if (error.transient || error.outcomeUnknown) {
        if (attempt < MAX_TRANSIENT_ATTEMPTS) {
          const delay = Math.min(900, 60 * 2 ** (attempt - 1));
          await jobs.setState(
            jobId,
            jobReasons.retrying('uploading', describe(error), delay, attempt, MAX_TRANSIENT_ATTEMPTS),
            fence,
          );
          await context.uploadQueue().send({ kind: 'upload', jobId, attempt: attempt + 1 }, { delaySeconds: delay });
          logger.info('temporary TikTok problem, retrying later', {
            jobId,
            kind: error.kind,
            requestId: error.requestId,
          });
          return 'retry-later';
        }
        await jobs.setState(
          jobId,
          { ...jobReasons.gaveUp(attempt, describe(error)), outputTtlMs: context.outputTtlMs },
          fence,
        );
        return 'failed';
      }
      await failRefused(context, job, fence, error);
      logger.info('TikTok refused', { jobId, kind: error.kind, code: error.code, requestId: error.requestId });
      return 'failed';
    }
    // Unexpected (AWS trouble, a bug): SQS redelivers. On the last delivery the job says so first.
    if (options.receiveCount >= options.maxReceiveCount) {
      await jobs
        .setState(
          jobId,
          { ...jobReasons.gaveUp(options.receiveCount, 'an internal error'), outputTtlMs: context.outputTtlMs },
          fence,
        )
        .catch(() => undefined);
    }
    throw error;
  }
}

async function upload(
  context: CloudContext,
  job: CloudJobRecord,
  fence: RunFence,
  attempt: number,
  options: UploadStepOptions,
  now: () => number,
): Promise<UploadStepOutcome> {
  const jobs = await context.jobs();
  const found = await readManifest(context.s3, context.artifactsBucket, job.id).catch((error: unknown) => {
    if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
    throw error;
  });
  if (!found) {
    await jobs.setState(
      job.id,
      {
        state: 'failed',
        reason: 'The hashed output of this job is gone (it expired or was deleted).',
        resolution: 'Start a new job with the same file; audiences already updated at TikTok keep what they received.',
        outputTtlMs: context.outputTtlMs,
      },
      fence,
    );
    return 'failed';
  }
  const { manifest } = found;
  if (!job.result?.transform) await jobs.mergeResult(job.id, { transform: summarizeManifest(manifest) }, fence);
  const totalUnique = Object.values(manifest.types).reduce((sum, counts) => sum + (counts?.unique ?? 0), 0);
  if (totalUnique === 0) {
    await jobs.setState(
      job.id,
      { ...jobReasons.noValidIdentifiers(manifest.recordsRead), outputTtlMs: context.outputTtlMs },
      fence,
    );
    return 'failed';
  }
  if (job.state !== 'uploading' || attempt === 1)
    await jobs.setState(
      job.id,
      { ...jobReasons.uploading(totalUnique, TIKTOK_DESTINATION.label), from: ['queued', 'transforming', 'uploading'] },
      fence,
    );

  const budget = new WorkBudget({
    deadlineAt: now() + Math.max(0, options.remainingMs() - INVOCATION_RESERVE_MS),
    maxUploads: Number(optionalEnv('uploadsPerInvocation', context.env) ?? DEFAULT_UPLOADS_PER_INVOCATION),
    now,
  });
  const { client, advertiserId } = await connectTikTok(context, {
    advertiserId: job.plan.audience.advertiserId,
    budget,
  });
  const release = await lockAudiences(
    context,
    `${job.id}#${fence}`,
    advertiserId,
    job.plan.audience,
    manifestTypes(manifest),
  );
  try {
    return await uploadLocked(context, job, fence, manifest, budget, client, advertiserId, now);
  } finally {
    await release();
  }
}

/** Another job holds a lock on one of this job's audiences. */
class AudienceBusy extends Error {
  constructor() {
    super('Another job is writing to this audience.');
    this.name = 'AudienceBusy';
  }
}

/** Lock keys as the ports define them: `<advertiser>/id/<audienceId>` or `<advertiser>/name/<name>`. */
export function audienceLockKeys(advertiserId: string, audience: AudiencePlan, types: string[]): string[] {
  if (audience.audienceId !== undefined) return [`${advertiserId}/id/${audience.audienceId}`];
  return types.map((type) => `${advertiserId}/name/${audienceNameFor(audience.name as string, type as never)}`).sort();
}

/**
 * Writes to one TikTok audience are serialized across jobs and Lambdas: every lock of this job's
 * audiences or none (never waiting while holding one, so two jobs cannot deadlock).
 */
async function lockAudiences(
  context: CloudContext,
  holder: string,
  advertiserId: string,
  audience: AudiencePlan,
  types: string[],
): Promise<() => Promise<void>> {
  const locks = context.audienceLocks();
  const held: string[] = [];
  const release = async () => {
    for (const key of held.splice(0)) await locks.release(key, holder);
  };
  for (const key of audienceLockKeys(advertiserId, audience, types)) {
    if (!(await locks.tryAcquire(key, holder, AUDIENCE_LOCK_MS))) {
      await release();
      throw new AudienceBusy();
    }
    held.push(key);
  }
  return release;
}

async function uploadLocked(
  context: CloudContext,
  job: CloudJobRecord,
  fence: RunFence,
  manifest: Manifest,
  budget: WorkBudget,
  client: TikTokClient,
  advertiserId: string,
  now: () => number,
): Promise<UploadStepOutcome> {
  const jobs = await context.jobs();
  const filesTotal = Object.values(manifest.types).reduce((sum, counts) => sum + (counts?.files.length ?? 0), 0);
  let filesDone = 0;
  let lastProgress = 0;
  const progressWrites: Array<Promise<void>> = [];
  const result = await uploadTransformOutput({
    manifest,
    readPartition: async (path) =>
      (await readS3Object(context.s3, context.artifactsBucket, `${jobOutputPrefix(job.id)}${path}`)).body,
    audience: job.plan.audience,
    advertiserId,
    client,
    ledger: context.ledger(),
    ledgerId: job.id,
    fence,
    // Status is read once here; the status poller waits for TikTok with delayed messages.
    poll: { timeoutMs: 0, intervalMs: 1000 },
    ...context.createLookupWindow,
    deferCreateLookup: true,
    onProgress: (event) => {
      if (event.kind === 'partition-uploaded') budget.recordUpload();
      if (event.kind === 'partition-uploaded' || event.kind === 'partition-skipped') filesDone += 1;
      if (now() - lastProgress < 2000 && filesDone < filesTotal) return;
      lastProgress = now();
      progressWrites.push(
        jobs.setProgress(
          job.id,
          {
            stage: 'upload',
            filesUploaded: Math.min(filesDone, filesTotal),
            filesTotal,
            percent: 50 + (filesTotal > 0 ? Math.round((Math.min(filesDone, filesTotal) / filesTotal) * 45) : 45),
          },
          fence,
        ),
      );
    },
  });
  await Promise.all(progressWrites);
  const summary = uploadSummary(result);
  await jobs.mergeResult(job.id, { upload: summary }, fence);
  if (result.audiences.every((audience) => audience.isValid)) {
    await jobs.setProgress(job.id, { stage: 'processing', filesUploaded: filesTotal, filesTotal, percent: 100 }, fence);
    await jobs.setState(job.id, { ...completedChange(summary, []), outputTtlMs: context.outputTtlMs }, fence);
    return 'completed';
  }
  await jobs.setState(job.id, jobReasons.processing(TIKTOK_DESTINATION.label), fence);
  await context
    .statusQueue()
    .send({ kind: 'status', jobId: job.id, since: now(), attempt: 1 }, { delaySeconds: FIRST_STATUS_DELAY_SECONDS });
  return 'processing';
}

export interface AudienceSummary {
  type: string;
  calculateType: string;
  audienceId: string;
  audienceName: string;
  created: boolean;
  filesUploaded: number;
  filesSkipped: number;
  idsSent: number;
  coverNum: number | null;
  matchRate: number | null;
  isValid: boolean;
}

export interface UploadSummary {
  destination: typeof TIKTOK_DESTINATION;
  advertiserId: string;
  action: string;
  idsSent: number;
  audiences: AudienceSummary[];
}

export function uploadSummary(result: UploadResult): UploadSummary {
  const audiences = result.audiences.map((a) => ({
    type: a.type,
    calculateType: a.calculateType,
    audienceId: a.audienceId,
    audienceName: a.audienceName,
    created: a.created,
    filesUploaded: a.filesUploaded,
    filesSkipped: a.filesSkipped,
    idsSent: a.idsSent,
    coverNum: a.coverNum ?? null,
    matchRate: a.matchRate ?? null,
    isValid: a.isValid,
  }));
  return {
    destination: TIKTOK_DESTINATION,
    advertiserId: result.advertiserId,
    action: result.action,
    idsSent: audiences.reduce((sum, a) => sum + a.idsSent, 0),
    audiences,
  };
}

/** The `completed` change with the same wording as local mode; `calculating` lists types TikTok has not finished. */
export function completedChange(summary: UploadSummary, calculating: string[]) {
  const label = summary.destination.label;
  const n = summary.audiences.length;
  return {
    state: 'completed' as const,
    reason:
      `Sent ${summary.idsSent} unique hashed ids to ${n} audience${n === 1 ? '' : 's'} on ${label} (` +
      `${summary.audiences.map((a) => `${a.audienceName} = ${a.audienceId}`).join('; ')}).` +
      (calculating.length > 0
        ? ` ${label} is still calculating ${calculating.join(', ')}; match counts can take 24–48 hours to settle (the Audiences page shows the live figure).`
        : ''),
    resolution: null,
  };
}

function describe(error: TikTokApiError): string {
  return `TikTok ${error.kind}${error.code === null ? '' : ` ${error.code}`}${error.requestId ? `, request_id ${error.requestId}` : ''}`;
}

async function failRefused(
  context: CloudContext,
  job: CloudJobRecord,
  fence: RunFence,
  error: TikTokApiError,
): Promise<void> {
  const jobs = await context.jobs();
  const ledger = await context.ledger().load(job.id);
  const applied = Object.values(ledger?.audiences ?? {})
    .filter((a) => a?.appliedAt)
    .map((a) => `${a?.type} → ${a?.audienceId}`);
  await jobs.setState(
    job.id,
    {
      state: applied.length > 0 ? 'partially_failed' : 'failed',
      reason: `TikTok refused the upload (${describe(error)}): ${error.tiktokMessage}.${applied.length > 0 ? ` Already done: ${applied.join(', ')}.` : ''}`,
      resolution: `${error.resolution} Then retry the job: finished parts are not sent again.`,
      result: {
        ...(job.result ?? {}),
        upload: { error: { kind: error.kind, code: error.code, requestId: error.requestId }, appliedTypes: applied },
      },
      outputTtlMs: context.outputTtlMs,
    },
    fence,
  );
}

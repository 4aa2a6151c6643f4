import type { Logger } from '@aws-lambda-powertools/logger';
import { isUserError } from '../../../core/errors.ts';
import { jobReasons } from '../../../core/jobs/index.ts';
import { isTikTokApiError } from '../../../destinations/tiktok/tiktok-errors.ts';
import type { CloudContext } from './cloud-context.ts';
import type { StatusMessage } from './messages.ts';
import { connectTikTok } from './tiktok-connection.ts';
import { completedChange, type UploadSummary } from './upload-step.ts';

/** Longest pause between polls (SQS DelaySeconds allows up to 900). */
export const MAX_POLL_DELAY_SECONDS = 900;

export type StatusStepOutcome = 'not-processing' | 'completed' | 'calculating' | 'polling' | 'failed';

/**
 * One delayed status message: read the job's audiences at TikTok (custom_audience/get), record
 * cover_num and the match rate, and complete the job once every audience is valid — or, after the
 * configured wait, complete it saying TikTok is still calculating (the Audiences page keeps reading
 * the live figure). Otherwise poll again later, backing off to 15 minutes.
 */
export async function runStatusStep(
  context: CloudContext,
  message: StatusMessage,
  options: { logger: Logger; now?: () => number },
): Promise<StatusStepOutcome> {
  const now = options.now ?? Date.now;
  const jobs = await context.jobs();
  const job = await jobs.get(message.jobId);
  if (!job || job.state !== 'processing') return 'not-processing';
  const summary = (job.result?.upload ?? null) as UploadSummary | null;
  if (!summary || !Array.isArray(summary.audiences) || summary.audiences.length === 0) return 'not-processing';
  let details;
  try {
    const { client } = await connectTikTok(context, { advertiserId: summary.advertiserId });
    details = await client.getAudiences({
      advertiserId: summary.advertiserId,
      audienceIds: summary.audiences.map((a) => a.audienceId),
    });
  } catch (error) {
    if (isUserError(error) || (isTikTokApiError(error) && !error.transient && !error.outcomeUnknown)) {
      // Credentials removed or refused since the upload: the audiences exist; say what to do.
      const refused = isUserError(error)
        ? jobReasons.failedWith(error)
        : {
            state: 'failed' as const,
            reason: `TikTok refused the status check (${error.kind}).`,
            resolution: error.resolution,
          };
      await jobs.setState(job.id, { ...refused, from: ['processing'], outputTtlMs: context.outputTtlMs });
      return 'failed';
    }
    if (!isTikTokApiError(error)) throw error;
    details = undefined; // temporary trouble: poll again later
  }
  const byId = new Map((details ?? []).map((d) => [d.audienceId, d]));
  const audiences = summary.audiences.map((a) => {
    const found = byId.get(a.audienceId);
    if (!found) return a;
    const coverNum = found.coverNum ?? a.coverNum;
    // Only create and replace make the audience exactly what was sent.
    const exact = summary.action === 'create' || summary.action === 'replace';
    return {
      ...a,
      isValid: found.isValid,
      coverNum,
      matchRate: exact && coverNum !== null && a.idsSent > 0 ? coverNum / a.idsSent : a.matchRate,
    };
  });
  const updated: UploadSummary = { ...summary, audiences };
  const calculating = audiences.filter((a) => !a.isValid).map((a) => a.type);
  const waited = now() - message.since;
  if (calculating.length === 0 || waited >= context.statusPollMs) {
    await jobs.mergeResult(job.id, { upload: updated });
    await jobs.setState(job.id, {
      ...completedChange(updated, calculating),
      from: ['processing'],
      outputTtlMs: context.outputTtlMs,
    });
    await jobs.setProgress(job.id, { ...job.progress, stage: 'processing', percent: 100 });
    return calculating.length === 0 ? 'completed' : 'calculating';
  }
  if (details) await jobs.mergeResult(job.id, { upload: updated });
  const delay = Math.min(MAX_POLL_DELAY_SECONDS, 60 * 2 ** message.attempt);
  await context.statusQueue().send({ ...message, attempt: message.attempt + 1 }, { delaySeconds: delay });
  options.logger.info('audience still calculating', {
    jobId: job.id,
    types: calculating.length,
    nextPollSeconds: delay,
  });
  return 'polling';
}

import type { GlueStateChange } from './messages.ts';
import { requireEnv } from '../runtime-env.ts';
import type { CloudContext } from './cloud-context.ts';

/**
 * A Glue run of this deployment's job ended FAILED, TIMEOUT, STOPPED or ERROR: the Job that started it
 * fails with a sanitized reason. Spark and Python errors can quote rows, so nothing of the event's
 * message is copied: the reason names the run id and where its logs are. A run of a cancelled job
 * (STOPPED by cancelJob) finds the job already cancelled and changes nothing.
 */
export async function runTransformFailure(
  context: CloudContext,
  event: GlueStateChange,
): Promise<'not-ours' | 'no-job' | 'already-ended' | 'failed'> {
  const { jobName, state, jobRunId } = event.detail;
  if (jobName !== requireEnv('glueJobName', context.env)) return 'not-ours';
  const jobs = await context.jobs();
  const job = await jobs.findByTransformRun(jobRunId);
  if (!job) return 'no-job';
  const timedOut = state === 'TIMEOUT';
  const changed = await jobs.setState(job.id, {
    state: 'failed',
    reason: timedOut
      ? `The transform ran out of time (AWS Glue run ${jobRunId} timed out).`
      : `The transform did not finish (AWS Glue run ${jobRunId} ended ${state}).`,
    resolution: timedOut
      ? 'Split the input into part files or ask an Admin to raise AU_GLUE_TIMEOUT_MINUTES or the worker count, then retry the job.'
      : `An Admin can read why in CloudWatch Logs (/aws-glue/jobs/error, run ${jobRunId}); the most common causes are a file that is not one of the supported formats or a column missing from some files. Fix the input, then retry the job.`,
    from: ['queued', 'transforming'],
    outputTtlMs: context.outputTtlMs,
  });
  return changed ? 'failed' : 'already-ended';
}

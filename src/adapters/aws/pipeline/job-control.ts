import { randomUUID } from 'node:crypto';
import { isUserError, UserError } from '../../../core/errors.ts';
import { jobReasons, RETRYABLE_JOB_STATES, TERMINAL_JOB_STATES } from '../../../core/jobs/index.ts';
import { jobPlanSchema } from '../../../core/plan.ts';
import { discoverSchema } from '../../../core/schema/discover-schema.ts';
import { parseArguments, type Caller } from '../appsync-resolver.ts';
import type { CloudJobRecord } from '../data-api-job-store.ts';
import { glueArguments, SINGLE_INPUT_ERROR } from '../glue-starter.ts';
import { openS3Inputs, resolveS3Inputs, checkDataPath } from '../s3-data-inputs.ts';
import { TIKTOK_DESTINATION } from '../secrets-manager-credentials.ts';
import type { CloudContext } from './cloud-context.ts';
import { deleteJobOutput, hasManifest, jobOutputPrefix } from './job-output.ts';

export function jobNotFound(id: string): UserError {
  return new UserError({
    code: 'job_not_found',
    title: 'Job not found',
    detail: `There is no job with id "${id.slice(0, 80)}".`,
    resolution: 'Reload the list of jobs and pick one of them.',
    field: 'id',
  });
}

/** The plan's mapped columns must exist in the file: checked on a small sample so the person hears it now, not from Glue. */
async function checkMappedColumns(
  context: CloudContext,
  key: { key: string; path: string; size: number },
  columns: string[],
) {
  let found: string[];
  try {
    const sample = await discoverSchema(openS3Inputs(context.s3, context.data.bucket, [key]), { sampleRows: 100 });
    found = sample.columns.map((column) => column.name);
  } catch (error) {
    if (isUserError(error)) throw error;
    return; // Unreadable here: the transform reports it properly.
  }
  const missing = columns.filter((column) => !found.includes(column));
  if (missing.length > 0)
    throw new UserError({
      code: 'unknown_column',
      title: 'Column not found',
      detail: `${key.path.slice(0, 200)} has no column ${missing.map((c) => `"${c.slice(0, 80)}"`).join(', ')}; it has ${found
        .slice(0, 20)
        .map((c) => `"${c.slice(0, 80)}"`)
        .join(', ')}.`,
      resolution: 'Map one of the columns the file has.',
      field: 'mapping',
    });
}

/** Starts the Glue transform of a queued job (a new run: fenced writes), or fails the job saying why. */
async function startTransform(context: CloudContext, job: CloudJobRecord): Promise<CloudJobRecord> {
  const jobs = await context.jobs();
  const fence = await jobs.startRun(job.id);
  if (fence === undefined) throw jobNotFound(job.id);
  const input = job.plan.inputs[0] as string;
  const args = glueArguments(
    job.plan,
    `s3://${context.data.bucket}/${context.data.prefix}${input}`,
    `s3://${context.artifactsBucket}/${jobOutputPrefix(job.id)}`,
  );
  try {
    const runId = await context.glue().start(args);
    await jobs.setTransformRun(job.id, runId, fence);
    const change = jobReasons.transforming();
    return (
      (await jobs.setState(
        job.id,
        { ...change, reason: `${change.reason} (AWS Glue run ${runId})`, from: ['queued'] },
        fence,
      )) ?? job
    );
  } catch (error) {
    const failure = isUserError(error)
      ? jobReasons.failedWith(error)
      : {
          state: 'failed' as const,
          reason: 'The transform could not be started (AWS Glue did not accept the run).',
          resolution:
            'Retry the job in a few minutes; if it keeps failing, an Admin can check the Glue job in the AWS console.',
        };
    return (
      (await jobs.setState(job.id, { ...failure, from: ['queued'], outputTtlMs: context.outputTtlMs }, fence)) ?? job
    );
  }
}

export async function startUpload(
  context: CloudContext,
  args: { plan?: unknown },
  caller: Caller,
): Promise<CloudJobRecord> {
  const rawPlan = typeof args.plan === 'string' ? safeJson(args.plan) : args.plan;
  const plan = parseArguments(jobPlanSchema, rawPlan, 'plan');
  if (plan.inputs.length !== 1) throw SINGLE_INPUT_ERROR();
  plan.inputs = [checkDataPath(plan.inputs[0] as string, 'inputs[0]')];
  const resolved = await resolveS3Inputs(context.s3, context.data, plan.inputs);
  await checkMappedColumns(context, resolved[0] as (typeof resolved)[number], [
    ...new Set(plan.mapping.map((m) => m.column)),
  ]);
  const jobs = await context.jobs();
  const job = await jobs.create({
    id: randomUUID(),
    origin: 'api',
    plan,
    destination: TIKTOK_DESTINATION,
    createdBy: caller.username,
  });
  return startTransform(context, job);
}

async function existing(context: CloudContext, id: unknown): Promise<CloudJobRecord> {
  if (typeof id !== 'string' || id === '') throw jobNotFound(String(id ?? ''));
  const job = await (await context.jobs()).get(id);
  if (!job) throw jobNotFound(id);
  return job;
}

export async function cancelJob(context: CloudContext, args: { id?: unknown }): Promise<CloudJobRecord> {
  const job = await existing(context, args.id);
  if (TERMINAL_JOB_STATES.has(job.state))
    throw new UserError({
      code: 'job_finished',
      title: 'Job already finished',
      detail: `The job is ${job.state}; there is nothing to cancel.`,
      resolution: 'Delete the job if you no longer need it.',
      field: 'id',
    });
  const jobs = await context.jobs();
  await jobs.requestCancel(job.id);
  if (job.state === 'queued' || job.state === 'transforming') {
    if (job.transformRunId) await context.glue().stop(job.transformRunId);
    const cancelled = await jobs.setState(job.id, {
      ...jobReasons.cancelled(),
      from: ['queued', 'transforming'],
      outputTtlMs: context.outputTtlMs,
    });
    if (cancelled) return cancelled;
  }
  // Uploading: the uploader sees the flag before its next step and ends the job as cancelled.
  return (await jobs.get(job.id)) ?? job;
}

export async function retryJob(context: CloudContext, args: { id?: unknown }): Promise<CloudJobRecord> {
  const job = await existing(context, args.id);
  if (!RETRYABLE_JOB_STATES.includes(job.state))
    throw new UserError({
      code: 'job_not_retryable',
      title: 'Job cannot be retried',
      detail: `The job is ${job.state}; only failed, partially failed or cancelled jobs can be retried.`,
      resolution: job.state === 'completed' ? 'Start a new job to upload again.' : 'Wait for the job to finish.',
      field: 'id',
    });
  const jobs = await context.jobs();
  const reset = await jobs.resetForRetry(job.id);
  if (!reset) return (await jobs.get(job.id)) ?? job;
  // A finished transform is reused: the upload resumes from the ledger, nothing is sent twice.
  if (await hasManifest(context.s3, context.artifactsBucket, job.id)) {
    await context.uploadQueue().send({ kind: 'upload', jobId: job.id });
    return reset;
  }
  return startTransform(context, reset);
}

export async function removeJob(
  context: CloudContext,
  args: { id?: unknown },
): Promise<{ id: string; deleted: boolean }> {
  const job = await existing(context, args.id);
  if (job.state === 'uploading' || job.state === 'processing')
    throw new UserError({
      code: 'job_running',
      title: 'Job is running',
      detail: `The job is ${job.state}: files may be on their way to TikTok.`,
      resolution: 'Cancel it, wait until it shows cancelled, then delete it.',
      field: 'id',
    });
  if (job.state === 'queued' || job.state === 'transforming') await cancelJob(context, { id: job.id });
  await deleteJobOutput(context.s3, context.artifactsBucket, job.id);
  await context.ledger().delete(job.id);
  const deleted = await (await context.jobs()).delete(job.id);
  return { id: job.id, deleted };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UserError({
      code: 'invalid_request',
      title: 'Invalid request',
      detail: 'plan is not valid JSON.',
      resolution: 'Send the plan as a JSON object (inputs, mapping, options, audience).',
      field: 'plan',
    });
  }
}

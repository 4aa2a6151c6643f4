import {
  BatchStopJobRunCommand,
  ConcurrentRunsExceededException,
  GlueClient,
  StartJobRunCommand,
} from '@aws-sdk/client-glue';
import { UserError } from '../../core/errors.ts';
import type { JobPlan } from '../../core/plan.ts';

export const SINGLE_INPUT_ERROR = () =>
  new UserError({
    code: 'several_inputs',
    title: 'One input per cloud job',
    detail: 'A cloud job reads one file or one folder of the data bucket (the Glue job takes a single --input).',
    resolution: 'Put the files in one folder and choose that folder, or start one job per file.',
    field: 'inputs',
  });

/**
 * The Glue job's arguments for one upload job (main.py's argparse names). Glue arguments are a map,
 * so `--input` appears once: a cloud job reads one file or one folder (prefix) of part files.
 */
export function glueArguments(plan: JobPlan, inputUri: string, outputUri: string): Record<string, string> {
  return {
    '--input': inputUri,
    '--output': outputUri,
    '--mapping': JSON.stringify(plan.mapping),
    '--options': JSON.stringify(plan.options),
    '--header': plan.header,
    '--max-file-bytes': String(plan.maxFileBytes),
  };
}

/** Starts and stops runs of this deployment's transform job. */
export class GlueStarter {
  readonly #client: GlueClient;

  constructor(
    readonly jobName: string,
    clientConfig: { endpoint?: string } = {},
  ) {
    this.#client = new GlueClient(clientConfig);
  }

  /** Returns the JobRunId. Too many concurrent runs is a person-facing "try again later". */
  async start(args: Record<string, string>): Promise<string> {
    try {
      const started = await this.#client.send(new StartJobRunCommand({ JobName: this.jobName, Arguments: args }));
      if (!started.JobRunId) throw new Error('Glue StartJobRun returned no JobRunId');
      return started.JobRunId;
    } catch (error) {
      if (error instanceof ConcurrentRunsExceededException)
        throw new UserError({
          code: 'transform_busy',
          title: 'Too many transforms running',
          detail: 'The deployment runs as many transforms at once as it is allowed to.',
          resolution: 'Retry the job in a few minutes, or raise AU_GLUE_MAX_CONCURRENT_RUNS and redeploy.',
          kind: 'failure',
          cause: error,
        });
      throw error;
    }
  }

  async stop(runId: string): Promise<void> {
    await this.#client.send(new BatchStopJobRunCommand({ JobName: this.jobName, JobRunIds: [runId] }));
  }
}

import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { GetJobRunsCommand, GlueClient, type JobRun } from '@aws-sdk/client-glue';
import { CopyObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { endpoint, s3 } from './aws.ts';
import type { Deployment } from './deploy.ts';
import { runGlueScript, type ScriptRun } from './glue-runner.ts';
import { emitGlueStateChange, emitObjectCreated } from './s3-events.ts';

export interface CompletedRun {
  runId: string;
  arguments: Record<string, string>;
  result: ScriptRun;
}

/**
 * Plays the Glue service for the job the template defines: every run the code started on moto
 * (StartJobRun) is executed by the real main.py on the run's Spark session with Glue's argv (the
 * job's DefaultArguments overlaid by the run's Arguments, plus --JOB_NAME/--JOB_RUN_ID), in a working
 * folder holding the --extra-files (Glue copies them there). Then what AWS would emit: an "Object
 * Created" event for every object the script wrote (S3 → EventBridge), and a "Glue Job State Change"
 * (SUCCEEDED, or FAILED with the error Glue would report).
 */
export class GlueService {
  readonly completed: CompletedRun[] = [];
  readonly #seen = new Set<string>();
  readonly jobName: string;
  readonly #glue = new GlueClient({ endpoint: endpoint() });

  constructor(
    private readonly deployment: Deployment,
    /** Fault injection: replaces the script's outcome for a run (e.g. a Spark error quoting a row). */
    private readonly failRun?: (args: Record<string, string>) => string | undefined,
    /**
     * Spark time is the run's budget: a run whose arguments other than --output equal an earlier run's
     * gets that run's output copied object by object (manifest last) instead of a second Spark run —
     * main.py is deterministic, and every object is still one main.py wrote.
     */
    private readonly reuseOutputs = false,
  ) {
    const job = deployment.assembly.one('AWS::Glue::Job');
    this.jobName = deployment.assembly.physicalName(job);
  }

  /** Forget runs started before now (other test files share moto's one Glue job). */
  async ignoreExistingRuns(): Promise<void> {
    for (const run of await this.#runs()) this.#seen.add(run.Id!);
  }

  async #runs(): Promise<JobRun[]> {
    const runs: JobRun[] = [];
    let token: string | undefined;
    do {
      const page = await this.#glue.send(new GetJobRunsCommand({ JobName: this.jobName, NextToken: token }));
      runs.push(...(page.JobRuns ?? []));
      token = page.NextToken;
    } while (token);
    return runs;
  }

  /** Runs every new job run, in start order; returns how many ran. */
  async runPending(): Promise<number> {
    const fresh = (await this.#runs())
      .filter((run) => !this.#seen.has(run.Id!))
      .sort((a, b) => a.StartedOn!.getTime() - b.StartedOn!.getTime());
    for (const run of fresh) {
      this.#seen.add(run.Id!);
      await this.#execute(run);
    }
    return fresh.length;
  }

  async #execute(run: JobRun): Promise<void> {
    const job = this.deployment.props(this.deployment.assembly.one('AWS::Glue::Job'));
    const args: Record<string, string> = {
      ...(job.DefaultArguments as Record<string, string>),
      ...(run.Arguments ?? {}),
    };
    const cwd = mkdtempSync(join(tmpdir(), 'glue-run-'));
    for (const url of (args['--extra-files'] ?? '').split(',').filter(Boolean)) {
      copyFileSync(this.#assetFile(url), join(cwd, basename(url)));
    }
    const argv = [
      ...Object.entries(args).flatMap(([k, v]) => [k, v]),
      '--JOB_NAME',
      this.jobName,
      '--JOB_RUN_ID',
      run.Id!,
    ];
    const injected = this.failRun?.(args);
    const sameWork = (other: Record<string, string>) =>
      JSON.stringify({ ...other, '--output': '' }) === JSON.stringify({ ...args, '--output': '' });
    const earlier = this.reuseOutputs
      ? this.completed.find((c) => c.result.exitCode === 0 && sameWork(c.arguments))
      : undefined;
    const result = injected
      ? { exitCode: 1, errorMessage: injected, stdout: '', stderr: '', s3Calls: [], seconds: 0 }
      : earlier
        ? await this.#copyOutput(earlier, args['--output']!)
        : await runGlueScript(argv, cwd);
    this.completed.push({ runId: run.Id!, arguments: args, result });
    if (result.exitCode === 0) {
      // Every object the run left in its output folder (executors write the part files), manifest last.
      const { bucket, prefix } = splitUrl(args['--output']!);
      const keys = await listKeys(bucket, prefix);
      for (const key of keys) await emitObjectCreated(bucket, key);
    }
    await emitGlueStateChange({
      jobName: this.jobName,
      jobRunId: run.Id!,
      state: result.exitCode === 0 ? 'SUCCEEDED' : 'FAILED',
      message:
        result.exitCode === 0
          ? 'Job run succeeded'
          : (result.errorMessage ?? `Command failed with exit code ${result.exitCode}`),
    });
  }

  async #copyOutput(earlier: CompletedRun, output: string): Promise<ScriptRun> {
    const from = splitUrl(earlier.arguments['--output']!);
    const to = splitUrl(output);
    for (const source of await listKeys(from.bucket, from.prefix)) {
      const key = to.prefix + source.slice(from.prefix.length);
      await s3().send(new CopyObjectCommand({ Bucket: to.bucket, Key: key, CopySource: `${from.bucket}/${source}` }));
    }
    return { ...earlier.result, s3Calls: [], seconds: 0 };
  }

  /** A CDK file asset (s3://cdk-…-assets-…/<hash>.<ext>) is cdk.out/asset.<hash>.<ext>. */
  #assetFile(url: string): string {
    return join(this.deployment.assembly.cdkOut, `asset.${basename(url)}`);
  }
}

function splitUrl(url: string): { bucket: string; prefix: string } {
  const [bucket, ...key] = url.slice('s3://'.length).split('/');
  return { bucket: bucket!, prefix: key.join('/').replace(/\/?$/, '/') };
}

/** The keys under a prefix, manifest.json last (it is written last, and its event starts the upload). */
async function listKeys(bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3().send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).map((item) => item.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return [...keys.filter((k) => !k.endsWith('/manifest.json')), ...keys.filter((k) => k.endsWith('/manifest.json'))];
}

import { inject } from 'vitest';

export interface S3Call {
  operation: string;
  bucket?: string;
  key?: string;
  prefix?: string;
  range?: string;
}

export interface ScriptRun {
  exitCode: number;
  /** What Glue would report for a script that raised (`Type: message`): may quote input, like Spark's. */
  errorMessage: string | null;
  stdout: string;
  stderr: string;
  /** Every S3 call main.py's boto3 stores made, in order (Spark's own S3A reads are not in it). */
  s3Calls: S3Call[];
  seconds: number;
}

/** Runs the real main.py in the run's one Spark session (tests/cloud/harness/glue_runner.py). */
export async function runGlueScript(argv: string[], cwd?: string): Promise<ScriptRun> {
  const response = await fetch(`${inject('glueRunnerUrl')}/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ argv, cwd }),
  });
  if (!response.ok) throw new Error(`Glue runner answered ${response.status}`);
  return (await response.json()) as ScriptRun;
}

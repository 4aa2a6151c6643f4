// The whole cloud flow, every step the real code: a file in the data bucket → job-control's startUpload
// (validates, writes the Job through the Data API, StartJobRun on moto) → the Glue service runs the real
// main.py on Spark against moto's S3 → the manifest's Object Created event → EventBridge rule → upload
// queue → audience-uploader → status queue → audience-status → the Job `completed` with cover_num and
// the match rate; the TikTok emulator holds exactly the ids of the job's part files.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3 } from './harness/aws.ts';
import { calls, requestedDelays } from './harness/aws-call-recorder.ts';
import { REPO } from './harness/python-service.ts';
import { PipelineWorld } from './harness/pipeline-world.ts';

const INPUT = readFileSync(join(REPO, 'tests', 'fixtures', 'clean-rooms-sample.jsonl'));
const MAPPING = [
  { column: 'e-mail', type: 'EMAIL' },
  { column: 'phone_number', type: 'PHONE' },
  { column: 'mobile_advertiser_id', type: 'MAID' },
];

interface JobView {
  id: string;
  state: string;
  reason: string | null;
  result: Record<string, unknown> | null;
  progress: Record<string, unknown> | null;
}

let world: PipelineWorld;
let jobId: string;

async function text(bucket: string, key: string): Promise<string> {
  return (await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString('utf8');
}

function job(id: string): JobView {
  const item = world.dataApi.table('Job').get(id);
  if (!item) throw new Error(`No Job ${id} in the Data API`);
  const parse = (value: unknown) => (typeof value === 'string' ? (JSON.parse(value) as Record<string, unknown>) : null);
  return {
    id,
    state: item.state as string,
    reason: (item.reason as string) ?? null,
    result: parse(item.result),
    progress: parse(item.progress),
  };
}

beforeAll(async () => {
  // TikTok calculates for 4 s after the last change: longer than the uploader's one status read, so the
  // job always completes through the status poller (its delayed messages run at once in the harness).
  world = await PipelineWorld.start('flow', { tiktok: { calculatingMs: 4000 } });
  await world.saveCredentials();
  await s3().send(
    new PutObjectCommand({
      Bucket: world.dataBucket,
      Key: `${world.dataPrefix}exports/clean-rooms-sample.jsonl`,
      Body: INPUT,
    }),
  );
  const started = (await world
    .resolve('job-control', 'startUpload', {
      plan: JSON.stringify({
        inputs: ['exports/clean-rooms-sample.jsonl'],
        mapping: MAPPING,
        audience: { name: 'Cloud flow', action: 'create' },
      }),
    })
    .catch((error: Error) => {
      const refused = world.dataApi.operations.filter((o) => o.errors.length);
      throw new Error(`${error.message}\nData API errors: ${JSON.stringify(refused, null, 1).slice(0, 3000)}`);
    })) as { id: string; state: string };
  jobId = started.id;
  expect(started.state).toBe('transforming');
  await world.settle();
});

afterAll(async () => {
  await world?.close();
});

describe('the cloud pipeline end to end (moto, Spark, the TikTok emulator)', () => {
  it('ran the Glue job once, with the job’s input and output', () => {
    expect(world.glue.completed).toHaveLength(1);
    const run = world.glue.completed[0]!;
    expect(run.result.exitCode, run.result.stderr).toBe(0);
    expect(run.arguments['--input']).toBe(
      `s3://${world.dataBucket}/${world.dataPrefix}exports/clean-rooms-sample.jsonl`,
    );
    expect(run.arguments['--output']).toBe(`s3://${world.artifactsBucket}/jobs/${jobId}/`);
  });

  it('completes the job with each audience’s cover_num and match rate, visible through the Data API', () => {
    const view = job(jobId);
    expect(view.state, JSON.stringify(view)).toBe('completed');
    const upload = view.result?.upload as {
      audiences: {
        type: string;
        audienceId: string;
        coverNum: number;
        matchRate: number;
        idsSent: number;
        isValid: boolean;
      }[];
    };
    expect(upload.audiences.map((a) => a.type).sort()).toEqual(['EMAIL', 'MAID', 'PHONE']);
    for (const audience of upload.audiences) {
      const held = world.tiktok.audiences().find((a) => a.audienceId === audience.audienceId)!;
      expect(held.isValid).toBe(true);
      expect(audience.isValid).toBe(true);
      expect(audience.coverNum).toBe(held.coverNum);
      expect(audience.coverNum).toBe(held.matchedCount);
      expect(audience.idsSent).toBe(held.idCount);
      expect(audience.matchRate).toBeCloseTo(held.matchedCount / held.idCount, 10);
    }
  });

  it('the emulator holds exactly the digests of the job’s part files, each audience created once', async () => {
    const manifest = JSON.parse(await text(world.artifactsBucket, `jobs/${jobId}/manifest.json`)) as {
      types: Record<string, { files: { path: string }[]; unique: number }>;
    };
    const audiences = world.tiktok.audiences();
    expect(audiences).toHaveLength(3);
    // Each audience created once, each part file applied once.
    expect(audiences.every((a) => a.duplicateIdsReceived === 0)).toBe(true);
    for (const [type, summary] of Object.entries(manifest.types)) {
      const expected: string[] = [];
      for (const file of summary.files) {
        expected.push(...(await text(world.artifactsBucket, `jobs/${jobId}/${file.path}`)).split('\n').filter(Boolean));
      }
      const audience = audiences.find((a) => a.name === `Cloud flow · ${type}`);
      expect(audience, type).toBeDefined();
      expect(world.tiktok.audienceIds(audience!.audienceId).sort()).toEqual(expected.sort());
      expect(expected.length).toBe(summary.unique);
    }
  });

  it('the uploader hands over to the status poller through a delayed message; the poller completes the job', () => {
    expect(requestedDelays.some((d) => d.function === 'audience-uploader' && /Status/.test(d.queueUrl))).toBe(true);
    const statusRuns = world.lambda.invocations.filter((i) => i.function === 'audience-status');
    expect(statusRuns.length).toBeGreaterThan(0);
    expect(statusRuns.every((i) => i.outcome === 'ok')).toBe(true);
    const completion = world.dataApi.operations.filter(
      (o) => o.operationName === 'UpdateJob' && JSON.stringify(o.variables).includes('"state":"completed"'),
    );
    expect(completion).toHaveLength(1);
  });

  it('records the AWS calls of every function that ran', () => {
    const functions = new Set(calls.map((call) => call.function));
    for (const fn of ['job-control', 'audience-uploader', 'audience-status', 'tiktok-account'])
      expect(functions).toContain(fn);
  });
});

// The whole cloud flow, every step the real code: a file in the data bucket → job-control's startUpload
// (validates, writes the Job through the Data API, StartJobRun on moto) → the Glue service runs the real
// main.py on Spark against moto's S3 → the manifest's Object Created event → EventBridge rule → upload
// queue → audience-uploader → status queue → audience-status → the Job `completed` with cover_num and
// the match rate; the TikTok emulator holds exactly the ids of the job's part files.
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3 } from './harness/aws.ts';
import { calls, requestedDelays } from './harness/aws-call-recorder.ts';
import { audienceRows, MAPPING, SEED, toJsonl } from './harness/audience-input.ts';
import { ACCESS_KEY_PREFIX, PipelineWorld, QUEUE_FUNCTIONS } from './harness/pipeline-world.ts';
import {
  functionStatements,
  iamRequests,
  isAllowed,
  roleStatements,
  unusedGrants,
  type IamRequest,
} from './harness/iam-policy.ts';
import { ScanCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { endpoint } from './harness/aws.ts';

const INPUT = Buffer.from(toJsonl(audienceRows(3000)));

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
      Key: `${world.dataPrefix}exports/audience.jsonl`,
      Body: INPUT,
    }),
  );
  const started = (await world
    .resolve('job-control', 'startUpload', {
      plan: JSON.stringify({
        inputs: ['exports/audience.jsonl'],
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

describe(`the cloud pipeline end to end (moto, Spark, the TikTok emulator; seed ${SEED})`, () => {
  it('ran the Glue job once, with the job’s input and output', () => {
    expect(world.glue.completed).toHaveLength(1);
    const run = world.glue.completed[0]!;
    expect(run.result.exitCode, run.result.stderr).toBe(0);
    expect(run.arguments['--input']).toBe(`s3://${world.dataBucket}/${world.dataPrefix}exports/audience.jsonl`);
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

  it('least privilege: every AWS call of every function is allowed by ITS synthesized IAM policy', () => {
    const { deployment } = world;
    const api = deployment.assembly.one('AWS::AppSync::GraphQLApi');
    const apiArn = deployment.assembly.physical(api).ref;
    const functions = ['job-control', 'tiktok-account', ...QUEUE_FUNCTIONS];
    const denied: string[] = [];
    const report: string[] = [];
    for (const fn of functions) {
      const statements = functionStatements(deployment, fn);
      const requests: IamRequest[] = calls.filter((call) => call.function === fn).flatMap((call) => iamRequests(call));
      // The Data API calls, signed with the function's own key: appsync:GraphQL on each root field.
      for (const operation of world.dataApi.operations.filter((o) => o.principal === `${ACCESS_KEY_PREFIX}${fn}`)) {
        const type = operation.operationType === 'mutation' ? 'Mutation' : 'Query';
        for (const field of operation.rootFields) {
          requests.push({
            action: 'appsync:GraphQL',
            resource: `${apiArn}/types/${type}/fields/${field}`,
            context: {},
          });
        }
      }
      for (const request of requests) {
        if (!isAllowed(statements, request)) denied.push(`${fn}: ${request.action} on ${request.resource}`);
      }
      // KMS (implicit in SSE-KMS reads and writes) and SSM (Amplify's runtime config) are not SDK calls here.
      const unused = unusedGrants(statements, requests).filter((grant) => !/^(kms|logs|ssm):/.test(grant));
      report.push(
        `${fn}: ${requests.length} requests; granted but never used: ${unused.length ? unused.join('; ') : 'none'}`,
      );
    }
    console.log(`Permissions granted but never used during the run:\n  ${report.join('\n  ')}`);
    expect(denied).toEqual([]);
    expect(calls.filter((c) => functions.includes(c.function)).length).toBeGreaterThan(20);
  });

  it('least privilege: the Glue job’s own S3 calls (main.py’s stores) are allowed by the job’s role', () => {
    const job = world.deployment.props(world.deployment.assembly.one('AWS::Glue::Job'));
    const statements = roleStatements(world.deployment, job.Role as string);
    const denied: string[] = [];
    for (const run of world.glue.completed) {
      for (const call of run.result.s3Calls) {
        const action = call.operation === 'ListObjectsV2' ? 's3:ListBucket' : `s3:${call.operation}`;
        const input = { Bucket: call.bucket, Key: call.key, Prefix: call.prefix };
        for (const request of iamRequests({ function: 'glue', action, input })) {
          if (!isAllowed(statements, request)) denied.push(`${request.action} on ${request.resource}`);
        }
      }
    }
    expect(world.glue.completed[0]!.result.s3Calls.length).toBeGreaterThan(3);
    expect(denied).toEqual([]);
  });

  it('privacy: no raw identifier of the input in any Data API record, log line, queue message, ledger item or DLQ', async () => {
    const needles = new Set<string>();
    for (const line of INPUT.toString('utf8').split('\n').filter(Boolean)) {
      const record = JSON.parse(line) as Record<string, unknown>;
      for (const { column } of MAPPING) {
        const value = typeof record[column] === 'string' ? (record[column] as string).trim() : '';
        if (value.length < 6) continue;
        needles.add(value);
        needles.add(value.toLowerCase());
        const digits = value.replace(/\D/g, '');
        if (column === 'phone_number' && digits.length >= 7) needles.add(digits);
      }
    }
    const ledger = await new DynamoDBClient({ endpoint: endpoint() }).send(
      new ScanCommand({ TableName: world.env('audience-uploader').AU_LEDGER_TABLE }),
    );
    const sent = calls.filter((c) => c.action === 'sqs:SendMessage').map((c) => c.input.MessageBody);
    const haystacks: Record<string, string> = {
      'Data API records': JSON.stringify(world.dataApi.allRecords()),
      'Data API requests': JSON.stringify(world.dataApi.operations.map((o) => o.variables)),
      'function logs': world.logLines.join('\n'),
      'queue messages sent': JSON.stringify(sent),
      'dead-letter queues': JSON.stringify(await world.deadLetters()),
      'ledger items': JSON.stringify(ledger.Items),
      'Glue output (stdout)': world.glue.completed.map((r) => r.result.stdout).join('\n'),
    };
    expect(world.logLines.length).toBeGreaterThan(3);
    expect(needles.size).toBeGreaterThan(1000);
    const found: string[] = [];
    for (const [where, haystack] of Object.entries(haystacks)) {
      for (const needle of needles) if (haystack.includes(needle)) found.push(`${where}: …${needle.slice(-4)}`);
    }
    expect(found).toEqual([]);
  });
});

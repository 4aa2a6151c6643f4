// The Glue step for real: main.py on local Spark reading and writing s3:// (hadoop-aws → moto) with its
// boto3 S3 stores against moto's S3 semantics: prefix listing, ranged reads, part uploads, manifest last.
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { s3, sqs } from './harness/aws.ts';
import { ACCOUNT, emitObjectCreated, installRule } from './harness/s3-events.ts';
import { runGlueScript, type ScriptRun } from './harness/glue-runner.ts';
import { REPO } from './harness/python-service.ts';
import { expectedDigests, expectedRejects, textVectors } from './harness/vectors.ts';

const client = s3();
const DATA = 'glue-s3-data';
const OUT = 'glue-s3-artifacts';
const emails = textVectors('EMAIL');
const phones = textVectors('PHONE');
const MAPPING = JSON.stringify([
  { column: 'e-mail', type: 'EMAIL' },
  { column: 'phone_number', type: 'PHONE' },
]);

/** Row i holds email vector i and phone vector i (a missing one is an absent key / empty CSV field). */
function rows(indexes: number[]): Record<string, string>[] {
  return indexes.map((i) => ({
    ...(emails[i] ? { 'e-mail': emails[i].raw as string } : {}),
    ...(phones[i] ? { phone_number: phones[i].raw as string } : {}),
  }));
}
const csvField = (value: string | undefined): string => (value === undefined ? '' : `"${value.replace(/"/g, '""')}"`);
const toCsv = (records: Record<string, string>[]): string =>
  ['e-mail,phone_number', ...records.map((r) => `${csvField(r['e-mail'])},${csvField(r.phone_number)}`)].join('\n') +
  '\n';
const toJsonl = (records: Record<string, string>[]): string => records.map((r) => JSON.stringify(r)).join('\n') + '\n';

const count = Math.max(emails.length, phones.length);
const all = [...Array(count).keys()];
const third = (k: number) => all.filter((i) => i % 3 === k);

async function put(bucket: string, key: string, body: string | Uint8Array): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}
async function text(bucket: string, key: string): Promise<string> {
  return (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString('utf8');
}
async function keys(bucket: string, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    found.push(...(page.Contents ?? []).map((item) => item.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return found.sort();
}

function job(input: string, output: string, maxFileBytes: number): string[] {
  return [
    '--input',
    input,
    '--output',
    output,
    '--mapping',
    MAPPING,
    '--max-file-bytes',
    String(maxFileBytes),
    '--rules-path',
    `${REPO}/src/core/identifiers/rules.json`,
  ];
}

interface Manifest {
  inputs: { path: string; format: string; compression: string; bytes: number }[];
  recordsRead: number;
  types: Record<
    string,
    {
      unique: number;
      rejected: Record<string, number>;
      files: { path: string; rows: number; bytes: number; md5: string }[];
    }
  >;
  rejects: { path: string; rows: number };
}

describe('main.py on Spark against S3 (moto)', () => {
  let first: ScriptRun;
  let manifest: Manifest;

  beforeAll(async () => {
    await client.send(new CreateBucketCommand({ Bucket: DATA }));
    await client.send(new CreateBucketCommand({ Bucket: OUT }));
    await put(DATA, 'exports/run-1/part-00000.csv', toCsv(rows(third(0))));
    await put(DATA, 'exports/run-1/part-00001.jsonl', toJsonl(rows(third(1))));
    await put(DATA, 'exports/run-1/sub/part-00002.jsonl.gz', gzipSync(toJsonl(rows(third(2)))));
    await put(DATA, 'exports/run-1/part-00003.csv', new Uint8Array(0)); // an empty part: listed, never read
    // Markers and a sibling prefix the listing must skip.
    await put(DATA, 'exports/run-1/_SUCCESS', new Uint8Array(0));
    await put(DATA, 'exports/run-1/part-00000.csv.crc', 'x');
    await put(DATA, 'exports/run-1/.hidden', 'x');
    await put(DATA, 'exports/run-1/_temporary/0/part-00009.csv', 'e-mail\nnot-ours@example.com\n');
    await put(DATA, 'exports/run-1/manifest.json', '{}');
    await put(DATA, 'exports/run-10/part-00000.csv', 'e-mail\nsibling@example.com\n');
    first = await runGlueScript(job(`s3://${DATA}/exports/run-1`, `s3://${OUT}/jobs/job-a/`, 65 * 3));
    expect(first.exitCode, first.stderr).toBe(0);
    manifest = JSON.parse(await text(OUT, 'jobs/job-a/manifest.json')) as Manifest;
  });

  it('lists the prefix like the engine: data files only, no markers, no sibling prefix', () => {
    expect(manifest.inputs.map((input) => [input.path, input.format, input.compression])).toEqual([
      [`s3://${DATA}/exports/run-1/part-00000.csv`, 'csv', 'none'],
      [`s3://${DATA}/exports/run-1/part-00001.jsonl`, 'jsonl', 'none'],
      [`s3://${DATA}/exports/run-1/part-00003.csv`, 'csv', 'none'],
      [`s3://${DATA}/exports/run-1/sub/part-00002.jsonl.gz`, 'jsonl', 'gzip'],
    ]);
    expect(manifest.recordsRead).toBe(count);
  });

  it('hashes what Spark read through S3A: the spec vectors’ digests, sorted and unique', async () => {
    for (const [type, vectors] of [
      ['EMAIL', emails],
      ['PHONE', phones],
    ] as const) {
      const files = manifest.types[type]!.files;
      const lines: string[] = [];
      for (const file of files) lines.push(...(await text(OUT, `jobs/job-a/${file.path}`)).split('\n').filter(Boolean));
      expect(lines, type).toEqual(expectedDigests(vectors));
      expect(manifest.types[type]!.rejected, type).toEqual(expectedRejects(vectors));
      expect(files.every((file) => file.rows <= 3)).toBe(true);
    }
  });

  it('uploads each part whole: the manifest’s size and MD5 are the object’s (S3 ETag of a PUT)', async () => {
    for (const file of Object.values(manifest.types).flatMap((type) => type.files)) {
      const head = await client.send(new HeadObjectCommand({ Bucket: OUT, Key: `jobs/job-a/${file.path}` }));
      expect(head.ContentLength).toBe(file.bytes);
      expect(head.ETag).toBe(`"${file.md5}"`);
      const body = await text(OUT, `jobs/job-a/${file.path}`);
      expect(createHash('md5').update(body).digest('hex')).toBe(file.md5);
    }
  });

  it('detects formats with ranged reads only, and writes the manifest last', () => {
    const gets = first.s3Calls.filter((call) => call.operation === 'GetObject');
    expect(gets.length).toBeGreaterThan(0);
    expect(gets.every((call) => /^bytes=0-\d+$/.test(call.range ?? ''))).toBe(true);
    expect(gets.some((call) => call.key === 'exports/run-1/part-00003.csv')).toBe(false); // empty: not read
    const puts = first.s3Calls.filter((call) => call.operation === 'PutObject');
    expect(puts.every((call) => call.bucket === OUT && call.key!.startsWith('jobs/job-a/'))).toBe(true);
    expect(first.s3Calls.at(-1)).toEqual({ operation: 'PutObject', bucket: OUT, key: 'jobs/job-a/manifest.json' });
    expect(puts.filter((call) => call.key === 'jobs/job-a/manifest.json')).toHaveLength(1);
  });

  it('a rerun into the same folder removes the manifest first and the stale parts, leaving exactly the new set', async () => {
    const rerun = await runGlueScript(job(`s3://${DATA}/exports/run-1/`, `s3://${OUT}/jobs/job-a`, 65 * 100));
    expect(rerun.exitCode, rerun.stderr).toBe(0);
    const writes = rerun.s3Calls.filter((call) => call.operation === 'PutObject' || call.operation === 'DeleteObject');
    expect(writes[0]).toEqual({ operation: 'DeleteObject', bucket: OUT, key: 'jobs/job-a/manifest.json' });
    const second = JSON.parse(await text(OUT, 'jobs/job-a/manifest.json')) as Manifest;
    const expected = [
      'jobs/job-a/manifest.json',
      'jobs/job-a/rejects.csv',
      ...Object.values(second.types).flatMap((type) => type.files.map((file) => `jobs/job-a/${file.path}`)),
    ].sort();
    expect(await keys(OUT, 'jobs/job-a/')).toEqual(expected);
    expect(second.types.EMAIL!.files).toHaveLength(1);
  });

  it('rejects.csv names record, source and reason — never a raw value', async () => {
    const rejects = await text(OUT, 'jobs/job-a/rejects.csv');
    const rejected = [...emails, ...phones].filter((v) => v.expect.status === 'rejected');
    expect(rejects.trim().split('\n')).toHaveLength(1 + rejected.length);
    for (const vector of rejected) {
      const raw = (vector.raw as string).trim();
      if (raw.length >= 4) expect(rejects).not.toContain(raw);
    }
  });
});

describe('the manifest’s "Object Created" event → EventBridge (moto) → SQS', () => {
  it('delivers exactly the manifest of this bucket, in the shape EventBridge uses, built from the object written', async () => {
    const queues = sqs();
    const { QueueUrl } = await queues.send(new CreateQueueCommand({ QueueName: 'glue-s3-manifests' }));
    const { Attributes } = await queues.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    await installRule(
      'glue-s3-manifest-created',
      {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [OUT] }, object: { key: [{ wildcard: 'jobs/*/manifest.json' }] } },
      },
      Attributes!.QueueArn!,
    );
    // A bucket whose name only starts like ours, and files of the job that are not its manifest.
    await client.send(new CreateBucketCommand({ Bucket: `${OUT}-other` }));
    await put(`${OUT}-other`, 'jobs/job-a/manifest.json', '{}');
    await emitObjectCreated(`${OUT}-other`, 'jobs/job-a/manifest.json');
    await emitObjectCreated(OUT, 'jobs/job-a/rejects.csv');
    await emitObjectCreated(OUT, 'jobs/job-a/email_sha256/part-00000.csv');
    const time = new Date('2026-12-01T08:00:00Z');
    const eventId = await emitObjectCreated(OUT, 'jobs/job-a/manifest.json', time);

    // moto delivers during PutEvents: everything the rule matched is in the queue now.
    const received = await queues.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    expect(received.Messages ?? []).toHaveLength(1);
    const body = JSON.parse(received.Messages![0]!.Body!) as Record<string, unknown>;
    const head = await client.send(new HeadObjectCommand({ Bucket: OUT, Key: 'jobs/job-a/manifest.json' }));
    const detail = body.detail as { object: { sequencer: string }; 'request-id': string };
    expect(body).toEqual({
      version: '0',
      id: eventId,
      'detail-type': 'Object Created',
      source: 'aws.s3',
      account: ACCOUNT,
      time: '2026-12-01T08:00:00Z',
      region: process.env.AWS_REGION,
      resources: [`arn:aws:s3:::${OUT}`],
      detail: {
        version: '0',
        bucket: { name: OUT },
        object: {
          key: 'jobs/job-a/manifest.json',
          size: head.ContentLength,
          etag: head.ETag!.replace(/"/g, ''),
          sequencer: detail.object.sequencer,
        },
        'request-id': detail['request-id'],
        requester: ACCOUNT,
        'source-ip-address': '127.0.0.1',
        reason: 'PutObject',
      },
    });
    expect(head.ContentLength).toBeGreaterThan(100);
  });
});

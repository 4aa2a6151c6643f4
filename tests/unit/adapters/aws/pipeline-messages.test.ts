import { describe, expect, it } from 'vitest';
import { parseUploadTrigger, statusMessageSchema } from '../../../../src/adapters/aws/pipeline/messages.ts';
import { audienceLockKeys } from '../../../../src/adapters/aws/pipeline/upload-step.ts';
import { WorkBudget } from '../../../../src/adapters/aws/work-budget.ts';
import { checkDataPath } from '../../../../src/adapters/aws/s3-data-inputs.ts';
import { toResolverError } from '../../../../src/adapters/aws/appsync-resolver.ts';
import { UserError } from '../../../../src/core/errors.ts';

const JOB = '0b6f3c1e-2d4a-4f5b-8c7d-9e0f1a2b3c4d';

/** An "Object Created" event exactly as EventBridge delivers it to an SQS target (AWS's documented shape). */
function objectCreated(bucket: string, key: string) {
  return JSON.stringify({
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: '2026-12-01T08:00:00Z',
    region: 'eu-west-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: { key, size: 5, etag: 'b1946ac92492d2347c6235b4d2611184', sequencer: '00617F08299329D189' },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '123456789012',
      reason: 'PutObject',
    },
  });
}

describe('upload-queue messages', () => {
  it('a manifest written to our bucket starts that job', () => {
    expect(parseUploadTrigger(objectCreated('our-artifacts', `jobs/${JOB}/manifest.json`), 'our-artifacts')).toEqual({
      kind: 'manifest',
      jobId: JOB,
      bucket: 'our-artifacts',
      key: `jobs/${JOB}/manifest.json`,
      etag: 'b1946ac92492d2347c6235b4d2611184',
    });
  });

  it.each([
    [
      'another deployment’s bucket (even with our name as a prefix)',
      objectCreated('our-artifacts-2', `jobs/${JOB}/manifest.json`),
    ],
    ['a partition, not the manifest', objectCreated('our-artifacts', `jobs/${JOB}/email_sha256/part-00000.csv`)],
    ['a manifest outside jobs/', objectCreated('our-artifacts', `tmp/${JOB}/manifest.json`)],
    ['a nested manifest', objectCreated('our-artifacts', `jobs/${JOB}/x/manifest.json`)],
    ['not JSON', 'hello'],
    ['some other JSON', JSON.stringify({ kind: 'status', jobId: JOB })],
  ])('ignores %s', (_what, body) => {
    expect(parseUploadTrigger(body, 'our-artifacts').kind).toBe('ignored');
  });

  it('our own continuation messages carry the job and the attempt (default 1)', () => {
    expect(parseUploadTrigger(JSON.stringify({ kind: 'upload', jobId: JOB }), 'b')).toEqual({
      kind: 'upload',
      jobId: JOB,
      attempt: 1,
    });
    expect(parseUploadTrigger(JSON.stringify({ kind: 'upload', jobId: JOB, attempt: 3 }), 'b')).toEqual({
      kind: 'upload',
      jobId: JOB,
      attempt: 3,
    });
    expect(parseUploadTrigger(JSON.stringify({ kind: 'upload', jobId: 'not-a-uuid' }), 'b').kind).toBe('ignored');
  });

  it('status messages need a job, a start time and an attempt', () => {
    expect(statusMessageSchema.safeParse({ kind: 'status', jobId: JOB, since: 1, attempt: 1 }).success).toBe(true);
    expect(statusMessageSchema.safeParse({ kind: 'status', jobId: JOB, since: 1, attempt: 0 }).success).toBe(false);
  });
});

describe('audience locks', () => {
  it('lock an existing audience by id, new or named ones by their per-type names, in a stable order', () => {
    expect(audienceLockKeys('700', { action: 'append', audienceId: '123' }, ['EMAIL'])).toEqual(['700/id/123']);
    expect(audienceLockKeys('700', { action: 'create', name: 'Spring' }, ['PHONE', 'EMAIL'])).toEqual([
      '700/name/Spring · EMAIL',
      '700/name/Spring · PHONE',
    ]);
  });
});

describe('WorkBudget', () => {
  it('is used up at the deadline or after the maximum number of uploads, whichever comes first', () => {
    let now = 1000;
    const budget = new WorkBudget({ deadlineAt: 5000, maxUploads: 2, now: () => now });
    expect(budget.exhausted()).toBe(false);
    budget.recordUpload();
    expect(budget.exhausted()).toBe(false);
    budget.recordUpload();
    expect(budget.exhausted()).toBe(true);
    const timed = new WorkBudget({ deadlineAt: 5000, maxUploads: 100, now: () => now });
    now = 4999;
    expect(timed.exhausted()).toBe(false);
    now = 5000;
    expect(timed.exhausted()).toBe(true);
  });
});

describe('data paths', () => {
  it('accepts relative paths and folders', () => {
    expect(checkDataPath('results/run-1/', 'p')).toBe('results/run-1/');
    expect(checkDataPath('./a.csv', 'p')).toBe('a.csv');
    expect(checkDataPath('', 'prefix', true)).toBe('');
  });

  it.each(['../secret', 'a/../../b', '/etc/passwd', '.config/x', 'a/.hidden/b', ''])(
    'refuses %j with a clear error',
    (path) => {
      expect(() => checkDataPath(path, 'inputs[0]')).toThrow(UserError);
    },
  );
});

describe('resolver errors', () => {
  it('carry a UserError as a JSON problem the web app parses, and hide anything else', () => {
    const user = toResolverError(
      new UserError({
        code: 'job_not_found',
        title: 'Job not found',
        detail: 'No such job.',
        resolution: 'Reload.',
        field: 'id',
      }),
    );
    expect(user.name).toBe('UserError');
    expect(JSON.parse(user.message)).toEqual({
      code: 'job_not_found',
      title: 'Job not found',
      detail: 'No such job.',
      resolution: 'Reload.',
      field: 'id',
    });
    const internal = toResolverError(new Error('row 17: jane@example.com is odd'));
    expect(internal.message).not.toContain('jane');
    expect(JSON.parse(internal.message).code).toBe('internal_error');
  });
});

import { randomBytes } from 'node:crypto';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { eventBridge, s3 } from './aws.ts';

/** moto's account id: EventBridge fills `account` with it. */
export const ACCOUNT = '123456789012';

/**
 * The `detail` of the "Object Created" event S3 sends to EventBridge for `key`, built from the object
 * actually written (HeadObject): key, size, etag without quotes, a sequencer, and version-id only for
 * a versioned bucket — as in AWS's documented example.
 */
export async function objectCreatedDetail(bucket: string, key: string): Promise<Record<string, unknown>> {
  const head = await s3().send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  const versioned = head.VersionId !== undefined && head.VersionId !== 'null';
  return {
    version: '0',
    bucket: { name: bucket },
    object: {
      key,
      size: head.ContentLength,
      etag: head.ETag!.replace(/"/g, ''),
      ...(versioned ? { 'version-id': head.VersionId } : {}),
      sequencer: randomBytes(9).toString('hex').toUpperCase(),
    },
    'request-id': randomBytes(8).toString('hex').toUpperCase(),
    requester: ACCOUNT,
    'source-ip-address': '127.0.0.1',
    reason: 'PutObject',
  };
}

interface PutEventsResult {
  FailedEntryCount: number;
  Entries: { EventId?: string; ErrorCode?: string }[];
}

/** What S3 does once a PUT completes with EventBridge notifications on: the event on the default bus. */
export async function emitObjectCreated(bucket: string, key: string, time = new Date()): Promise<string> {
  return putEvent('aws.s3', 'Object Created', await objectCreatedDetail(bucket, key), [`arn:aws:s3:::${bucket}`], time);
}

/** What Glue emits when a run changes state (FAILED, TIMEOUT, STOPPED, ERROR, SUCCEEDED). */
export async function emitGlueStateChange(detail: {
  jobName: string;
  jobRunId: string;
  state: string;
  message: string;
}): Promise<string> {
  const severity = detail.state === 'SUCCEEDED' ? 'INFO' : 'ERROR';
  return putEvent('aws.glue', 'Glue Job State Change', { ...detail, severity }, [], new Date());
}

async function putEvent(
  source: string,
  detailType: string,
  detail: object,
  resources: string[],
  time: Date,
): Promise<string> {
  const result = await eventBridge<PutEventsResult>('PutEvents', {
    Entries: [
      {
        Source: source,
        DetailType: detailType,
        Detail: JSON.stringify(detail),
        Resources: resources,
        Time: Math.floor(time.getTime() / 1000),
      },
    ],
  });
  if (result.FailedEntryCount !== 0) throw new Error(`PutEvents refused the event: ${JSON.stringify(result)}`);
  return result.Entries[0]!.EventId!;
}

/**
 * moto 5.2.5 delivers a target without an input transformer through a default template that leaves out
 * `account`; EventBridge delivers the whole event. This transformer is that whole event (EventBridge's
 * field order), so what reaches the queue is what EventBridge would put there.
 */
const WHOLE_EVENT = {
  InputPathsMap: Object.fromEntries(
    ['id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail'].map((f) => [f, `$.${f}`]),
  ),
  InputTemplate:
    '{"version": "0", "id": "<id>", "detail-type": "<detail-type>", "source": "<source>", "account": "<account>", ' +
    '"time": <time>, "region": "<region>", "resources": <resources>, "detail": <detail>}',
};

/** Installs a rule on moto's default bus with one SQS target, as the synthesized AWS::Events::Rule does. */
export async function installRule(name: string, eventPattern: object, queueArn: string): Promise<void> {
  await eventBridge('PutRule', { Name: name, EventPattern: JSON.stringify(eventPattern), State: 'ENABLED' });
  await eventBridge('PutTargets', {
    Rule: name,
    Targets: [{ Id: 'queue', Arn: queueArn, InputTransformer: WHOLE_EVENT }],
  });
}

import { Duration, RemovalPolicy, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Match, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RUNTIME_ENV, type RuntimeSetting } from '../../../src/adapters/aws/runtime-env.ts';
import { JOBS_PREFIX, type ArtifactsBucket, type DataBucketRef } from '../artifacts-bucket/resource.ts';
import type { GlueTransform } from '../glue-transform/resource.ts';
import { MAX_RECEIVE_COUNT } from './queue-settings.ts';

/** What the construct needs of an Amplify function (`backend.<name>`). */
export interface PipelineFunction {
  resources: { lambda: IFunction };
  addEnvironment(key: string, value: string): void;
}

export interface UploadPipelineProps {
  data: DataBucketRef;
  artifacts: ArtifactsBucket;
  transform: GlueTransform;
  /** TikTok's per-app budget, shared by every function through the rate-limit table. */
  tiktokQps: number;
  outputRetentionDays: number;
  /** How long the status poller waits for TikTok before completing with "still calculating". */
  statusPollMinutes?: number;
  /** Partition uploads per uploader invocation before it queues the rest. */
  uploadsPerInvocation?: number;
  /** Consumers' timeouts: each queue's visibility is six times its consumer's. */
  timeoutSeconds: { uploader: number; status: number };
  functions: {
    dataSource: PipelineFunction;
    jobControl: PipelineFunction;
    tiktokAccount: PipelineFunction;
    uploader: PipelineFunction;
    status: PipelineFunction;
    transformFailure: PipelineFunction;
  };
}

export { MAX_RECEIVE_COUNT };
/** The Glue states that end a run without output. */
export const GLUE_FAILURE_STATES = ['FAILED', 'TIMEOUT', 'STOPPED', 'ERROR'];
export const MANIFEST_KEY_PATTERN = `${JOBS_PREFIX}*/manifest.json`;

/**
 * Manifest written → EventBridge (this bucket by exact name, jobs/<id>/manifest.json only) → upload
 * queue → uploader; Glue failures of this job → failure queue → transform-failure; delayed status
 * messages → audience-status. Every queue: KMS, SSL only, a DLQ with redrive and a depth alarm,
 * visibility six times its consumer's timeout. The upload ledger and audience locks (DynamoDB,
 * conditional writes) and the TikTok rate-limit table (one token bucket per app) are shared by every
 * function that writes to or calls TikTok. Each function is granted exactly what it calls.
 */
export class UploadPipeline extends Construct {
  readonly uploadQueue: Queue;
  readonly statusQueue: Queue;
  readonly failureQueue: Queue;
  readonly deadLetterQueues: Queue[] = [];
  readonly alarms: Alarm[] = [];
  readonly ledgerTable: Table;
  readonly rateLimitTable: Table;
  readonly tiktokSecret: Secret;
  readonly manifestRule: Rule;
  readonly glueFailureRule: Rule;
  /** The deployment's key (owned by the artifacts construct): queues, tables and the secret share it. */
  readonly #key: IKey;

  constructor(scope: Construct, id: string, props: UploadPipelineProps) {
    super(scope, id);
    const { artifacts, data, transform, functions } = props;
    const key = artifacts.key;
    this.#key = key;

    const upload = this.#queue('Upload', props.timeoutSeconds.uploader);
    const status = this.#queue('Status', props.timeoutSeconds.status);
    const failure = this.#queue('TransformFailure', 30);
    this.uploadQueue = upload.queue;
    this.statusQueue = status.queue;
    this.failureQueue = failure.queue;

    this.manifestRule = new Rule(this, 'ManifestCreated', {
      description: 'A job manifest written to THIS deployment’s artifacts bucket starts its upload',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [artifacts.bucket.bucketName] },
          object: { key: Match.wildcard(MANIFEST_KEY_PATTERN) },
        },
      },
      targets: [new SqsQueue(this.uploadQueue, { deadLetterQueue: upload.deadLetters, retryAttempts: 10 })],
    });
    this.glueFailureRule = new Rule(this, 'TransformFailed', {
      description: 'A failed, timed-out or stopped run of THIS deployment’s Glue job fails its Job',
      eventPattern: {
        source: ['aws.glue'],
        detailType: ['Glue Job State Change'],
        detail: { jobName: [transform.jobName], state: GLUE_FAILURE_STATES },
      },
      targets: [new SqsQueue(this.failureQueue, { deadLetterQueue: failure.deadLetters, retryAttempts: 10 })],
    });

    this.ledgerTable = this.#table('Ledger');
    this.rateLimitTable = this.#table('RateLimit');

    this.tiktokSecret = new Secret(this, 'TikTokCredentials', {
      description: 'Audience Uploader: TikTok access token and advertiser id (written by setCredentials)',
      encryptionKey: key,
      // An empty object, not a generated password: "not configured" until an Admin saves credentials.
      secretStringValue: SecretValue.unsafePlainText('{}'),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.tiktokSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'A TikTok long-term access token cannot be rotated by AWS: it is issued in TikTok’s developer portal and ' +
        'replaced by an Admin on the Settings page (setCredentials).',
    });

    // --- wiring the functions: environment, event sources, least-privilege grants
    const env = (fn: PipelineFunction, settings: Partial<Record<RuntimeSetting, string>>) => {
      for (const [setting, value] of Object.entries(settings))
        fn.addEnvironment(RUNTIME_ENV[setting as RuntimeSetting], value);
    };
    const common = {
      dataBucket: data.bucket.bucketName,
      dataPrefix: data.prefix,
      artifactsBucket: artifacts.bucket.bucketName,
      outputRetentionDays: String(props.outputRetentionDays),
    };
    const tiktok = {
      tiktokSecretId: this.tiktokSecret.secretArn,
      tiktokQps: String(props.tiktokQps),
      rateLimitTable: this.rateLimitTable.tableName,
    };

    env(functions.dataSource, common);
    this.#readData(functions.dataSource, data);

    env(functions.jobControl, {
      ...common,
      glueJobName: transform.jobName,
      uploadQueueUrl: this.uploadQueue.queueUrl,
      ledgerTable: this.ledgerTable.tableName,
    });
    this.#readData(functions.jobControl, data);
    this.#allow(
      functions.jobControl,
      ['glue:StartJobRun', 'glue:GetJobRun', 'glue:BatchStopJobRun'],
      [transform.jobArn],
    );
    this.#allow(
      functions.jobControl,
      ['s3:GetObject', 's3:DeleteObject'],
      [artifacts.bucket.arnForObjects(`${JOBS_PREFIX}*`)],
    );
    this.#allow(functions.jobControl, ['s3:ListBucket'], [artifacts.bucket.bucketArn], {
      's3:prefix': [`${JOBS_PREFIX}*`],
    });
    this.#sendTo(functions.jobControl, this.uploadQueue);
    this.#allow(functions.jobControl, ['dynamodb:DeleteItem'], [this.ledgerTable.tableArn]);
    this.#useKey(functions.jobControl, 's3', ['kms:Decrypt']);
    this.#useKey(functions.jobControl, 'dynamodb', ['kms:Decrypt', 'kms:DescribeKey']);

    env(functions.tiktokAccount, tiktok);
    this.#secret(functions.tiktokAccount, 'write');
    this.#rateLimited(functions.tiktokAccount);

    env(functions.uploader, {
      ...common,
      ...tiktok,
      uploadQueueUrl: this.uploadQueue.queueUrl,
      statusQueueUrl: this.statusQueue.queueUrl,
      ledgerTable: this.ledgerTable.tableName,
      uploadsPerInvocation: String(props.uploadsPerInvocation ?? 20),
    });
    this.#consume(functions.uploader, this.uploadQueue, 1);
    this.#allow(functions.uploader, ['s3:GetObject'], [artifacts.bucket.arnForObjects(`${JOBS_PREFIX}*`)]);
    this.#useKey(functions.uploader, 's3', ['kms:Decrypt']);
    this.#sendTo(functions.uploader, this.uploadQueue);
    this.#sendTo(functions.uploader, this.statusQueue);
    // The ledger (get, conditional update) and the audience locks (conditional put, delete).
    this.#allow(
      functions.uploader,
      ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
      [this.ledgerTable.tableArn],
    );
    this.#secret(functions.uploader, 'read');
    this.#rateLimited(functions.uploader);

    env(functions.status, {
      ...common,
      ...tiktok,
      statusQueueUrl: this.statusQueue.queueUrl,
      statusPollMinutes: String(props.statusPollMinutes ?? 60),
    });
    this.#consume(functions.status, this.statusQueue, 10);
    this.#sendTo(functions.status, this.statusQueue);
    this.#secret(functions.status, 'read');
    this.#rateLimited(functions.status);

    env(functions.transformFailure, {
      glueJobName: transform.jobName,
      outputRetentionDays: common.outputRetentionDays,
    });
    this.#consume(functions.transformFailure, this.failureQueue, 10);
  }

  #queue(name: string, consumerTimeoutSeconds: number): { queue: Queue; deadLetters: Queue } {
    const key = this.#key;
    const deadLetters = new Queue(this, `${name}DeadLetters`, {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself a dead-letter queue.',
    });
    this.deadLetterQueues.push(deadLetters);
    this.alarms.push(
      new Alarm(this, `${name}DeadLettersAlarm`, {
        alarmDescription: `Messages in the ${name} dead-letter queue: a job could not be processed (see its reason)`,
        metric: deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    const queue = new Queue(this, `${name}Queue`, {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      // Well above the consumer's timeout, so a message is never redelivered while it is being worked on.
      visibilityTimeout: Duration.seconds(consumerTimeoutSeconds * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    return { queue, deadLetters };
  }

  #table(name: string): Table {
    return new Table(this, `${name}Table`, {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.#key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  #consume(fn: PipelineFunction, queue: Queue, batchSize: number): void {
    fn.resources.lambda.addEventSource(new SqsEventSource(queue, { batchSize, reportBatchItemFailures: true }));
  }

  #readData(fn: PipelineFunction, data: DataBucketRef): void {
    this.#allow(fn, ['s3:GetObject'], [data.bucket.arnForObjects(`${data.prefix}*`)]);
    this.#allow(
      fn,
      ['s3:ListBucket'],
      [data.bucket.bucketArn],
      data.prefix ? { 's3:prefix': [`${data.prefix}*`] } : undefined,
    );
  }

  /**
   * Secret access in the function's own policy. (Secret.grantRead would also add the role to the
   * key's resource policy, a reference back to the functions' stack: a cycle between nested stacks.)
   */
  #secret(fn: PipelineFunction, access: 'read' | 'write'): void {
    const viaSecretsManager = { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` };
    this.#allow(
      fn,
      [
        'secretsmanager:GetSecretValue',
        'secretsmanager:DescribeSecret',
        ...(access === 'write' ? ['secretsmanager:PutSecretValue'] : []),
      ],
      [this.tiktokSecret.secretArn],
    );
    fn.resources.lambda.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: access === 'write' ? ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'],
        resources: [this.#key.keyArn],
        conditions: { StringEquals: viaSecretsManager },
      }),
    );
  }

  #rateLimited(fn: PipelineFunction): void {
    this.#allow(fn, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], [this.rateLimitTable.tableArn]);
    this.#useKey(fn, 'dynamodb', ['kms:Decrypt', 'kms:DescribeKey']);
  }

  /** Sending to a KMS-encrypted queue: SendMessage, and the key for SQS to encrypt with. */
  #sendTo(fn: PipelineFunction, queue: Queue): void {
    this.#allow(fn, ['sqs:SendMessage', 'sqs:GetQueueAttributes'], [queue.queueArn]);
    this.#useKey(fn, 'sqs', ['kms:GenerateDataKey', 'kms:Decrypt']);
  }

  /** The deployment's key, only through the named service (kms:ViaService), only these actions. */
  #useKey(fn: PipelineFunction, service: 's3' | 'sqs' | 'dynamodb', actions: string[]): void {
    fn.resources.lambda.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions,
        resources: [this.#key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `${service}.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
  }

  #allow(
    fn: PipelineFunction,
    actions: string[],
    resources: string[],
    prefixCondition?: Record<string, string[]>,
  ): void {
    const grantee: IGrantable = fn.resources.lambda;
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions,
        resources,
        ...(prefixCondition ? { conditions: { StringLike: prefixCondition } } : {}),
      }),
    );
  }
}

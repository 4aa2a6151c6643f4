import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { createLookupWindowFromEnv } from '../../../destinations/tiktok/upload-orchestrator.ts';
import { TIKTOK_PRODUCTION_BASE_URL } from '../../../destinations/tiktok/tiktok-api-version.ts';
import { awsClientConfig } from '../aws-client-config.ts';
import { DataApiJobStore } from '../data-api-job-store.ts';
import { DynamoDbAudienceLocks, DynamoDbUploadLedger } from '../dynamodb-upload-ledger.ts';
import { GlueStarter } from '../glue-starter.ts';
import { amplifyDataTransport, type GraphqlTransport } from '../graphql-transport.ts';
import { optionalEnv, requireEnv } from '../runtime-env.ts';
import type { DataLocation } from '../s3-data-inputs.ts';
import { SecretsManagerCredentials } from '../secrets-manager-credentials.ts';
import { SqsPublisher } from '../sqs-publisher.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The adapters a handler uses, built from the function's environment on first use (so a cold start
 * that needs only some of them reads only their settings). One per Lambda container. Tests build
 * their own with `graphql` pointed at a stand-in of the Data API.
 */
export class CloudContext {
  #s3?: S3Client;
  #dynamo?: DynamoDBClient;
  #jobs?: Promise<DataApiJobStore>;

  constructor(
    readonly env: NodeJS.ProcessEnv = process.env,
    private readonly graphql?: GraphqlTransport,
  ) {}

  get s3(): S3Client {
    return (this.#s3 ??= new S3Client(awsClientConfig('s3', this.env)));
  }

  get dynamo(): DynamoDBClient {
    return (this.#dynamo ??= new DynamoDBClient(awsClientConfig('other', this.env)));
  }

  get data(): DataLocation {
    return { bucket: requireEnv('dataBucket', this.env), prefix: optionalEnv('dataPrefix', this.env) ?? '' };
  }

  get artifactsBucket(): string {
    return requireEnv('artifactsBucket', this.env);
  }

  jobs(): Promise<DataApiJobStore> {
    return (this.#jobs ??= (this.graphql ? Promise.resolve(this.graphql) : amplifyDataTransport(this.env)).then(
      (transport) => new DataApiJobStore(transport),
    ));
  }

  glue(): GlueStarter {
    return new GlueStarter(requireEnv('glueJobName', this.env), awsClientConfig('other', this.env));
  }

  uploadQueue(): SqsPublisher {
    return new SqsPublisher(requireEnv('uploadQueueUrl', this.env), awsClientConfig('other', this.env));
  }

  statusQueue(): SqsPublisher {
    return new SqsPublisher(requireEnv('statusQueueUrl', this.env), awsClientConfig('other', this.env));
  }

  ledger(): DynamoDbUploadLedger {
    return new DynamoDbUploadLedger(this.dynamo, requireEnv('ledgerTable', this.env));
  }

  audienceLocks(): DynamoDbAudienceLocks {
    return new DynamoDbAudienceLocks(this.dynamo, requireEnv('ledgerTable', this.env));
  }

  #credentials?: SecretsManagerCredentials;
  credentials(): SecretsManagerCredentials {
    return (this.#credentials ??= new SecretsManagerCredentials(
      requireEnv('tiktokSecretId', this.env),
      awsClientConfig('other', this.env),
    ));
  }

  get tiktokBaseUrl(): string {
    return optionalEnv('tiktokBaseUrl', this.env) ?? TIKTOK_PRODUCTION_BASE_URL;
  }

  get tiktokQps(): number {
    return Number(optionalEnv('tiktokQps', this.env) ?? 10);
  }

  get rateLimitTable(): string {
    return requireEnv('rateLimitTable', this.env);
  }

  get outputTtlMs(): number {
    return Number(optionalEnv('outputRetentionDays', this.env) ?? 7) * DAY_MS;
  }

  /**
   * How long a create whose answer was lost is looked up by name before it is sent again: the
   * CLI's TIKTOK_CREATE_LOOKUP_WINDOW_MS when set (tests shorten it), else the orchestrator's 5 minutes.
   */
  get createLookupWindow(): { createLookupWindowMs?: number } {
    return createLookupWindowFromEnv(this.env);
  }

  get statusPollMs(): number {
    return Number(optionalEnv('statusPollMinutes', this.env) ?? 60) * 60_000;
  }
}

import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key, type IKey } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

import { JOBS_KEY_PREFIX } from '../../../src/adapters/aws/runtime-env.ts';

/** Where each job's hashed output goes: `jobs/<jobId>/…` (partitions, rejects.csv, manifest.json). */
export const JOBS_PREFIX = JOBS_KEY_PREFIX;

export interface ArtifactsBucketProps {
  /** Hashed output is personal data: expired this many days after it is written. */
  retentionDays: number;
  /** A customer-managed key to use instead of one made here. */
  kmsKeyArn?: string | undefined;
}

/**
 * The artifacts bucket for hashed output: KMS (the deployment's key), SSL only, never public,
 * expired by lifecycle, server access logs, EventBridge notifications (the manifest triggers the upload).
 * The key also encrypts the queues, the TikTok secret, the tables and Glue's logs.
 */
export class ArtifactsBucket extends Construct {
  readonly bucket: Bucket;
  readonly key: IKey;
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: ArtifactsBucketProps) {
    super(scope, id);
    // Log delivery through a bucket policy, not the legacy LogDeliveryWrite ACL.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const { region } = Stack.of(this);
    if (props.kmsKeyArn) {
      this.key = Key.fromKeyArn(this, 'Key', props.kmsKeyArn);
    } else {
      const key = new Key(this, 'Key', {
        description: 'Audience Uploader: hashed output, queues, TikTok secret, Glue logs',
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      // Glue's continuous logs are encrypted with this key by CloudWatch Logs itself.
      key.grantEncryptDecrypt(new ServicePrincipal(`logs.${region}.amazonaws.com`));
      this.key = key;
    }

    this.accessLogs = new Bucket(this, 'AccessLogs', {
      // S3 server access logs can only be delivered to SSE-S3 buckets.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging it into itself would loop.',
    });

    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'artifacts/',
      eventBridgeEnabled: true,
      lifecycleRules: [
        { id: 'expire-hashed-output', prefix: JOBS_PREFIX, expiration: Duration.days(props.retentionDays) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // Kept on teardown so that nothing is lost by accident; it empties itself through the expiry rule.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

/** The data bucket as the constructs see it: a bucket and the key prefix plans are relative to. */
export interface DataBucketRef {
  bucket: IBucket;
  /** '' for an existing bucket, 'uploads/' for Amplify storage. */
  prefix: string;
}

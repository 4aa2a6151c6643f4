import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Arn, ArnFormat, Names, Stack } from 'aws-cdk-lib';
import { CfnJob, CfnSecurityConfiguration } from 'aws-cdk-lib/aws-glue';
import { Effect, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { JOBS_PREFIX, type ArtifactsBucket, type DataBucketRef } from '../artifacts-bucket/resource.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const GLUE_JOB_DIR = join(here, 'job');
/** The one rules file both engines read: shipped as an asset, never copied into the repository. */
export const RULES_JSON = join(here, '..', '..', '..', 'src', 'core', 'identifiers', 'rules.json');
export const GLUE_VERSION = '5.0';

/** `phonenumbers==X` from the job's requirements.txt (the pin the tests install), for --additional-python-modules. */
export function glueAdditionalPythonModules(requirementsPath = join(GLUE_JOB_DIR, 'requirements.txt')): string {
  const pins = readFileSync(requirementsPath, 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '');
  for (const pin of pins) {
    if (!/^[A-Za-z0-9_.-]+==[A-Za-z0-9_.+-]+$/.test(pin))
      throw new Error(`${requirementsPath}: "${pin}" is not an exact pin (name==version); Glue needs exact pins.`);
  }
  if (!pins.some((pin) => pin.startsWith('phonenumbers==')))
    throw new Error(`${requirementsPath} has no phonenumbers pin; the job parses phones with it.`);
  return pins.join(',');
}

export interface GlueTransformProps {
  data: DataBucketRef;
  artifacts: ArtifactsBucket;
  workerType: 'G.1X' | 'G.2X' | 'G.4X' | 'G.8X';
  numberOfWorkers: number;
  timeoutMinutes: number;
  /** Jobs that may transform at once (each upload job is one run). */
  maxConcurrentRuns: number;
}

/**
 * The Glue 5.0 transform (Spark 3.5, Python 3.11): amplify/custom/glue-transform/job/main.py with its
 * modules and the shared rules.json, a security configuration (SSE-KMS output, KMS-encrypted logs
 * and bookmarks), continuous logging, and a role that reads the data bucket and writes `jobs/` only.
 */
export class GlueTransform extends Construct {
  readonly job: CfnJob;
  readonly jobName: string;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: GlueTransformProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { artifacts, data } = props;

    const script = new Asset(this, 'Script', { path: join(GLUE_JOB_DIR, 'main.py') });
    const modules = new Asset(this, 'Modules', {
      path: GLUE_JOB_DIR,
      exclude: ['main.py', '*.md', 'requirements.txt', '__pycache__', '*.pyc'],
    });
    const rules = new Asset(this, 'Rules', { path: RULES_JSON });
    const assets = [script, modules, rules];

    // Glue names its log groups after the security configuration; the names must be known for the policy.
    // Unique per deployment (the construct path includes the backend's stack), known at synth.
    this.jobName = Names.uniqueResourceName(this, { maxLength: 200, separator: '-' });
    const securityConfigurationName = `${this.jobName}-security`;
    const logGroupArn = (suffix: string) =>
      Arn.format(
        {
          service: 'logs',
          resource: 'log-group',
          resourceName: `/aws-glue/${suffix}`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        },
        stack,
      );

    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('glue.amazonaws.com'),
      description: 'Audience Uploader Glue transform: reads the data bucket, writes jobs/ of the artifacts bucket',
      inlinePolicies: {
        transform: new PolicyDocument({
          statements: [
            new PolicyStatement({
              sid: 'ReadInputs',
              actions: ['s3:GetObject'],
              resources: [data.bucket.arnForObjects(`${data.prefix}*`)],
            }),
            new PolicyStatement({
              sid: 'ListInputs',
              actions: ['s3:ListBucket'],
              resources: [data.bucket.bucketArn],
              ...(data.prefix ? { conditions: { StringLike: { 's3:prefix': [`${data.prefix}*`] } } } : {}),
            }),
            new PolicyStatement({
              sid: 'WriteOutput',
              actions: ['s3:PutObject', 's3:DeleteObject', 's3:GetObject', 's3:AbortMultipartUpload'],
              resources: [artifacts.bucket.arnForObjects(`${JOBS_PREFIX}*`)],
            }),
            new PolicyStatement({
              sid: 'ListOutput',
              actions: ['s3:ListBucket'],
              resources: [artifacts.bucket.bucketArn],
              conditions: { StringLike: { 's3:prefix': [`${JOBS_PREFIX}*`] } },
            }),
            new PolicyStatement({
              sid: 'ReadJobCode',
              actions: ['s3:GetObject'],
              resources: assets.map((asset) => asset.bucket.arnForObjects(asset.s3ObjectKey)),
            }),
            new PolicyStatement({
              sid: 'EncryptWithDeploymentKey',
              actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
              resources: [artifacts.key.keyArn],
            }),
            new PolicyStatement({
              sid: 'ContinuousLogs',
              actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:AssociateKmsKey'],
              resources: [logGroupArn('*'), `${logGroupArn('*')}:log-stream:*`],
            }),
            new PolicyStatement({
              sid: 'JobMetrics',
              effect: Effect.ALLOW,
              actions: ['cloudwatch:PutMetricData'],
              resources: ['*'],
              conditions: { StringEquals: { 'cloudwatch:namespace': 'Glue' } },
            }),
          ],
        }),
      },
    });
    // Its scoped wildcards are acknowledged, with reasons, in amplify/nag-acknowledgements.ts.

    const security = new CfnSecurityConfiguration(this, 'SecurityConfiguration', {
      name: securityConfigurationName,
      encryptionConfiguration: {
        s3Encryptions: [{ s3EncryptionMode: 'SSE-KMS', kmsKeyArn: artifacts.key.keyArn }],
        cloudWatchEncryption: { cloudWatchEncryptionMode: 'SSE-KMS', kmsKeyArn: artifacts.key.keyArn },
        jobBookmarksEncryption: { jobBookmarksEncryptionMode: 'CSE-KMS', kmsKeyArn: artifacts.key.keyArn },
      },
    });

    this.job = new CfnJob(this, 'Job', {
      name: this.jobName,
      description:
        'Audience Uploader: normalize and SHA-256-hash identifiers (the Spark twin of the TypeScript engine)',
      role: this.role.roleArn,
      glueVersion: GLUE_VERSION,
      command: { name: 'glueetl', pythonVersion: '3', scriptLocation: script.s3ObjectUrl },
      workerType: props.workerType,
      numberOfWorkers: props.numberOfWorkers,
      timeout: props.timeoutMinutes,
      maxRetries: 0,
      executionProperty: { maxConcurrentRuns: props.maxConcurrentRuns },
      securityConfiguration: security.ref,
      defaultArguments: {
        '--extra-py-files': modules.s3ObjectUrl,
        '--extra-files': rules.s3ObjectUrl,
        // Glue puts --extra-files in the working directory under the object's own name.
        '--rules-path': rules.s3ObjectKey,
        '--additional-python-modules': glueAdditionalPythonModules(),
        '--enable-continuous-cloudwatch-log': 'true',
        '--enable-continuous-log-filter': 'true',
        '--enable-metrics': 'true',
        '--job-bookmark-option': 'job-bookmark-disable',
        '--job-language': 'python',
      },
    });
  }

  /** arn:aws:glue:<region>:<account>:job/<name> */
  get jobArn(): string {
    return Arn.format({ service: 'glue', resource: 'job', resourceName: this.jobName }, Stack.of(this));
  }
}

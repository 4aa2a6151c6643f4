import { defineBackend } from '@aws-amplify/backend';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { auth } from './auth/resource.ts';
import { hardenUserPool } from './auth/harden-user-pool.ts';
import { data } from './data/resource.ts';
import { storage, UPLOADS_PREFIX } from './storage/resource.ts';
import { dataSource } from './functions/data-source/resource.ts';
import { jobControl } from './functions/job-control/resource.ts';
import { tiktokAccount } from './functions/tiktok-account/resource.ts';
import { audienceUploader, UPLOADER_TIMEOUT_SECONDS } from './functions/audience-uploader/resource.ts';
import { audienceStatus, STATUS_TIMEOUT_SECONDS } from './functions/audience-status/resource.ts';
import { transformFailure } from './functions/transform-failure/resource.ts';
import { ArtifactsBucket } from './custom/artifacts-bucket/resource.ts';
import { GlueTransform } from './custom/glue-transform/resource.ts';
import { UploadPipeline } from './custom/upload-pipeline/resource.ts';
import { publishedSettings, readDeploySettings } from './settings.ts';

const settings = readDeploySettings();
// An existing data bucket (the Clean Rooms results bucket) replaces Amplify storage.
const useExistingBucket = settings.dataBucketName !== undefined;

export const backend = defineBackend({
  auth,
  data,
  ...(useExistingBucket ? {} : { storage }),
  dataSource,
  jobControl,
  tiktokAccount,
  audienceUploader,
  audienceStatus,
  transformFailure,
});

hardenUserPool(backend.auth.resources, { adminEmail: settings.adminEmail });

// What the web app shows of the deploy-time settings (amplify_outputs.json → custom.settings).
backend.addOutput({ custom: { settings: publishedSettings(settings) } });

// One stack for the destination's pipeline (target platform: tiktok — the only one today).
const pipelineStack = backend.createStack(`${settings.targetPlatform}-pipeline`);
const dataBucket = settings.dataBucketName
  ? { bucket: Bucket.fromBucketName(pipelineStack, 'DataBucket', settings.dataBucketName), prefix: '' }
  : { bucket: backend.storage!.resources.bucket, prefix: UPLOADS_PREFIX };
const artifacts = new ArtifactsBucket(pipelineStack, 'Artifacts', {
  retentionDays: settings.artifactsRetentionDays,
  kmsKeyArn: settings.kmsKeyArn,
});
const transform = new GlueTransform(pipelineStack, 'GlueTransform', {
  data: dataBucket,
  artifacts,
  workerType: settings.glueWorkerType,
  numberOfWorkers: settings.glueNumberOfWorkers,
  timeoutMinutes: settings.glueTimeoutMinutes,
  maxConcurrentRuns: settings.glueMaxConcurrentRuns,
});
new UploadPipeline(pipelineStack, 'UploadPipeline', {
  data: dataBucket,
  artifacts,
  transform,
  tiktokQps: settings.tiktokQps,
  outputRetentionDays: settings.artifactsRetentionDays,
  timeoutSeconds: { uploader: UPLOADER_TIMEOUT_SECONDS, status: STATUS_TIMEOUT_SECONDS },
  functions: {
    dataSource: backend.dataSource,
    jobControl: backend.jobControl,
    tiktokAccount: backend.tiktokAccount,
    uploader: backend.audienceUploader,
    status: backend.audienceStatus,
    transformFailure: backend.transformFailure,
  },
});

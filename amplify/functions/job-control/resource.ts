import { defineFunction } from '@aws-amplify/backend';

/** startUpload, cancelJob, retryJob, deleteJob: validates, writes the Job, starts or stops the Glue run. */
export const jobControl = defineFunction({
  name: 'job-control',
  runtime: 24,
  timeoutSeconds: 30,
  memoryMB: 512,
  resourceGroupName: 'data',
});

import { defineFunction } from '@aws-amplify/backend';

/**
 * Consumes the upload queue (the manifest's "Object Created" event, then its own continuation
 * messages): uploads partitions and creates or updates the audiences, resuming from the ledger.
 * Each invocation stops well before this timeout and queues the rest.
 */
export const UPLOADER_TIMEOUT_SECONDS = 600;

export const audienceUploader = defineFunction({
  name: 'audience-uploader',
  runtime: 24,
  timeoutSeconds: UPLOADER_TIMEOUT_SECONDS,
  memoryMB: 1024,
  resourceGroupName: 'data',
});

import { defineFunction } from '@aws-amplify/backend';

/** The status poller: delayed messages read TikTok's audience status until it is valid, then complete the job. */
export const STATUS_TIMEOUT_SECONDS = 60;

export const audienceStatus = defineFunction({
  name: 'audience-status',
  runtime: 24,
  timeoutSeconds: STATUS_TIMEOUT_SECONDS,
  memoryMB: 512,
  resourceGroupName: 'data',
});

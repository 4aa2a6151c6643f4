import { defineFunction } from '@aws-amplify/backend';

/** listAudiences, credentialsStatus, setCredentials (Admins): the TikTok credentials secret and the account's audiences. */
export const tiktokAccount = defineFunction({
  name: 'tiktok-account',
  runtime: 24,
  timeoutSeconds: 30,
  memoryMB: 512,
  resourceGroupName: 'data',
});

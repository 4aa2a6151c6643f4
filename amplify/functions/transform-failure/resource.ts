import { defineFunction } from '@aws-amplify/backend';

/** "Glue Job State Change" events of this deployment's job (FAILED, TIMEOUT, STOPPED, ERROR) fail the Job. */
export const transformFailure = defineFunction({
  name: 'transform-failure',
  runtime: 24,
  timeoutSeconds: 30,
  memoryMB: 256,
  resourceGroupName: 'data',
});

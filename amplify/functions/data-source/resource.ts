import { defineFunction } from '@aws-amplify/backend';

/** listSourceFiles, discoverSchema, previewMapping: bounded reads of the data bucket (ranged GETs). */
export const dataSource = defineFunction({
  name: 'data-source',
  runtime: 24,
  timeoutSeconds: 30,
  memoryMB: 1024,
  resourceGroupName: 'data',
});

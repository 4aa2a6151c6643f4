import { Logger } from '@aws-lambda-powertools/logger';
import { appSyncHandler } from '../../../src/adapters/aws/appsync-resolver.ts';
import { CloudContext } from '../../../src/adapters/aws/pipeline/cloud-context.ts';
import { cancelJob, removeJob, retryJob, startUpload } from '../../../src/adapters/aws/pipeline/job-control.ts';
import { toJobItem } from '../../../src/adapters/aws/data-api-job-store.ts';

const logger = new Logger({ serviceName: 'job-control' });
const context = new CloudContext();

/** startUpload, cancelJob, retryJob, removeJob: each returns the Job as the schema's `Job` type. */
export const handler = appSyncHandler(logger, {
  startUpload: async (args, caller) => toJobItem(await startUpload(context, args, caller)),
  cancelJob: async (args) => toJobItem(await cancelJob(context, args)),
  retryJob: async (args) => toJobItem(await retryJob(context, args)),
  removeJob: async (args) => removeJob(context, args),
});

import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { CloudContext } from '../../../src/adapters/aws/pipeline/cloud-context.ts';
import { statusMessageSchema } from '../../../src/adapters/aws/pipeline/messages.ts';
import { runStatusStep } from '../../../src/adapters/aws/pipeline/status-step.ts';

const logger = new Logger({ serviceName: 'audience-status' });
const processor = new BatchProcessor(EventType.SQS);
const context = new CloudContext();

/** Delayed status messages: poll TikTok until the job's audiences are valid, then complete the job. */
export const handler = async (event: SQSEvent, lambdaContext: Context) =>
  processPartialResponse(
    event,
    async (record: SQSRecord) => {
      const message = statusMessageSchema.safeParse(JSON.parse(record.body));
      if (!message.success) {
        logger.warn('ignored status message', { messageId: record.messageId });
        return;
      }
      const outcome = await runStatusStep(context, message.data, { logger });
      logger.info('status step', { jobId: message.data.jobId, outcome });
    },
    processor,
    { context: lambdaContext, processInParallel: false },
  );

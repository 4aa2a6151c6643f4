import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { CloudContext } from '../../../src/adapters/aws/pipeline/cloud-context.ts';
import { glueStateChangeSchema } from '../../../src/adapters/aws/pipeline/messages.ts';
import { runTransformFailure } from '../../../src/adapters/aws/pipeline/transform-failure.ts';

const logger = new Logger({ serviceName: 'transform-failure' });
const processor = new BatchProcessor(EventType.SQS);
const context = new CloudContext();

/** "Glue Job State Change" events (FAILED, TIMEOUT, STOPPED, ERROR) of this deployment's job, via SQS. */
export const handler = async (event: SQSEvent, lambdaContext: Context) =>
  processPartialResponse(
    event,
    async (record: SQSRecord) => {
      const change = glueStateChangeSchema.safeParse(JSON.parse(record.body));
      if (!change.success) {
        logger.warn('ignored transform event', { messageId: record.messageId });
        return;
      }
      const outcome = await runTransformFailure(context, change.data);
      logger.info('transform ended', { runId: change.data.detail.jobRunId, state: change.data.detail.state, outcome });
    },
    processor,
    { context: lambdaContext, processInParallel: false },
  );

import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { CloudContext } from '../../../src/adapters/aws/pipeline/cloud-context.ts';
import { parseUploadTrigger } from '../../../src/adapters/aws/pipeline/messages.ts';
import { runUploadStep } from '../../../src/adapters/aws/pipeline/upload-step.ts';
import { MAX_RECEIVE_COUNT } from '../../custom/upload-pipeline/queue-settings.ts';

const logger = new Logger({ serviceName: 'audience-uploader' });
const processor = new BatchProcessor(EventType.SQS);
const context = new CloudContext();

/** The upload queue: a manifest's "Object Created" event, or our own continuation and retry messages. */
export const handler = async (event: SQSEvent, lambdaContext: Context) =>
  processPartialResponse(
    event,
    async (record: SQSRecord) => {
      const trigger = parseUploadTrigger(record.body, context.artifactsBucket);
      const outcome = await runUploadStep(context, trigger, {
        remainingMs: () => lambdaContext.getRemainingTimeInMillis(),
        receiveCount: Number(record.attributes.ApproximateReceiveCount ?? 1),
        maxReceiveCount: MAX_RECEIVE_COUNT,
        logger,
      });
      logger.info('upload step', { jobId: 'jobId' in trigger ? trigger.jobId : null, outcome });
    },
    processor,
    // One at a time: the per-app TikTok budget and per-audience serialization matter more than speed.
    { context: lambdaContext, processInParallel: false },
  );

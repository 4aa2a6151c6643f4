import { randomUUID } from 'node:crypto';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { sqs } from './aws.ts';
import { runAs } from './aws-call-recorder.ts';
import type { Deployment } from './deploy.ts';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface Invocation {
  id: string;
  function: string;
  records: SQSRecord[];
  outcome: 'ok' | 'partial' | 'threw';
  failedMessageIds: string[];
  error?: string;
}

interface Mapping {
  function: string;
  queueUrl: string;
  queueArn: string;
  batchSize: number;
  reportBatchItemFailures: boolean;
  timeoutSeconds: number;
}

/**
 * Plays Lambda's SQS event-source mappings, from the synthesized AWS::Lambda::EventSourceMapping
 * resources (queue, batch size, ReportBatchItemFailures) and each function's timeout: receives a batch,
 * invokes the real handler with the event Lambda builds, deletes what succeeded. A failed message is
 * left on the queue and made visible again at once — what its visibility timeout expiring would do,
 * without the wait — so moto counts the receive and, past maxReceiveCount, moves it to the DLQ.
 */
export class LambdaService {
  readonly invocations: Invocation[] = [];
  readonly #mappings: Mapping[] = [];
  readonly #handlers = new Map<string, SqsHandler>();

  constructor(private readonly deployment: Deployment) {
    const { assembly } = deployment;
    for (const mapping of assembly.resources('AWS::Lambda::EventSourceMapping')) {
      const p = deployment.props(mapping);
      const fn = assembly.resources('AWS::Lambda::Function').find((f) => {
        const name = assembly.physical(f).ref;
        return p.FunctionName === name || p.FunctionName === assembly.physical(f).attributes.Arn;
      });
      if (!fn) continue;
      const tags = (fn.properties.Tags as { Key: string; Value: string }[]) ?? [];
      const friendly = tags.find((t) => t.Key === 'amplify:friendly-name')?.Value;
      if (!friendly) continue;
      const queueArn = p.EventSourceArn as string;
      const queueName = queueArn.split(':').at(-1)!;
      this.#mappings.push({
        function: friendly,
        queueArn,
        queueUrl: `${process.env.AWS_ENDPOINT_URL}/${queueArn.split(':')[4]}/${queueName}`,
        batchSize: Number(p.BatchSize ?? 10),
        reportBatchItemFailures: ((p.FunctionResponseTypes as string[]) ?? []).includes('ReportBatchItemFailures'),
        timeoutSeconds: Number(deployment.props(fn).Timeout ?? 3),
      });
    }
  }

  mapping(functionName: string): Mapping {
    const found = this.#mappings.find((m) => m.function === functionName);
    if (!found) throw new Error(`No SQS event source for ${functionName} in the template`);
    return found;
  }

  register(functionName: string, handler: SqsHandler): void {
    this.mapping(functionName);
    this.#handlers.set(functionName, handler);
  }

  /**
   * Polls every registered function's queue until all are empty (delayed messages included), invoking
   * up to `concurrency` batches of one function at once. Bounded by `maxRounds`.
   */
  async drain(options: { concurrency?: number; maxRounds?: number; until?: () => boolean } = {}): Promise<void> {
    const concurrency = options.concurrency ?? 1;
    for (let round = 0; round < (options.maxRounds ?? 400); round += 1) {
      if (options.until?.()) return;
      let received = 0;
      for (const [name, handler] of this.#handlers) {
        const mapping = this.mapping(name);
        const batches = await Promise.all(Array.from({ length: concurrency }, () => this.#receive(mapping)));
        received += batches.reduce((n, batch) => n + batch.length, 0);
        await Promise.all(batches.filter((b) => b.length).map((batch) => this.#invoke(mapping, handler, batch)));
      }
      if (received === 0 && (await this.#pending()) === 0) return;
      if (received === 0) await new Promise((resolve) => setTimeout(resolve, 200)); // delayed messages
    }
    throw new Error('The queues did not drain');
  }

  async #pending(): Promise<number> {
    let total = 0;
    for (const name of this.#handlers.keys()) {
      const { Attributes } = await sqs().send(
        new GetQueueAttributesCommand({
          QueueUrl: this.mapping(name).queueUrl,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesDelayed',
            'ApproximateNumberOfMessagesNotVisible',
          ],
        }),
      );
      total += Object.values(Attributes ?? {}).reduce((n, v) => n + Number(v), 0);
    }
    return total;
  }

  async #receive(mapping: Mapping): Promise<SQSRecord[]> {
    const { Messages } = await sqs().send(
      new ReceiveMessageCommand({
        QueueUrl: mapping.queueUrl,
        MaxNumberOfMessages: mapping.batchSize,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    return (Messages ?? []).map((message) => ({
      messageId: message.MessageId!,
      receiptHandle: message.ReceiptHandle!,
      body: message.Body!,
      attributes: message.Attributes as unknown as SQSRecord['attributes'],
      messageAttributes: Object.fromEntries(
        Object.entries(message.MessageAttributes ?? {}).map(([k, v]) => [
          k,
          { stringValue: v.StringValue, dataType: v.DataType!, stringListValues: [], binaryListValues: [] },
        ]),
      ),
      md5OfBody: message.MD5OfBody!,
      eventSource: 'aws:sqs',
      eventSourceARN: mapping.queueArn,
      awsRegion: process.env.AWS_REGION!,
    }));
  }

  async #invoke(mapping: Mapping, handler: SqsHandler, records: SQSRecord[]): Promise<void> {
    const deadline = Date.now() + mapping.timeoutSeconds * 1000;
    const context = {
      callbackWaitsForEmptyEventLoop: false,
      functionName: mapping.function,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${mapping.function}`,
      memoryLimitInMB: '512',
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${mapping.function}`,
      logStreamName: 'test',
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    } satisfies Context;
    let failed: string[];
    let outcome: Invocation['outcome'];
    let error: string | undefined;
    try {
      const response = await runAs(
        mapping.function,
        () => handler({ Records: records }, context),
        context.awsRequestId,
      );
      failed = mapping.reportBatchItemFailures ? (response?.batchItemFailures ?? []).map((f) => f.itemIdentifier) : [];
      outcome = failed.length ? 'partial' : 'ok';
    } catch (thrown) {
      failed = records.map((r) => r.messageId);
      outcome = 'threw';
      error = (thrown as Error).message;
    }
    this.invocations.push({
      id: context.awsRequestId,
      function: mapping.function,
      records,
      outcome,
      failedMessageIds: failed,
      error,
    });
    for (const record of records) {
      if (failed.includes(record.messageId)) {
        await sqs().send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: mapping.queueUrl,
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: 0,
          }),
        );
      } else {
        await sqs().send(new DeleteMessageCommand({ QueueUrl: mapping.queueUrl, ReceiptHandle: record.receiptHandle }));
      }
    }
  }
}

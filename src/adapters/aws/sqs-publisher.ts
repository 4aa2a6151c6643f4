import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

/** SQS allows DelaySeconds of 0–900. */
export const MAX_DELAY_SECONDS = 900;

/** Sends JSON messages to one queue, optionally delayed (the status poller's clock). */
export class SqsPublisher {
  readonly #client: SQSClient;

  constructor(
    readonly queueUrl: string,
    clientConfig: { endpoint?: string } = {},
  ) {
    this.#client = new SQSClient(clientConfig);
  }

  async send(body: object, options: { delaySeconds?: number } = {}): Promise<string | undefined> {
    const delay = Math.max(0, Math.min(MAX_DELAY_SECONDS, Math.round(options.delaySeconds ?? 0)));
    const sent = await this.#client.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(body), DelaySeconds: delay }),
    );
    return sent.MessageId;
  }
}

import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { abortError, RequestRateLimiter, sleep } from '../../destinations/tiktok/request-rate-limiter.ts';
import { WorkBudgetExhausted, type WorkBudget } from './work-budget.ts';

/** The item holding TikTok's schedule for this deployment's developer app. */
export const TIKTOK_APP_LIMIT_KEY = 'tiktok-app';
const MAX_CLAIM_ATTEMPTS = 50;

/**
 * TikTok's per-app QPS held across every Lambda of the deployment: the in-process limiter's
 * "virtual scheduling" (each caller reserves the next free slot, spaced 1/(rate·(1−headroom)) apart),
 * with the schedule in one DynamoDB item advanced by a conditional write (compare-and-set on the
 * theoretical arrival time), so concurrent invocations never share a slot. A subclass of the
 * in-process limiter, so the TikTok client takes it as it is.
 */
export class DynamoDbRateLimiter extends RequestRateLimiter {
  readonly #documents: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #key: string;
  readonly #budget: WorkBudget | undefined;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Last arrival time seen, to skip a read on the first attempt. */
  #known: number | undefined;

  constructor(options: {
    client: DynamoDBClient;
    table: string;
    ratePerSecond: number;
    key?: string;
    /** Checked before every request: once used up, acquire throws WorkBudgetExhausted. */
    budget?: WorkBudget;
    now?: () => number;
    sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  }) {
    super({ ratePerSecond: options.ratePerSecond });
    this.#documents = DynamoDBDocumentClient.from(options.client);
    this.#table = options.table;
    this.#key = options.key ?? TIKTOK_APP_LIMIT_KEY;
    this.#budget = options.budget;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? sleep;
  }

  override async acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw abortError(signal);
    if (this.#budget?.exhausted()) throw new WorkBudgetExhausted();
    for (let attempt = 1; ; attempt += 1) {
      const previous = this.#known ?? (await this.#read());
      const now = this.#now();
      const startAt = Math.max(previous ?? 0, now);
      const next = startAt + this.intervalMs;
      try {
        await this.#documents.send(
          new UpdateCommand({
            TableName: this.#table,
            Key: { pk: this.#key },
            UpdateExpression: 'SET arrivalAt = :next, expiresAt = :expires',
            ConditionExpression: previous === undefined ? 'attribute_not_exists(arrivalAt)' : 'arrivalAt = :previous',
            ExpressionAttributeValues: {
              ':next': next,
              ':expires': Math.ceil(next / 1000) + 3600,
              ...(previous === undefined ? {} : { ':previous': previous }),
            },
          }),
        );
        this.#known = next;
        if (startAt > now) await this.#sleep(startAt - now, signal);
        return;
      } catch (error) {
        if (
          !(error instanceof ConditionalCheckFailedException) &&
          (error as { name?: string }).name !== 'ConditionalCheckFailedException'
        )
          throw error;
        // Another invocation took that slot: read the schedule again and take the next one.
        this.#known = undefined;
        if (attempt >= MAX_CLAIM_ATTEMPTS)
          throw new Error('Could not reserve a TikTok request slot (too much contention)', { cause: error });
      }
    }
  }

  async #read(): Promise<number | undefined> {
    const found = await this.#documents.send(
      new GetCommand({ TableName: this.#table, Key: { pk: this.#key }, ConsistentRead: true }),
    );
    const value = found.Item?.arrivalAt;
    return typeof value === 'number' ? value : undefined;
  }
}

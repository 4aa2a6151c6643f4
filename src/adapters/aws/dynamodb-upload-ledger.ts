import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { StaleRunError, type RunFence } from '../../core/jobs/run-fence.ts';
import type {
  AudienceWriteLocks,
  UploadLedgerState,
  UploadLedgerStore,
} from '../../destinations/tiktok/upload-ledger.ts';

const ledgerKey = (ledgerId: string) => `ledger#${ledgerId}`;
const lockKey = (key: string) => `lock#${key}`;

function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException'
  );
}

/**
 * The upload ledger in DynamoDB: one item per job (`ledger#<jobId>`) holding the state as JSON and
 * the highest fence that took it. Every write is conditional on that fence being ≤ the writer's, so
 * a run that lost its job can neither record nor (since writes to TikTok are recorded as pending
 * first) send anything more. Reads are strongly consistent.
 */
export class DynamoDbUploadLedger implements UploadLedgerStore {
  readonly #documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {
    this.#documents = DynamoDBDocumentClient.from(client);
  }

  async load(ledgerId: string): Promise<UploadLedgerState | undefined> {
    const found = await this.#documents.send(
      new GetCommand({ TableName: this.table, Key: { pk: ledgerKey(ledgerId) }, ConsistentRead: true }),
    );
    const state = found.Item?.state;
    return typeof state === 'string' ? (JSON.parse(state) as UploadLedgerState) : undefined;
  }

  async acquire(ledgerId: string, fence: RunFence): Promise<UploadLedgerState | undefined> {
    try {
      const updated = await this.#documents.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: ledgerKey(ledgerId) },
          UpdateExpression: 'SET fence = :fence, takenAt = :now',
          ConditionExpression: 'attribute_not_exists(fence) OR fence <= :fence',
          ExpressionAttributeValues: { ':fence': fence, ':now': this.now() },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const state = updated.Attributes?.state;
      return typeof state === 'string' ? (JSON.parse(state) as UploadLedgerState) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) throw await this.#stale(ledgerId, fence, error);
      throw error;
    }
  }

  async save(ledgerId: string, state: UploadLedgerState, fence: RunFence): Promise<void> {
    try {
      await this.#documents.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: ledgerKey(ledgerId) },
          UpdateExpression: 'SET #state = :state, fence = :fence, savedAt = :now',
          ConditionExpression: 'attribute_not_exists(fence) OR fence <= :fence',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':state': JSON.stringify(state), ':fence': fence, ':now': this.now() },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw await this.#stale(ledgerId, fence, error);
      throw error;
    }
  }

  /** Deleting a job deletes its ledger (the audiences at TikTok stay). */
  async delete(ledgerId: string): Promise<void> {
    await this.#documents.send(new DeleteCommand({ TableName: this.table, Key: { pk: ledgerKey(ledgerId) } }));
  }

  async #stale(ledgerId: string, fence: RunFence, cause: unknown): Promise<StaleRunError> {
    const found = await this.#documents.send(
      new GetCommand({ TableName: this.table, Key: { pk: ledgerKey(ledgerId) }, ConsistentRead: true }),
    );
    const current = typeof found.Item?.fence === 'number' ? found.Item.fence : undefined;
    const error = new StaleRunError(`ledger ${ledgerId}`, fence, current);
    (error as Error & { cause?: unknown }).cause = cause;
    return error;
  }
}

/**
 * Locks serializing writes to one TikTok audience across jobs and Lambdas: an item per key
 * (`lock#<advertiser>/id/<id>` or `lock#<advertiser>/name/<name>`) with a holder and a lease, taken
 * by a conditional put (free, expired, or already ours). Expired items are also removed by TTL.
 */
export class DynamoDbAudienceLocks implements AudienceWriteLocks {
  readonly #documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {
    this.#documents = DynamoDBDocumentClient.from(client);
  }

  async tryAcquire(key: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    try {
      await this.#documents.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: lockKey(key),
            holder,
            leaseUntil: now + ttlMs,
            expiresAt: Math.ceil((now + ttlMs) / 1000) + 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR leaseUntil < :now OR holder = :holder',
          ExpressionAttributeValues: { ':now': now, ':holder': holder },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async release(key: string, holder: string): Promise<void> {
    try {
      await this.#documents.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: lockKey(key) },
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeValues: { ':holder': holder },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}

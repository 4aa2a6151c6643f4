import { TikTokClient } from '../../../destinations/tiktok/tiktok-client.ts';
import { DynamoDbRateLimiter } from '../dynamodb-rate-limiter.ts';
import type { WorkBudget } from '../work-budget.ts';
import type { CloudContext } from './cloud-context.ts';

/**
 * A TikTok client for this deployment: credentials from the secret, every request through the
 * shared per-app limiter (and, for the uploader, its invocation's work budget). Timeouts suit a
 * Lambda: a busy audience is waited out briefly here and otherwise retried by a later message.
 */
export async function connectTikTok(
  context: CloudContext,
  options: { advertiserId?: string | undefined; budget?: WorkBudget } = {},
): Promise<{ client: TikTokClient; advertiserId: string }> {
  const { accessToken, advertiserId } = await context.credentials().require(options.advertiserId);
  const limiter = new DynamoDbRateLimiter({
    client: context.dynamo,
    table: context.rateLimitTable,
    ratePerSecond: context.tiktokQps,
    ...(options.budget ? { budget: options.budget } : {}),
  });
  const client = new TikTokClient({
    baseUrl: context.tiktokBaseUrl,
    accessToken,
    limiter,
    timeoutMs: 30_000,
    uploadTimeoutMs: 180_000,
    busy: { timeoutMs: 120_000, delayMs: 10_000 },
  });
  return { client, advertiserId };
}

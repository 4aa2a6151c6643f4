import type { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../http-app.ts';
import { fromZodError } from '../problem.ts';
import { jsonBodyLimit, readJsonBody } from '../request-body.ts';
import type { ServerContext } from '../server-context.ts';

const credentialsUpdateSchema = z
  .object({
    accessToken: z
      .string()
      .trim()
      .min(8, 'An access token is a long string from TikTok for Business')
      .max(512)
      .optional(),
    advertiserId: z
      .string()
      .trim()
      .regex(/^\d{1,32}$/, 'advertiserId is the digits of a TikTok advertiser id')
      .optional(),
  })
  .strict()
  .refine((update) => update.accessToken !== undefined || update.advertiserId !== undefined, {
    message: 'Give an accessToken, an advertiserId, or both',
    path: ['accessToken'],
  });

const audienceQuerySchema = z.object({
  q: z.string().max(200).optional(),
  advertiserId: z
    .string()
    .regex(/^\d{1,32}$/, 'advertiserId is the digits of a TikTok advertiser id')
    .optional(),
});

/** TikTok calls an audience "expiring" some days before it lapses; the list shows a week ahead. */
export const EXPIRING_SOON_MS = 7 * 24 * 60 * 60 * 1000;

type Item = Record<string, unknown>;

/** TikTok's expired_time ("2026-06-01 12:00:00", UTC) or ISO text → epoch ms. */
function timeOf(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value) ? `${value.replace(' ', 'T')}Z` : value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Local jobs that created or changed each audience, newest first (counts and ids only). */
function jobsByAudience(context: ServerContext): Map<string, string[]> {
  const byAudience = new Map<string, string[]>();
  const add = (audienceId: unknown, jobId: string) => {
    if (typeof audienceId !== 'string' || audienceId === '') return;
    const ids = byAudience.get(audienceId) ?? [];
    if (!ids.includes(jobId)) ids.push(jobId);
    byAudience.set(audienceId, ids);
  };
  for (const job of context.jobStore.list({ limit: Math.max(1, context.jobStore.count()), offset: 0 })) {
    add(job.plan.audience.audienceId, job.id);
    const upload = job.result?.upload as { audiences?: Array<{ audienceId?: unknown }> } | undefined;
    for (const audience of upload?.audiences ?? []) add(audience.audienceId, job.id);
  }
  return byAudience;
}

export function addTikTokRoutes(app: Hono<AppEnv>, context: ServerContext, options: { maxBodyBytes: number }): void {
  app.get('/api/audiences', async (c) => {
    const parsed = audienceQuerySchema.safeParse(c.req.query());
    if (!parsed.success) throw fromZodError(parsed.error);
    const { q, advertiserId: requested } = parsed.data;
    const { advertiserId, audiences } = await context.listAudiences(requested);
    const needle = q?.trim().toLocaleLowerCase();
    const jobs = jobsByAudience(context);
    const now = Date.now();
    const items = (audiences as Item[])
      .filter(
        (item) =>
          !needle ||
          String(item.name ?? '')
            .toLocaleLowerCase()
            .includes(needle),
      )
      .map((item) => {
        const expires = timeOf(item.expiredTime);
        return {
          ...item,
          status: item.isValid === true ? 'valid' : item.isValid === false ? 'calculating' : 'unknown',
          expiringSoon: expires !== undefined && expires - now <= EXPIRING_SOON_MS,
          jobs: jobs.get(String(item.audienceId ?? '')) ?? [],
        };
      });
    return c.json({ destination: context.destination(), advertiserId, audiences: items });
  });

  app.get('/api/credentials', async (c) => {
    const status = await context.credentialsStatus();
    return c.json({ ...status, advertisers: status.advertiserId ? [status.advertiserId] : [] });
  });

  app.put('/api/credentials', jsonBodyLimit(options.maxBodyBytes), async (c) => {
    const parsed = credentialsUpdateSchema.safeParse(await readJsonBody(c));
    if (!parsed.success) throw fromZodError(parsed.error);
    const update: { accessToken?: string; advertiserId?: string } = {};
    if (parsed.data.accessToken !== undefined) update.accessToken = parsed.data.accessToken;
    if (parsed.data.advertiserId !== undefined) update.advertiserId = parsed.data.advertiserId;
    const status = await context.saveCredentials(update);
    return c.json({ ...status, advertisers: status.advertiserId ? [status.advertiserId] : [] });
  });
}

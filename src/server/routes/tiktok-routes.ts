import { z } from 'zod';
import { fromZodError } from '../problem.ts';
import { readJsonBody } from '../request-body.ts';
import type { Router } from '../router.ts';
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

export function addTikTokRoutes(router: Router, context: ServerContext, options: { maxBodyBytes: number }): void {
  router.add('GET', '/api/audiences', async () => {
    const { advertiserId, audiences } = await context.listAudiences();
    return { body: { destination: context.destination(), advertiserId, audiences } };
  });

  router.add('GET', '/api/credentials', async () => ({ body: await context.credentialsStatus() }));

  router.add('PUT', '/api/credentials', async ({ request }) => {
    const parsed = credentialsUpdateSchema.safeParse(await readJsonBody(request, options.maxBodyBytes));
    if (!parsed.success) throw fromZodError(parsed.error);
    const update: { accessToken?: string; advertiserId?: string } = {};
    if (parsed.data.accessToken !== undefined) update.accessToken = parsed.data.accessToken;
    if (parsed.data.advertiserId !== undefined) update.advertiserId = parsed.data.advertiserId;
    return { body: await context.saveCredentials(update) };
  });
}

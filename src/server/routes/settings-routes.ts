import type { Hono } from 'hono';
import type { AppEnv } from '../http-app.ts';
import { fromZodError } from '../problem.ts';
import { jsonBodyLimit, readJsonBody } from '../request-body.ts';
import type { ServerContext } from '../server-context.ts';
import { settingsUpdateSchema } from '../settings-store.ts';

export function addSettingsRoutes(app: Hono<AppEnv>, context: ServerContext, options: { maxBodyBytes: number }): void {
  app.get('/api/settings', (c) => c.json(context.settings()));

  app.put('/api/settings', jsonBodyLimit(options.maxBodyBytes), async (c) => {
    const parsed = settingsUpdateSchema.safeParse(await readJsonBody(c));
    if (!parsed.success) throw fromZodError(parsed.error);
    return c.json(await context.saveSettings(parsed.data));
  });
}

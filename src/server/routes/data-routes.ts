import { stat } from 'node:fs/promises';
import { z } from 'zod';
import { listDataFolder, resolveDataPath } from '../../local/data-folder.ts';
import { fromZodError } from '../problem.ts';
import type { Router } from '../router.ts';
import type { ServerContext } from '../server-context.ts';

const schemaQuerySchema = z.object({
  path: z.string().min(1, 'Name a file or folder of the data folder'),
  sampleRows: z.coerce.number().int().min(1).max(10_000).optional(),
});

export function addDataRoutes(router: Router, context: ServerContext): void {
  router.add('GET', '/api/files', async ({ query }) => ({ body: await listDataFolder(context.dataDir, query.get('path') ?? '') }));

  router.add('GET', '/api/schema', async ({ query }) => {
    const parsed = schemaQuerySchema.safeParse(Object.fromEntries(query));
    if (!parsed.success) throw fromZodError(parsed.error);
    const absolute = await resolveDataPath(context.dataDir, parsed.data.path);
    const info = await stat(absolute);
    const discovery = await context.discoverSchema([absolute], parsed.data.sampleRows === undefined ? {} : { sampleRows: parsed.data.sampleRows });
    return { body: { path: parsed.data.path, kind: info.isDirectory() ? 'folder' : 'file', ...discovery } };
  });
}

import { stat } from 'node:fs/promises';
import { z } from 'zod';
import { listDataFolder, resolveDataPath } from '../../local/data-folder.ts';
import { isUserError } from '../../core/errors.ts';
import { fromZodError, problem } from '../problem.ts';
import type { Router } from '../router.ts';
import type { ServerContext } from '../server-context.ts';
import { HEADER_MODES } from '../../core/readers/detect-header.ts';

const schemaQuerySchema = z.object({
  path: z.string().min(1, 'Name a file or folder of the data folder'),
  sampleRows: z.coerce.number().int().min(1).max(10_000).optional(),
  header: z.enum(HEADER_MODES).optional(),
});

export function addDataRoutes(router: Router, context: ServerContext): void {
  router.add('GET', '/api/files', async ({ query }) => ({
    body: await listDataFolder(context.dataDir, query.get('path') ?? ''),
  }));

  router.add('GET', '/api/schema', async ({ query }) => {
    const parsed = schemaQuerySchema.safeParse(Object.fromEntries(query));
    if (!parsed.success) throw fromZodError(parsed.error);
    const absolute = await resolveDataPath(context.dataDir, parsed.data.path);
    const info = await stat(absolute);
    let discovery: Record<string, unknown>;
    try {
      discovery = await context.discoverSchema([absolute], {
        ...(parsed.data.sampleRows === undefined ? {} : { sampleRows: parsed.data.sampleRows }),
        ...(parsed.data.header === undefined ? {} : { header: parsed.data.header }),
      });
    } catch (error) {
      if (isUserError(error)) throw error;
      // A parser's own message may quote file content: say what failed, not what it read.
      throw problem(422, {
        code: 'unreadable_input',
        title: 'File could not be read',
        detail: `"${parsed.data.path}" could not be read as JSON Lines, a JSON array, CSV/TSV or Parquet (optionally gzip-compressed).`,
        resolution:
          'Check that the file is complete and in one of these formats; `npm run cli -- inspect <file>` shows more.',
        field: 'path',
      });
    }
    return { body: { path: parsed.data.path, kind: info.isDirectory() ? 'folder' : 'file', ...discovery } };
  });
}

import { stat } from 'node:fs/promises';
import type { Hono } from 'hono';
import { z } from 'zod';
import { normalizeOptionsSchema } from '../../core/identifiers/normalize-options.ts';
import { columnMappingSchema, jobPlanSchema } from '../../core/plan.ts';
import { listDataFolder, resolveDataPath } from '../../local/data-folder.ts';
import { isUserError, type UserError } from '../../core/errors.ts';
import type { AppEnv } from '../http-app.ts';
import { HttpProblem, fromZodError, problem } from '../problem.ts';
import { jsonBodyLimit, readJsonBody } from '../request-body.ts';
import type { ServerContext } from '../server-context.ts';
import { HEADER_MODES } from '../../core/readers/detect-header.ts';
import { resolveInputs } from './inputs.ts';

const schemaQuerySchema = z.object({
  path: z.string().min(1, 'Name a file or folder of the data folder'),
  sampleRows: z.coerce.number().int().min(1).max(10_000).optional(),
  header: z.enum(HEADER_MODES).optional(),
});

/** The preview's body: the plan's own pieces (inputs, mapping, options), no audience. */
const previewSchema = z
  .object({
    inputs: jobPlanSchema.shape.inputs,
    mapping: z.array(columnMappingSchema).min(1, 'Map at least one column to an identifier type'),
    options: normalizeOptionsSchema.default(normalizeOptionsSchema.parse({})),
    header: z.enum(HEADER_MODES).optional(),
  })
  .strict();

/**
 * A reader's or the core's error about the named input: a 422 (the request names something that can't
 * be used), with paths said relative to the data folder (the browser never learns the server's layout).
 */
function inputProblem(error: UserError, dataDir: string, field: string): HttpProblem {
  const prefix = `${dataDir.replace(/\/+$/, '')}/`;
  const relative = (text: string) => text.split(prefix).join('');
  return problem(error.kind === 'usage' && error.code === 'path_not_found' ? 404 : 422, {
    code: error.code,
    title: error.title,
    detail: relative(error.detail),
    resolution: relative(error.resolution),
    // The core names the CLI's argument (`input`); the API's field is the route's own.
    field: error.field === undefined || error.field === 'input' ? field : error.field,
  });
}

/** A parser's own message may quote file content: say what failed, not what it read. */
function unreadable(what: string, field: string): HttpProblem {
  return problem(422, {
    code: 'unreadable_input',
    title: 'File could not be read',
    detail: `"${what.slice(0, 200)}" could not be read as JSON Lines, a JSON array, CSV/TSV or Parquet (optionally gzip-compressed).`,
    resolution:
      'Check that the file is complete and in one of these formats; `npm run cli -- inspect <file>` shows more.',
    field,
  });
}

export function addDataRoutes(app: Hono<AppEnv>, context: ServerContext, options: { maxBodyBytes: number }): void {
  app.get('/api/files', async (c) => c.json(await listDataFolder(context.dataDir, c.req.query('path') ?? '')));

  app.get('/api/schema', async (c) => {
    const parsed = schemaQuerySchema.safeParse(c.req.query());
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
      if (isUserError(error)) throw inputProblem(error, context.dataDir, 'path');
      throw unreadable(parsed.data.path, 'path');
    }
    return c.json({ path: parsed.data.path, kind: info.isDirectory() ? 'folder' : 'file', ...discovery });
  });

  app.post('/api/preview', jsonBodyLimit(options.maxBodyBytes), async (c) => {
    const parsed = previewSchema.safeParse(await readJsonBody(c));
    if (!parsed.success) throw fromZodError(parsed.error);
    const { inputs, mapping, options: normalizeOptions, header } = parsed.data;
    const paths = await resolveInputs(context.dataDir, inputs, (index) => `inputs[${index}]`);
    try {
      const preview = await context.previewMapping(paths, {
        mapping,
        options: normalizeOptions,
        ...(header === undefined ? {} : { header }),
      });
      return c.json({ ...preview, destination: context.destination() });
    } catch (error) {
      if (error instanceof HttpProblem) throw error;
      if (isUserError(error)) throw inputProblem(error, context.dataDir, 'inputs');
      throw unreadable(inputs.join(', '), 'inputs');
    }
  });
}

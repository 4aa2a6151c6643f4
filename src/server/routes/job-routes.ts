import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { UserError } from '../../core/errors.ts';
import { jobPlanSchema } from '../../core/plan.ts';
import { REJECTS_FILE } from '../../core/transform/manifest.ts';
import { JOB_STATES, TERMINAL_JOB_STATES, type JobState } from '../../adapters/node/sqlite/job-store.ts';
import { jobOutputDir } from '../../local/job-runner.ts';
import { jobNotFound } from '../../local/job-service.ts';
import type { AppEnv } from '../http-app.ts';
import { jobDetailView, jobView } from '../job-view.ts';
import { fromUserError, fromZodError, problem } from '../problem.ts';
import { jsonBodyLimit, readJsonBody } from '../request-body.ts';
import type { ServerContext } from '../server-context.ts';
import { resolveInputs } from './inputs.ts';

const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  state: z.enum(JOB_STATES).optional(),
});

const JOB_ID = /^[0-9a-f-]{36}$/;

export interface EventStreamOptions {
  /** How often a stream reads the database for changes. */
  pollMs: number;
  /** A comment line after this long without any write, so proxies and browsers keep the connection. */
  keepAliveMs: number;
  /** Streams open at once; the next one is refused (429). */
  maxStreams: number;
  /** A stream closes after this long (`event: timeout`); EventSource reconnects with Last-Event-ID. */
  maxLifetimeMs: number;
  now: () => number;
}

export const DEFAULT_EVENT_STREAM_OPTIONS: EventStreamOptions = {
  pollMs: 250,
  keepAliveMs: 15_000,
  maxStreams: 32,
  maxLifetimeMs: 30 * 60_000,
  now: () => Date.now(),
};

export function addJobRoutes(
  app: Hono<AppEnv>,
  context: ServerContext,
  options: { maxBodyBytes: number; events: Partial<EventStreamOptions> },
): void {
  const events = { ...DEFAULT_EVENT_STREAM_OPTIONS, ...options.events };
  let openStreams = 0;
  const jobOr404 = (id: string) => {
    if (!JOB_ID.test(id)) throw jobNotFound(id);
    return context.jobs.get(id);
  };
  const detail = async (id: string) => {
    const job = jobOr404(id);
    return jobDetailView(job, await context.uploadLedger(id));
  };

  app.get('/api/jobs', (c) => {
    const parsed = listQuerySchema.safeParse(c.req.query());
    if (!parsed.success) throw fromZodError(parsed.error);
    const { limit, offset, state } = parsed.data;
    const jobs = context.jobStore.list({ limit, offset, ...(state ? { states: [state as JobState] } : {}) });
    return c.json({ destination: context.destination(), total: context.jobStore.count(), jobs: jobs.map(jobView) });
  });

  app.post('/api/jobs', jsonBodyLimit(options.maxBodyBytes), async (c) => {
    const parsed = jobPlanSchema.safeParse(await readJsonBody(c));
    if (!parsed.success) throw fromZodError(parsed.error);
    const plan = parsed.data;
    await resolveInputs(context.dataDir, plan.inputs, (index) => `inputs[${index}]`);
    if (plan.audience.audienceId !== undefined && new Set(plan.mapping.map((m) => m.type)).size > 1) {
      throw fromUserError(
        new UserError({
          code: 'audience_id_needs_one_type',
          title: 'One audience, one identifier type',
          detail: 'An existing audienceId can only receive one identifier type, but the mapping has several.',
          resolution:
            'Map columns to a single type, or give an audience name instead so one audience per type is created.',
          field: 'audience.audienceId',
        }),
      );
    }
    const { job } = context.jobs.create(plan, 'api');
    return c.json(jobView(job), 201);
  });

  app.get('/api/jobs/:id', async (c) => c.json(await detail(c.req.param('id'))));

  app.post('/api/jobs/:id/cancel', (c) => {
    jobOr404(c.req.param('id'));
    return c.json(jobView(context.jobs.cancel(c.req.param('id'))), 202);
  });

  app.post('/api/jobs/:id/retry', (c) => {
    jobOr404(c.req.param('id'));
    return c.json(jobView(context.jobs.retry(c.req.param('id'))), 202);
  });

  app.delete('/api/jobs/:id', async (c) => {
    const id = c.req.param('id');
    jobOr404(id);
    await context.jobs.delete(id);
    return c.json({ id, deleted: true, hashedOutputDeleted: true });
  });

  app.get('/api/jobs/:id/rejects.csv', async (c) => {
    const id = c.req.param('id');
    const job = jobOr404(id);
    const path = join(jobOutputDir(context.jobsDir, id), REJECTS_FILE);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) {
      if (job.outputDeletedAt === null && !job.result?.transform && !TERMINAL_JOB_STATES.has(job.state))
        throw problem(409, {
          code: 'rejects_not_ready',
          title: 'Rejects not written yet',
          detail: `Job ${id} has not finished reading its input (${job.state}); rejects.csv is written when it has.`,
          resolution: 'Wait for the transform to finish (the job events say when), then download again.',
        });
      throw problem(404, {
        code: 'rejects_gone',
        title: 'Rejects no longer available',
        detail:
          job.outputDeletedAt !== null
            ? `The hashed output of job ${id}, rejects.csv included, was deleted on ${new Date(job.outputDeletedAt).toISOString()} (output retention).`
            : `Job ${id} has no rejects.csv: its output was never written or has been removed.`,
        resolution: 'Retry the job to read the input again (it writes a new rejects.csv), or start a new job.',
      });
    }
    return c.body(Readable.toWeb(createReadStream(path)) as ReadableStream, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-length': String(info.size),
      'content-disposition': `attachment; filename="${id}-rejects.csv"`,
    });
  });

  app.get('/api/jobs/:id/events', (c) => {
    const id = c.req.param('id');
    jobOr404(id);
    if (openStreams >= events.maxStreams) {
      throw problem(
        429,
        {
          code: 'too_many_streams',
          title: 'Too many event streams',
          detail: `${events.maxStreams} event streams are already open on this server.`,
          resolution: 'Close other tabs or monitors of this server, then reload.',
        },
        { 'retry-after': '5' },
      );
    }
    // HEAD is answered by GET routes with the body dropped: a stream nobody reads would hold a place forever.
    if (c.req.method === 'HEAD') return c.body(null, 200, { 'content-type': 'text/event-stream' });
    const lastEventId = Number(c.req.header('last-event-id') ?? 0);
    c.header('x-accel-buffering', 'no');
    c.header('cache-control', 'no-store');
    openStreams += 1;
    return streamSSE(c, async (stream) => {
      let closed = false;
      stream.onAbort(() => {
        closed = true;
      });
      try {
        let afterEvent = Number.isInteger(lastEventId) && lastEventId > 0 ? lastEventId : 0;
        let lastUpdate = -1;
        const openedAt = events.now();
        let lastWrite = openedAt;
        // Polls the database rather than an in-process emitter: jobs run by the CLI show up live too.
        while (!closed) {
          const job = context.jobStore.get(id);
          if (!job) {
            await stream.writeSSE({ event: 'deleted', data: JSON.stringify({ id }) });
            return;
          }
          let wrote = false;
          for (const event of context.jobStore.events(id, afterEvent)) {
            await stream.writeSSE({
              id: String(event.id),
              event: event.type,
              data: JSON.stringify({ ...event.data, at: new Date(event.at).toISOString() }),
            });
            afterEvent = event.id;
            wrote = true;
          }
          if (job.updatedAt !== lastUpdate) {
            lastUpdate = job.updatedAt;
            await stream.writeSSE({
              event: 'job',
              data: JSON.stringify(jobDetailView(job, await context.uploadLedger(id))),
            });
            wrote = true;
          }
          const now = events.now();
          if (wrote) lastWrite = now;
          else if (now - lastWrite >= events.keepAliveMs) {
            // Only a real write resets the clock (the old loop reset it on every tick, so it never fired).
            await stream.write(': keep-alive\n\n');
            lastWrite = now;
          }
          if (TERMINAL_JOB_STATES.has(job.state)) {
            await stream.writeSSE({ event: 'end', data: JSON.stringify({ state: job.state }) });
            return;
          }
          if (now - openedAt >= events.maxLifetimeMs) {
            await stream.writeSSE({ event: 'timeout', data: JSON.stringify({ reconnect: true }) });
            return;
          }
          await stream.sleep(events.pollMs);
        }
      } finally {
        openStreams -= 1;
      }
    });
  });
}

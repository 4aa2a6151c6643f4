import { z } from 'zod';
import { isUserError, UserError } from '../../core/errors.ts';
import { jobPlanSchema } from '../../core/plan.ts';
import { JOB_STATES, TERMINAL_JOB_STATES, type JobState } from '../../adapters/node/sqlite/job-store.ts';
import { resolveDataPath } from '../../local/data-folder.ts';
import { jobNotFound } from '../../local/job-service.ts';
import { jobView } from '../job-view.ts';
import { fromUserError, fromZodError, problem } from '../problem.ts';
import { readJsonBody } from '../request-body.ts';
import type { Router } from '../router.ts';
import type { ServerContext } from '../server-context.ts';

const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  state: z.enum(JOB_STATES).optional(),
});

const JOB_ID = /^[0-9a-f-]{36}$/;

export function addJobRoutes(
  router: Router,
  context: ServerContext,
  options: { maxBodyBytes: number; ssePollMs: number },
): void {
  const jobOr404 = (id: string) => {
    if (!JOB_ID.test(id)) throw jobNotFound(id);
    return context.jobs.get(id);
  };

  router.add('GET', '/api/jobs', async ({ query }) => {
    const parsed = listQuerySchema.safeParse(Object.fromEntries(query));
    if (!parsed.success) throw fromZodError(parsed.error);
    const { limit, offset, state } = parsed.data;
    const jobs = context.jobStore.list({ limit, offset, ...(state ? { states: [state as JobState] } : {}) });
    return { body: { destination: context.destination(), total: context.jobStore.count(), jobs: jobs.map(jobView) } };
  });

  router.add('POST', '/api/jobs', async ({ request }) => {
    const body = await readJsonBody(request, options.maxBodyBytes);
    const parsed = jobPlanSchema.safeParse(body);
    if (!parsed.success) throw fromZodError(parsed.error);
    const plan = parsed.data;
    for (const [index, input] of plan.inputs.entries()) {
      try {
        await resolveDataPath(context.dataDir, input, `inputs[${index}]`);
      } catch (error) {
        // A plan naming a missing file is an invalid plan (422), not a missing endpoint.
        if (isUserError(error))
          throw problem(422, {
            code: error.code,
            title: error.title,
            detail: error.detail,
            resolution: error.resolution,
            field: error.field ?? `inputs[${index}]`,
          });
        throw error;
      }
    }
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
    return { status: 201, body: jobView(job) };
  });

  router.add('GET', '/api/jobs/:id', async ({ params }) => ({ body: jobView(jobOr404(params.id ?? '')) }));

  router.add('POST', '/api/jobs/:id/cancel', async ({ params }) => {
    jobOr404(params.id ?? '');
    return { status: 202, body: jobView(context.jobs.cancel(params.id ?? '')) };
  });

  router.add('POST', '/api/jobs/:id/retry', async ({ params }) => {
    jobOr404(params.id ?? '');
    return { status: 202, body: jobView(context.jobs.retry(params.id ?? '')) };
  });

  router.add('DELETE', '/api/jobs/:id', async ({ params }) => {
    jobOr404(params.id ?? '');
    await context.jobs.delete(params.id ?? '');
    return { status: 200, body: { id: params.id, deleted: true, hashedOutputDeleted: true } };
  });

  router.add('GET', '/api/jobs/:id/events', async ({ params, request, response }) => {
    const id = params.id ?? '';
    let job = jobOr404(id);
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const send = (event: string, data: unknown, eventId?: number) =>
      response.write(
        `${eventId === undefined ? '' : `id: ${eventId}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`,
      );
    const lastEventId = Number(request.headers['last-event-id'] ?? 0);
    let afterEvent = Number.isInteger(lastEventId) && lastEventId > 0 ? lastEventId : 0;
    let lastUpdate = -1;
    let lastBeat = Date.now();
    // Polls the database rather than an in-process emitter: jobs run by the CLI show up live too.
    const tick = () => {
      const current = context.jobStore.get(id);
      if (!current) {
        send('deleted', { id });
        finish();
        return;
      }
      job = current;
      for (const event of context.jobStore.events(id, afterEvent)) {
        send(event.type, { ...event.data, at: new Date(event.at).toISOString() }, event.id);
        afterEvent = event.id;
      }
      if (job.updatedAt !== lastUpdate) {
        lastUpdate = job.updatedAt;
        send('job', jobView(job));
      } else if (Date.now() - lastBeat > 15_000) {
        response.write(': keep-alive\n\n');
      }
      lastBeat = Date.now();
      if (TERMINAL_JOB_STATES.has(job.state)) {
        send('end', { state: job.state });
        finish();
      }
    };
    const timer = setInterval(tick, options.ssePollMs);
    const finish = () => {
      clearInterval(timer);
      response.end();
    };
    response.on('close', () => clearInterval(timer));
    tick();
    return undefined;
  });
}

import { resolve } from 'node:path';
import { UserError } from '../../core/errors.ts';
import { parseCommandArguments } from '../command-arguments.ts';
import type { JobRecord } from '../../adapters/node/sqlite/job-store.ts';
import { openLocalMode } from '../../local/open-local-mode.ts';

const HELP = `Usage: audience-uploader jobs list [--limit N] [--json]
       audience-uploader jobs show <id> [--json]

Jobs in the local job store (DATA_DIR, default ./data): those started with \`run\` and from the web app.
  --data-dir <dir>   the data folder (default: DATA_DIR or ./data)
`;

/** A job for people: state, reason, what to do, counts. Never identifier values (the record has none). */
export function renderJob(job: JobRecord): string {
  const lines = [
    `Job ${job.id} (${job.origin}) → ${job.destination.label}`,
    `  State:    ${job.state}`,
    ...(job.reason ? [`  Reason:   ${job.reason}`] : []),
    ...(job.resolution ? [`  Next:     ${job.resolution}`] : []),
    `  Input:    ${job.plan.inputs.join(', ')}`,
    `  Mapping:  ${job.plan.mapping.map((m) => `${m.column}=${m.type}`).join(' ')}`,
    `  Audience: ${job.plan.audience.name ?? job.plan.audience.audienceId ?? ''} (${job.plan.audience.action})`,
    `  Created:  ${new Date(job.createdAt).toISOString()}${job.finishedAt ? `, finished ${new Date(job.finishedAt).toISOString()}` : ''}`,
  ];
  const transform = job.result?.transform as
    { recordsRead?: number; rejects?: number; types?: Record<string, { unique: number; valid: number }> } | undefined;
  if (transform) {
    lines.push(`  Records:  ${transform.recordsRead ?? 0} read, ${transform.rejects ?? 0} rejected cells`);
    for (const [type, counts] of Object.entries(transform.types ?? {}))
      lines.push(`    ${type.padEnd(6)} ${counts.valid} valid, ${counts.unique} unique`);
  }
  const upload = job.result?.upload as
    | {
        audiences?: Array<{
          type: string;
          audienceId: string;
          audienceName: string;
          idsSent: number;
          coverNum: number | null;
        }>;
      }
    | undefined;
  for (const audience of upload?.audiences ?? [])
    lines.push(
      `  Audience ${audience.audienceName} = ${audience.audienceId}: ${audience.idsSent} ids sent${audience.coverNum === null ? '' : `, cover_num ${audience.coverNum}`}`,
    );
  return `${lines.join('\n')}\n`;
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArguments('jobs', args, {
    json: { type: 'boolean' },
    limit: { type: 'string' },
    'data-dir': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  const [sub, id] = positionals;
  if (values.help || sub === undefined) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  if (sub !== 'list' && sub !== 'show')
    throw new UserError({
      code: 'bad_subcommand',
      title: 'Unknown jobs command',
      detail: `"${sub}" is not list or show.`,
      resolution: 'Use `jobs list` or `jobs show <id>`.',
      field: 'subcommand',
    });
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new UserError({
      code: 'bad_limit',
      title: 'Invalid --limit',
      detail: `"${values.limit}" is not a whole number from 1 to 1000.`,
      resolution: 'Pass e.g. --limit 50.',
      field: '--limit',
    });
  const app = openLocalMode({
    dataDir: resolve(values['data-dir'] ?? process.env.DATA_DIR ?? './data'),
    worker: false,
  });
  try {
    if (sub === 'show') {
      if (id === undefined)
        throw new UserError({
          code: 'missing_id',
          title: 'No job id',
          detail: 'jobs show needs the id of a job.',
          resolution: 'Run `jobs list` and copy an id.',
          field: 'id',
        });
      const job = app.jobs.get(id);
      process.stdout.write(values.json ? `${JSON.stringify(job, null, 2)}\n` : renderJob(job));
      return 0;
    }
    const jobs = app.jobStore.list({ limit });
    if (values.json) {
      process.stdout.write(`${JSON.stringify(jobs, null, 2)}\n`);
      return 0;
    }
    if (jobs.length === 0) {
      process.stdout.write('No jobs yet. Start one with `run` or in the web app (npm start).\n');
      return 0;
    }
    for (const job of jobs) {
      process.stdout.write(
        `${job.id}  ${new Date(job.createdAt).toISOString()}  ${job.state.padEnd(16)} ${job.origin.padEnd(3)}  ${(job.plan.audience.name ?? job.plan.audience.audienceId ?? '').slice(0, 40)} (${job.plan.audience.action}) → ${job.destination.label}\n`,
      );
    }
    return 0;
  } finally {
    await app.close();
  }
}

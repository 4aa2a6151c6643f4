import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../../core/errors.ts';
import {
  AUDIENCE_OPTION_SPECS,
  parseCommandArguments,
  parseMapping,
  parseHeaderMode,
  parseNormalizeOptions,
  HEADER_HELP,
  TRANSFORM_OPTION_SPECS,
} from '../command-arguments.ts';
import { IDENTIFIER_TYPES } from '../../core/identifiers/index.ts';
import { jobPlanSchema } from '../../core/plan.ts';
import { TERMINAL_JOB_STATES, type JobRecord } from '../../adapters/node/sqlite/job-store.ts';
import { openLocalMode } from '../../local/open-local-mode.ts';
import { fieldName } from '../../server/problem.ts';
import { renderJob } from './jobs.ts';

const HELP = `Usage: audience-uploader run <input...> --map <column>=<TYPE> [--map ...] --audience <name> --action <action> [options]

Transforms and uploads as ONE job in the local job store (DATA_DIR, default ./data), the same store
the web app (npm start) shows. Without TikTok credentials it uploads to the bundled emulator
("simulated TikTok"). Ctrl-C cancels the job; \`jobs show <id>\` shows it afterwards.

  --map <column>=<TYPE>     ${IDENTIFIER_TYPES.join(', ')} (repeatable)
  --audience <name>         audience base name (one audience per type: "<name> · EMAIL", …)
  --audience-id <id>        an existing audience instead (single-type jobs)
  --action <a>              create, append, remove or replace
  --advertiser <id>         TikTok advertiser id (default: TIKTOK_ADVERTISER_ID / saved credentials)
  --retention-days <n>      audience retention in days (1–365)
  --phone-region <CC>       default country of phone numbers without + (default US)
  --phone-format <f>        digits (default) or e164
  --email-dots <d>          keep (default), strip-gmail or strip-all
  --prehashed <p>           accept (default) or reject
  --max-file-bytes <N>      largest partition file (default 50 MiB)
${HEADER_HELP}
  --data-dir <dir>          the job store's data folder (default: DATA_DIR or ./data)
  --json                    print the finished job as JSON
`;

function usage(code: string, title: string, detail: string, resolution: string, field: string): UserError {
  return new UserError({ code, title, detail, resolution, field });
}

/** `run`: one job, transform + upload, in the shared SQLite store; prints progress and the result. */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArguments('run', args, {
    ...TRANSFORM_OPTION_SPECS,
    ...AUDIENCE_OPTION_SPECS,
    'data-dir': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length === 0)
    throw usage(
      'missing_input',
      'No input given',
      'run needs a file or folder to read.',
      'Run `audience-uploader run <file> --map <column>=<TYPE> --audience <name> --action create`.',
      'input',
    );
  for (const input of positionals) {
    if (!existsSync(input))
      throw usage(
        'input_not_found',
        'Input not found',
        `"${input}" does not exist or cannot be read.`,
        'Check the path (relative paths start from the current folder).',
        'input',
      );
  }
  const mapping = parseMapping('run', values.map ?? []);
  const number = (raw: string | undefined) => (raw === undefined ? undefined : Number(raw));
  const candidate = {
    inputs: positionals.map((input) => resolve(input)),
    mapping,
    options: parseNormalizeOptions('run', values),
    header: parseHeaderMode(values.header),
    ...(values['max-file-bytes'] === undefined ? {} : { maxFileBytes: number(values['max-file-bytes']) }),
    audience: {
      action: values.action,
      ...(values.audience === undefined ? {} : { name: values.audience }),
      ...(values['audience-id'] === undefined ? {} : { audienceId: values['audience-id'] }),
      ...(values.advertiser === undefined ? {} : { advertiserId: values.advertiser }),
      ...(values['retention-days'] === undefined ? {} : { retentionInDays: number(values['retention-days']) }),
    },
  };
  const plan = jobPlanSchema.safeParse(candidate);
  if (!plan.success) {
    const issue = plan.error.issues[0];
    const field = fieldName(issue?.path ?? []);
    const flag = FLAG_OF_FIELD.find(([prefix]) => field.startsWith(prefix))?.[1] ?? field;
    throw usage(
      'invalid_plan',
      'Invalid job',
      `${flag}: ${issue?.message ?? 'invalid value'}`,
      'Fix that option; `audience-uploader run --help` lists them.',
      flag,
    );
  }

  const dataDir = resolve(values['data-dir'] ?? process.env.DATA_DIR ?? './data');
  const app = openLocalMode({ dataDir, worker: { concurrency: 1, label: 'cli' } });
  const leaseMs = 30_000;
  try {
    const { job, message } = app.jobs.create(plan.data, 'cli', { owner: app.owner, leaseMs });
    const destination = job.destination;
    process.stderr.write(
      `Job ${job.id} → ${destination.label}${destination.kind === 'emulator' ? ' (bundled emulator: nothing reaches TikTok)' : ''}\n`,
    );
    const onInterrupt = () => {
      process.stderr.write('\nCancelling…\n');
      app.jobs.cancel(job.id);
    };
    process.once('SIGINT', onInterrupt);
    let lastLine = '';
    const report = setInterval(() => {
      const current = app.jobStore.get(job.id);
      if (!current) return;
      const line = progressLine(current);
      if (line !== lastLine) process.stderr.write(`${line}\n`);
      lastLine = line;
    }, 500);
    try {
      await app.worker?.runClaimed(message);
    } finally {
      clearInterval(report);
      process.removeListener('SIGINT', onInterrupt);
    }
    const finished = app.jobStore.get(job.id) ?? job;
    if (!TERMINAL_JOB_STATES.has(finished.state)) {
      process.stderr.write(
        `The job hit a temporary problem and is queued for another attempt: ${finished.reason ?? ''}\nStart the server (npm start) to let it finish, then \`jobs show ${job.id}\`.\n`,
      );
      return 1;
    }
    process.stdout.write(values.json ? `${JSON.stringify(finished, null, 2)}\n` : renderJob(finished));
    return finished.state === 'completed' ? 0 : 1;
  } finally {
    await app.close();
  }
}

const FLAG_OF_FIELD: Array<[string, string]> = [
  ['mapping', '--map'],
  ['inputs', 'input'],
  ['audience.name', '--audience'],
  ['audience.audienceId', '--audience-id'],
  ['audience.action', '--action'],
  ['audience.advertiserId', '--advertiser'],
  ['audience.retentionInDays', '--retention-days'],
  ['options.phoneRegion', '--phone-region'],
  ['options.phoneFormat', '--phone-format'],
  ['options.emailDots', '--email-dots'],
  ['options.prehashed', '--prehashed'],
  ['maxFileBytes', '--max-file-bytes'],
];

function progressLine(job: JobRecord): string {
  const p = job.progress;
  const detail =
    p.stage === 'transform'
      ? ` ${p.recordsRead ?? 0} records read`
      : p.filesTotal
        ? ` ${p.filesUploaded ?? 0}/${p.filesTotal} files`
        : '';
  return `  ${job.state}${p.percent === undefined ? '' : ` ${p.percent}%`}${detail}`;
}

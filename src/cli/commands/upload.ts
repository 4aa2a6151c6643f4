import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { UserError } from '../../core/errors.ts';
import { AUDIENCE_OPTION_SPECS, parseCommandArguments } from '../command-arguments.ts';
import { audiencePlanSchema, type AudiencePlan } from '../../core/plan.ts';
import { MANIFEST_FILE, type Manifest } from '../../core/transform/manifest.ts';
import { JsonFileUploadLedgerStore } from '../../adapters/node/json-file-upload-ledger.ts';
import { acquireUploadLock } from '../upload-lock.ts';
import { loadTikTokSettings, missingCredentialsError } from '../../adapters/node/tiktok-credentials.ts';
import { createTikTokClient, type TikTokRetryEvent } from '../../destinations/tiktok/tiktok-client.ts';
import { isTikTokApiError, tikTokErrorToUserError } from '../../destinations/tiktok/tiktok-errors.ts';
import {
  DEFAULT_BATCH_SIZE,
  createLookupWindowFromEnv,
  uploadTransformOutput,
  type UploadProgressEvent,
  type UploadResult,
} from '../../destinations/tiktok/upload-orchestrator.ts';

export const UPLOAD_LEDGER_FILE = '.upload-ledger.json';

const HELP = `Usage: audience-uploader upload <transform-out-dir> (--audience <name> | --audience-id <id>)
         --action create|append|remove|replace [--advertiser <id>] [--retention-days N] [--no-wait]

Uploads the partitions of a transform output to TikTok: one audience per identifier type, named
"<name> · EMAIL" etc. Safe to re-run: a ledger in <dir>/${UPLOAD_LEDGER_FILE} makes sure no file is
uploaded or applied twice and no audience is created twice; an interrupted upload resumes.

  --audience <name>      base name of the audiences (create, or find by name)
  --audience-id <id>     an existing audience (one identifier type only)
  --action <a>           create | append | remove | replace
  --advertiser <id>      TikTok advertiser id (default: TIKTOK_ADVERTISER_ID)
  --retention-days N     audience retention, 1–365 days (create only)
  --no-wait              do not wait for TikTok to finish calculating the audience
  --wait-minutes N       how long to wait for it (default 5)
  --batch-size N         files per create/update call (default ${DEFAULT_BATCH_SIZE}, TikTok allows 1–500)
  --json                 print the result as JSON

Credentials: TIKTOK_ACCESS_TOKEN and TIKTOK_ADVERTISER_ID (or .audience-uploader/tiktok-credentials.json);
TIKTOK_API_BASE_URL points at another API (e.g. the emulator: npm run tiktok-emulator); TIKTOK_QPS
sets the request budget (default 10 per second).
`;

function usageError(detail: string, field?: string, cause?: unknown): UserError {
  return new UserError({
    code: 'invalid_arguments',
    title: 'Invalid arguments',
    detail,
    resolution: 'Run `audience-uploader upload --help` for the options.',
    ...(field ? { field } : {}),
    cause,
  });
}

async function readManifest(dir: string): Promise<Manifest> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UserError({
      code: 'missing_manifest',
      title: 'Not a transform output',
      detail: `${path} does not exist or cannot be read.`,
      resolution:
        'Run `audience-uploader transform <input> --map <column>=<TYPE> --out <dir>` first, then upload that <dir>.',
      field: 'dir',
      cause: error,
    });
  }
  try {
    const manifest = JSON.parse(text) as Manifest;
    if (manifest.manifestVersion !== 1 || typeof manifest.types !== 'object')
      throw new Error('unexpected manifest shape');
    return manifest;
  } catch (error) {
    throw new UserError({
      code: 'invalid_manifest',
      title: 'Damaged manifest',
      detail: `${path} is not a manifest written by this version of transform.`,
      resolution: 'Run the transform again into a fresh folder.',
      kind: 'failure',
      cause: error,
    });
  }
}

/** One ledger per plan and output: the same arguments resume (or confirm) the same upload. */
export function uploadLedgerId(plan: AudiencePlan, advertiserId: string, manifest: Manifest): string {
  const partitions = Object.values(manifest.types)
    .flatMap((counts) => counts?.files.map((file) => file.md5) ?? [])
    .sort();
  const key = JSON.stringify({
    advertiserId,
    action: plan.action,
    name: plan.name ?? null,
    audienceId: plan.audienceId ?? null,
    retentionInDays: plan.retentionInDays ?? null,
    partitions,
  });
  return `upload-${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}

/** `upload <dir>`: reads the manifest, then the orchestrator does the work; this maps in and out. */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArguments('upload', args, {
    ...AUDIENCE_OPTION_SPECS,
    'no-wait': { type: 'boolean' },
    'wait-minutes': { type: 'string' },
    'batch-size': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const [dir, ...extra] = positionals;
  if (dir === undefined || extra.length > 0) throw usageError('Give exactly one transform output folder.', 'dir');
  const retention = values['retention-days'] === undefined ? undefined : Number(values['retention-days']);
  const waitMinutes = values['wait-minutes'] === undefined ? 5 : Number(values['wait-minutes']);
  if (!Number.isFinite(waitMinutes) || waitMinutes < 0)
    throw usageError('--wait-minutes must be a number of minutes (0 or more).', '--wait-minutes');
  const batchSize = values['batch-size'] === undefined ? DEFAULT_BATCH_SIZE : Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 500)
    throw usageError('--batch-size must be a whole number from 1 to 500.', '--batch-size');
  const settings = loadTikTokSettings();
  const parsedPlan = audiencePlanSchema.safeParse({
    name: values.audience,
    audienceId: values['audience-id'],
    action: values.action,
    advertiserId: values.advertiser ?? settings.advertiserId,
    retentionInDays: retention,
  });
  if (!parsedPlan.success) {
    const issue = parsedPlan.error.issues[0];
    throw usageError(
      `${issue?.path.join('.') || 'arguments'}: ${issue?.message ?? 'invalid'}. Give --audience <name> or --audience-id <id>, and --action create|append|remove|replace.`,
      issue?.path.join('.'),
    );
  }
  const plan = parsedPlan.data;
  const manifest = await readManifest(dir);
  if (!settings.accessToken) throw missingCredentialsError('token');
  if (!plan.advertiserId) throw missingCredentialsError('advertiser');
  for (const warning of settings.warnings) process.stderr.write(`Warning: ${warning}\n`);

  const root = resolve(dir);
  const releaseLock = await acquireUploadLock(join(dir, `${UPLOAD_LEDGER_FILE}.lock`), `The upload ledger of ${dir}`);
  const controller = new AbortController();
  const onSignal = () =>
    controller.abort(
      new UserError({
        code: 'interrupted',
        title: 'Upload interrupted',
        detail: 'Stopped by the user; what was done is recorded in the ledger.',
        resolution: 'Run the same command again to resume.',
        kind: 'failure',
      }),
    );
  process.once('SIGINT', onSignal);
  const progress = process.stderr.isTTY
    ? (event: UploadProgressEvent) => process.stderr.write(describeProgress(event))
    : undefined;
  try {
    const result = await uploadTransformOutput({
      manifest,
      readPartition: async (path) => {
        const full = resolve(root, path);
        if (!full.startsWith(root + sep))
          throw new UserError({
            code: 'invalid_manifest',
            title: 'Damaged manifest',
            detail: `Partition path ${path} leaves the output folder.`,
            resolution: 'Run the transform again into a fresh folder.',
            kind: 'failure',
          });
        return readFile(full);
      },
      audience: plan,
      advertiserId: plan.advertiserId,
      client: createTikTokClient({
        baseUrl: settings.baseUrl,
        accessToken: settings.accessToken,
        qps: settings.qps,
        onRetry: progress ? (event) => process.stderr.write(describeRetry(event)) : undefined,
      }),
      ledger: new JsonFileUploadLedgerStore(join(dir, UPLOAD_LEDGER_FILE)),
      ledgerId: uploadLedgerId(plan, plan.advertiserId, manifest),
      onProgress: progress,
      signal: controller.signal,
      poll: { timeoutMs: values['no-wait'] ? 0 : waitMinutes * 60_000, intervalMs: 10_000 },
      batchSize,
      ...createLookupWindowFromEnv(process.env),
    });
    process.stdout.write(
      values.json ? `${JSON.stringify(result, null, 2)}\n` : renderUploadResult(result, settings.baseUrl),
    );
    return 0;
  } catch (error) {
    if (isTikTokApiError(error)) throw tikTokErrorToUserError(error);
    throw error;
  } finally {
    process.removeListener('SIGINT', onSignal);
    await releaseLock();
  }
}

function describeProgress(event: UploadProgressEvent): string {
  switch (event.kind) {
    case 'type-started':
      return `${event.type}: ${event.partitions} partition(s) → "${event.audienceName || '(existing audience)'}" (${event.calculateType})${event.alreadyApplied ? `, ${event.alreadyApplied} already applied` : ''}\n`;
    case 'partition-uploaded':
      return `${event.type}: uploaded ${event.path} (${event.index}/${event.of}, ${event.rows.toLocaleString('en-US')} ids)\n`;
    case 'partition-skipped':
      return `${event.type}: ${event.path} (${event.index}/${event.of}) already ${event.already}\n`;
    case 'audience-found':
      return `${event.type}: using audience ${event.audienceId} "${event.audienceName}"\n`;
    case 'audience-created':
      return `${event.type}: created audience ${event.audienceId} "${event.audienceName}" with ${event.files} file(s)${event.reconciled ? ' (confirmed after a lost answer)' : ''}\n`;
    case 'audience-updated':
      return `${event.type}: ${event.action} ${event.files} file(s) to audience ${event.audienceId}${event.reconciled ? ' (confirmed after a lost answer)' : ''}\n`;
    case 'file-expired':
      return `${event.type}: ${event.files} uploaded file(s) expired at TikTok; uploading them again\n`;
    case 'waiting-for-audience':
      return `${event.type}: TikTok is calculating audience ${event.audienceId} (${Math.round(event.elapsedMs / 1000)} s)…\n`;
    case 'type-completed':
      return '';
  }
}

function describeRetry(event: TikTokRetryEvent): string {
  const what =
    event.kind === 'busy' ? 'audience busy' : event.kind === 'throttled' ? 'rate limited' : 'temporary failure';
  const facts = [
    event.code !== null ? `code ${event.code}` : 'no answer',
    ...(event.requestId ? [`request_id ${event.requestId}`] : []),
  ];
  return `  TikTok ${what} on ${event.endpoint} (${facts.join(', ')}); retrying in ${(event.delayMs / 1000).toFixed(1)} s\n`;
}

/** The summary a person reads: audiences, what was sent, what TikTok matched. */
export function renderUploadResult(result: UploadResult, baseUrl: string): string {
  const lines: string[] = [];
  if (result.alreadyComplete)
    lines.push('Already complete: this upload had finished before, nothing was sent to TikTok.');
  else lines.push(`Upload finished (${result.action}, advertiser ${result.advertiserId}).`);
  if (!baseUrl.includes('business-api.tiktok.com')) lines.push(`(TikTok API at ${baseUrl} — not production TikTok)`);
  for (const audience of result.audiences) {
    const matched =
      audience.coverNum === undefined
        ? 'not known yet'
        : `${audience.coverNum.toLocaleString('en-US')}${audience.matchRate === undefined ? '' : ` (match rate ${(audience.matchRate * 100).toFixed(1)}%)`}`;
    lines.push(
      '',
      `${audience.type}  audience ${audience.audienceId}  "${audience.audienceName}"  (${audience.calculateType}${audience.created ? ', created' : ''})`,
      `  files uploaded ${audience.filesUploaded}, already uploaded ${audience.filesSkipped}; ids sent ${audience.idsSent.toLocaleString('en-US')}`,
      `  matched (cover_num): ${matched}; status: ${audience.isValid ? 'ready' : 'TikTok is still calculating — check later with `audiences show ' + audience.audienceId + '`'}`,
    );
    // TikTok's order of history entries is not documented: show the latest three, oldest first.
    const latest = [...audience.history]
      .sort((a, b) => b.optTime.localeCompare(a.optTime))
      .slice(0, 3)
      .reverse();
    for (const entry of latest) lines.push(`  history: ${entry.optTime} ${entry.action} ${entry.msg}`.trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

import { UserError } from '../../core/errors.ts';
import { parseCommandArguments } from '../command-arguments.ts';
import { loadTikTokSettings, missingCredentialsError } from '../../adapters/node/tiktok-credentials.ts';
import {
  createTikTokClient,
  type AudienceDetails,
  type AudienceListItem,
} from '../../destinations/tiktok/tiktok-client.ts';
import { isTikTokApiError, tikTokErrorToUserError } from '../../destinations/tiktok/tiktok-errors.ts';

const HELP = `Usage: audience-uploader audiences list [--advertiser <id>] [--json]
       audience-uploader audiences show <audience-id> [--advertiser <id>] [--json]

Lists the advertiser's TikTok custom audiences (every page), or shows one with its status,
matched people (cover_num) and history. Credentials as for \`upload\` (TIKTOK_ACCESS_TOKEN, …).
`;

/** `audiences list | show <id>`. */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArguments('audiences', args, {
    advertiser: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  const [sub, id, ...extra] = positionals;
  if (values.help || sub === undefined) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  if (
    (!(sub === 'list' && id === undefined) && !(sub === 'show' && id !== undefined && /^\d+$/.test(id))) ||
    extra.length > 0
  ) {
    throw new UserError({
      code: 'invalid_arguments',
      title: 'Invalid arguments',
      detail: `Unknown audiences command "${positionals.join(' ')}".`,
      resolution: 'Use `audiences list` or `audiences show <audience-id>` (the digits of the id).',
    });
  }
  const settings = loadTikTokSettings();
  if (!settings.accessToken) throw missingCredentialsError('token');
  const advertiserId = values.advertiser ?? settings.advertiserId;
  if (!advertiserId) throw missingCredentialsError('advertiser');
  const client = createTikTokClient({
    baseUrl: settings.baseUrl,
    accessToken: settings.accessToken,
    qps: settings.qps,
  });
  try {
    if (sub === 'list') {
      const audiences = await client.listAudiences({ advertiserId });
      process.stdout.write(values.json ? `${JSON.stringify(audiences, null, 2)}\n` : renderAudienceList(audiences));
      return 0;
    }
    const [details] = await client.getAudiences({ advertiserId, audienceIds: [id as string], historySize: 20 });
    if (!details || details.audienceId === '') {
      throw new UserError({
        code: 'audience_not_found',
        title: 'Audience not found',
        detail: `Audience ${id} does not exist for advertiser ${advertiserId}.`,
        resolution: 'Check the id with `audiences list`.',
        kind: 'failure',
      });
    }
    process.stdout.write(values.json ? `${JSON.stringify(details, null, 2)}\n` : renderAudienceDetails(details));
    return 0;
  } catch (error) {
    if (isTikTokApiError(error)) throw tikTokErrorToUserError(error);
    throw error;
  }
}

export function renderAudienceList(audiences: AudienceListItem[]): string {
  if (audiences.length === 0) return 'No audiences.\n';
  const header = ['id', 'name', 'type', 'matched', 'status'];
  const rows = audiences.map((audience) => [
    audience.audienceId,
    audience.name,
    audience.calculateType ?? '-',
    audience.coverNum === null ? '-' : audience.coverNum.toLocaleString('en-US'),
    audience.isValid === null ? '-' : audience.isValid ? 'ready' : 'calculating',
  ]);
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => (row[index] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n')}\n${audiences.length} audience(s)\n`;
}

export function renderAudienceDetails(details: AudienceDetails): string {
  const lines = [
    `Audience ${details.audienceId}  "${details.name}"`,
    `  type: ${details.calculateType}`,
    `  matched (cover_num): ${details.coverNum === null ? 'not known' : details.coverNum.toLocaleString('en-US')}`,
    `  status: ${details.isValid ? 'ready' : 'calculating (not valid yet)'}${details.isExpiring ? ', expiring' : ''}${details.expiredTime ? `, expires ${details.expiredTime}` : ''}`,
  ];
  if (details.msg) lines.push(`  message: ${details.msg}`);
  if (details.history.length > 0)
    lines.push(
      '  history:',
      ...details.history.map((entry) => `    ${entry.optTime}  ${entry.action}  ${entry.msg}`.trimEnd()),
    );
  return `${lines.join('\n')}\n`;
}

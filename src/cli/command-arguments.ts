import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../core/errors.ts';
import {
  IDENTIFIER_TYPES,
  isIdentifierType,
  normalizeOptionsSchema,
  type NormalizeOptions,
} from '../core/identifiers/index.ts';
import type { ColumnMapping } from '../core/plan.ts';
import { HEADER_MODES, type HeaderMode } from '../core/readers/detect-header.ts';

type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** parseArgs for one command: an unknown or incomplete option becomes a usage error that points at `--help`. */
export function parseCommandArguments<const Options extends OptionSpecs>(
  command: string,
  args: string[],
  options: Options,
) {
  try {
    return parseArgs({ args, allowPositionals: true, strict: true, options });
  } catch (error) {
    throw new UserError({
      code: 'invalid_arguments',
      title: 'Invalid arguments',
      detail: error instanceof Error ? error.message : String(error),
      resolution: `Run \`audience-uploader ${command} --help\` for the options.`,
      field: 'arguments',
      cause: error,
    });
  }
}

/** The options `transform` and `run` share: the column mapping and how identifiers are normalized. */
export const TRANSFORM_OPTION_SPECS = {
  map: { type: 'string', multiple: true, short: 'm' },
  'phone-region': { type: 'string' },
  'phone-format': { type: 'string' },
  'email-dots': { type: 'string' },
  prehashed: { type: 'string' },
  'max-file-bytes': { type: 'string' },
  header: { type: 'string' },
} as const satisfies OptionSpecs;

export const HEADER_HELP = `  --header <h>              CSV/TSV first row: auto (default: a row that looks like data is a
                            record, the columns then column_1, column_2…), present or absent`;

/** `--header auto|present|absent`. */
export function parseHeaderMode(text: string | undefined): HeaderMode {
  if (text === undefined) return 'auto';
  if ((HEADER_MODES as readonly string[]).includes(text)) return text as HeaderMode;
  throw usageError(
    'invalid_option',
    'Invalid --header',
    `--header must be one of ${HEADER_MODES.join(', ')}; got "${text}".`,
    'Pass --header present when the first row names the columns, --header absent when it is already data.',
    '--header',
  );
}

/** The options `upload` and `run` share: which audience, and what to do with it. */
export const AUDIENCE_OPTION_SPECS = {
  audience: { type: 'string' },
  'audience-id': { type: 'string' },
  action: { type: 'string' },
  advertiser: { type: 'string' },
  'retention-days': { type: 'string' },
} as const satisfies OptionSpecs;

function usageError(code: string, title: string, detail: string, resolution: string, field: string): UserError {
  return new UserError({ code, title, detail, resolution, field, kind: 'usage' });
}

/** `--map column=TYPE`: the type after the last `=` (column names may contain `=`), any case. */
export function parseMapping(command: string, entries: string[]): ColumnMapping[] {
  if (entries.length === 0) {
    throw usageError(
      'missing_mapping',
      'No column mapped',
      `${command} needs at least one --map <column>=<TYPE>.`,
      `Add e.g. \`--map email=EMAIL\`; run \`audience-uploader inspect <input>\` to see the columns and a suggested mapping.`,
      '--map',
    );
  }
  return entries.map((entry) => {
    const separator = entry.lastIndexOf('=');
    const column = separator > 0 ? entry.slice(0, separator) : '';
    const type =
      separator > 0
        ? entry
            .slice(separator + 1)
            .trim()
            .toUpperCase()
        : '';
    if (column === '' || type === '') {
      throw usageError(
        'invalid_mapping',
        'Invalid --map',
        `"${entry}" is not <column>=<TYPE>.`,
        'Write it as e.g. `--map email=EMAIL`.',
        '--map',
      );
    }
    if (!isIdentifierType(type)) {
      throw usageError(
        'unknown_type',
        'Unknown identifier type',
        `"${type}" in --map ${entry} is not an identifier type. Valid types: ${IDENTIFIER_TYPES.join(', ')}.`,
        `Use one of ${IDENTIFIER_TYPES.join(', ')} (MAID when a column mixes IDFA and GAID).`,
        '--map',
      );
    }
    return { column, type };
  });
}

const FLAG_OF_OPTION = {
  phoneRegion: '--phone-region',
  phoneFormat: '--phone-format',
  emailDots: '--email-dots',
  prehashed: '--prehashed',
} as const;

/** The normalization flags, validated by the same schema as every other entry point. */
export function parseNormalizeOptions(
  command: string,
  values: Record<string, string | boolean | string[] | undefined>,
): NormalizeOptions {
  const parsed = normalizeOptionsSchema.safeParse({
    phoneRegion: values['phone-region'],
    phoneFormat: values['phone-format'],
    emailDots: values['email-dots'],
    prehashed: values.prehashed,
  });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const flag = FLAG_OF_OPTION[String(issue?.path[0]) as keyof typeof FLAG_OF_OPTION] ?? 'option';
  throw usageError(
    'invalid_option',
    `Invalid ${flag}`,
    issue?.message ?? 'Invalid value.',
    `Run \`audience-uploader ${command} --help\` for the accepted values.`,
    flag,
  );
}

/** A whole-number flag with a lower bound; undefined when the flag is absent. */
export function parseWholeNumber(text: string | undefined, flag: string, minimum: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw usageError(
      'invalid_option',
      `Invalid ${flag}`,
      `${flag} must be a whole number of at least ${minimum}; got "${text}".`,
      `Pass e.g. \`${flag} ${Math.max(minimum, 1)}\`, or leave it out for the default.`,
      flag,
    );
  }
  return value;
}

// The wizard's rules as pure functions: what each step needs to be valid, and the plan it builds.
import type {
  AudienceAction,
  ColumnMapping,
  IdentifierType,
  JobPlan,
  NormalizeOptions,
  Preview,
  PreviewCounts,
  Schema,
} from '../services/types.ts';
import { IDENTIFIER_TYPES, calculateTypeOf } from '../../core/identifiers/rules.ts';

export { IDENTIFIER_TYPES };

export const STEP_IDS = ['data', 'audience', 'columns', 'confirm', 'monitor'] as const;
export type StepId = (typeof STEP_IDS)[number];

/** TikTok's limit on custom_audience_name. */
export const TIKTOK_NAME_LIMIT = 128;
/** The app names each type's audience `<name> · <TYPE>`; EMAIL and PHONE give the longest suffix. */
export const LONGEST_SUFFIX = ' · EMAIL';
export const MAX_NAME_LENGTH = TIKTOK_NAME_LIMIT - LONGEST_SUFFIX.length;
/** TikTok needs this many matched people to target an audience (and to remove or replace). */
export const TIKTOK_MIN_AUDIENCE = 1000;
/** Below this share of valid values in a column, the confirm step warns. */
export const LOW_VALIDITY = 0.8;

export interface ColumnChoice {
  include: boolean;
  /** '' until a type is chosen. */
  type: IdentifierType | '';
}

export interface AudienceDraft {
  name: string;
  action: AudienceAction;
  /** The existing audience picked for append / remove / replace. */
  audienceId: string | null;
  audienceName: string | null;
  audienceType: string | null;
  advertiserId: string;
  /** As typed; '' = no retention. */
  retentionDays: string;
}

/** Everything the five steps collect; kept in sessionStorage (masked samples only, never tokens). */
export interface WizardDraft {
  version: 1;
  folder: string;
  filter: string;
  inputs: string[];
  inputKind: 'files' | 'folder';
  /** Sizes of the selected entries as listed (bytes; a folder counts 0). */
  inputSizes: Record<string, number>;
  /** The schema of `inputs` (masked examples), or null until discovered. */
  schema: Schema | null;
  schemaFor: string | null;
  audience: AudienceDraft;
  /** Keyed by column name, so a column can never appear twice. */
  columns: Record<string, ColumnChoice>;
  options: NormalizeOptions;
  /** Set once the job is created: the draft is then submitted and cannot start a second job. */
  jobId: string | null;
}

export const DEFAULT_OPTIONS: NormalizeOptions = {
  phoneRegion: 'US',
  phoneFormat: 'digits',
  emailDots: 'keep',
  prehashed: 'accept',
};

export function emptyDraft(): WizardDraft {
  return {
    version: 1,
    folder: '',
    filter: '',
    inputs: [],
    inputKind: 'files',
    inputSizes: {},
    schema: null,
    schemaFor: null,
    audience: {
      name: '',
      action: 'create',
      audienceId: null,
      audienceName: null,
      audienceType: null,
      advertiserId: '',
      retentionDays: '',
    },
    columns: {},
    options: { ...DEFAULT_OPTIONS },
    jobId: null,
  };
}

export const inputsKey = (inputs: string[]) => [...inputs].sort().join('\n');

/** Field → message; empty when the step is valid. */
export type FieldErrors = Record<string, string>;

export function dataErrors(draft: WizardDraft): FieldErrors {
  if (draft.inputs.length === 0) return { inputs: 'Pick a file, several files, or a folder.' };
  if (draft.schema === null || draft.schemaFor !== inputsKey(draft.inputs))
    return { inputs: 'The selection has not been read yet.' };
  return {};
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

export function nameError(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'Give the audience a name.';
  if (CONTROL_CHARACTERS.test(name)) return 'The name cannot hold control characters (tabs, line breaks).';
  if (trimmed.length > MAX_NAME_LENGTH)
    return `At most ${MAX_NAME_LENGTH} characters: with "${LONGEST_SUFFIX}" added it must fit TikTok's ${TIKTOK_NAME_LIMIT}.`;
  return null;
}

export function retentionError(value: string): string | null {
  const text = value.trim();
  if (text === '') return null;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 365)
    return 'Retention is a whole number of days from 1 to 365 (or empty for none).';
  return null;
}

export function audienceErrors(draft: WizardDraft): FieldErrors {
  const errors: FieldErrors = {};
  const { audience } = draft;
  if (audience.action === 'create') {
    const error = nameError(audience.name);
    if (error) errors['audience.name'] = error;
  } else if (audience.audienceId === null) {
    errors['audience.audienceId'] = `Pick the audience to ${audience.action} from TikTok's list.`;
  }
  const retention = retentionError(audience.retentionDays);
  if (retention) errors['audience.retentionInDays'] = retention;
  if (audience.advertiserId !== '' && !/^\d+$/.test(audience.advertiserId))
    errors['audience.advertiserId'] = 'An advertiser id is digits only.';
  return errors;
}

export function mappingOf(draft: WizardDraft): ColumnMapping[] {
  const known = new Set(draft.schema?.columns.map((column) => column.name) ?? []);
  return Object.entries(draft.columns)
    .filter(([column, choice]) => known.has(column) && choice.include && choice.type !== '')
    .map(([column, choice]) => ({ column, type: choice.type as IdentifierType }));
}

export function columnsErrors(draft: WizardDraft): FieldErrors {
  const errors: FieldErrors = {};
  for (const [column, choice] of Object.entries(draft.columns))
    if (choice.include && choice.type === '') errors[`column:${column}`] = `Choose the identifier type of "${column}".`;
  const mapping = mappingOf(draft);
  if (mapping.length === 0) errors.mapping = 'Include at least one column with an identifier type.';
  if (draft.audience.action !== 'create' && draft.audience.audienceId !== null) {
    const types = new Set(mapping.map((entry) => entry.type));
    if (types.size > 1)
      errors.mapping = `"${draft.audience.audienceName}" is one audience of one type: include columns of a single type.`;
    const [only] = [...types];
    if (
      types.size === 1 &&
      only &&
      draft.audience.audienceType &&
      calculateTypeOf(only) !== draft.audience.audienceType
    )
      errors.mapping = `"${draft.audience.audienceName}" holds ${draft.audience.audienceType}; the columns are ${only}.`;
  }
  if (!/^[A-Za-z]{2}$/.test(draft.options.phoneRegion))
    errors['options.phoneRegion'] = 'A region is a two-letter country code such as US or GB.';
  return errors;
}

/** The job plan the draft describes (validated again by the server). */
export function planOf(draft: WizardDraft): JobPlan {
  const { audience } = draft;
  const retention = audience.retentionDays.trim();
  return {
    inputs: [...draft.inputs],
    mapping: mappingOf(draft),
    options: { ...draft.options, phoneRegion: draft.options.phoneRegion.toUpperCase() },
    audience: {
      action: audience.action,
      ...(audience.action === 'create' || audience.audienceId === null
        ? { name: audience.name.trim() }
        : { audienceId: audience.audienceId }),
      ...(audience.advertiserId === '' ? {} : { advertiserId: audience.advertiserId }),
      ...(retention === '' ? {} : { retentionInDays: Number(retention) }),
    },
  };
}

const NOUNS: Record<IdentifierType, string> = {
  EMAIL: 'email addresses',
  PHONE: 'phone numbers',
  IDFA: 'IDFAs',
  GAID: 'GAIDs',
  MAID: 'mobile advertising ids',
};

export const rejectedTotal = (counts: PreviewCounts) =>
  Object.values(counts.rejected).reduce((sum, n) => sum + (n ?? 0), 0);

/** Share of the non-empty sample values that are usable (valid or pre-hashed); null if none. */
export function validShare(counts: PreviewCounts): number | null {
  const usable = counts.valid + counts.prehashed;
  const nonEmpty = usable + rejectedTotal(counts);
  return nonEmpty === 0 ? null : usable / nonEmpty;
}

/** "94% valid phone numbers (region US)". */
export function validitySentence(type: IdentifierType, counts: PreviewCounts, options: NormalizeOptions): string {
  const share = validShare(counts);
  const region = type === 'PHONE' ? ` (region ${options.phoneRegion.toUpperCase()})` : '';
  if (share === null) return `No ${NOUNS[type]} in the sample: every cell is empty`;
  return `${Math.floor(share * 100)}% valid ${NOUNS[type]}${region}`;
}

export type WarningLevel = 'warning' | 'info';
export interface Warning {
  level: WarningLevel;
  text: string;
}

/** What the confirm step warns about. */
export function warningsOf(
  draft: WizardDraft,
  preview: Preview | null,
  destination: { kind: string; label: string } | null,
): Warning[] {
  const warnings: Warning[] = [];
  if (destination?.kind === 'emulator')
    warnings.push({
      level: 'info',
      text: 'Destination: simulated TikTok. Nothing reaches TikTok: the hashes go to the emulator bundled on this machine. Add TikTok credentials in Settings to upload for real.',
    });
  if (!preview) return warnings;
  const wholeFile = preview.sampleRows < (draft.schema?.sampledRows ?? 0) || preview.sampleRows < 1000;
  for (const [type, counts] of Object.entries(preview.types) as Array<
    [IdentifierType, Preview['types'][IdentifierType]]
  >) {
    if (!counts) continue;
    // A whole small file is exact; a sample dominated by repeats predicts a small audience too.
    const few = counts.unique < TIKTOK_MIN_AUDIENCE && (wholeFile || counts.unique < preview.sampleRows * 0.1);
    if (few) {
      const consequence =
        draft.audience.action === 'remove' || draft.audience.action === 'replace'
          ? ` TikTok refuses a ${draft.audience.action.toUpperCase()} that would leave fewer than ${TIKTOK_MIN_AUDIENCE.toLocaleString('en-US')}.`
          : ` TikTok needs ${TIKTOK_MIN_AUDIENCE.toLocaleString('en-US')} matched people before an audience can be targeted.`;
      warnings.push({
        level: 'warning',
        text: `${type}: only ${counts.unique.toLocaleString('en-US')} distinct ids in the ${preview.sampleRows.toLocaleString('en-US')}-row sample, so fewer than ${TIKTOK_MIN_AUDIENCE.toLocaleString('en-US')} are expected.${consequence}`,
      });
    }
    const share = validShare(counts);
    if (share !== null && share < LOW_VALIDITY)
      warnings.push({
        level: 'warning',
        text: `${type}: only ${Math.floor(share * 100)}% of the sample's values are valid; the rest are rejected (listed in rejects.csv). Check the column and the options.`,
      });
    const prehashedRejected = counts.rejected.prehashed_not_allowed ?? 0;
    if (draft.options.prehashed === 'reject' && (prehashedRejected > 0 || counts.prehashed > 0))
      warnings.push({
        level: 'warning',
        text: `${type}: ${(prehashedRejected || counts.prehashed).toLocaleString('en-US')} sample values are already SHA-256 hashes, and the pre-hashed policy rejects them.`,
      });
  }
  return warnings;
}

import rulesJson from './rules.json' with { type: 'json' };

/** The identifier rules file (`rules.json`), shared with the Glue job: one source of truth. */
export const rules = rulesJson;

export const IDENTIFIER_TYPES = ['EMAIL', 'PHONE', 'IDFA', 'GAID', 'MAID'] as const;
export type IdentifierType = (typeof IDENTIFIER_TYPES)[number];

export const REJECT_REASONS = [
  'not_text',
  'invalid_email',
  'invalid_phone',
  'invalid_device_id',
  'zero_device_id',
  'prehashed_not_allowed',
  'malformed_record',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export const RULES_PROFILE = `${rules.profile}/v${rules.version}`;

export function isIdentifierType(value: string): value is IdentifierType {
  return (IDENTIFIER_TYPES as readonly string[]).includes(value);
}

/** TikTok's calculate_type for an identifier type, e.g. EMAIL → EMAIL_SHA256. */
export function calculateTypeOf(type: IdentifierType): string {
  return rules.identifierTypes[type].calculateType;
}

/** Output folder of a type's hashed partitions, e.g. EMAIL → email_sha256. */
export function outputFolderOf(type: IdentifierType): string {
  return rules.identifierTypes[type].outputFolder;
}

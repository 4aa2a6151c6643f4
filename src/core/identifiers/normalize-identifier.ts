import { rules, type IdentifierType, type RejectReason } from './rules.ts';
import type { NormalizeOptions } from './normalize-options.ts';
import { validPhoneE164 } from './phone-validator.ts';

export type NormalizeResult =
  | { status: 'ok'; normalized: string }
  | { status: 'prehashed'; normalized: string }
  | { status: 'empty' }
  | { status: 'rejected'; reason: RejectReason };

const EMPTY: NormalizeResult = { status: 'empty' };
const rejected = (reason: RejectReason): NormalizeResult => ({ status: 'rejected', reason });

const whiteSpace = rules.whiteSpaceClass;
const EDGE_WHITE_SPACE = new RegExp(`^${whiteSpace}+|${whiteSpace}+$`, 'gu');
const ANY_WHITE_SPACE = new RegExp(`${whiteSpace}+`, 'gu');
const INVISIBLE = new RegExp(rules.invisibleClass, 'gu');
const PREHASHED = new RegExp(rules.prehashedPattern, 'u');
const EMAIL = new RegExp(rules.emailPattern, 'u');
const DEVICE_ID_COMPACT = new RegExp(rules.deviceIdCompactPattern, 'u');
const DEVICE_ID = new RegExp(rules.deviceIdPattern, 'u');
const NOT_PHONE_CHARACTER = /[^0-9+]/g;
// Plain ASCII needs no NFKC pass: the fast path for the common case.
const NEEDS_UNICODE_WORK = /[^\x20-\x7e]/;
// Whether a cell's first or last character is white space (by the rules' class; ASCII from a table):
// a cell with neither skips the much slower edge-trimming regex.
const WHITE_SPACE_SINGLE = new RegExp(`^${whiteSpace}$`, 'u');
const ASCII_WHITE_SPACE = Array.from({ length: 128 }, (_unused, code) =>
  WHITE_SPACE_SINGLE.test(String.fromCharCode(code)),
);
const isWhiteSpace = (code: number): boolean =>
  code < 128 ? (ASCII_WHITE_SPACE[code] as boolean) : WHITE_SPACE_SINGLE.test(String.fromCharCode(code));

/**
 * Steps 1–3 of normalization.md shared by all types: the cell's kind, then NFKC, invisible
 * characters and edge white space. Returns the cleaned text, or a final result.
 */
export function cleanCell(raw: unknown): string | NormalizeResult {
  let text: string;
  if (raw === null || raw === undefined) return EMPTY;
  if (typeof raw === 'string') text = raw;
  else if (typeof raw === 'number') {
    if (!Number.isFinite(raw) || !Number.isInteger(raw)) return rejected('not_text');
    text = BigInt(raw).toString();
  } else if (typeof raw === 'bigint') text = raw.toString();
  else return rejected('not_text');
  if (NEEDS_UNICODE_WORK.test(text)) text = text.normalize('NFKC').replace(INVISIBLE, '');
  if (text === '') return EMPTY;
  if (isWhiteSpace(text.charCodeAt(0)) || isWhiteSpace(text.charCodeAt(text.length - 1))) {
    text = text.replace(EDGE_WHITE_SPACE, '');
  }
  return text === '' ? EMPTY : text;
}

function normalizeEmail(text: string, options: NormalizeOptions): NormalizeResult {
  const email = text.replace(ANY_WHITE_SPACE, '').toLowerCase();
  if (!EMAIL.test(email)) return rejected('invalid_email');
  const at = email.indexOf('@');
  let local = email.slice(0, at);
  const domain = email.slice(at + 1);
  const plus = local.indexOf('+');
  if (plus >= 0) local = local.slice(0, plus);
  if (
    options.emailDots === 'strip-all' ||
    (options.emailDots === 'strip-gmail' && rules.gmailDomains.includes(domain))
  ) {
    local = local.replaceAll('.', '');
  }
  if (local === '') return rejected('invalid_email');
  return { status: 'ok', normalized: `${local}@${domain}` };
}

function normalizePhone(text: string, options: NormalizeOptions): NormalizeResult {
  let digits = text.replace(NOT_PHONE_CHARACTER, '');
  if (digits.lastIndexOf('+') > 0) return rejected('invalid_phone');
  if (digits.startsWith('00')) digits = `+${digits.slice(2)}`;
  if (digits === '' || digits === '+') return rejected('invalid_phone');
  // Same result as libphonenumber-js/max's parsePhoneNumberFromString(digits, { defaultCountry, extract: false })
  // and isValid(), several times faster (phone-validator.ts).
  const e164 = validPhoneE164(digits, options.phoneRegion);
  if (e164 === null) return rejected('invalid_phone');
  return { status: 'ok', normalized: options.phoneFormat === 'e164' ? e164 : e164.slice(1) };
}

function normalizeDeviceId(text: string): NormalizeResult {
  let id = text.toLowerCase();
  // The usual dashed form first: an id that has it cannot be the compact form (no dashes).
  if (!DEVICE_ID.test(id)) {
    if (!DEVICE_ID_COMPACT.test(id)) return rejected('invalid_device_id');
    id = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
  }
  if (id === rules.zeroDeviceId) return rejected('zero_device_id');
  return { status: 'ok', normalized: id };
}

/** Turns one raw cell into the exact string TikTok expects hashed (normalization.md, tiktok v1). */
export function normalizeIdentifier(type: IdentifierType, raw: unknown, options: NormalizeOptions): NormalizeResult {
  const cleaned = cleanCell(raw);
  if (typeof cleaned !== 'string') return cleaned;
  if (cleaned.length === 64 && PREHASHED.test(cleaned)) {
    return options.prehashed === 'reject'
      ? rejected('prehashed_not_allowed')
      : { status: 'prehashed', normalized: cleaned.toLowerCase() };
  }
  switch (type) {
    case 'EMAIL':
      return normalizeEmail(cleaned, options);
    case 'PHONE':
      return normalizePhone(cleaned, options);
    case 'IDFA':
    case 'GAID':
    case 'MAID':
      return normalizeDeviceId(cleaned);
  }
}

import { REJECT_REASONS, rules, type IdentifierType, type RejectReason } from './rules.ts';
import type { NormalizeOptions } from './normalize-options.ts';
import { validPhoneDigits } from './phone-validator.ts';

export type NormalizeResult =
  | { status: 'ok'; normalized: string }
  | { status: 'prehashed'; normalized: string }
  | { status: 'empty' }
  | { status: 'rejected'; reason: RejectReason };

/**
 * normalizeCell's verdict as a number: ok, prehashed, empty, or CELL_FIRST_REASON + the index of the
 * reject reason in REJECT_REASONS (the batch loop counts with it directly, no result object per cell).
 */
export const CELL_OK = 0;
export const CELL_PREHASHED = 1;
export const CELL_EMPTY = 2;
export const CELL_FIRST_REASON = 3;
const reject = (reason: RejectReason): number => CELL_FIRST_REASON + REJECT_REASONS.indexOf(reason);
const NOT_TEXT = reject('not_text');
const INVALID_EMAIL = reject('invalid_email');
const INVALID_PHONE = reject('invalid_phone');
const INVALID_DEVICE_ID = reject('invalid_device_id');
const ZERO_DEVICE_ID = reject('zero_device_id');
/** The verdict for the all-zero (opted-out) device id. */
export const CELL_ZERO_DEVICE_ID = ZERO_DEVICE_ID;
const PREHASHED_NOT_ALLOWED = reject('prehashed_not_allowed');
/** clean()'s "a string is left": it is in `cleaned`. */
const CLEANED = -1;

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

// Out slots of the last call (one thread runs one cell at a time): no object per cell.
let cleaned = '';
let normalized = '';

/**
 * Steps 1–3 of normalization.md shared by all types: the cell's kind, then NFKC, invisible
 * characters and edge white space. CLEANED with the text in `cleaned`, or a final verdict.
 */
function clean(raw: unknown): number {
  let text: string;
  if (typeof raw === 'string') text = raw;
  else if (raw === null || raw === undefined) return CELL_EMPTY;
  else if (typeof raw === 'number') {
    if (!Number.isFinite(raw) || !Number.isInteger(raw)) return NOT_TEXT;
    text = BigInt(raw).toString();
  } else if (typeof raw === 'bigint') text = raw.toString();
  else return NOT_TEXT;
  if (text === '') return CELL_EMPTY;
  if (!NEEDS_UNICODE_WORK.test(text)) {
    // Printable ASCII: the only white space it can hold is the space, and nothing changes in NFKC.
    let start = 0;
    let end = text.length;
    while (start < end && text.charCodeAt(start) === 0x20) start += 1;
    while (end > start && text.charCodeAt(end - 1) === 0x20) end -= 1;
    if (start === end) return CELL_EMPTY;
    cleaned = start === 0 && end === text.length ? text : text.slice(start, end);
    return CLEANED;
  }
  text = text.normalize('NFKC').replace(INVISIBLE, '');
  if (text === '') return CELL_EMPTY;
  if (isWhiteSpace(text.charCodeAt(0)) || isWhiteSpace(text.charCodeAt(text.length - 1))) {
    text = text.replace(EDGE_WHITE_SPACE, '');
  }
  if (text === '') return CELL_EMPTY;
  cleaned = text;
  return CLEANED;
}

const resultOf = (code: number): NormalizeResult => {
  if (code === CELL_OK) return { status: 'ok', normalized };
  if (code === CELL_PREHASHED) return { status: 'prehashed', normalized };
  if (code === CELL_EMPTY) return { status: 'empty' };
  return { status: 'rejected', reason: REJECT_REASONS[code - CELL_FIRST_REASON] as RejectReason };
};

/**
 * Steps 1–3 of normalization.md shared by all types: the cell's kind, then NFKC, invisible
 * characters and edge white space. Returns the cleaned text, or a final result.
 */
export function cleanCell(raw: unknown): string | NormalizeResult {
  const code = clean(raw);
  return code === CLEANED ? cleaned : resultOf(code);
}

const isAsciiAlphanumeric = (code: number): boolean =>
  (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a);

// What plainEmailMatches found: the `@`, the first `+` of the local part (-1: none), any A–Z.
let plainAt = 0;
let plainPlus = -1;
let plainUpper = false;

/**
 * Whether `text` is printable ASCII without spaces (so cleaning leaves it as it is and no white space
 * is removed) and lowercased certainly matches rules.emailPattern, by the pattern's own terms for
 * ASCII (\p{L} is A–Z/a–z there): at most 254 characters, no `..`; one `@` after 1–64 characters,
 * the first a letter or digit, the last not `.`; then labels of 1–63 letters, digits and inner `-`,
 * joined by `.`, the last 2–63 letters, at least two. False means "not sure": the caller then cleans
 * the cell and runs the pattern itself.
 */
function plainEmailMatches(text: string): boolean {
  const length = text.length;
  if (length > 254 || !isAsciiAlphanumeric(text.charCodeAt(0))) return false;
  let upper = text.charCodeAt(0) <= 0x5a && text.charCodeAt(0) >= 0x41;
  let plus = -1;
  let at = 1;
  let previous = text.charCodeAt(0);
  for (; at < length; at += 1) {
    const code = text.charCodeAt(at);
    if (code === 0x40) break; // '@'
    // Not printable ASCII, a space, or '..'.
    if (code <= 0x20 || code > 0x7e || (code === 0x2e && previous === 0x2e)) return false;
    if (code <= 0x5a && code >= 0x41) upper = true;
    else if (code === 0x2b && plus < 0) plus = at;
    previous = code;
  }
  if (at === length || at > 64 || previous === 0x2e) return false;
  let labels = 0;
  let labelStart = at + 1;
  let lettersOnly = true;
  for (let index = labelStart; index <= length; index += 1) {
    const code = index === length ? 0x2e : text.charCodeAt(index);
    if (code === 0x2e) {
      const labelLength = index - labelStart;
      if (labelLength === 0 || labelLength > 63 || text.charCodeAt(index - 1) === 0x2d) return false;
      labels += 1;
      if (index === length) {
        if (labels < 2 || !lettersOnly || labelLength < 2) return false;
        plainAt = at;
        plainPlus = plus;
        plainUpper = upper;
        return true;
      }
      labelStart = index + 1;
      lettersOnly = true;
    } else if (code >= 0x61 && code <= 0x7a) {
      // a lowercase letter
    } else if (code >= 0x41 && code <= 0x5a) {
      upper = true;
    } else if ((code >= 0x30 && code <= 0x39) || (code === 0x2d && index > labelStart)) {
      lettersOnly = false;
    } else {
      return false;
    }
  }
  return false;
}

/** EMAIL steps 3–4 on an address the pattern accepts (lowercased): `at` its `@`, `plus` its local part's first `+`. */
function emailResult(email: string, at: number, plus: number, options: NormalizeOptions): number {
  const stripDots =
    options.emailDots === 'strip-all' ||
    (options.emailDots === 'strip-gmail' && rules.gmailDomains.includes(email.slice(at + 1)));
  if (plus < 0 && !stripDots) {
    normalized = email; // the local part is non-empty: the pattern starts it with a letter or digit
    return CELL_OK;
  }
  let local = plus < 0 ? email.slice(0, at) : email.slice(0, plus);
  if (stripDots) local = local.replaceAll('.', '');
  if (local === '') return INVALID_EMAIL;
  normalized = `${local}@${email.slice(at + 1)}`;
  return CELL_OK;
}

/** An address plainEmailMatches accepted (its findings still in plainAt, plainPlus, plainUpper). */
const plainEmailResult = (text: string, options: NormalizeOptions): number =>
  emailResult(plainUpper ? text.toLowerCase() : text, plainAt, plainPlus, options);

/** EMAIL steps 2–4 by the rules' pattern (the cells plainEmailMatches is not sure of). */
function normalizeEmail(text: string, options: NormalizeOptions): number {
  const email = text.replace(ANY_WHITE_SPACE, '').toLowerCase();
  if (!EMAIL.test(email)) return INVALID_EMAIL;
  const at = email.indexOf('@');
  const plus = email.indexOf('+');
  return emailResult(email, at, plus < at ? plus : -1, options);
}

/**
 * What cleaning and then NOT_PHONE_CHARACTER leave of a raw cell that cleaning would leave as it is
 * but for edge spaces (which the phone rule drops anyway): printable ASCII, shorter than a
 * 64-hex-digit digest, not blank. Null for any other cell. The runs between removed characters are
 * joined (fewer strings than adding one character at a time, or a regex replace).
 */
function plainPhoneCharacters(text: string): string | null {
  if (text.length >= 64) return null;
  let kept = '';
  let from = 0;
  let blank = true;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if ((code >= 0x30 && code <= 0x39) || code === 0x2b) {
      blank = false;
      continue;
    }
    if (code < 0x20 || code > 0x7e) return null;
    if (code !== 0x20) blank = false;
    if (index > from) kept += text.slice(from, index);
    from = index + 1;
  }
  if (blank) return null;
  if (from === 0) return text;
  return from < text.length ? kept + text.slice(from) : kept;
}

function normalizePhone(text: string, options: NormalizeOptions): number {
  return phoneResult(text.replace(NOT_PHONE_CHARACTER, ''), options);
}

/** PHONE steps 1–3 after the characters but digits and `+` are gone; on CELL_OK the number is lastNormalized(). */
export function phoneResult(kept: string, options: NormalizeOptions): number {
  let digits = kept;
  if (digits.lastIndexOf('+') > 0) return INVALID_PHONE;
  if (digits.startsWith('00')) digits = `+${digits.slice(2)}`;
  if (digits === '' || digits === '+') return INVALID_PHONE;
  // Same result as libphonenumber-js/max's parsePhoneNumberFromString(digits, { defaultCountry, extract: false })
  // and isValid(), several times faster (phone-validator.ts), without its `+`.
  const valid = validPhoneDigits(digits, options.phoneRegion);
  if (valid === null) return INVALID_PHONE;
  normalized = options.phoneFormat === 'e164' ? `+${valid}` : valid;
  return CELL_OK;
}

/** Character code → whether it is 0-9, a-f or A-F (a table: faster than range tests in the loop). */
const HEX_DIGIT = new Uint8Array(128);
for (const digit of '0123456789abcdefABCDEF') HEX_DIGIT[digit.charCodeAt(0)] = 1;

/**
 * Whether `text` is 36 characters in the 8-4-4-4-12 form of hex digits (either case): then it
 * lowercased matches rules.deviceIdPattern. (A false is settled by the pattern itself.)
 */
function isDashedHexUuid(text: string): boolean {
  if (text.length !== 36) return false;
  for (let index = 0; index < 36; index += 1) {
    const code = text.charCodeAt(index);
    if (index === 8 || index === 13 || index === 18 || index === 23) {
      if (code !== 0x2d) return false;
    } else if (code > 0x7f || HEX_DIGIT[code] === 0) {
      return false;
    }
  }
  return true;
}

function normalizeDeviceId(text: string): number {
  let id = text.toLowerCase();
  // The usual dashed form first: an id that has it cannot be the compact form (no dashes).
  if (!DEVICE_ID.test(id)) {
    if (!DEVICE_ID_COMPACT.test(id)) return INVALID_DEVICE_ID;
    id = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
  }
  return deviceIdResult(id);
}

/** DEVICE ID step 3 on a lowercase dashed UUID. */
function deviceIdResult(id: string): number {
  if (id === rules.zeroDeviceId) return ZERO_DEVICE_ID;
  normalized = id;
  return CELL_OK;
}

/**
 * normalizeIdentifier without a result object, for the batch loop: the verdict (CELL_OK,
 * CELL_PREHASHED, CELL_EMPTY or CELL_FIRST_REASON + reject reason index); after CELL_OK or
 * CELL_PREHASHED, lastNormalized() is the string.
 */
export function normalizeCell(type: IdentifierType, raw: unknown, options: NormalizeOptions): number {
  // The common cells first, straight from the raw text: each fast check below accepts only text that
  // cleaning leaves unchanged and that is not 64 hex digits, so steps 1–4 would change nothing.
  if (typeof raw === 'string') {
    if (type === 'EMAIL') {
      if (plainEmailMatches(raw)) return plainEmailResult(raw, options);
    } else if (type === 'PHONE') {
      const digits = plainPhoneCharacters(raw);
      if (digits !== null) return phoneResult(digits, options);
    } else if (isDashedHexUuid(raw)) {
      return deviceIdResult(raw.toLowerCase());
    }
  }
  const code = clean(raw);
  if (code !== CLEANED) return code;
  const text = cleaned;
  if (text.length === 64 && PREHASHED.test(text)) {
    if (options.prehashed === 'reject') return PREHASHED_NOT_ALLOWED;
    normalized = text.toLowerCase();
    return CELL_PREHASHED;
  }
  switch (type) {
    case 'EMAIL':
      // Cleaning changed the cell (e.g. trimmed it): the fast check may accept it now; an unchanged
      // string was already checked above.
      return text !== raw && plainEmailMatches(text) ? plainEmailResult(text, options) : normalizeEmail(text, options);
    case 'PHONE':
      return normalizePhone(text, options);
    case 'IDFA':
    case 'GAID':
    case 'MAID':
      return normalizeDeviceId(text);
  }
}

/** The normalized string of the last normalizeCell call that returned CELL_OK or CELL_PREHASHED. */
export function lastNormalized(): string {
  return normalized;
}

/** Turns one raw cell into the exact string TikTok expects hashed (normalization.md, tiktok v1). */
export function normalizeIdentifier(type: IdentifierType, raw: unknown, options: NormalizeOptions): NormalizeResult {
  return resultOf(normalizeCell(type, raw, options));
}

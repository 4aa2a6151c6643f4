import { REJECT_REASONS, rules, type IdentifierType, type RejectReason } from './rules.ts';
import type { NormalizeOptions } from './normalize-options.ts';
import { validPhoneE164 } from './phone-validator.ts';

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
/** Whether `cleaned` is printable ASCII (U+0020–U+007E) with no space at either end. */
let cleanedAscii = false;
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
    cleanedAscii = true;
    return CLEANED;
  }
  text = text.normalize('NFKC').replace(INVISIBLE, '');
  if (text === '') return CELL_EMPTY;
  if (isWhiteSpace(text.charCodeAt(0)) || isWhiteSpace(text.charCodeAt(text.length - 1))) {
    text = text.replace(EDGE_WHITE_SPACE, '');
  }
  if (text === '') return CELL_EMPTY;
  cleaned = text;
  cleanedAscii = false;
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
const isAsciiLetter = (code: number): boolean => (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a);

/**
 * Whether printable ASCII `text` (no white space at its ends) lowercased certainly matches
 * rules.emailPattern, by the pattern's own terms for ASCII (\p{L} is A–Z/a–z there): at most 254
 * characters, no `..`; one `@` after 1–64 characters, the first a letter or digit, the last not `.`;
 * then labels of 1–63 letters, digits and inner `-`, joined by `.`, the last 2–63 letters, at least two.
 * False means "not sure" (a space inside, say): the caller then runs the pattern itself.
 */
function plainEmailMatches(text: string): boolean {
  const length = text.length;
  if (length > 254 || !isAsciiAlphanumeric(text.charCodeAt(0))) return false;
  let at = 1;
  let previous = text.charCodeAt(0);
  for (; at < length; at += 1) {
    const code = text.charCodeAt(at);
    if (code === 0x40) break; // '@'
    if (code === 0x20 || (code === 0x2e && previous === 0x2e)) return false; // a space; '..'
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
      if (index === length) return labels >= 2 && lettersOnly && labelLength >= 2;
      labelStart = index + 1;
      lettersOnly = true;
    } else if (isAsciiLetter(code)) {
      // a letter
    } else if ((code >= 0x30 && code <= 0x39) || (code === 0x2d && index > labelStart)) {
      lettersOnly = false;
    } else {
      return false;
    }
  }
  return false;
}

function normalizeEmail(text: string, ascii: boolean, options: NormalizeOptions): number {
  let email: string;
  if (ascii && plainEmailMatches(text)) {
    email = text.toLowerCase();
  } else {
    email = text.replace(ANY_WHITE_SPACE, '').toLowerCase();
    if (!EMAIL.test(email)) return INVALID_EMAIL;
  }
  const at = email.indexOf('@');
  const plus = email.indexOf('+');
  const stripDots =
    options.emailDots === 'strip-all' ||
    (options.emailDots === 'strip-gmail' && rules.gmailDomains.includes(email.slice(at + 1)));
  if ((plus < 0 || plus > at) && !stripDots) {
    normalized = email; // the local part is non-empty: the pattern starts it with a letter or digit
    return CELL_OK;
  }
  let local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (plus >= 0 && plus < at) local = local.slice(0, plus);
  if (stripDots) local = local.replaceAll('.', '');
  if (local === '') return INVALID_EMAIL;
  normalized = `${local}@${domain}`;
  return CELL_OK;
}

/** `text` without every character but 0-9 and `+` (what NOT_PHONE_CHARACTER removes), by char codes. */
function phoneCharacters(text: string): string {
  let kept = '';
  let dropped = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if ((code >= 0x30 && code <= 0x39) || code === 0x2b) kept += text[index] as string;
    else dropped = true;
  }
  return dropped ? kept : text;
}

function normalizePhone(text: string, options: NormalizeOptions): number {
  let digits = text.length <= 64 ? phoneCharacters(text) : text.replace(NOT_PHONE_CHARACTER, '');
  if (digits.lastIndexOf('+') > 0) return INVALID_PHONE;
  if (digits.startsWith('00')) digits = `+${digits.slice(2)}`;
  if (digits === '' || digits === '+') return INVALID_PHONE;
  // Same result as libphonenumber-js/max's parsePhoneNumberFromString(digits, { defaultCountry, extract: false })
  // and isValid(), several times faster (phone-validator.ts).
  const e164 = validPhoneE164(digits, options.phoneRegion);
  if (e164 === null) return INVALID_PHONE;
  normalized = options.phoneFormat === 'e164' ? e164 : e164.slice(1);
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
  let id: string;
  if (isDashedHexUuid(text)) {
    id = text.toLowerCase();
  } else {
    id = text.toLowerCase();
    // The usual dashed form first: an id that has it cannot be the compact form (no dashes).
    if (!DEVICE_ID.test(id)) {
      if (!DEVICE_ID_COMPACT.test(id)) return INVALID_DEVICE_ID;
      id = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
    }
  }
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
      return normalizeEmail(text, cleanedAscii, options);
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

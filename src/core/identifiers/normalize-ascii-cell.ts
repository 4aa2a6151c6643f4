import { CELL_EMPTY, CELL_OK, CELL_ZERO_DEVICE_ID, phoneResult } from './normalize-identifier.ts';
import type { NormalizeOptions } from './normalize-options.ts';

/**
 * normalizeCell's common cases read straight from a cell's bytes, for string values that are
 * printable ASCII (0x20–0x7E) and unescaped in a JSON line (json-line-fields.ts), with no string
 * made for an email or a device id: the normalized value is a byte range of the cell (emailRange),
 * to be hashed with A–Z folded to a–z. Each function accepts only what normalizeCell's own fast
 * checks accept (plainEmailMatches, plainPhoneCharacters, isDashedHexUuid), decides it the same way,
 * and returns NOT_SURE for anything else, which the caller then gives to normalizeCell as a string.
 * So the verdicts and values are normalizeCell's (tests/unit/core/identifiers/normalize-ascii-cell.test.ts
 * compares them on generated cells).
 */

/** "Ask normalizeCell": the bytes alone do not settle the cell here. */
export const NOT_SURE = -1;
/** The most bytes of an email's valueRange (a single SHA-256 block's message; longer ones are NOT_SURE). */
export const MAX_ASCII_VALUE_BYTES = 55;

/**
 * The value of the last normalizeAsciiEmail or normalizeAsciiDeviceId that returned CELL_OK, as
 * offsets into its bytes: `start…localEnd` then `at…end` (an email's `+tag` is what lies between;
 * localEnd === at when there is none, and for a device id), A–Z still to be folded to a–z.
 */
export const valueRange = { start: 0, localEnd: 0, at: 0, end: 0 };

/** CELL_OK with valueRange set to `start…localEnd` then `at…end`. */
export function acceptRange(start: number, localEnd: number, at: number, end: number): number {
  valueRange.start = start;
  valueRange.localEnd = localEnd;
  valueRange.at = at;
  valueRange.end = end;
  return CELL_OK;
}

const isLetterOrDigit = (code: number): boolean =>
  (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a);

/** Cells of 64 characters may be digests (step 4): normalizeCell decides them. */
const DIGEST_LENGTH = 64;

/**
 * EMAIL, `bytes[start…end)` printable ASCII: edge spaces trimmed (cleaning), then the checks of
 * normalize-identifier.ts's plainEmailMatches; an accepted address is valueRange: the address
 * without its `+tag` (at most 55 bytes, else NOT_SURE). Only for `emailDots: keep`.
 */
export function normalizeAsciiEmail(bytes: Uint8Array, start: number, end: number, options: NormalizeOptions): number {
  while (start < end && bytes[start] === 0x20) start += 1;
  while (end > start && bytes[end - 1] === 0x20) end -= 1;
  if (start === end) return CELL_EMPTY;
  const length = end - start;
  if (length > 254 || length === DIGEST_LENGTH || options.emailDots !== 'keep') return NOT_SURE;
  if (!isLetterOrDigit(bytes[start] as number)) return NOT_SURE;
  let plus = -1;
  let atSign = start + 1;
  let previous = bytes[start] as number;
  for (; atSign < end; atSign += 1) {
    const code = bytes[atSign] as number;
    if (code === 0x40) break;
    if (code === 0x20 || (code === 0x2e && previous === 0x2e)) return NOT_SURE;
    if (code === 0x2b && plus < 0) plus = atSign;
    previous = code;
  }
  if (atSign === end || atSign - start > 64 || previous === 0x2e) return NOT_SURE;
  let labels = 0;
  let labelStart = atSign + 1;
  let lettersOnly = true;
  for (let index = labelStart; index <= end; index += 1) {
    const code = index === end ? 0x2e : (bytes[index] as number);
    if (code === 0x2e) {
      const labelLength = index - labelStart;
      if (labelLength === 0 || labelLength > 63 || bytes[index - 1] === 0x2d) return NOT_SURE;
      labels += 1;
      labelStart = index + 1;
      if (index === end && (labels < 2 || !lettersOnly || labelLength < 2)) return NOT_SURE;
      lettersOnly = true;
    } else if ((code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a)) {
      // a letter
    } else if ((code >= 0x30 && code <= 0x39) || (code === 0x2d && index > labelStart)) {
      lettersOnly = false;
    } else {
      return NOT_SURE;
    }
  }
  // Step 3: the `+tag` goes; the local part keeps at least its first character (a letter or digit).
  const localEnd = plus < 0 ? atSign : plus;
  const size = localEnd - start + (end - atSign);
  if (size > MAX_ASCII_VALUE_BYTES) return NOT_SURE;
  return acceptRange(start, localEnd, atSign, end);
}

/** Whether a byte is 0-9, a-f or A-F. */
const HEX_DIGIT = new Uint8Array(256);
for (const digit of '0123456789abcdefABCDEF') HEX_DIGIT[digit.charCodeAt(0)] = 1;

/**
 * IDFA, GAID or MAID, `bytes[start…end)` printable ASCII: a 36-character dashed UUID of hex digits
 * (normalize-identifier.ts's isDashedHexUuid) is valueRange (the whole cell), or rejected as the
 * all-zero id; anything else is NOT_SURE.
 */
export function normalizeAsciiDeviceId(bytes: Uint8Array, start: number, end: number): number {
  if (end - start !== 36) return NOT_SURE;
  let zero = true;
  for (let index = 0; index < 36; index += 1) {
    const code = bytes[start + index] as number;
    if (index === 8 || index === 13 || index === 18 || index === 23) {
      if (code !== 0x2d) return NOT_SURE;
    } else if (HEX_DIGIT[code] === 0) {
      return NOT_SURE;
    } else if (code !== 0x30) {
      zero = false;
    }
  }
  if (zero) return CELL_ZERO_DEVICE_ID;
  return acceptRange(start, end, end, end);
}

/**
 * PHONE, `text.slice(start, end)` printable ASCII (`text` the Latin-1 string of `bytes`): what
 * normalize-identifier.ts's plainPhoneCharacters keeps (digits and `+`), then its phone rules; the
 * normalized number is then lastNormalized() (a string: the validator works on strings).
 */
export function normalizeAsciiPhone(
  text: string,
  bytes: Uint8Array,
  start: number,
  end: number,
  options: NormalizeOptions,
): number {
  if (end - start >= DIGEST_LENGTH) return NOT_SURE;
  let kept = '';
  let from = start;
  let blank = true;
  for (let index = start; index < end; index += 1) {
    const code = bytes[index] as number;
    if ((code >= 0x30 && code <= 0x39) || code === 0x2b) {
      blank = false;
      continue;
    }
    if (code !== 0x20) blank = false;
    if (index > from) kept += text.slice(from, index);
    from = index + 1;
  }
  if (blank) return NOT_SURE;
  if (from < end) kept += text.slice(from, end);
  return phoneResult(kept, options);
}

/**
 * The mapped fields of a JSON Lines record, found in the line's bytes without JSON.parse, for the
 * common shape of audience files: one flat object of printable-ASCII keys and values without escapes.
 *
 * Why: JSON.parse builds an object with every field of every line (≈ 20% of a row's cost in the
 * workers); this reads the bytes once and hands back where the mapped values are, so only those
 * become strings. It is a strict subset of JSON: a line it accepts is valid JSON and the values it
 * reports are the ones `JSON.parse(line)[column]` gives (own properties, the last of duplicate
 * keys). Anything else — escapes, bytes outside 0x20–0x7E in a string, nested values, a mapped
 * field that is a number or boolean, a syntax error, a blank line — is left to JSON.parse by the
 * caller (`scan` returns false), which decides exactly as before.
 */

/** `valueStart` of a mapped field the line does not have. */
export const FIELD_MISSING = -1;
/** `valueStart` of a mapped field whose value is `null`. */
export const FIELD_NULL = -2;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** What the batch loop needs of a scanner: this one, or the same in WebAssembly (adapters). */
export interface LineFieldScanner {
  readonly valueStart: Int32Array;
  readonly valueEnd: Int32Array;
  /** The line's end, or -1: see JsonLineFieldScanner.scanLine. */
  scanLine(bytes: Uint8Array, start: number): number;
}

export class JsonLineFieldScanner implements LineFieldScanner {
  /** Per mapped column: the byte offset of its string value's first character (inside the quotes), or FIELD_MISSING / FIELD_NULL. */
  readonly valueStart: Int32Array;
  /** Per mapped column with a string value: the offset just after its last character. */
  readonly valueEnd: Int32Array;
  /** The mapped columns as bytes; null for a name no unescaped ASCII key can spell (never found here). */
  private readonly names: Array<Uint8Array | null>;

  /** `columns`: distinct names (a column that feeds several mapping entries is scanned for once). */
  constructor(columns: readonly string[]) {
    if (new Set(columns).size !== columns.length) throw new RangeError('JsonLineFieldScanner: name each column once');
    this.names = columns.map((column) =>
      /^[\x20-\x7e]*$/.test(column) ? Uint8Array.from(column, (character) => character.charCodeAt(0)) : null,
    );
    this.valueStart = new Int32Array(columns.length);
    this.valueEnd = new Int32Array(columns.length);
  }

  /**
   * Reads the line that starts at `start` and ends at the next `\n` or the end of `bytes`. Its end
   * (the `\n`'s offset, or bytes.length) when the line is one flat object in this scanner's subset,
   * with valueStart/valueEnd saying where each mapped column's value is; -1 otherwise: leave the line
   * to JSON.parse.
   */
  scanLine(bytes: Uint8Array, start: number): number {
    // Every step below stops at a line feed (not white space, not in a plain string): a line that
    // ends before its object closes is refused, and one that closes ends at the line feed.
    const end = this.scanObject(bytes, start, bytes.length);
    return end >= 0 && (end === bytes.length || bytes[end] === 0x0a) ? end : -1;
  }

  /**
   * Reads `bytes[start…end)` (one line, without its `\n`). True: the line is one flat object in this
   * scanner's subset and valueStart/valueEnd say where each mapped column's value is. False: leave
   * the line to JSON.parse.
   */
  scan(bytes: Uint8Array, start: number, end: number): boolean {
    return this.scanObject(bytes, start, end) === end;
  }

  /** The object from `start` (after white space), then white space: where that ends, or -1. */
  private scanObject(bytes: Uint8Array, start: number, end: number): number {
    const valueStart = this.valueStart;
    valueStart.fill(FIELD_MISSING);
    let at = skipWhiteSpace(bytes, start, end);
    if (at >= end || bytes[at] !== OPEN_BRACE) return -1;
    at = skipWhiteSpace(bytes, at + 1, end);
    if (at < end && bytes[at] === CLOSE_BRACE) return skipWhiteSpace(bytes, at + 1, end);
    for (;;) {
      if (at >= end || bytes[at] !== QUOTE) return -1;
      const keyEnd = plainStringEnd(bytes, at + 1, end);
      if (keyEnd < 0) return -1;
      const field = this.fieldOf(bytes, at + 1, keyEnd);
      at = skipWhiteSpace(bytes, keyEnd + 1, end);
      if (at >= end || bytes[at] !== COLON) return -1;
      at = skipWhiteSpace(bytes, at + 1, end);
      if (at >= end) return -1;
      const first = bytes[at] as number;
      if (first === QUOTE) {
        const valueEnd = plainStringEnd(bytes, at + 1, end);
        if (valueEnd < 0) return -1;
        if (field >= 0) {
          valueStart[field] = at + 1;
          this.valueEnd[field] = valueEnd;
        }
        at = valueEnd + 1;
      } else if (first === 0x6e /* n */) {
        if (!isWord(bytes, at, end, NULL_WORD)) return -1;
        if (field >= 0) valueStart[field] = FIELD_NULL;
        at += NULL_WORD.length;
      } else if (field >= 0) {
        // A mapped number or boolean: JSON.parse's value decides (its text may not be its value).
        return -1;
      } else if (first === 0x74 /* t */) {
        if (!isWord(bytes, at, end, TRUE_WORD)) return -1;
        at += TRUE_WORD.length;
      } else if (first === 0x66 /* f */) {
        if (!isWord(bytes, at, end, FALSE_WORD)) return -1;
        at += FALSE_WORD.length;
      } else {
        at = numberEnd(bytes, at, end);
        if (at < 0) return -1;
      }
      at = skipWhiteSpace(bytes, at, end);
      if (at >= end) return -1;
      if (bytes[at] === COMMA) {
        at = skipWhiteSpace(bytes, at + 1, end);
      } else if (bytes[at] === CLOSE_BRACE) {
        return skipWhiteSpace(bytes, at + 1, end);
      } else {
        return -1;
      }
    }
  }

  /** The mapped column whose name is bytes[start…end), or -1. */
  private fieldOf(bytes: Uint8Array, start: number, end: number): number {
    const length = end - start;
    const names = this.names;
    for (let field = 0; field < names.length; field += 1) {
      const name = names[field];
      if (name === null || name === undefined || name.length !== length) continue;
      let index = 0;
      while (index < length && name[index] === bytes[start + index]) index += 1;
      if (index === length) return field;
    }
    return -1;
  }
}

const NULL_WORD = Uint8Array.of(0x6e, 0x75, 0x6c, 0x6c);
const TRUE_WORD = Uint8Array.of(0x74, 0x72, 0x75, 0x65);
const FALSE_WORD = Uint8Array.of(0x66, 0x61, 0x6c, 0x73, 0x65);

/** JSON's white space is space, tab, line feed and carriage return (a line holds no line feed). */
function skipWhiteSpace(bytes: Uint8Array, at: number, end: number): number {
  while (at < end) {
    const code = bytes[at] as number;
    if (code !== 0x20 && code !== 0x09 && code !== 0x0d) break;
    at += 1;
  }
  return at;
}

/** From just after an opening quote: the closing quote's offset, or -1 for an escape, a byte outside 0x20–0x7E, or no end. */
function plainStringEnd(bytes: Uint8Array, at: number, end: number): number {
  while (at < end) {
    const code = bytes[at] as number;
    if (code === QUOTE) return at;
    if (code === BACKSLASH || code < 0x20 || code > 0x7e) return -1;
    at += 1;
  }
  return -1;
}

function isWord(bytes: Uint8Array, at: number, end: number, word: Uint8Array): boolean {
  if (end - at < word.length) return false;
  for (let index = 0; index < word.length; index += 1) if (bytes[at + index] !== word[index]) return false;
  return true;
}

const isDigit = (code: number | undefined): boolean => code !== undefined && code >= 0x30 && code <= 0x39;

/** A JSON number from `at` (RFC 8259: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?): its end, or -1. */
function numberEnd(bytes: Uint8Array, at: number, end: number): number {
  if (bytes[at] === 0x2d) at += 1;
  if (at >= end) return -1;
  if (bytes[at] === 0x30) at += 1;
  else if (isDigit(bytes[at])) while (at < end && isDigit(bytes[at])) at += 1;
  else return -1;
  if (at < end && bytes[at] === 0x2e) {
    const digits = at + 1;
    at = digits;
    while (at < end && isDigit(bytes[at])) at += 1;
    if (at === digits) return -1;
  }
  if (at < end && (bytes[at] === 0x65 || bytes[at] === 0x45)) {
    at += 1;
    if (at < end && (bytes[at] === 0x2b || bytes[at] === 0x2d)) at += 1;
    const digits = at;
    while (at < end && isDigit(bytes[at])) at += 1;
    if (at === digits) return -1;
  }
  return at;
}

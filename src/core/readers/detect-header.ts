import { normalizeIdentifier } from '../identifiers/normalize-identifier.ts';
import { DEFAULT_NORMALIZE_OPTIONS } from '../identifiers/normalize-options.ts';
import { maskIdentifier } from '../identifiers/mask-identifier.ts';
import { DelimitedTextParser, isBlankRow } from './read-delimited-text.ts';

/** Whether a CSV/TSV file's first row is a header: `auto` decides from the first rows (see firstRowLooksLikeData). */
export const HEADER_MODES = ['auto', 'present', 'absent'] as const;
export type HeaderMode = (typeof HEADER_MODES)[number];

/** Rows of the format sniff the auto decision looks at (the first row and the rows below it). */
export const HEADER_SNIFF_ROWS = 50;

/** The identifier types a value is tried as: IDFA and GAID normalize like MAID. */
const IDENTIFIER_FAMILIES = ['EMAIL', 'PHONE', 'MAID'] as const;

/**
 * Whether a text normalizes (ok or pre-hashed) as an email, a phone number (default region) or a
 * device ID. Such a text is personal data: a header cell like it means the "header" is a record,
 * and a column named like it is never echoed unmasked.
 */
export function looksLikeIdentifier(text: string): boolean {
  return IDENTIFIER_FAMILIES.some((type) => {
    const { status } = normalizeIdentifier(type, text, DEFAULT_NORMALIZE_OPTIONS);
    return status === 'ok' || status === 'prehashed';
  });
}

/** A column name as shown in errors, manifests and rejects: masked when it is itself an identifier. */
export function displayColumnName(name: string): string {
  return looksLikeIdentifier(name) ? maskIdentifier(name) : name;
}

// Digits with the punctuation of numbers, phones and dates; spelled out (not \d, \s) so Python's `re` matches alike.
const NUMBER_LIKE = /^[0-9 ()+\-./:]*[0-9][0-9 ()+\-./:]*$/u;

/**
 * The `auto` rule (docs/normalization.md, "Headerless files"): the first row is data, not a header,
 * when one of its cells normalizes as an identifier, or when it has the shape of the rows below —
 * some column whose cells below are all number-like (non-empty ones) has a number-like first cell,
 * and no such column has a first cell that is not number-like (`id` above `1, 2, 3` is a header).
 */
export function firstRowLooksLikeData(rows: string[][]): boolean {
  const [first, ...below] = rows;
  if (first === undefined) return false;
  if (first.some((cell) => looksLikeIdentifier(cell))) return true;
  const sameShape = below.filter((row) => row.length === first.length);
  if (sameShape.length === 0) return false;
  let matching = 0;
  for (let column = 0; column < first.length; column++) {
    const values = sameShape.map((row) => (row[column] as string).trim()).filter((value) => value !== '');
    if (values.length === 0 || !values.every((value) => NUMBER_LIKE.test(value))) continue;
    const cell = (first[column] as string).trim();
    if (cell === '') continue;
    if (!NUMBER_LIKE.test(cell)) return false;
    matching++;
  }
  return matching > 0;
}

/**
 * Whether the first row of a delimited file is its header, from the format sniff (`text`, the
 * file's first bytes decoded; `truncated` when there is more, so the last row may be cut and is left out).
 */
export function hasHeaderRow(text: string, delimiter: string, truncated: boolean, mode: HeaderMode): boolean {
  if (mode !== 'auto') return mode === 'present';
  const rows: string[][] = [];
  new DelimitedTextParser(delimiter).push(text, true, (fields) => {
    if (rows.length > 0 || !isBlankRow(fields)) rows.push(fields);
  });
  if (truncated) rows.pop();
  return !firstRowLooksLikeData(rows.slice(0, HEADER_SNIFF_ROWS));
}

import { displayColumnName } from '../readers/detect-header.ts';

/** rejects.csv: one row per rejected cell and per malformed record. Never a raw value. */
export const REJECTS_HEADER = 'record_number,source,column,identifier_type,reason\n';

export interface RejectRow {
  recordNumber: number;
  source: string;
  /** Empty for a malformed record (the whole record is rejected). */
  column: string;
  identifierType: string;
  reason: string;
}

/** Column names as written: masked when the name is itself an identifier (few columns: remembered). */
const shownColumns = new Map<string, string>();

export function formatRejectRow(row: RejectRow): string {
  let column = shownColumns.get(row.column);
  if (column === undefined) {
    column = csvField(spreadsheetSafe(displayColumnName(row.column)));
    if (shownColumns.size < 1024) shownColumns.set(row.column, column);
  }
  return `${row.recordNumber},${csvField(spreadsheetSafe(row.source))},${column},${row.identifierType},${row.reason}\n`;
}

/** RFC 4180 quoting, only where needed (file and column names may hold commas or quotes). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * A file or column name a spreadsheet would run as a formula (`=HYPERLINK(…)`) gets a leading `'`
 * (OWASP, "CSV Injection"): cells starting with = + - @, a tab or a carriage return.
 */
export function spreadsheetSafe(value: string): string {
  return /^[=+\-@\t\r]/u.test(value) ? `'${value}` : value;
}

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

export function formatRejectRow(row: RejectRow): string {
  return `${row.recordNumber},${csvField(row.source)},${csvField(row.column)},${row.identifierType},${row.reason}\n`;
}

/** RFC 4180 quoting, only where needed (file and column names may hold commas or quotes). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

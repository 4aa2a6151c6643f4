// How numbers, sizes, dates and formats read in the app.
export const count = (n: number | null | undefined) => (n == null ? '—' : n.toLocaleString('en-US'));

export function bytes(n: number | null | undefined): string {
  if (n == null) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

export function percent(share: number | null | undefined): string {
  return share == null ? '—' : `${Math.round(share * 100)}%`;
}

export function duration(seconds: number | null): string {
  if (seconds == null) return '—';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds % 60)} s`;
}

const FORMATS: Array<[RegExp, string]> = [
  [/\.(jsonl|ndjson)$/, 'JSON Lines'],
  [/\.json$/, 'JSON'],
  [/\.csv$/, 'CSV'],
  [/\.tsv$/, 'TSV'],
  [/\.parquet$/, 'Parquet'],
  [/\.txt$/, 'text (CSV/TSV?)'],
];

/** The format a file's name suggests (the schema step detects the real one from its bytes). */
export function formatFromName(name: string): string {
  const lower = name.toLowerCase();
  const gzip = lower.endsWith('.gz');
  const base = gzip ? lower.slice(0, -3) : lower;
  const found = FORMATS.find(([pattern]) => pattern.test(base))?.[1] ?? 'unknown';
  return gzip ? `${found}, gzip` : found;
}

const DETECTED: Record<string, string> = {
  jsonl: 'JSON Lines',
  'json-array': 'JSON array',
  json: 'JSON',
  csv: 'CSV',
  tsv: 'TSV',
  parquet: 'Parquet',
};
export function detectedFormat(format: { format: string; compression: string }): string {
  const name = DETECTED[format.format] ?? format.format;
  return format.compression && format.compression !== 'none' ? `${name}, ${format.compression}` : name;
}

export const STATE_LABELS: Record<string, string> = {
  queued: 'Queued',
  transforming: 'Hashing',
  uploading: 'Uploading',
  processing: 'TikTok processing',
  completed: 'Completed',
  failed: 'Failed',
  partially_failed: 'Partly failed',
  cancelled: 'Cancelled',
};

export const REASON_LABELS: Record<string, string> = {
  not_text: 'not text',
  invalid_email: 'invalid email',
  invalid_phone: 'invalid phone',
  invalid_device_id: 'invalid device id',
  zero_device_id: 'opted-out device id (zeros)',
  prehashed_not_allowed: 'pre-hashed (policy rejects)',
  malformed_record: 'malformed record',
};

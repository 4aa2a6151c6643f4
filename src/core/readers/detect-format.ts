import { UserError } from '../errors.ts';
import type { ByteSource } from './byte-source.ts';
import type { DetectedFormat, InputFormat } from './input-record.ts';
import { collectBytes, gunzipChunks } from './gunzip.ts';
import { hasHeaderRow, type HeaderMode } from './detect-header.ts';

/** How much of a file (decompressed, for gzip) format detection looks at. */
const SNIFF_BYTES = 64 * 1024;

export const SUPPORTED_FORMATS_TEXT =
  'JSON Lines (.jsonl), a JSON array (.json), CSV/TSV with or without a header row (.csv, .tsv), Parquet (.parquet), and any of them gzip-compressed (.gz)';

/** Candidate CSV delimiters, in order of preference when counts tie. */
const DELIMITERS = [',', '\t', ';', '|'] as const;

export function unsupportedFormat(name: string, detail: string, cause?: unknown): UserError {
  return new UserError({
    code: 'unsupported_format',
    title: 'Unsupported or unreadable file format',
    detail: `"${name}": ${detail} Supported formats: ${SUPPORTED_FORMATS_TEXT}.`,
    resolution:
      'Export the data in one of the supported formats (UTF-8 text for JSON and CSV), or remove this file from the input.',
    field: 'input',
    kind: 'failure',
    cause,
  });
}

const EXTENSION_FORMATS: Record<string, InputFormat> = {
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  json: 'json-array',
  csv: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  parquet: 'parquet',
  pq: 'parquet',
};

function extensionsOf(name: string): { gzip: boolean; format: InputFormat | undefined; extension: string } {
  const base = (name.split('/').pop() ?? name).toLowerCase();
  const parts = base.split('.');
  let gzip = false;
  if (parts.length > 1 && (parts.at(-1) === 'gz' || parts.at(-1) === 'gzip')) {
    gzip = true;
    parts.pop();
  }
  const extension = parts.length > 1 ? (parts.at(-1) ?? '') : '';
  return { gzip, format: EXTENSION_FORMATS[extension], extension };
}

const startsWith = (bytes: Uint8Array, magic: number[]): boolean => magic.every((byte, index) => bytes[index] === byte);

const GZIP_MAGIC = [0x1f, 0x8b];
const PARQUET_MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"

export interface DetectFormatOptions {
  /** CSV/TSV: whether the first row is a header (default `auto`: decided from the first rows). */
  header?: HeaderMode;
}

/**
 * Finds a file's format from its content, with the extension as a tie-breaker: gzip magic → look
 * inside; `PAR1` → Parquet; first non-space `[` → JSON array, `{` → JSON Lines; otherwise CSV/TSV
 * with the delimiter that occurs most often in the first line, and whether that line is a header.
 */
export async function detectFormat(source: ByteSource, options: DetectFormatOptions = {}): Promise<DetectedFormat> {
  const header = options.header ?? 'auto';
  let head: Uint8Array;
  let size: number;
  try {
    size = await source.size();
    head = await source.readRange(0, Math.min(size, SNIFF_BYTES));
  } catch (error) {
    throw unsupportedFormat(source.name, 'the file could not be read.', error);
  }
  const hint = extensionsOf(source.name);
  if (startsWith(head, GZIP_MAGIC)) {
    let inner: Uint8Array;
    try {
      inner = await collectBytes(gunzipChunks(source.stream()), SNIFF_BYTES);
    } catch (error) {
      // A truncated stream still gives its first bytes; only a broken header ends up here.
      throw unsupportedFormat(source.name, 'it starts like a gzip file but could not be decompressed.', error);
    }
    return { ...detectUncompressed(source.name, inner, hint.format, hint.extension, header), compression: 'gzip' };
  }
  if (hint.gzip && head.byteLength > 0)
    throw unsupportedFormat(source.name, 'its name ends in .gz but it is not gzip-compressed.');
  return detectUncompressed(source.name, head, hint.format, hint.extension, header);
}

function detectUncompressed(
  name: string,
  bytes: Uint8Array,
  extensionFormat: InputFormat | undefined,
  extension: string,
  header: HeaderMode,
): DetectedFormat {
  if (startsWith(bytes, PARQUET_MAGIC)) return { format: 'parquet', compression: 'none' };
  if (extensionFormat === 'parquet') {
    throw unsupportedFormat(
      name,
      bytes.byteLength === 0
        ? 'the Parquet file is empty.'
        : 'its name ends in .parquet but it is not a Parquet file (no PAR1 header).',
    );
  }
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]))
    throw unsupportedFormat(name, 'it is a ZIP archive (or an Excel workbook).');
  if (startsWith(bytes, [0xff, 0xfe]) || startsWith(bytes, [0xfe, 0xff]))
    throw unsupportedFormat(name, 'it is UTF-16 text; only UTF-8 is read.');
  if (bytes.includes(0)) throw unsupportedFormat(name, 'it is a binary file, not text.');
  if (['xlsx', 'xls', 'avro', 'orc', 'zip'].includes(extension))
    throw unsupportedFormat(name, `.${extension} files are not read.`);

  const text = new TextDecoder().decode(bytes);
  const first = text.search(/\S/u);
  if (first === -1) {
    // Empty: nothing to read whatever the format; keep the one the name promises.
    const format = extensionFormat ?? 'jsonl';
    return format === 'csv'
      ? { format, compression: 'none', delimiter: ',', hasHeader: header !== 'absent' }
      : format === 'tsv'
        ? { format, compression: 'none', delimiter: '\t', hasHeader: header !== 'absent' }
        : { format, compression: 'none' };
  }
  const firstChar = text[first];
  if (firstChar === '[') return { format: 'json-array', compression: 'none' };
  if (firstChar === '{') {
    // A line that is just `{` starts a pretty-printed object: JSON Lines would read every line as malformed.
    const lineEnd = text.indexOf('\n', first);
    if (lineEnd !== -1 && text.slice(first, lineEnd).trim() === '{') {
      throw unsupportedFormat(
        name,
        'it holds JSON objects spread over several lines, not JSON Lines (one object per line) or a JSON array of objects.',
      );
    }
    return { format: 'jsonl', compression: 'none' };
  }
  const delimiter = detectDelimiter(
    text.slice(text.lastIndexOf('\n', first) + 1),
    extensionFormat === 'tsv' ? '\t' : ',',
  );
  // The sniff may end inside a row: then its last row is left out of the header decision.
  const hasHeader = hasHeaderRow(text, delimiter, bytes.byteLength >= SNIFF_BYTES, header);
  return { format: delimiter === '\t' ? 'tsv' : 'csv', compression: 'none', delimiter, hasHeader };
}

/** The candidate delimiter occurring most often outside quotes in the header line. */
export function detectDelimiter(text: string, fallback: string): string {
  const counts = new Map<string, number>(DELIMITERS.map((delimiter) => [delimiter, 0]));
  let inQuotes = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string;
    if (char === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (char === '\n' || char === '\r')) break;
    else if (!inQuotes && counts.has(char)) counts.set(char, (counts.get(char) ?? 0) + 1);
  }
  let best = fallback;
  let bestCount = counts.get(fallback) ?? 0;
  for (const [delimiter, count] of counts) {
    if (count > bestCount) {
      best = delimiter;
      bestCount = count;
    }
  }
  return best;
}

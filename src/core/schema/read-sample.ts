import type { ByteSource } from '../readers/byte-source.ts';
import { detectFormat } from '../readers/detect-format.ts';
import type { DetectedFormat } from '../readers/input-record.ts';
import type { HeaderMode } from '../readers/detect-header.ts';
import { readRecords } from '../readers/read-records.ts';

export const DEFAULT_SAMPLE_ROWS = 1000;
export const DEFAULT_MAX_SAMPLE_BYTES = 4 * 1024 * 1024;

/** The rows a preview looks at: the same bounds as GET /api/schema (first rows, first bytes). */
export interface SampleBounds {
  sampleRows?: number;
  maxSampleBytes?: number;
  /** CSV/TSV: whether the first row is a header (default `auto`, as everywhere). */
  header?: HeaderMode;
}

/**
 * Reads the bounded sample schema discovery reads — the first rows of the first source(s), at most
 * `maxSampleBytes` streamed — and keeps the records. Schema discovery and the mapping
 * preview both read it.
 */
export async function readSample(
  sources: ByteSource[],
  bounds: SampleBounds = {},
): Promise<{ records: Array<Record<string, unknown>>; malformedRows: number; format: DetectedFormat | undefined }> {
  const sampleRows = Math.max(1, bounds.sampleRows ?? DEFAULT_SAMPLE_ROWS);
  let bytesLeft = Math.max(1, bounds.maxSampleBytes ?? DEFAULT_MAX_SAMPLE_BYTES);
  const records: Array<Record<string, unknown>> = [];
  let malformedRows = 0;
  let firstFormat: DetectedFormat | undefined;
  for (const source of sources) {
    if (records.length + malformedRows >= sampleRows || bytesLeft <= 0) break;
    const format = await detectFormat(source, bounds.header ? { header: bounds.header } : {});
    firstFormat ??= format;
    // Parquet is read by range (bounded by `limit`). Gzip Parquet can only be read whole, once decompressed.
    const limited = format.format === 'parquet' ? undefined : limitStream(source, bytesLeft);
    const sample: Array<Record<string, unknown> | null> = [];
    let enough = false;
    try {
      for await (const batch of readRecords(limited ?? source, {
        format,
        batchSize: 256,
        limit: sampleRows - records.length - malformedRows,
      })) {
        sample.push(...batch.records);
        if (records.length + malformedRows + sample.length >= sampleRows) {
          enough = true;
          break;
        }
      }
    } catch (error) {
      // A sample cut at the byte limit can end mid-gzip-stream; anything else is a real error.
      if (!limited?.truncated) throw error;
    }
    // The record the byte limit cut through is incomplete: leave it out.
    if (limited?.truncated && !enough && sample.length > 0) sample.pop();
    bytesLeft -= limited?.served ?? 0;
    for (const record of sample.slice(0, sampleRows - records.length - malformedRows)) {
      if (record === null) malformedRows++;
      else records.push(record);
    }
  }
  return { records, malformedRows, format: firstFormat };
}

/** Wraps a source so that its stream ends after `limit` bytes (range reads pass through, for Parquet). */
function limitStream(source: ByteSource, limit: number): ByteSource & { served: number; truncated: boolean } {
  const limited = {
    name: source.name,
    served: 0,
    truncated: false,
    size: () => source.size(),
    readRange: (start: number, end: number) => source.readRange(start, end),
    async *stream(signal?: AbortSignal): AsyncGenerator<Uint8Array> {
      for await (const chunk of source.stream(signal)) {
        const room = limit - limited.served;
        if (chunk.byteLength > room) {
          limited.served += room;
          if (room > 0) yield chunk.subarray(0, room);
          limited.truncated = true;
          return;
        }
        limited.served += chunk.byteLength;
        yield chunk;
      }
    },
  };
  return limited;
}

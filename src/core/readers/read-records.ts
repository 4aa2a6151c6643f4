import type { ByteSource } from './byte-source.ts';
import type { DetectedFormat, RecordBatch } from './input-record.ts';
import { detectFormat } from './detect-format.ts';
import { collectBytes, gunzipChunks } from './gunzip.ts';
import { memoryByteSource } from './memory-byte-source.ts';
import type { ReaderContext } from './reader-context.ts';
import type { HeaderMode } from './detect-header.ts';
import { readJsonLines } from './read-json-lines.ts';
import { readJsonArray } from './read-json-array.ts';
import { readDelimitedText } from './read-delimited-text.ts';

export const DEFAULT_BATCH_SIZE = 8192;

export interface ReadRecordsOptions {
  /** Skip detection when the format is already known (e.g. from `detectFormat`). */
  format?: DetectedFormat;
  /** CSV/TSV: whether the first row is a header, when the format is detected here (default `auto`). */
  header?: HeaderMode;
  /** Records per batch (default 8192). */
  batchSize?: number;
  signal?: AbortSignal;
  /** Longest record in characters before giving up with `record_too_large` (default 32 Mi). */
  maxRecordChars?: number;
  /** Stop after this many records (a sample): Parquet then reads only the pages it needs. */
  limit?: number;
}

/**
 * Streams every record of one source in batches: JSON Lines, JSON array, CSV/TSV, Parquet, or any
 * of them gzip-compressed. Memory does not grow with the file. Record numbers are 1-based per source.
 */
export async function* readRecords(source: ByteSource, options: ReadRecordsOptions = {}): AsyncGenerator<RecordBatch> {
  if (options.limit === undefined) {
    yield* readAllRecords(source, options);
    return;
  }
  let left = options.limit;
  for await (const batch of readAllRecords(source, options)) {
    if (left <= 0) return;
    if (batch.records.length > left) batch.records.length = left;
    left -= batch.records.length;
    yield batch;
    if (left <= 0) return;
  }
}

async function* readAllRecords(source: ByteSource, options: ReadRecordsOptions): AsyncGenerator<RecordBatch> {
  const format = options.format ?? (await detectFormat(source, options.header ? { header: options.header } : {}));
  const context: ReaderContext = {
    source: source.name,
    batchSize: Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE),
    progress: { bytesRead: 0 },
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.maxRecordChars ? { maxRecordChars: options.maxRecordChars } : {}),
  };
  if (format.format === 'parquet') {
    // Loaded on first use: the Parquet reader and its codecs are ≈ 50 ms of every start-up otherwise.
    const { readParquet } = await import('./read-parquet.ts');
    if (format.compression === 'none') {
      yield* readParquet(source, context, options.limit);
      return;
    }
    // Random access to the decompressed bytes: where the source offers (a temporary file), else memory.
    const inflated: ByteSource & { dispose?(): Promise<void> } = source.gunzipForRandomAccess
      ? await source.gunzipForRandomAccess(options.signal)
      : memoryByteSource(source.name, await collectBytes(gunzipChunks(source.stream(options.signal), options.signal)));
    const compressedSize = await source.size();
    try {
      for await (const batch of readParquet(inflated, context, options.limit)) {
        // Progress is reported in the source's own (compressed) bytes, all read by now.
        yield { ...batch, bytesRead: compressedSize };
      }
    } finally {
      await inflated.dispose?.();
    }
    return;
  }
  const raw = countBytes(source.stream(options.signal), context.progress);
  const chunks = format.compression === 'gzip' ? gunzipChunks(raw, options.signal) : raw;
  switch (format.format) {
    case 'jsonl':
      yield* readJsonLines(chunks, context);
      return;
    case 'json-array':
      yield* readJsonArray(chunks, context);
      return;
    case 'csv':
    case 'tsv':
      yield* readDelimitedText(
        chunks,
        format.delimiter ?? (format.format === 'tsv' ? '\t' : ','),
        context,
        format.hasHeader ?? true,
      );
      return;
  }
}

async function* countBytes(
  chunks: AsyncIterable<Uint8Array>,
  progress: { bytesRead: number },
): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    progress.bytesRead += chunk.byteLength;
    yield chunk;
  }
}

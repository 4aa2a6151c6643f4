import { parquetMetadataAsync, parquetRead, parquetReadObjects, parquetSchema, type AsyncBuffer } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { ByteSource } from './byte-source.ts';
import type { RecordBatch } from './input-record.ts';
import { BatchBuilder, type ReaderContext } from './reader-context.ts';
import { unsupportedFormat } from './detect-format.ts';

const FOOTER_FETCH_BYTES = 64 * 1024;

/**
 * Parquet through hyparquet, one row group at a time via `readRange`, so memory is bounded by a
 * row group, not the file. Every codec Spark and Athena write (Snappy, gzip, zstd, Brotli, LZ4)
 * decodes through hyparquet-compressors. Values keep their Parquet types: INT64 arrives as `bigint`, strings as
 * strings, so a phone stored as an integer is never turned into a float. `limit` stops after that
 * many rows (a bounded sample).
 */
export async function* readParquet(
  source: ByteSource,
  context: ReaderContext,
  limit = Number.POSITIVE_INFINITY,
): AsyncGenerator<RecordBatch> {
  const size = await source.size();
  let served = 0;
  const file: AsyncBuffer = {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const bytes = await source.readRange(start, end ?? size);
      served += bytes.byteLength;
      return bytes.byteOffset === 0 &&
        bytes.byteLength === bytes.buffer.byteLength &&
        bytes.buffer instanceof ArrayBuffer
        ? bytes.buffer
        : (bytes.slice().buffer as ArrayBuffer);
    },
  };
  let metadata;
  try {
    // Footers are usually a few KiB; hyparquet's default first fetch is 512 KiB.
    metadata = await parquetMetadataAsync(file, { initialFetchSize: FOOTER_FETCH_BYTES });
  } catch (error) {
    throw unsupportedFormat(
      source.name,
      'it starts like a Parquet file but its footer could not be read (truncated or corrupt).',
      error,
    );
  }
  const batch = new BatchBuilder(context);
  // hyparquet builds rows by assignment, which drops a column named `__proto__`: then rows come as
  // arrays and become records with own keys.
  const names = parquetSchema(metadata).children.map((child) => child.element.name);
  const asArrays = names.includes('__proto__');
  let rowStart = 0;
  for (const rowGroup of metadata.row_groups) {
    if (rowStart >= limit) return;
    context.signal?.throwIfAborted();
    const groupEnd = rowStart + Number(rowGroup.num_rows);
    const rowEnd = Math.min(groupEnd, limit);
    let rows: Array<Record<string, unknown>>;
    try {
      // For a sample (rowEnd inside the group), the offset index lets hyparquet fetch only the first pages.
      const request = { file, metadata, rowStart, rowEnd, compressors, useOffsetIndex: rowEnd < groupEnd };
      rows = asArrays
        ? await new Promise<Array<Record<string, unknown>>>((resolve, reject) => {
            parquetRead({
              ...request,
              rowFormat: 'array',
              onComplete: (arrays) =>
                resolve(arrays.map((row) => Object.fromEntries(names.map((name, index) => [name, row[index]])))),
            }).catch(reject);
          })
        : await parquetReadObjects(request);
    } catch (error) {
      throw unsupportedFormat(
        source.name,
        `row group starting at row ${rowStart + 1} could not be decoded (corrupt, or an unsupported compression codec such as LZO).`,
        error,
      );
    }
    context.progress.bytesRead = Math.min(size, Math.max(context.progress.bytesRead, served));
    for (let offset = 0; offset < rows.length; offset += context.batchSize) {
      batch.records = rows.slice(offset, offset + context.batchSize);
      yield batch.take();
    }
    rowStart = groupEnd;
  }
}

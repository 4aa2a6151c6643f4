import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ColumnSource } from 'hyparquet-writer';
import type { ByteSource } from '../../../../src/core/readers/byte-source.ts';
import type { RecordBatch } from '../../../../src/core/readers/input-record.ts';
import { memoryByteSource } from '../../../../src/core/readers/memory-byte-source.ts';
import { readRecords, type ReadRecordsOptions } from '../../../../src/core/readers/read-records.ts';

/** Test sources built in memory; small chunks make records straddle chunk boundaries. */
export function textSource(name: string, text: string, chunkSize = 7): ByteSource {
  return memoryByteSource(name, new TextEncoder().encode(text), chunkSize);
}

export function gzipSource(name: string, bytes: Uint8Array | string, chunkSize = 5): ByteSource {
  return memoryByteSource(
    name,
    new Uint8Array(gzipSync(typeof bytes === 'string' ? Buffer.from(bytes) : bytes)),
    chunkSize,
  );
}

export function parquetBytes(columnData: ColumnSource[], rowGroupSize?: number): Uint8Array {
  return new Uint8Array(parquetWriteBuffer({ columnData, ...(rowGroupSize ? { rowGroupSize } : {}) }));
}

export async function readAllBatches(source: ByteSource, options?: ReadRecordsOptions): Promise<RecordBatch[]> {
  const batches: RecordBatch[] = [];
  for await (const batch of readRecords(source, options)) batches.push(batch);
  return batches;
}

export async function readAll(
  source: ByteSource,
  options?: ReadRecordsOptions,
): Promise<Array<Record<string, unknown> | null>> {
  return (await readAllBatches(source, options)).flatMap((batch) => batch.records);
}

/** Wraps a source and counts every byte it serves (streamed or by range). */
export function countingSource(inner: ByteSource): ByteSource & { served: () => number } {
  let served = 0;
  return {
    name: inner.name,
    served: () => served,
    size: () => inner.size(),
    async *stream(signal?: AbortSignal) {
      for await (const chunk of inner.stream(signal)) {
        served += chunk.byteLength;
        yield chunk;
      }
    },
    async readRange(start, end) {
      const bytes = await inner.readRange(start, end);
      served += bytes.byteLength;
      return bytes;
    },
  };
}

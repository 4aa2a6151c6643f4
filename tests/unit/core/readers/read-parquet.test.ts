import { brotliCompressSync, gzipSync } from 'node:zlib';
import { parquetMetadata } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { memoryByteSource } from '../../../../src/core/readers/memory-byte-source.ts';
import { UserError } from '../../../../src/core/errors.ts';
import { DEFAULT_NORMALIZE_OPTIONS, normalizeIdentifier } from '../../../../src/core/identifiers/index.ts';
import { countingSource, gzipSource, parquetBytes, readAll, readAllBatches } from './record-sources.ts';

describe('readRecords: Parquet', () => {
  it('reads an INT64 phone column as an integer (bigint), never a float', async () => {
    const bytes = parquetBytes([
      { name: 'phone', data: [16135550123n, 6135550124n, null], type: 'INT64', nullable: true },
      { name: 'email', data: ['a@b.co', null, 'c@d.co'], type: 'STRING', nullable: true },
      { name: 'age', data: [33, 44, 55], type: 'INT32' },
      { name: 'score', data: [0.5, 1.25, 2], type: 'DOUBLE' },
    ]);
    const records = await readAll(memoryByteSource('x.parquet', bytes));
    expect(records).toEqual([
      { phone: 16135550123n, email: 'a@b.co', age: 33, score: 0.5 },
      { phone: 6135550124n, email: null, age: 44, score: 1.25 },
      { phone: null, email: 'c@d.co', age: 55, score: 2 },
    ]);
    expect(typeof records[0]?.phone).toBe('bigint');
    // …so it normalizes like the digits it is (E.164 without "+", normalization.md), not "1.6135550123e10".
    expect(normalizeIdentifier('PHONE', records[0]?.phone, DEFAULT_NORMALIZE_OPTIONS)).toEqual({
      status: 'ok',
      normalized: '16135550123',
    });
    expect(normalizeIdentifier('PHONE', records[1]?.phone, DEFAULT_NORMALIZE_OPTIONS)).toEqual({
      status: 'ok',
      normalized: '16135550124',
    });
  });

  it('reads row group by row group, through range reads only, with record numbers across groups', async () => {
    const count = 2500;
    const emails = Array.from({ length: count }, (_, index) => `user${index}@example.com`);
    const bytes = parquetBytes([{ name: 'email', data: emails, type: 'STRING' }], 1000);
    const source = countingSource(memoryByteSource('x.parquet', bytes));
    const streamed: number[] = [];
    const batches = await readAllBatches(
      {
        ...source,
        stream: () => {
          streamed.push(1);
          return source.stream();
        },
      },
      { batchSize: 400 },
    );
    expect(streamed).toEqual([]);
    expect(batches.map((batch) => [batch.firstRecordNumber, batch.records.length])).toEqual([
      [1, 400],
      [401, 400],
      [801, 200],
      [1001, 400],
      [1401, 400],
      [1801, 200],
      [2001, 400],
      [2401, 100],
    ]);
    expect(batches.flatMap((batch) => batch.records.map((record) => record?.email))).toEqual(emails);
    expect(batches.at(-1)?.bytesRead).toBeLessThanOrEqual(bytes.byteLength);
  });

  it.each(['GZIP', 'BROTLI', 'UNCOMPRESSED'] as const)(
    'reads Parquet whose pages are compressed with %s',
    async (codec) => {
      const emails = Array.from({ length: 300 }, (_, index) => `user${index}@example.com`);
      const bytes = new Uint8Array(
        parquetWriteBuffer({
          columnData: [{ name: 'email', data: emails, type: 'STRING' }],
          codec,
          compressors: {
            GZIP: (input) => new Uint8Array(gzipSync(input)),
            BROTLI: (input) => new Uint8Array(brotliCompressSync(input)),
          },
        }),
      );
      expect(parquetMetadata(bytes).row_groups[0]?.columns[0]?.meta_data?.codec).toBe(codec);
      expect((await readAll(memoryByteSource('x.parquet', bytes))).map((record) => record?.email)).toEqual(emails);
    },
  );

  it('reads gzip-compressed Parquet (decompressed for random access)', async () => {
    const bytes = parquetBytes([{ name: 'email', data: ['a@b.co', 'c@d.co'], type: 'STRING' }]);
    const source = gzipSource('x.parquet.gz', bytes);
    const batches = await readAllBatches(source);
    expect(batches.flatMap((batch) => batch.records)).toEqual([{ email: 'a@b.co' }, { email: 'c@d.co' }]);
    expect(batches.at(-1)?.bytesRead).toBe(await source.size());
  });

  it('reads a Parquet file without rows as no records', async () => {
    const bytes = parquetBytes([{ name: 'email', data: [], type: 'STRING' }]);
    expect(await readAll(memoryByteSource('empty.parquet', bytes))).toEqual([]);
  });

  it('reports a truncated Parquet file as an unsupported format error', async () => {
    const bytes = parquetBytes([{ name: 'email', data: ['a@b.co'], type: 'STRING' }]);
    const error: unknown = await readAll(
      memoryByteSource('cut.parquet', bytes.subarray(0, bytes.byteLength - 10)),
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('unsupported_format');
    expect((error as UserError).detail).toContain('"cut.parquet"');
  });
});

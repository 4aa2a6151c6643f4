import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gunzipToTemporaryFile } from '../../../../src/adapters/node/gunzipped-file-byte-source.ts';
import { memoryByteSource } from '../../../../src/core/readers/memory-byte-source.ts';
import { readRecords } from '../../../../src/core/readers/read-records.ts';
import { parquetBytes } from '../../core/readers/record-sources.ts';

describe('gunzipToTemporaryFile', () => {
  it('lets readRecords read gzip Parquet from a temporary file, removed afterwards', async () => {
    const emails = Array.from({ length: 5000 }, (_, index) => `user${index}@example.com`);
    const source = memoryByteSource('x.parquet.gz', new Uint8Array(gzipSync(parquetBytes([{ name: 'email', data: emails, type: 'STRING' }], 2000))), 1024);
    const inflatedNames: string[] = [];
    const read: unknown[] = [];
    for await (const batch of readRecords(source, {
      materializeGunzipped: async (compressed, signal) => {
        const inflated = await gunzipToTemporaryFile(compressed, signal);
        inflatedNames.push(inflated.name);
        return inflated;
      },
    })) {
      read.push(...batch.records.map((record) => record?.email));
    }
    expect(read).toEqual(emails);
    expect(inflatedNames).toEqual(['x.parquet.gz']);
  });

  it('removes its file on dispose', async () => {
    const inflated = await gunzipToTemporaryFile(memoryByteSource('x.gz', new Uint8Array(gzipSync('hello'))));
    expect(new TextDecoder().decode(await inflated.readRange(0, 5))).toBe('hello');
    const chunks: Uint8Array[] = [];
    for await (const chunk of inflated.stream()) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('hello');
    await inflated.dispose();
    await expect(inflated.size()).rejects.toThrow();
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileByteSource, gunzipToTemporaryFile } from '../../../../src/adapters/node/file-byte-source.ts';
import type { ByteSource } from '../../../../src/core/readers/byte-source.ts';
import { memoryByteSource } from '../../../../src/core/readers/memory-byte-source.ts';
import { readRecords } from '../../../../src/core/readers/read-records.ts';
import { parquetBytes } from '../../core/readers/record-sources.ts';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'file-byte-source-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('fileByteSource', () => {
  it('serves size, ranges and a stream of the file', async () => {
    const file = path.join(root, 'one.txt');
    await writeFile(file, '0123456789');
    const source = fileByteSource(file, 'shown-name');
    expect(source.name).toBe('shown-name');
    expect(await source.size()).toBe(10);
    expect(new TextDecoder().decode(await source.readRange(2, 5))).toBe('234');
    expect(new TextDecoder().decode(await source.readRange(8, 100))).toBe('89');
    const chunks: Uint8Array[] = [];
    for await (const chunk of source.stream()) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('0123456789');
  });

  it('reads gzip Parquet through a temporary file, removed when reading ends', async () => {
    const emails = Array.from({ length: 5000 }, (_, index) => `user${index}@example.com`);
    const file = path.join(root, 'x.parquet.gz');
    await writeFile(file, gzipSync(parquetBytes([{ name: 'email', data: emails, type: 'STRING' }], 2000)));
    const source = fileByteSource(file);
    const inflatedFiles: ByteSource[] = [];
    const spying: ByteSource = {
      ...source,
      gunzipForRandomAccess: async (signal) => {
        const inflated = await gunzipToTemporaryFile(source, signal);
        inflatedFiles.push(inflated);
        return inflated;
      },
    };
    const read: unknown[] = [];
    for await (const batch of readRecords(spying)) read.push(...batch.records.map((record) => record?.email));
    expect(read).toEqual(emails);
    expect(inflatedFiles).toHaveLength(1);
    expect(inflatedFiles[0]?.name).toBe(file);
    // Disposed: the temporary file is gone.
    await expect(inflatedFiles[0]?.size()).rejects.toThrow();
  });
});

describe('gunzipToTemporaryFile', () => {
  it('serves the decompressed bytes by range and stream until disposed', async () => {
    const inflated = await gunzipToTemporaryFile(memoryByteSource('x.gz', new Uint8Array(gzipSync('hello world'))));
    expect(inflated.name).toBe('x.gz');
    expect(new TextDecoder().decode(await inflated.readRange(6, 11))).toBe('world');
    const chunks: Uint8Array[] = [];
    for await (const chunk of inflated.stream()) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('hello world');
    await inflated.dispose();
    await expect(inflated.size()).rejects.toThrow();
  });
});

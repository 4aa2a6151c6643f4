import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { ByteSource } from '../../core/readers/byte-source.ts';
import { fileByteSource } from './local-inputs.ts';

/**
 * Gzip-compressed Parquet needs random access to the decompressed bytes: instead of holding them
 * in memory (the core's default), decompress to a temporary file and read that by range.
 * Pass as `readRecords(source, { materializeGunzipped: gunzipToTemporaryFile })`; `dispose` (called
 * by readRecords when done) removes the file.
 */
export async function gunzipToTemporaryFile(source: ByteSource, signal?: AbortSignal): Promise<ByteSource & { dispose(): Promise<void> }> {
  const folder = await mkdtemp(path.join(tmpdir(), 'audience-uploader-gunzip-'));
  const file = path.join(folder, 'inflated.parquet');
  try {
    await pipeline(Readable.from(source.stream(signal)), createGunzip(), createWriteStream(file), ...(signal ? [{ signal }] : []));
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
  return { ...fileByteSource(file, source.name), dispose: () => rm(folder, { recursive: true, force: true }) };
}

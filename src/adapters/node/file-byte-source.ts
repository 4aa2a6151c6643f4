import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm, stat, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { ByteSource } from '../../core/readers/byte-source.ts';

/** Large reads keep the per-chunk overhead of the readers low. */
const STREAM_CHUNK_BYTES = 1 << 20;

/** A ByteSource over a local file; `name` (default: the path) is what reports show. */
export function fileByteSource(filePath: string, name: string = filePath): ByteSource {
  const source: ByteSource = {
    name,
    async size() {
      return (await stat(filePath)).size;
    },
    stream(signal?: AbortSignal): AsyncIterable<Uint8Array> {
      return createReadStream(filePath, { highWaterMark: STREAM_CHUNK_BYTES, ...(signal ? { signal } : {}) });
    },
    async readRange(start: number, endExclusive: number): Promise<Uint8Array> {
      const handle = await open(filePath, 'r');
      try {
        const buffer = new Uint8Array(Math.max(0, endExclusive - start));
        const filled = await readFully(handle, buffer, start);
        return filled === buffer.byteLength ? buffer : buffer.subarray(0, filled);
      } finally {
        await handle.close();
      }
    },
    gunzipForRandomAccess: (signal?: AbortSignal) => gunzipToTemporaryFile(source, signal),
    async openPositionalReader() {
      // A pipe or a device (bash's <(zcat …), a piped /dev/stdin) has neither positions nor a size: streamed.
      if (!(await stat(filePath)).isFile()) return null;
      const handle = await open(filePath, 'r');
      return {
        async read(position: number, length: number): Promise<Uint8Array> {
          // Unpooled and not zeroed: the buffer is the view's alone, and every byte of the view is read.
          const buffer = Buffer.allocUnsafeSlow(length);
          return new Uint8Array(buffer.buffer, 0, await readFully(handle, buffer, position));
        },
        close: () => handle.close(),
      };
    },
  };
  return source;
}

/** Fills `buffer` from `position` (fewer bytes only at the end of the file); resolves with how many. */
async function readFully(handle: FileHandle, buffer: Uint8Array, position: number): Promise<number> {
  let filled = 0;
  while (filled < buffer.byteLength) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.byteLength - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

/**
 * Decompresses a gzip source into a temporary file and serves that by range (gzip Parquet needs
 * random access; a file keeps memory flat however large it is). `dispose` removes the file.
 */
export async function gunzipToTemporaryFile(
  source: ByteSource,
  signal?: AbortSignal,
): Promise<ByteSource & { dispose(): Promise<void> }> {
  const folder = await mkdtemp(path.join(tmpdir(), 'audience-uploader-gunzip-'));
  const file = path.join(folder, 'inflated');
  try {
    await pipeline(
      Readable.from(source.stream(signal)),
      createGunzip(),
      createWriteStream(file),
      ...(signal ? [{ signal }] : []),
    );
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
  const { gunzipForRandomAccess: _alreadyInflated, ...inflated } = fileByteSource(file, source.name);
  return { ...inflated, dispose: () => rm(folder, { recursive: true, force: true }) };
}

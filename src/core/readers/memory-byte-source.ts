import type { ByteSource } from './byte-source.ts';

/**
 * A ByteSource over bytes already in memory: browser uploads that were read whole, gunzipped
 * Parquet (which needs random access), and tests.
 */
export function memoryByteSource(name: string, bytes: Uint8Array, chunkSize = 1 << 20): ByteSource {
  return {
    name,
    size: () => Promise.resolve(bytes.byteLength),
    async *stream(signal?: AbortSignal) {
      for (let start = 0; start < bytes.byteLength; start += chunkSize) {
        signal?.throwIfAborted();
        yield bytes.subarray(start, Math.min(start + chunkSize, bytes.byteLength));
      }
    },
    readRange: (start, endExclusive) => Promise.resolve(bytes.slice(start, Math.min(endExclusive, bytes.byteLength))),
  };
}

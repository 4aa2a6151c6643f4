import type { ByteSource } from './byte-source.ts';

/**
 * A ByteSource over a `Blob` — in the browser, the `File` a person picked — so discovery and
 * previews run there on the same readers. Web-standard only: works in Node too.
 */
export function blobByteSource(blob: Blob, name: string = (blob as { name?: string }).name ?? 'upload'): ByteSource {
  return {
    name,
    size: () => Promise.resolve(blob.size),
    async *stream(signal?: AbortSignal) {
      const reader = blob.stream().getReader();
      try {
        for (;;) {
          signal?.throwIfAborted();
          const { done, value } = await reader.read();
          if (done) return;
          yield value;
        }
      } finally {
        await reader.cancel().catch(() => undefined);
      }
    },
    async readRange(start, endExclusive) {
      return new Uint8Array(await blob.slice(start, Math.min(endExclusive, blob.size)).arrayBuffer());
    },
  };
}

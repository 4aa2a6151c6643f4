/**
 * gzip decompression through the web-standard `DecompressionStream` (Node ≥ 18 and every current
 * browser), so the readers stay free of Node-only modules.
 */

/** Decompresses a stream of gzip bytes (several concatenated members are fine). */
export async function* gunzipChunks(compressed: AsyncIterable<Uint8Array>, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const input = compressed[Symbol.asyncIterator]();
  const readable = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await input.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await input.return?.();
    },
  });
  const reader = readable.pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>).getReader();
  let finished = false;
  try {
    for (;;) {
      signal?.throwIfAborted();
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
  }
}

/** Reads a whole decompressed stream into one buffer. */
export async function collectBytes(chunks: AsyncIterable<Uint8Array>, limit = Number.POSITIVE_INFINITY): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    const take = Math.min(chunk.byteLength, limit - total);
    parts.push(take === chunk.byteLength ? chunk : chunk.subarray(0, take));
    total += take;
    if (total >= limit) break;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

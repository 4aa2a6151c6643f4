/**
 * gzip decompression through the web-standard `DecompressionStream` (Node ≥ 18 and every current
 * browser), so the readers stay free of Node-only modules.
 */

/**
 * Decompresses a stream of gzip bytes (several concatenated members are fine). Input is fed one
 * chunk at a time, only while a read of the output is waiting: `pipeThrough` would pump the whole
 * source into the decompressor (Node's DecompressionStream applies no backpressure), which defeats
 * bounded samples.
 */
export async function* gunzipChunks(
  compressed: AsyncIterable<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  const input = compressed[Symbol.asyncIterator]();
  const decompressor = new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
  const writer = decompressor.writable.getWriter();
  const reader = decompressor.readable.getReader();
  let inputDone = false;
  let feeding: Promise<void> | undefined;
  const feedOne = async (): Promise<void> => {
    const next = await input.next();
    if (next.done) {
      inputDone = true;
      await writer.close();
    } else {
      await writer.write(next.value);
    }
  };
  let finished = false;
  try {
    let pendingRead = reader.read().then((result) => ({ result }));
    for (;;) {
      signal?.throwIfAborted();
      if (feeding === undefined && !inputDone) {
        feeding = feedOne();
        // Its failure also fails the pending read; don't let it surface as unhandled.
        feeding.catch(() => undefined);
      }
      const outcome = await (feeding === undefined
        ? pendingRead
        : Promise.race([pendingRead, feeding.then(() => undefined)]));
      if (outcome === undefined) {
        feeding = undefined;
        continue;
      }
      if (outcome.result.done) {
        finished = true;
        return;
      }
      yield outcome.result.value;
      pendingRead = reader.read().then((result) => ({ result }));
    }
  } finally {
    if (!finished) {
      await reader.cancel().catch(() => undefined);
      await writer.abort().catch(() => undefined);
      await input.return?.();
    }
  }
}

/** Reads a whole decompressed stream into one buffer. */
export async function collectBytes(
  chunks: AsyncIterable<Uint8Array>,
  limit = Number.POSITIVE_INFINITY,
): Promise<Uint8Array> {
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

import type { IncomingMessage } from 'node:http';

export type BodyResult = { ok: true; bytes: Buffer } | { ok: false; receivedBytes: number };

/**
 * Reads a request body holding at most `limit` bytes in memory. A larger body is read to its end
 * and discarded (so the client still gets an answer instead of a reset connection).
 */
export function readBody(request: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    let chunks: Buffer[] | null = Number.isFinite(declared) && declared > limit ? null : [];
    let received = 0;
    request.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (chunks && received > limit) chunks = null;
      chunks?.push(chunk);
    });
    request.on('end', () =>
      resolve(chunks ? { ok: true, bytes: Buffer.concat(chunks) } : { ok: false, receivedBytes: received }),
    );
    request.on('error', reject);
  });
}

export interface MultipartFields {
  fields: Map<string, string>;
  files: Map<string, { name: string; bytes: Buffer }>;
}

/** Parses multipart/form-data with the platform's own parser (the one behind `fetch`'s FormData). */
export async function parseMultipart(contentType: string, body: Buffer): Promise<MultipartFields> {
  const form = await new Request('http://emulator.invalid/', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.length),
  }).formData();
  const fields = new Map<string, string>();
  const files = new Map<string, { name: string; bytes: Buffer }>();
  for (const [key, value] of form) {
    if (typeof value === 'string') fields.set(key, value);
    else files.set(key, { name: value.name, bytes: Buffer.from(await value.arrayBuffer()) });
  }
  return { fields, files };
}

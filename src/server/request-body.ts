import type { IncomingMessage } from 'node:http';
import { problem } from './problem.ts';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Reads a JSON body of at most `maxBytes`; the wrong media type, too many bytes or bad JSON are 4xx problems. */
export async function readJsonBody(
  request: IncomingMessage,
  maxBytes: number = DEFAULT_MAX_BODY_BYTES,
): Promise<unknown> {
  const tooLarge = () =>
    problem(
      413,
      {
        code: 'body_too_large',
        title: 'Request body too large',
        detail: `The body is larger than ${maxBytes} bytes.`,
        resolution:
          'Send a smaller request: a job plan names files in the data folder, it never carries their content.',
      },
      { connection: 'close' },
    );
  const declared = Number(request.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    request.resume();
    throw tooLarge();
  }
  const type = String(request.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      request.resume();
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  if (type !== 'application/json' && !(type === '' && size === 0)) {
    throw problem(415, {
      code: 'unsupported_media_type',
      title: 'JSON expected',
      detail: `The body is "${type || 'untyped'}", not application/json.`,
      resolution: 'Send the body as JSON with the header Content-Type: application/json.',
    });
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') {
    throw problem(400, {
      code: 'empty_body',
      title: 'Empty request body',
      detail: 'This request needs a JSON body.',
      resolution: 'Send the JSON document described in docs/api.md.',
      field: '(body)',
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw problem(400, {
      code: 'malformed_json',
      title: 'Malformed JSON',
      detail: `The body is not valid JSON (${error instanceof Error ? error.message.slice(0, 160) : 'parse error'}).`,
      resolution: 'Send a valid JSON document (check quotes, commas and brackets).',
      field: '(body)',
    });
  }
}

import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { problem } from './problem.ts';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Hono's body limit (declared length or counted while reading), answering with a 413 problem. */
export function jsonBodyLimit(maxBytes: number = DEFAULT_MAX_BODY_BYTES): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw problem(
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
    },
  });
}

/**
 * Reads a JSON body (already bounded by `jsonBodyLimit`): the wrong media type, an empty body or bad
 * JSON are 4xx problems. The parser's message is never passed on: it quotes the body, which may
 * hold a token or an identifier.
 */
export async function readJsonBody(c: Context): Promise<unknown> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const text = await c.req.text();
  if (type !== 'application/json' && !(type === '' && text === '')) {
    throw problem(415, {
      code: 'unsupported_media_type',
      title: 'JSON expected',
      detail: `The body is "${type.slice(0, 100) || 'untyped'}", not application/json.`,
      resolution: 'Send the body as JSON with the header Content-Type: application/json.',
    });
  }
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
  } catch {
    throw problem(400, {
      code: 'malformed_json',
      title: 'Malformed JSON',
      detail: `The body is not valid JSON (${text.length} characters; the body is not repeated here because it may hold a token or an identifier).`,
      resolution:
        'Send a valid JSON document: check quotes around strings, commas between fields and closing brackets.',
      field: '(body)',
    });
  }
}

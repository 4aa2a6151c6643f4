import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Serves the built web app; unknown paths get index.html (client-side routes). */
export async function serveStatic(
  uiDir: string,
  pathname: string,
  response: ServerResponse,
  head: boolean,
): Promise<boolean> {
  let relativePath: string;
  try {
    relativePath = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
  } catch {
    return false;
  }
  if (relativePath.split(/[/\\]/).includes('..')) return false;
  const candidates = relativePath === '' ? ['index.html'] : [relativePath, 'index.html'];
  for (const candidate of candidates) {
    const full = join(uiDir, candidate);
    if (!full.startsWith(uiDir + sep) && full !== uiDir) continue;
    try {
      const info = await stat(full);
      if (!info.isFile()) continue;
      const immutable = candidate.startsWith('assets/');
      response.writeHead(200, {
        'content-type': TYPES[extname(full)] ?? 'application/octet-stream',
        'content-length': info.size,
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
      if (head) response.end();
      else createReadStream(full).pipe(response);
      return true;
    } catch {
      // try the next candidate
    }
  }
  return false;
}

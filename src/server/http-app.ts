import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isAuthorized } from './basic-auth.ts';
import { HttpProblem, problem, sendProblem, toProblem } from './problem.ts';
import { DEFAULT_MAX_BODY_BYTES } from './request-body.ts';
import { Router } from './router.ts';
import { addDataRoutes } from './routes/data-routes.ts';
import { addJobRoutes } from './routes/job-routes.ts';
import { addTikTokRoutes } from './routes/tiktok-routes.ts';
import type { ServerContext } from './server-context.ts';
import { serveStatic } from './static-files.ts';

export interface HttpAppOptions {
  /** When set, every request needs it (HTTP Basic with any user name, or Bearer). */
  authPassword?: string;
  /** The built web app (`dist/ui`); without it `/` answers a short note. */
  uiDir?: string;
  maxBodyBytes?: number;
  ssePollMs?: number;
  version?: string;
  /** Gets each unexpected (500) error; messages never hold identifier values. */
  onInternalError?: (error: unknown) => void;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
};

export function buildRouter(context: ServerContext, options: HttpAppOptions): Router {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const router = new Router();
  router.add('GET', '/api/health', async () => ({
    body: {
      status: 'ok',
      version: options.version ?? '0.1.0',
      destination: context.destination(),
      jobs: context.jobStore.count(),
    },
  }));
  addDataRoutes(router, context);
  addJobRoutes(router, context, { maxBodyBytes, ssePollMs: options.ssePollMs ?? 250 });
  addTikTokRoutes(router, context, { maxBodyBytes });
  return router;
}

/** The local HTTP server: the JSON API under /api and the web app everywhere else. */
export function createHttpApp(context: ServerContext, options: HttpAppOptions = {}): Server {
  const router = buildRouter(context, options);
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    if (options.authPassword !== undefined && !isAuthorized(request, options.authPassword)) {
      request.resume();
      throw problem(
        401,
        {
          code: 'unauthorized',
          title: 'Password required',
          detail: 'This server was started with AUTH_PASSWORD; the request did not carry it.',
          resolution: 'Send the password as HTTP Basic (any user name) or as "Authorization: Bearer <password>".',
        },
        { 'www-authenticate': 'Basic realm="Audience Uploader", charset="UTF-8"' },
      );
    }
    // A page from another site must not drive this API through the user's browser.
    const origin = request.headers.origin;
    if (
      origin !== undefined &&
      method !== 'GET' &&
      method !== 'HEAD' &&
      new URL(origin, 'http://x').host !== request.headers.host
    ) {
      request.resume();
      throw problem(403, {
        code: 'cross_origin',
        title: 'Cross-site request refused',
        detail: `Requests from ${origin.slice(0, 100)} are not accepted.`,
        resolution: 'Use the web app served by this server.',
      });
    }
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
      const { handler, params } = router.match(method, url.pathname);
      const result = await handler({ request, response, params, query: url.searchParams });
      if (result === undefined) return;
      const body = method === 'HEAD' ? '' : JSON.stringify(result.body);
      response.writeHead(result.status ?? 200, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        'content-length': Buffer.byteLength(body),
      });
      response.end(body);
      return;
    }
    if (
      (method === 'GET' || method === 'HEAD') &&
      options.uiDir &&
      (await serveStatic(options.uiDir, url.pathname, response, method === 'HEAD'))
    )
      return;
    if (method !== 'GET' && method !== 'HEAD') {
      throw problem(
        405,
        {
          code: 'method_not_allowed',
          title: 'Method not allowed',
          detail: `${method} is not supported here.`,
          resolution: 'The API lives under /api (see docs/api.md).',
        },
        { allow: 'GET, HEAD' },
      );
    }
    throw problem(404, {
      code: 'not_found',
      title: 'Not found',
      detail: `Nothing at ${url.pathname.slice(0, 200)}.`,
      resolution: options.uiDir
        ? 'Open / for the web app.'
        : 'The web app is not built; run `npm run build:ui` or `npm start`.',
    });
  };
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const answer = toProblem(error);
      if (!(error instanceof HttpProblem) && answer.problem.status >= 500) options.onInternalError?.(error);
      sendProblem(response, answer);
    });
  });
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  return server;
}

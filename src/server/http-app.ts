import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { createAdaptorServer, type HttpBindings } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { secureHeaders } from 'hono/secure-headers';
import { isAuthorized } from './basic-auth.ts';
import { isOwnHost } from './host-guard.ts';
import { HttpProblem, problem, problemResponse, toProblem } from './problem.ts';
import { DEFAULT_MAX_BODY_BYTES } from './request-body.ts';
import { addDataRoutes } from './routes/data-routes.ts';
import { addJobRoutes, type EventStreamOptions } from './routes/job-routes.ts';
import { addSettingsRoutes } from './routes/settings-routes.ts';
import { addTikTokRoutes } from './routes/tiktok-routes.ts';
import { addUploadRoutes, DEFAULT_UPLOAD_MAX_BYTES } from './routes/upload-routes.ts';
import type { ServerContext } from './server-context.ts';

export type AppEnv = { Bindings: HttpBindings };

export interface HttpAppOptions {
  /** When set, every request needs it (HTTP Basic with any user name, or Bearer). */
  authPassword?: string;
  /** The built web app (`dist/ui`); without it `/` answers a short note. */
  uiDir?: string;
  /** Host names answered besides 127.0.0.1, localhost and [::1] (the configured HOST, ALLOWED_HOSTS). */
  allowedHosts?: string[];
  maxBodyBytes?: number;
  uploadMaxBytes?: number;
  events?: Partial<EventStreamOptions>;
  version?: string;
  /** Gets each unexpected (500) error; messages never hold identifier values. */
  onInternalError?: (error: unknown) => void;
}

const notFound = (c: Context, uiBuilt: boolean): HttpProblem =>
  c.req.path === '/api' || c.req.path.startsWith('/api/')
    ? problem(404, {
        code: 'not_found',
        title: 'Not found',
        detail: `There is no API endpoint ${c.req.path.slice(0, 200)}.`,
        resolution: 'See docs/api.md for the endpoints.',
      })
    : problem(404, {
        code: 'not_found',
        title: 'Not found',
        detail: `Nothing at ${c.req.path.slice(0, 200)}.`,
        resolution: uiBuilt
          ? 'Open / for the web app.'
          : 'The web app is not built; run `npm run build:ui` or `npm start`.',
      });

/** Hono's own errors (body limit, …) as problem documents; everything else through `toProblem`. */
function problemOf(error: unknown): HttpProblem {
  if (error instanceof HTTPException && !(error.cause instanceof HttpProblem)) {
    return problem(error.status, {
      code: error.status === 413 ? 'body_too_large' : 'bad_request',
      title: error.status === 413 ? 'Request body too large' : 'Bad request',
      detail: error.status === 413 ? 'The request body is too large.' : 'The request could not be read.',
      resolution: 'See docs/api.md for what this endpoint accepts.',
    });
  }
  return toProblem(error);
}

/** The local web app and JSON API as a Hono app (routes, middleware, errors). */
export function buildHttpApp(context: ServerContext, options: HttpAppOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const allowedHosts = options.allowedHosts ?? [];

  app.onError((error, c) => {
    const answer = problemOf(error);
    if (!(error instanceof HttpProblem) && answer.problem.status >= 500) options.onInternalError?.(error);
    // Hono copies the headers of a response set earlier onto the one returned here: start clean.
    c.res = undefined;
    return problemResponse(answer);
  });

  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
      },
      xFrameOptions: 'DENY',
      referrerPolicy: 'no-referrer',
      // Plain http on the loopback: HSTS would only confuse other local servers on this name.
      strictTransportSecurity: false,
    }),
  );

  // Before anything else (routes, pages, event streams): only requests addressed to this server.
  app.use(async (c, next) => {
    const port = c.env.incoming.socket.localPort ?? 0;
    const host = c.req.header('host');
    if (!isOwnHost(host, port, allowedHosts)) {
      throw problem(403, {
        code: 'host_not_allowed',
        title: 'Unknown host name',
        detail: `This server answers only to its own address (e.g. http://127.0.0.1:${port}), not to "${(host ?? '').slice(0, 100)}".`,
        resolution: `Open http://127.0.0.1:${port}/ (or set ALLOWED_HOSTS to the name you use to reach this server).`,
      });
    }
    if (options.authPassword !== undefined && !isAuthorized(c.req.header('authorization'), options.authPassword)) {
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
    // A page from another site must not drive this API through the user's browser. (Hono's csrf()
    // checks only form and text bodies, leaving JSON to CORS; this refuses every cross-site write.)
    const origin = c.req.header('origin');
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && origin !== undefined && origin !== `http://${host}`) {
      throw problem(403, {
        code: 'cross_origin',
        title: 'Cross-site request refused',
        detail: `Requests from ${origin.slice(0, 100)} are not accepted.`,
        resolution: 'Use the web app served by this server.',
      });
    }
    await next();
  });

  app.use('/api/*', async (c, next) => {
    await next();
    if (!c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store');
  });
  app.use(
    '/api/*',
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) =>
        problemResponse(
          problem(
            405,
            {
              code: 'method_not_allowed',
              title: 'Method not allowed',
              detail: `${c.req.method} is not supported on ${c.req.path.slice(0, 200)}.`,
              resolution: `Use ${methods.join(' or ')}.`,
            },
            { allow: methods.join(', ') },
          ),
        ),
    }),
  );

  app.get('/api/health', (c) =>
    c.json({
      status: 'ok',
      version: options.version ?? '0.1.0',
      destination: context.destination(),
      jobs: context.jobStore.count(),
    }),
  );
  addDataRoutes(app, context, { maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES });
  addUploadRoutes(app, context, { maxBytes: options.uploadMaxBytes ?? DEFAULT_UPLOAD_MAX_BYTES });
  addJobRoutes(app, context, {
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    events: options.events ?? {},
  });
  addTikTokRoutes(app, context, { maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES });
  addSettingsRoutes(app, context, { maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES });

  const uiDir = options.uiDir;
  if (uiDir !== undefined) {
    // Hashed assets never change; everything else (index.html, favicon) is revalidated.
    app.use('*', async (c, next) => {
      await next();
      if (c.res.status === 200 && !c.req.path.startsWith('/api/') && !c.res.headers.has('cache-control'))
        c.res.headers.set(
          'cache-control',
          c.req.path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
    });
    app.use('*', serveStatic({ root: uiDir }));
  }

  // Answers (not throws) so that methodNotAllowed can turn an API 404 into a 405.
  app.notFound(async (c) => {
    const api = c.req.path === '/api' || c.req.path.startsWith('/api/');
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      if (api) return problemResponse(notFound(c, uiDir !== undefined));
      return problemResponse(
        problem(
          405,
          {
            code: 'method_not_allowed',
            title: 'Method not allowed',
            detail: `${c.req.method} is not supported here.`,
            resolution: 'The API lives under /api (see docs/api.md).',
          },
          { allow: 'GET, HEAD' },
        ),
      );
    }
    // Any other page is one of the web app's own routes (vue-router): index.html, which routes it.
    if (!api && uiDir !== undefined) {
      const html = await readFile(join(uiDir, 'index.html'), 'utf8').catch(() => undefined);
      if (html !== undefined)
        return c.body(html, 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
    }
    return problemResponse(notFound(c, uiDir !== undefined));
  });
  return app;
}

/** The local HTTP server: the JSON API under /api and the web app everywhere else. */
export function createHttpApp(context: ServerContext, options: HttpAppOptions = {}): Server {
  const app = buildHttpApp(context, options);
  const server = createAdaptorServer({ fetch: app.fetch, overrideGlobalObjects: false }) as Server;
  // Uploads stream for as long as they need; a stalled one is cut by the socket timeout instead.
  server.requestTimeout = 0;
  server.headersTimeout = 20_000;
  server.timeout = 120_000;
  return server;
}

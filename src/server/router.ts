import type { IncomingMessage, ServerResponse } from 'node:http';
import { problem } from './problem.ts';

export interface RouteRequest {
  request: IncomingMessage;
  response: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
}

/** A handler returns a JSON value to send with `status` (default 200), or `undefined` when it answered itself. */
export type RouteHandler = (request: RouteRequest) => Promise<{ status?: number; body: unknown } | undefined>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: RouteHandler;
}

/** Method + path patterns like `/api/jobs/:id`; answers 404 for unknown paths, 405 (with Allow) for wrong methods. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: RouteHandler): this {
    const names: string[] = [];
    const pattern = new RegExp(
      `^${path.replace(/:(\w+)/g, (_match, name: string) => {
        names.push(name);
        return '([^/]+)';
      })}/?$`,
    );
    this.routes.push({ method, pattern, names, handler });
    return this;
  }

  match(method: string, pathname: string): { handler: RouteHandler; params: Record<string, string> } {
    const allowed: string[] = [];
    for (const route of this.routes) {
      const found = route.pattern.exec(pathname);
      if (!found) continue;
      if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) {
        allowed.push(route.method);
        continue;
      }
      const params: Record<string, string> = {};
      route.names.forEach((name, index) => {
        let value = found[index + 1] ?? '';
        try {
          value = decodeURIComponent(value);
        } catch {
          // keep the raw text: it will simply not match any job
        }
        params[name] = value;
      });
      return { handler: route.handler, params };
    }
    if (allowed.length > 0) {
      throw problem(
        405,
        {
          code: 'method_not_allowed',
          title: 'Method not allowed',
          detail: `${method} is not supported on ${pathname.slice(0, 200)}.`,
          resolution: `Use ${allowed.join(' or ')}.`,
        },
        { allow: allowed.join(', ') },
      );
    }
    throw problem(404, {
      code: 'not_found',
      title: 'Not found',
      detail: `There is no API endpoint ${pathname.slice(0, 200)}.`,
      resolution: 'See docs/api.md for the endpoints.',
    });
  }
}

// What every HTTP request leaves behind (issue 9): a request id (the client's x-request-id when it
// is sane, else a new one; echoed in the response), one log line (method, route, path, status,
// duration, request id, error code; never bodies, headers or query strings), and counts by route,
// status and error code for /metrics. Shared by the log server and the witness node.
//
// The log appends thousands of entries a second over HTTP, so the counting is plain numbers in
// nested maps keyed by the label values: a request finds its cell with a few map lookups and
// allocates nothing once its labels have been seen. prom-client reads the cells at scrape time.
import { randomUUID } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { DiptychError } from '../log/errors.js';

export const REQUEST_ID_HEADER = 'x-request-id';
/** A request id we repeat in our logs and answers: short, and nothing that could forge a log line. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** The route label of a request that matched no route (so unknown paths cannot add labels). */
export const UNMATCHED_ROUTE = '(unmatched)';
/** Methods counted by name; any other method an attacker makes up is counted as OTHER. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);

/** Told of each answered request; must be cheap (it runs on every request). */
export interface RequestRecorder {
  request(method: string, route: string, status: number, code: string | undefined, seconds: number): void;
}

interface Cell {
  n: number;
}

function cellOf<K>(map: Map<K, Cell>, key: K): Cell {
  let cell = map.get(key);
  if (cell === undefined) {
    cell = { n: 0 };
    map.set(key, cell);
  }
  return cell;
}

function levelOf<K, K2, V>(map: Map<K, Map<K2, V>>, key: K): Map<K2, V> {
  let level = map.get(key);
  if (level === undefined) {
    level = new Map();
    map.set(key, level);
  }
  return level;
}

/**
 * `<prefix>_http_requests_total{method,route,status}` and `<prefix>_rejections_total{route,code}`
 * (every answer with a SPEC §5 error, by its code), on the given registry.
 */
export class HttpCounts implements RequestRecorder {
  private readonly requests = new Map<string, Map<string, Map<number, Cell>>>();
  private readonly rejections = new Map<string, Map<string, Cell>>();

  constructor(registry: Registry, prefix: string) {
    const requests = this.requests;
    const rejections = this.rejections;
    new Counter({
      name: `${prefix}_http_requests_total`,
      help: 'HTTP requests answered, by method, route (the pattern, not the path) and status.',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [method, routes] of requests)
          for (const [route, statuses] of routes) for (const [status, cell] of statuses) this.inc({ method, route, status: String(status) }, cell.n);
      },
    });
    new Counter({
      name: `${prefix}_rejections_total`,
      help: 'Requests refused with a SPEC §5 error, by route and error code.',
      labelNames: ['route', 'code'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [route, codes] of rejections) for (const [code, cell] of codes) this.inc({ route, code }, cell.n);
      },
    });
  }

  request(method: string, route: string, status: number, code: string | undefined): void {
    const m = METHODS.has(method) ? method : 'OTHER';
    cellOf(levelOf(levelOf(this.requests, m), route), status).n += 1;
    if (code !== undefined) cellOf(levelOf(this.rejections, route), code).n += 1;
  }
}

/**
 * Request ids for requests that bring no sane one of their own: UUID-shaped, a random version-4
 * UUID's first 20 hex digits followed by a counter, so each is unique without asking for 16 random
 * bytes a request (randomUUID was a tenth of the request path's allocations). One per server
 * route table; they need to be unique, not unpredictable.
 */
export class RequestIds {
  private readonly prefix = randomUUID().slice(0, 24);
  private next = 0;

  /** The client's x-request-id when it is sane, else a new one. */
  for(offered: string | undefined): string {
    if (offered !== undefined && SANE_REQUEST_ID.test(offered)) return offered;
    this.next = (this.next + 1) % 2 ** 48;
    return this.prefix + this.next.toString(16).padStart(12, '0');
  }
}

/** The pattern of the route that answered (e.g. /api/v1/entries/:index), not the path. */
export function routeOf(c: Context): string {
  const routes = matchedRoutes(c); // one small array: hono keeps its match result private
  // The last matched route that is not middleware ('ALL', as app.use registers) is the handler,
  // also when a middleware before it (the rate limit) refused the request.
  for (let i = routes.length - 1; i >= 0; i--) if (routes[i]!.method !== 'ALL') return routes[i]!.path;
  return UNMATCHED_ROUTE;
}

/** The SPEC §5 error code of an answer, if it is an error. */
function errorCodeOf(c: Context, status: number): string | undefined {
  if (c.error !== undefined) return c.error instanceof DiptychError ? c.error.code : 'internal_error';
  if (status === 404) return 'not_found'; // the app's notFound handler answers without throwing
  return status >= 400 ? `http_${status}` : undefined;
}

export interface ObserveOptions {
  logger?: Logger;
  recorder?: RequestRecorder;
}

/** One answered request, as the request log and the counts see it. */
export interface AnsweredRequest {
  readonly id: string;
  readonly method: string;
  readonly route: string;
  readonly path: string;
  readonly status: number;
  readonly code: string | undefined;
  readonly ms: number;
}

/** Counts an answered request and writes its log line: for the hono middleware and the direct append route. */
export function reportRequest(options: ObserveOptions, r: AnsweredRequest): void {
  const { logger, recorder } = options;
  recorder?.request(r.method, r.route, r.status, r.code, r.ms / 1000);
  if (logger === undefined || !logger.isLevelEnabled(r.status >= 500 ? 'error' : 'info')) return;
  const line = { reqId: r.id, method: r.method, route: r.route, path: r.path.slice(0, 256), status: r.status, ms: Math.round(r.ms * 1000) / 1000, ...(r.code === undefined ? {} : { code: r.code }) };
  // The cause of a 500 is the app's onInternalError's to report (with its stack), once.
  if (r.status >= 500) logger.error(line, 'request failed');
  else logger.info(line, 'request');
}

/** Hono middleware, registered first so that it sees every answer (errors included). */
export function observeRequests(options: ObserveOptions): MiddlewareHandler {
  const ids = new RequestIds();
  return async (c, next) => {
    const started = performance.now();
    const id = ids.for(c.req.header(REQUEST_ID_HEADER));
    // Set before the answer exists, so every answer made through the context carries it.
    c.header(REQUEST_ID_HEADER, id);
    await next();
    const status = c.res.status;
    reportRequest(options, { id, method: c.req.method, route: routeOf(c), path: c.req.path, status, code: errorCodeOf(c, status), ms: performance.now() - started });
  };
}

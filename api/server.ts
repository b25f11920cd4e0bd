// Runs the hono app on Node's HTTP server, with timeouts that keep slow clients from holding
// connections open forever. Node-only.
import { getRequestListener, RequestError } from '@hono/node-server';
import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Hono } from 'hono';

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly port: number;
  /**
   * Stops taking connections and closes idle keep-alive ones; requests under way go on. The
   * first step of a graceful stop: stop listening, drain the log, close.
   */
  stopListening(): void;
  /** Closes every connection, giving those still answering up to graceMs, and the server. */
  close(graceMs?: number): Promise<void>;
}

export interface ListenOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Overrides of SERVER_TIMEOUTS (tests use short ones). */
  timeouts?: Partial<ServerTimeouts>;
  /** Sees every request first, and answers the ones it takes (returns true) without the app. */
  direct?: DirectRoute;
}

/** A route Node serves without hono: true when it took the request (and will answer it). */
export type DirectRoute = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * Slow clients cannot hold connections: a request's headers must arrive within headersMs and
 * the whole request within requestMs of its first byte, an idle keep-alive connection closes
 * after keepAliveMs, and the first two are enforced every checkIntervalMs (Node checks
 * them on a timer, 30 s by default, which would let a slow-loris client hold a connection for
 * up to 40 s instead of 10 s).
 */
export interface ServerTimeouts {
  headersMs: number;
  requestMs: number;
  keepAliveMs: number;
  checkIntervalMs: number;
}

export const SERVER_TIMEOUTS: ServerTimeouts = { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 5_000, checkIntervalMs: 1_000 };

export function listen(app: Hono, options: ListenOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const t = { ...SERVER_TIMEOUTS, ...options.timeouts };
  return new Promise((resolve, reject) => {
    // getRequestListener rather than serve(): only it takes an errorHandler, for the requests
    // @hono/node-server itself refuses (a '\\' in the path, a bad Host header).
    const appListener = getRequestListener(app.fetch, { hostname: host, errorHandler: answerRequestError });
    const direct = options.direct;
    const listener = direct === undefined ? appListener : (req: IncomingMessage, res: ServerResponse) => direct(req, res) || appListener(req, res);
    const server: Server = createServer(
      { requestTimeout: t.requestMs, headersTimeout: t.headersMs, keepAliveTimeout: t.keepAliveMs, connectionsCheckingInterval: t.checkIntervalMs },
      listener,
    );
    server.listen(options.port ?? 8080, host);
    server.on('clientError', answerClientError);
    server.once('error', reject);
    server.once('listening', () => {
      const { port } = server.address() as AddressInfo;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      let closed: Promise<void> | undefined;
      const stopListening = (): Promise<void> => (closed ??= new Promise<void>((done) => server.close(() => done())));
      resolve({
        url: `http://${shownHost}:${port}`,
        port,
        stopListening: () => void stopListening(),
        close: async (graceMs = 0) => {
          const allClosed = stopListening();
          server.closeIdleConnections(); // those whose answers were written since stopListening
          if (graceMs > 0) await within(allClosed, graceMs);
          server.closeAllConnections();
          await allClosed;
        },
      });
    });
  });
}

/** Resolves when `promise` settles or after `ms`, whichever is first. */
async function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/**
 * Requests Node's parser refuses (a '\\' or a control character in the target, a malformed
 * header, headers over 16 KiB) get SPEC §5's JSON error instead of Node's bare
 * "400 Bad Request"; timeouts keep Node's 408. The connection is closed either way.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // Nothing can be written on a reset socket, or after a response has begun on it.
  if (error.code === 'ECONNRESET' || !socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    return;
  }
  const message = error.code === 'HPE_HEADER_OVERFLOW' ? 'the request headers are too large' : 'the request is not well-formed HTTP/1.1';
  const body = JSON.stringify({ error: { code: 'bad_request', message } });
  socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`);
}

/** SPEC §5's JSON error for a request the adapter refuses before the app sees it. */
function answerRequestError(error: unknown): Response {
  const bad = error instanceof RequestError;
  const body = bad ? { code: 'bad_request', message: `the request is malformed: ${error.message}` } : { code: 'internal_error', message: 'internal error' };
  return new Response(JSON.stringify({ error: body }), {
    status: bad ? 400 : 500,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  });
}

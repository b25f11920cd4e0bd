// POST /api/v1/entries answered straight from Node's request, before hono sees it: the one route
// that carries the log's write load. Through @hono/node-server and the middleware an append
// cost about 35 µs more CPU (a Request wrapper, a Context, a Response, header objects, and the
// garbage of each): an eighth of the server's work per append at full load (bench/README.md).
// It does what the hono path does, with the same helpers: the request id, the write rate limit,
// the body limit, SPEC §5 answers and errors, the request log line and the counts.
// Node-only.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_ENTRY_SIZE } from '../log/bundle.js';
import type { TransparencyLog } from '../log/transparency-log.js';
import type { ErrorAnswer } from './app.js';
import type { AppendReply } from './append-reply.js';
import { readIncoming } from './body.js';
import { REQUEST_ID_HEADER, RequestIds, reportRequest, type ObserveOptions } from './observe.js';
import { incomingAddress, takeWriteToken, type TokenBuckets } from './rate-limit.js';
import type { DirectRoute } from './server.js';

const ROUTE = '/api/v1/entries';

export interface AppendRouteOptions {
  readonly log: TransparencyLog;
  readonly observe: ObserveOptions;
  /** The write rate limit's buckets, shared with the hono middleware. */
  readonly buckets: TokenBuckets | undefined;
  readonly appendReply: AppendReply;
  readonly errorAnswer: (error: unknown) => ErrorAnswer;
}

export function appendRoute(options: AppendRouteOptions): DirectRoute {
  const ids = new RequestIds();
  return (req, res) => {
    // Only the exact path; anything else (a query string, a trailing slash) is hono's to answer.
    if (req.method !== 'POST' || req.url !== ROUTE) return false;
    answer(options, ids, req, res).catch((e: unknown) => {
      // Unreachable unless writing the answer itself failed: nothing more can be said on it.
      options.errorAnswer(e);
      res.destroy();
    });
    return true;
  };
}

async function answer(options: AppendRouteOptions, ids: RequestIds, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now();
  const offered = req.headers[REQUEST_ID_HEADER];
  const id = ids.for(typeof offered === 'string' ? offered : undefined);
  let status: number;
  let body: Uint8Array;
  let headers: Record<string, string> = {};
  let code: string | undefined;
  try {
    if (options.buckets !== undefined) takeWriteToken(options.buckets, incomingAddress(req));
    ({ status, body } = options.appendReply(await options.log.submit(await readIncoming(req, MAX_ENTRY_SIZE))));
  } catch (e) {
    const refusal = options.errorAnswer(e);
    ({ status, headers, code } = refusal);
    body = Buffer.from(JSON.stringify(refusal.body), 'utf8');
  }
  if (!res.destroyed) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(body.length);
    headers[REQUEST_ID_HEADER] = id;
    res.writeHead(status, headers);
    res.end(body);
  }
  reportRequest(options.observe, { id, method: 'POST', route: ROUTE, path: ROUTE, status, code, ms: performance.now() - started });
}

// The log's HTTP face: C2SP tlog-tiles reads at the root and the /api/v1 JSON API. Handlers are
// thin adapters: parse the request, call the log, encode the answer. Errors become
// {"error": {code, message}} with the status from the one table in log/errors.ts.
import { Hono, type Context } from 'hono';
import { DiptychError, statusOf } from '../log/errors.js';
import { fromHex, toBase64, toHex } from '../log/bytes.js';
import { parseTilePath } from '../log/tile-path.js';
import { encodeBundle, MAX_ENTRY_SIZE } from '../log/bundle.js';
import { TILE_WIDTH } from '../log/tile.js';
import type { TransparencyLog } from '../log/transparency-log.js';
import { readBody } from './body.js';
import { TokenBuckets, writeRateLimit, type RateLimitOptions } from './rate-limit.js';
import { appendRoute } from './append-route.js';
import type { DirectRoute } from './server.js';
import { appendReplies, type AppendReply } from './append-reply.js';
import { fileView, projectView, versionView } from '../log/project-views.js';
import { proofBundle } from './proof-bundle.js';
import { alertProofIndexes, alertRecord, alertView, alertsView, suspensionsView, viewJoins } from '../monitor/views.js';
import type { Logger } from 'pino';
import { LogMetrics, mountMetrics } from './metrics.js';
import { observeRequests } from './observe.js';
import { mountOpenApi } from './openapi.js';
import { mountDashboard } from './dashboard/mount.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';
// A partial tile of a given width never changes either, but it is superseded quickly.
const SHORT_LIVED = 'public, max-age=60';

export interface AppOptions {
  /** Called with every unexpected (non-DiptychError) failure; never sent to the client. */
  onInternalError?: (error: unknown) => void;
  /** Writes per second per client address (token bucket, 429 beyond it); none: unlimited. */
  writeRateLimit?: number | RateLimitOptions;
  /** One line per request (method, route, status, duration, request id); none: no request log. */
  logger?: Logger;
}

/** The log's HTTP face: the hono app, and the append route Node serves without it (api/append-route.ts). */
export interface LogServer {
  readonly app: Hono;
  /** For api/server.ts `listen(app, { direct })`. */
  readonly direct: DirectRoute;
}

/** The hono app alone: for app.request, and servers that take every request through it. */
export function createApp(log: TransparencyLog, options: AppOptions = {}): Hono {
  return createLogServer(log, options).app;
}

export function createLogServer(log: TransparencyLog, options: AppOptions = {}): LogServer {
  const app = new Hono();
  app.onError((error, c) => errorResponse(c, error, options.onInternalError));
  app.notFound((c) => errorResponse(c, new DiptychError('not_found', `no route for ${c.req.method} ${c.req.path}`)));
  // First, so that it sees every answer, refusals by the middleware after it included.
  const metrics = new LogMetrics(log);
  const observe = { logger: options.logger, recorder: metrics };
  app.use('*', observeRequests(observe));
  const limit = options.writeRateLimit;
  const buckets = limit === undefined ? undefined : new TokenBuckets(typeof limit === 'number' ? { perSecond: limit } : limit);
  if (buckets !== undefined) app.use('*', writeRateLimit(buckets));
  const appendReply = appendReplies();
  mountTiles(app, log);
  mountApi(app, log, appendReply);
  mountMetrics(app, metrics.registry);
  mountOpenApi(app);
  // The HTML dashboard at / (api/dashboard/), outside the C2SP and /api/v1 routes.
  mountDashboard(app, log, { onInternalError: options.onInternalError });
  const direct = appendRoute({ log, observe, buckets, appendReply, errorAnswer: (e) => errorAnswer(e, options.onInternalError) });
  return { app, direct };
}

/** A SPEC §5 error answer. */
export interface ErrorAnswer {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  readonly body: { error: { code: string; message: string } };
}

function errorAnswer(error: unknown, onInternal?: (e: unknown) => void): ErrorAnswer {
  let e: DiptychError;
  if (error instanceof DiptychError) e = error;
  else {
    onInternal?.(error);
    e = new DiptychError('internal_error', 'internal error');
  }
  const status = statusOf(e.code);
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  if (status === 503 || status === 429) headers['retry-after'] = String(e.details?.['retryAfter'] ?? 1);
  // A body refused as too large is left partly unread, and the connection cannot carry another
  // request (@hono/node-server gives up draining it and drops the socket): say so, so that
  // keep-alive clients do not send their next request into a connection about to close.
  if (status === 413) headers['connection'] = 'close';
  return { status, code: e.code, headers, body: { error: { code: e.code, message: e.message } } };
}

function errorResponse(c: Context, error: unknown, onInternal?: (e: unknown) => void): Response {
  const answer = errorAnswer(error, onInternal);
  return c.json(answer.body, answer.status as 400, answer.headers);
}

function mountTiles(app: Hono, log: TransparencyLog): void {
  app.get('/checkpoint', (c) =>
    c.body(log.servedCheckpoint().slice(), 200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' }),
  );
  app.get('/tile/*', async (c) => {
    // The raw path: parseTilePath accepts only the canonical grammar, so no decoding tricks.
    const tile = parseTilePath(new URL(c.req.url).pathname.slice(1));
    let bytes: Uint8Array | undefined;
    if (tile.kind === 'hash') bytes = await log.sequencer.tile(tile);
    else bytes = await entryBundle(log, tile.index, tile.width);
    if (bytes === undefined) throw new DiptychError('tile_not_found', `${c.req.path} is beyond the tree`);
    return c.body(bytes.slice(), 200, {
      'content-type': 'application/octet-stream',
      'cache-control': tile.width === TILE_WIDTH ? IMMUTABLE : SHORT_LIVED,
    });
  });
}

async function entryBundle(log: TransparencyLog, index: number, width: number): Promise<Uint8Array | undefined> {
  const start = index * TILE_WIDTH;
  if (start + width > log.sequencer.size) return undefined;
  return encodeBundle(await log.sequencer.entries(start, start + width));
}

function mountApi(app: Hono, log: TransparencyLog, appendReply: AppendReply): void {
  const api = new Hono();
  api.get('/log', (c) => c.json(log.info()));
  // SPEC §5: suspensions in force are a function of the log (monitor/governance.ts).
  api.get('/status', (c) =>
    c.json({
      ...suspensionsView(log.state),
      checkpoint: new TextDecoder().decode(log.servedCheckpoint()),
      witnesses: log.witnessStatus(),
    }),
  );
  // Over Node, api/append-route.ts answers this route before hono sees it; this one serves
  // app.request (tests) and requests the direct route leaves to hono (e.g. with a query string).
  api.post('/entries', async (c) => {
    const reply = appendReply(await log.submit(await readBody(c, MAX_ENTRY_SIZE)));
    return c.body(reply.body, reply.status, { 'content-type': 'application/json' });
  });
  api.get('/entries/:index', async (c) => {
    const index = integerParam(c.req.param('index'), 'index');
    // ?bundle=1: the entry as an offline proof bundle (log/proof-bundle.ts, issue 7).
    if (c.req.query('bundle') === '1') return c.json(await proofBundle(log, [index]));
    const entry = await log.sequencer.entry(index);
    const envelope = JSON.parse(new TextDecoder().decode(entry)) as { payloadType: string };
    return c.json({ index, leafHash: toHex(log.hasher.leaf(entry)), payloadType: envelope.payloadType, envelope });
  });
  api.get('/proof/inclusion', async (c) => {
    const size = optionalInteger(c.req.query('size'), 'size') ?? log.sequencer.size;
    const index = await leafIndex(log, c.req.query('index'), c.req.query('hash'), size);
    const proof = await log.sequencer.inclusionProof(index, size);
    return c.json({ index, size, proof: proof.map(toBase64) });
  });
  api.get('/proof/consistency', async (c) => {
    const to = optionalInteger(c.req.query('to'), 'to') ?? log.sequencer.size;
    const from = integerParam(c.req.query('from'), 'from');
    const proof = await log.sequencer.consistencyProof(from, to);
    return c.json({ from, to, proof: proof.map(toBase64) });
  });
  // Not in SPEC §5: the projects a witness must watch (every one with a key policy, issue 5).
  api.get('/projects', (c) => c.json({ projects: log.projects.projectNames() }));
  const joins = viewJoins(log.state);
  api.get('/projects/:name', (c) => c.json(projectView(log.projects, c.req.param('name'), joins)));
  api.get('/projects/:name/:version', (c) => c.json(versionView(log.projects, c.req.param('name'), c.req.param('version'), joins)));
  api.get('/files/:filename', (c) => c.json(fileView(log.projects, c.req.param('filename'), joins)));
  api.get('/alerts', (c) => c.json(alertsView(log.state, { project: c.req.query('project'), kind: c.req.query('kind'), severity: c.req.query('severity'), since: c.req.query('since') })));
  api.get('/alerts/:id', async (c) => {
    const record = alertRecord(log.state, c.req.param('id'));
    // ?bundle=1: the alert's entries and its evidence, proven against one checkpoint, so that
    // anyone can check the alert offline (diptych verify --bundle).
    // The answer is a proof bundle with the alert's current view beside it (not signed: the
    // alert entries inside the bundle are what counts).
    if (c.req.query('bundle') === '1') return c.json({ ...(await proofBundle(log, alertProofIndexes(record))), alert: alertView(record) });
    return c.json(alertView(record));
  });
  app.route('/api/v1', api);
}

async function leafIndex(log: TransparencyLog, index: string | undefined, hash: string | undefined, size: number): Promise<number> {
  if ((index === undefined) === (hash === undefined)) {
    throw new DiptychError('invalid_parameter', 'give exactly one of index and hash');
  }
  if (index !== undefined) return integerParam(index, 'index');
  if (!/^[0-9a-f]{64}$/.test(hash!)) throw new DiptychError('invalid_parameter', 'hash must be 64 lowercase hex digits');
  const found = await log.sequencer.findLeaf(fromHex(hash!));
  if (found === undefined || found >= size) throw new DiptychError('entry_not_found', `no entry with leaf hash ${hash} in the tree of size ${size}`);
  return found;
}

/** A non-negative safe integer in canonical decimal form, else invalid_parameter. */
function integerParam(text: string | undefined, name: string): number {
  if (text === undefined) throw new DiptychError('invalid_parameter', `${name} is required`);
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new DiptychError('invalid_parameter', `${name} must be a non-negative integer`);
  }
  return Number(text);
}

function optionalInteger(text: string | undefined, name: string): number | undefined {
  return text === undefined ? undefined : integerParam(text, name);
}

// The witness node's HTTP surface (SPEC §5): POST /add-checkpoint and GET /<origin hash>/checkpoint
// (C2SP tlog-witness submission and monitoring, one prefix) and GET /api/v1/witness. Errors are SPEC §5 JSON, except the 409 that tlog-witness defines with a
// text/x.tlog.size body (the standard wins).
import { Hono, type Context } from 'hono';
import { toBase64, toHex, utf8 } from '../log/bytes.js';
import { nobleCrypto } from '../log/crypto.js';
import { DiptychError, statusOf } from '../log/errors.js';
import { COSIGNATURE_TYPE, formatVerifierKey } from '../log/note.js';
import { readBody } from '../api/body.js';
import type { CheckpointWitness } from './cosigner.js';
import type { WitnessState } from './state.js';
import type { Logger } from 'pino';
import { observeRequests } from '../api/observe.js';
import { mountMetrics } from '../api/metrics.js';
import type { WitnessMetrics } from './metrics.js';

/** A checkpoint, 63 proof lines and a hundred signatures fit in far less. */
export const MAX_ADD_CHECKPOINT_BYTES = 64 * 1024;

export interface WitnessAppOptions {
  readonly onInternalError?: (e: unknown) => void;
  /** A line per request, as on the log server (api/observe.ts). */
  readonly logger?: Logger;
  /** Served at GET /metrics, with this app's requests counted in. */
  readonly metrics?: WitnessMetrics;
}

const sha256 = (bytes: Uint8Array): Uint8Array => nobleCrypto.sha256(bytes);

export function witnessApp(witness: CheckpointWitness, state: WitnessState, options: WitnessAppOptions = {}): Hono {
  const app = new Hono();
  app.onError((error, c) => errorResponse(c, error, options.onInternalError));
  app.notFound((c) => c.json({ error: { code: 'not_found', message: 'no such endpoint' } }, 404));
  app.use('*', observeRequests({ logger: options.logger, recorder: options.metrics?.http }));
  if (options.metrics !== undefined) mountMetrics(app, options.metrics.registry);
  app.post('/add-checkpoint', async (c) => {
    const answer = await witness.addCheckpoint(await readBody(c, MAX_ADD_CHECKPOINT_BYTES, 'body_too_large'));
    return c.body(answer.body, answer.status, { 'content-type': answer.contentType });
  });
  // tlog-witness monitoring: the latest cosigned checkpoint of a log, by SHA-256 of its origin.
  app.get('/:originHash/checkpoint', async (c) => {
    const hash = c.req.param('originHash');
    const origin = witness.origins().find((o) => toHex(sha256(utf8(o))) === hash);
    const cosigned = origin === undefined ? undefined : (await state.latestCosigned(origin))?.cosigned;
    if (cosigned === undefined) throw new DiptychError('unknown_log', 'no checkpoint cosigned for that origin');
    return c.body(cosigned, 200, { 'content-type': 'text/plain; charset=utf-8' });
  });
  app.get('/api/v1/witness', async (c) => {
    const { cosigner } = witness;
    const cosigned = new Map((await state.allCosigned()).map((x) => [x.origin, x.checkpoint]));
    const logs = witness.origins().map((origin) => {
      const cp = cosigned.get(origin);
      return { origin, size: cp?.size ?? 0, root: cp === undefined ? null : toBase64(cp.root) };
    });
    return c.json({ name: cosigner.name, verifierKey: formatVerifierKey(cosigner.name, COSIGNATURE_TYPE, cosigner.publicKey), logs });
  });
  return app;
}

function errorResponse(c: Context, error: unknown, onInternal?: (e: unknown) => void): Response {
  if (!(error instanceof DiptychError)) {
    onInternal?.(error);
    return c.json({ error: { code: 'internal_error', message: 'internal error' } }, 500);
  }
  return c.json({ error: { code: error.code, message: error.message } }, statusOf(error.code) as 400);
}

// Structured logs (issue 9): one JSON line per request with method, route, path, status, duration
// and request id (the client's x-request-id when sane, echoed in the answer; else a new one), and
// no secret material anywhere in what a served log or witness writes: not the log's or the
// witness's signer key, not a bearer token or query string a client sent, not a webhook secret or
// the password in a webhook URL, not request bodies.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger, type Logger } from '../cli/logger.js';
import { logEvents } from '../cli/log-events.js';
import { readSignerKeyFile, writeNewSignerKeyFile } from '../log/log-key.js';
import { formatAddCheckpoint } from '../witness/add-checkpoint.js';
import { manualClock } from '../witness/clock.js';
import { witnessConfig } from '../witness/config.js';
import { WitnessNode } from '../witness/node.js';
import { CheckpointLog } from './support/checkpoint-log.js';
import { keysEntry, newKeyPair, newSignerKey, postEntry, removeDir, request, serveTestLog, tempDir, textOf, witnessPolicy } from './support/log-fixture.js';
import { startGovernedLog } from './support/governed-log.js';
import { RequestIds } from '../api/observe.js';

const test = suite('logging');

/** A logger whose lines are kept in memory, at `level`. */
function capturingLogger(level: 'info' | 'trace' = 'info'): { logger: Logger; lines: () => Record<string, unknown>[]; text: () => string } {
  let text = '';
  const logger = createLogger({ level, destination: { write: (chunk: string) => void (text += chunk) } });
  return { logger, text: () => text, lines: () => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** The key material of a signer key text (PRIVATE+KEY+name+keyid+base64): what must never leak. */
// PRIVATE+KEY+<name>+<id>+<material>: names hold no '+', but base64 key material may, so the
// material is everything after the fourth '+' (after the last one, it could be a few characters
// that turn up in any base64 in the log by chance).
const keyMaterial = (signerKeyText: string): string => signerKeyText.split('+').slice(4).join('+');

test('a line per request, with the request id echoed; no keys, tokens, query strings or bodies', async () => {
  const { logger, lines, text } = capturingLogger();
  const logKey = newKeyPair('log.test/logging');
  const events = logEvents(logger);
  const g = await startGovernedLog({ logger, logKeyText: logKey.text, hooks: events.hooks });
  events.attach(g.log);
  try {
    const first = await request(g.url, '/api/v1/log', { headers: { 'x-request-id': 'req-1', authorization: 'Bearer tok-SECRET-123', cookie: 'session=cookie-SECRET' } });
    assert.is(first.headers['x-request-id'], 'req-1', 'a sane request id is echoed');
    const entry = keysEntry(newSignerKey('maintainer.test/logging'), 'logged-project');
    assert.is((await postEntry(g.url, entry)).status, 201);
    const refused = await request(g.url, '/api/v1/entries', { method: 'POST', body: '{"payload":"Ym9keS1TRUNSRVQ="}', headers: { 'x-request-id': 'req-3' } });
    assert.is(refused.status, 400);
    const missing = await request(g.url, '/nowhere?token=query-SECRET', { headers: { 'x-request-id': 'bad id "forged" ' + 'x'.repeat(200) } });
    const generated = String(missing.headers['x-request-id']);
    assert.match(generated, /^[0-9a-f-]{36}$/, 'an insane request id is replaced');

    const requestLines = lines().filter((l) => l.msg === 'request');
    assert.is(requestLines.length, 4, 'one line per request');
    const byId = (id: string) => requestLines.find((l) => l.reqId === id);
    const one = byId('req-1')!;
    assert.equal({ ...one, time: 0, ms: 0, pid: 0 }, { level: 'info', time: 0, pid: 0, reqId: 'req-1', method: 'GET', route: '/api/v1/log', path: '/api/v1/log', status: 200, ms: 0, msg: 'request' });
    assert.type(one.ms, 'number');
    assert.equal([byId('req-3')?.status, byId('req-3')?.code, byId('req-3')?.route], [400, 'invalid_envelope', '/api/v1/entries']);
    assert.equal([byId(generated)?.status, byId(generated)?.code, byId(generated)?.path], [404, 'not_found', '/nowhere']);
    assert.ok(lines().some((l) => l.event === 'checkpoint'), 'checkpoints are logged');

    const all = text();
    for (const secret of [keyMaterial(logKey.text), 'PRIVATE+KEY', 'tok-SECRET-123', 'cookie-SECRET', 'query-SECRET', 'Ym9keS1TRUNSRVQ=', new TextDecoder().decode(entry).slice(0, 60)]) {
      assert.not.ok(all.includes(secret), `the log holds ${secret.slice(0, 20)}…`);
    }
  } finally {
    await g.close();
  }
});

test('a witness node: requests, cosigning and a dead-lettered webhook are logged without its key, webhook secret or URL password', async () => {
  const dir = await tempDir('logging-witness');
  const { logger, lines, text } = capturingLogger('trace');
  const keyFile = join(dir, 'witness.key');
  await writeNewSignerKeyFile(keyFile, 'witness.test/logging');
  const key = await readSignerKeyFile(keyFile);
  const secretFile = join(dir, 'webhook.secret');
  const secret = 'webhook-SECRET-0123456789abcdef';
  await writeFile(secretFile, secret + '\n', { mode: 0o600 });
  const log = await serveTestLog({ verifyThreads: 0, policy: witnessPolicy(key.verifierKey) });
  const logKey = newSignerKey('log.test/logging-witness');
  const config = await witnessConfig({
    log: log.url, index: ['http://127.0.0.1:9'], key: keyFile, data: join(dir, 'node'), projects: ['snowballstemmer'], 'log-vkey': [logKey.verifierKey], port: '0',
    webhook: ['http://hook-user:url-SECRET@127.0.0.1:9/hook'], 'webhook-secret-file': secretFile,
  });
  const node = await WitnessNode.open(config, manualClock(), { logger });
  try {
    const server = await node.listen();
    const cosigned = new CheckpointLog(logKey);
    cosigned.append(3);
    const reply = await request(server.url, '/add-checkpoint', { method: 'POST', body: formatAddCheckpoint(0, [], await cosigned.checkpoint()), headers: { 'x-request-id': 'w-1' } });
    assert.is(reply.status, 200, textOf(reply));
    assert.is(reply.headers['x-request-id'], 'w-1');
    await node.raiseFork({ origin: 'log.test/logging-witness', cosigned: 'one', conflicting: 'two', reason: 'same-size-other-root', at: Date.now() });
  } finally {
    await node.close(); // dead-letters the undelivered alert (the webhook's port is closed)
    await log.close();
  }
  try {
    assert.ok(lines().some((l) => l.reqId === 'w-1' && l.route === '/add-checkpoint' && l.status === 200), 'the request line');
    const dead = lines().find((l) => l.event === 'webhook' && l.outcome === 'dead_letter');
    assert.ok(dead, 'the dead letter is logged');
    assert.match(String(dead!.msg), /127\.0\.0\.1:9\/hook/, 'with the URL');
    const all = text();
    const keyText = (await readFile(keyFile, 'utf8')).trim();
    for (const s of [secret, 'url-SECRET', keyMaterial(keyText), 'PRIVATE+KEY']) assert.not.ok(all.includes(s), `the log holds ${s.slice(0, 12)}…`);
  } finally {
    await removeDir(dir);
  }
});

test('generated request ids are UUID-shaped, distinct, and distinct between generators', () => {
  const a = new RequestIds();
  const b = new RequestIds();
  const seen = new Set<string>();
  for (let i = 0; i < 5000; i++) for (const ids of [a, b]) seen.add(ids.for(undefined));
  assert.is(seen.size, 10_000);
  for (const id of seen) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.is(a.for('client-7'), 'client-7');
  assert.match(a.for('not sane'), /^[0-9a-f-]{36}$/);
});

test.run();

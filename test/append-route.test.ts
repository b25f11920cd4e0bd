// POST /api/v1/entries has two paths on a served log: the direct route (api/append-route.ts),
// which Node answers without hono, and the hono route, which answers app.request and any
// request the direct route leaves (here: the same path with a query string). They must be
// indistinguishable: the same statuses, headers, bodies and error codes, one rate limit, one
// set of counts.
import { connect } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AppOptions } from '../api/app.js';
import { appendReplies } from '../api/append-reply.js';
import { toBase64, toHex } from '../log/bytes.js';
import { canonicalBytes } from '../log/jcs.js';
import { check, fc } from './support/fuzz.js';
import { assertErrorReply, jsonOf, keysEntry, newSignerKey, request, serveTestLog, textOf, type EntryReceipt, type Reply, type ServedLog } from './support/log-fixture.js';

const DIRECT = '/api/v1/entries';
const VIA_HONO = '/api/v1/entries?via=hono';

const serve = (app: AppOptions = {}): Promise<ServedLog> => serveTestLog({ verifyThreads: 0, app });

const post = (url: string, path: string, body: Uint8Array | string, headers: Record<string, string> = {}): Promise<Reply> =>
  request(url, path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

/** What a client can see of an answer, but the request id (each answer has its own). */
function visible(reply: Reply): { status: number; headers: Record<string, unknown>; body: string } {
  const { date: _date, 'x-request-id': _id, ...headers } = reply.headers;
  return { status: reply.status, headers, body: textOf(reply) };
}

test('the direct route and the hono route give the same answers to the same refusals', async () => {
  const s = await serve();
  try {
    const key = newSignerKey('parity@example.org');
    const valid = keysEntry(key, 'parity');
    const badSignature = valid.slice();
    // A byte inside the base64 signature: still well-formed, no longer valid.
    const sigAt = new TextDecoder().decode(valid).indexOf('"sig":"') + 10;
    badSignature[sigAt] = badSignature[sigAt] === 0x41 ? 0x42 : 0x41;
    const cases: Array<[string, Uint8Array | string]> = [
      ['not JSON', '{"payload":'],
      ['not canonical', ' ' + new TextDecoder().decode(valid)],
      ['not an envelope', canonicalBytes({ hello: 'world' })],
      ['a bad signature', badSignature],
      ['too large', new Uint8Array(70_000).fill(0x20)],
    ];
    const size = s.log.sequencer.size;
    for (const [label, body] of cases) {
      const direct = await post(s.url, DIRECT, body);
      const viaHono = await post(s.url, VIA_HONO, body);
      assert.ok(direct.status >= 400, `${label}: refused`);
      assert.equal(visible(direct), visible(viaHono), label);
    }
    assertErrorReply(await post(s.url, DIRECT, new Uint8Array(70_000).fill(0x20)), 413, 'entry_too_large', 'too large');
    assert.is(s.directTaken(), cases.length + 1, 'the direct route took the requests to its exact path, and only those');
    assert.is(s.log.sequencer.size, size, 'nothing refused was logged');
  } finally {
    await s.close();
  }
});

test('the direct route and the hono route log, deduplicate and answer appends alike', async () => {
  const s = await serve();
  try {
    const key = newSignerKey('alike@example.org');
    const first = await post(s.url, DIRECT, keysEntry(key, 'alike-one'));
    const second = await post(s.url, VIA_HONO, keysEntry(key, 'alike-two'));
    assert.is(first.status, 201);
    assert.is(second.status, 201);
    assert.equal(Object.keys(jsonOf(first)), Object.keys(jsonOf(second)));
    // The bodies differ in length (another index, another proof), nothing else.
    const headers = (r: Reply): Record<string, unknown> => ({ ...visible(r).headers, 'content-length': undefined });
    assert.equal(headers(first), headers(second));
    // Each path answers an entry the other logged with its index, as already logged (200).
    const again = await post(s.url, VIA_HONO, keysEntry(key, 'alike-one'));
    const againDirect = await post(s.url, DIRECT, keysEntry(key, 'alike-two'));
    assert.is(again.status, 200);
    assert.is(againDirect.status, 200);
    assert.is(jsonOf<EntryReceipt>(again).index, jsonOf<EntryReceipt>(first).index);
    assert.is(jsonOf<EntryReceipt>(againDirect).index, jsonOf<EntryReceipt>(second).index);
  } finally {
    await s.close();
  }
});

test('the direct route echoes a sane request id and replaces any other', async () => {
  const s = await serve();
  try {
    const key = newSignerKey('ids@example.org');
    const sane = await post(s.url, DIRECT, keysEntry(key, 'ids'), { 'x-request-id': 'client-42.a:b' });
    assert.is(sane.headers['x-request-id'], 'client-42.a:b');
    const forged = await post(s.url, DIRECT, '{}', { 'x-request-id': 'a b\tc' });
    assert.match(String(forged.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  } finally {
    await s.close();
  }
});

test('one write rate limit for both routes, and one count of appends in /metrics', async () => {
  const s = await serve({ writeRateLimit: { perSecond: 1, burst: 2, now: () => 0 } });
  try {
    const key = newSignerKey('limit@example.org');
    assert.is((await post(s.url, DIRECT, keysEntry(key, 'limit-one'))).status, 201);
    assert.is((await post(s.url, VIA_HONO, keysEntry(key, 'limit-two'))).status, 201);
    const direct = await post(s.url, DIRECT, keysEntry(key, 'limit-three'));
    const viaHono = await post(s.url, VIA_HONO, keysEntry(key, 'limit-three'));
    assertErrorReply(direct, 429, 'rate_limited', 'direct');
    assert.equal(visible(direct), visible(viaHono));
    const metrics = textOf(await request(s.url, '/metrics'));
    assert.match(metrics, /diptych_http_requests_total\{method="POST",route="\/api\/v1\/entries",status="201"\} 2\n/);
    assert.match(metrics, /diptych_http_requests_total\{method="POST",route="\/api\/v1\/entries",status="429"\} 2\n/);
    assert.match(metrics, /diptych_rejections_total\{route="\/api\/v1\/entries",code="rate_limited"\} 2\n/);
    assert.match(metrics, /diptych_appends_total\{result="created"\} 2\n/);
  } finally {
    await s.close();
  }
});

test('pipelined requests on one connection are answered in order, appends and reads alike', async () => {
  const s = await serve();
  try {
    const key = newSignerKey('pipelined@example.org');
    const post = (entry: Uint8Array): Buffer =>
      Buffer.concat([Buffer.from(`POST ${DIRECT} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${entry.length}\r\n\r\n`), entry]);
    const requests = Buffer.concat([
      post(keysEntry(key, 'pipelined-one')),
      Buffer.from('GET /api/v1/log HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'),
      post(Buffer.from('{"not":"an envelope"}')),
      post(keysEntry(key, 'pipelined-two')),
    ]);
    const { port } = new URL(s.url);
    // Written at once, without half-closing (Node's server drops what is pending on a client's FIN).
    // Answers follow each other directly (a JSON body has no final newline).
    const statusesOf = (text: string): number[] => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: Number(port) }, () => socket.write(requests));
      let received = '';
      socket.on('data', (d: Buffer) => {
        received += d.toString('utf8');
        if (statusesOf(received).length === 4 && /\}\s*$/.test(received)) socket.destroy();
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(received));
    });
    const statuses = statusesOf(text);
    assert.equal(statuses, [201, 200, 400, 201]);
    assert.is(s.directTaken(), 3);
  } finally {
    await s.close();
  }
});

test('a client that goes away mid-body is a bad request on both routes, not an internal error', async () => {
  const s = await serve();
  try {
    const { port } = new URL(s.url);
    for (const path of [DIRECT, VIA_HONO]) {
      await new Promise<void>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port: Number(port) }, () => {
          socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{"payload"`);
          setTimeout(() => socket.destroy(), 50);
        });
        socket.on('close', () => setTimeout(resolve, 100));
      });
    }
    // serveTestLog's close asserts that no internal error was reported.
    const metrics = textOf(await request(s.url, '/metrics'));
    assert.match(metrics, /diptych_rejections_total\{route="\/api\/v1\/entries",code="bad_request"\} 2\n/);
  } finally {
    await s.close();
  }
});

test('the append answer is byte for byte what JSON.stringify writes of it', () =>
  check(
    'append reply',
    fc.record({
      index: fc.nat(),
      leafHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      created: fc.boolean(),
      checkpoint: fc.constantFrom('log.example/x\n7\nq0d1c2VjdA==\n\n— log.example/x AbCd\n', 'quote " backslash \\ tab \t ünï\n'),
      proof: fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 40 }),
    }),
    ({ index, leafHash, created, checkpoint, proof }) => {
      const reply = appendReplies()({ index, leafHash, created, size: index + 1, checkpoint: new TextEncoder().encode(checkpoint), proof });
      assert.is(reply.status, created ? 201 : 200);
      const expected = JSON.stringify({ index, leafHash: toHex(leafHash), checkpoint, inclusionProof: proof.map(toBase64) });
      assert.is(reply.body.toString('utf8'), expected);
    },
    500,
  ));

test.run();

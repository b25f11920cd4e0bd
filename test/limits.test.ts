// Limits and abuse (issue 8), against a real log served on 127.0.0.1 port 0:
// - per-client write rate limit: a token bucket per address, 429 rate_limited with Retry-After,
//   reads never limited, nothing of a refused write stored;
// - the bound on pending appends: 503 overloaded when the pool is full, the refused entry is not
//   in the log after the others are, and it is accepted once there is room;
// - body size limits, declared and chunked;
// - slow clients (slow-loris): a real socket that dribbles headers or a body, or sends nothing,
//   is cut off by the server's own timeouts.
import { connect, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LogOptions } from '../log/transparency-log.js';
import type { AppOptions } from '../api/app.js';
import type { ListenOptions } from '../api/server.js';
import { TokenBuckets } from '../api/rate-limit.js';
import { toHex } from '../log/bytes.js';
import { assertErrorReply, clientHasher, jsonOf, postEntry, request, serveTestLog, strangerEntry, type EntryReceipt, type ServedLog } from './support/log-fixture.js';

const serve = (logOptions: Partial<LogOptions>, app: AppOptions = {}, listenOptions: Pick<ListenOptions, 'timeouts'> = {}): Promise<ServedLog> =>
  serveTestLog({ verifyThreads: 0, ...logOptions, app, listen: listenOptions });

const entry = (n: number | string): Uint8Array => strangerEntry('application/vnd.example.limits+json', { n });

async function logged(url: string, e: Uint8Array): Promise<boolean> {
  const reply = await request(url, `/api/v1/proof/inclusion?hash=${toHex(clientHasher.leaf(e))}`);
  if (reply.status === 404) return false;
  assert.is(reply.status, 200);
  return true;
}

test('token buckets: burst, refill, per client, bounded memory', () => {
  let now = 1_000_000;
  const b = new TokenBuckets({ perSecond: 2, burst: 3, now: () => now, maxClients: 4 });
  assert.equal([b.take('a'), b.take('a'), b.take('a')], [0, 0, 0], 'a burst of 3');
  assert.is(b.take('a'), 500, 'the 4th waits for the next token (1/2 s)');
  assert.is(b.take('b'), 0, 'another client has its own bucket');
  now += 499;
  assert.ok(b.take('a') > 0, 'not yet');
  now += 2;
  assert.is(b.take('a'), 0, 'one token after 1/2 s');
  for (const c of ['c', 'd', 'e', 'f', 'g']) b.take(c);
  assert.ok(b.clients <= 4, `clients tracked: ${b.clients}`);
});

test('write rate limit: 429 rate_limited with Retry-After; reads unaffected; nothing of a refused write stored', async () => {
  // A frozen clock: the bucket never refills during the test, whatever the machine's speed.
  const s = await serve({}, { writeRateLimit: { perSecond: 1, burst: 2, now: () => 0 } });
  try {
    assert.is((await postEntry(s.url, entry('rl-1'))).status, 201);
    assert.is((await postEntry(s.url, entry('rl-2'))).status, 201);
    const refused = entry('rl-3');
    const reply = await postEntry(s.url, refused);
    assertErrorReply(reply, 429, 'rate_limited', 'third write');
    assert.is(reply.headers['retry-after'], '1');
    // An already-logged entry is a write too: refused the same way, not an amplifier.
    assertErrorReply(await postEntry(s.url, entry('rl-1')), 429, 'rate_limited', 'a repeat');
    for (let i = 0; i < 20; i++) assert.is((await request(s.url, '/checkpoint')).status, 200, 'reads are not limited');
    assert.is(s.log.sequencer.size, 2);
    assert.not.ok(await logged(s.url, refused), 'the refused entry is not in the log');
  } finally {
    await s.close();
  }
});

test('write rate limit: Retry-After is the wait for the next token, rounded up to seconds', async () => {
  const s = await serve({}, { writeRateLimit: { perSecond: 0.25, burst: 1, now: () => 0 } });
  try {
    assert.is((await postEntry(s.url, entry('slow-1'))).status, 201);
    const reply = await postEntry(s.url, entry('slow-2'));
    assertErrorReply(reply, 429, 'rate_limited', 'second write');
    assert.is(reply.headers['retry-after'], '4');
  } finally {
    await s.close();
  }
});

test('pending appends are bounded: 503 overloaded when full; the refused entry is never half-written', async () => {
  // The first append integrates at once; the next step waits a cadence (1.5 s), so the five
  // sent right after it are all waiting together when the sixth arrives.
  const s = await serve({ cadenceMs: 1500, maxPending: 5 });
  try {
    assert.is((await postEntry(s.url, entry('first'))).status, 201);
    const waiting = [1, 2, 3, 4, 5].map((i) => postEntry(s.url, entry(`pending-${i}`)));
    while (s.log.sequencer.pendingCount < 5) await new Promise((r) => setImmediate(r));
    const sixth = entry('pending-6');
    const reply = await postEntry(s.url, sixth);
    assertErrorReply(reply, 503, 'overloaded', 'the sixth pending entry');
    assert.is(reply.headers['retry-after'], '1');
    const receipts = await Promise.all(waiting);
    for (const r of receipts) assert.is(r.status, 201);
    assert.equal(receipts.map((r) => jsonOf<EntryReceipt>(r).index).sort(), [1, 2, 3, 4, 5]);
    assert.is(s.log.sequencer.size, 6);
    assert.not.ok(await logged(s.url, sixth), 'the refused entry is not in the log');
    // Once there is room it is accepted, at the next index.
    const again = await postEntry(s.url, sixth);
    assert.is(again.status, 201);
    assert.is(jsonOf<EntryReceipt>(again).index, 6);
  } finally {
    await s.close();
  }
});

test('body limits: entries over 65535 bytes are refused before they are read, declared or chunked', async () => {
  const s = await serve({});
  try {
    const big = new Uint8Array(65_536).fill(0x20);
    assertErrorReply(await request(s.url, '/api/v1/entries', { method: 'POST', body: big }), 413, 'entry_too_large', 'declared');
    assertErrorReply(await request(s.url, '/api/v1/entries', { method: 'POST', chunks: [big.subarray(0, 40_000), big.subarray(40_000)] }), 413, 'entry_too_large', 'chunked');
    // A declared length of 10 GB is refused from the header alone.
    const huge = await rawExchange(s.server.port, 'POST /api/v1/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000\r\n\r\n');
    assert.match(huge, /^HTTP\/1\.1 413 /);
    assert.is(s.log.sequencer.size, 0);
  } finally {
    await s.close();
  }
});

test('requests HTTP parsers refuse get SPEC §5 JSON errors, not bare 400s', async () => {
  const s = await serve({});
  try {
    const cases = [
      'GET /check\x01point HTTP/1.1\r\nHost: x\r\n\r\n', // a control character in the target
      'GET /checkpoint HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n', // a space in a header name
      `GET /checkpoint HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, // headers over 16 KiB
      'GET /check\\point HTTP/1.1\r\nHost: x\r\n\r\n', // a backslash (refused by the adapter)
      'GET /checkpoint HTTP/1.1\r\nHost: x y\r\n\r\n', // a malformed Host
    ];
    for (const raw of cases) {
      const answer = await rawExchange(s.server.port, raw);
      assert.match(answer, /^HTTP\/1\.1 400 /, JSON.stringify(raw.slice(0, 40)));
      assert.match(answer, /\r\n\r\n\{"error":\{"code":"bad_request","message":"[^"]+"\}\}$/, JSON.stringify(raw.slice(0, 40)));
    }
  } finally {
    await s.close();
  }
});

/** Sends raw bytes, returns all the server wrote before closing. */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      got += d;
      if (/\r\n\r\n[\s\S]*\}/.test(got)) socket.destroy();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(got));
    socket.write(text);
  });
}

/**
 * A slow-loris client: writes `text` one byte per tick until the server closes the socket.
 * Returns what the server answered and how many bytes it let through. The dribble is bounded
 * (maxTicks): reaching the bound means the server never cut the client off.
 */
function dribble(port: number, text: string, tickMs: number, maxTicks: number): Promise<{ answer: string; sent: number; cutOff: boolean }> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let answer = '';
    let sent = 0;
    let ticks = 0;
    let done = false;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (answer += d));
    const finish = (cutOff: boolean): void => {
      if (done) return;
      done = true;
      clearInterval(timer);
      socket.destroy();
      resolve({ answer, sent, cutOff });
    };
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    const timer = setInterval(() => {
      if (++ticks > maxTicks) return finish(false);
      if (sent < text.length) socket.write(text[sent++]!);
    }, tickMs);
  });
}

test('slow-loris: headers, bodies and silence that dribble past the server timeouts are cut off', async () => {
  const timeouts = { headersMs: 300, requestMs: 600, keepAliveMs: 200, checkIntervalMs: 50 };
  const s = await serve({}, {}, { timeouts });
  try {
    const headers = 'GET /checkpoint HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ' + 'a'.repeat(10_000) + '\r\n\r\n';
    const slowHeaders = await dribble(s.server.port, headers, 20, 500);
    assert.ok(slowHeaders.cutOff, 'a client dribbling its headers is cut off');
    assert.ok(slowHeaders.sent < headers.length, `it never finished its headers (${slowHeaders.sent} bytes sent)`);
    assert.not.match(slowHeaders.answer, /^HTTP\/1\.1 200/, 'and got no answer');

    const e = entry('slow-body');
    const body = new TextDecoder().decode(e);
    const post = `POST /api/v1/entries HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${e.length}\r\n\r\n`;
    const slowBody = await dribble(s.server.port, post + body, 5, 2000);
    assert.ok(slowBody.cutOff, 'a client dribbling its body is cut off');
    assert.ok(slowBody.sent < post.length + body.length, `it never finished its body (${slowBody.sent} bytes sent)`);

    const silent = await dribble(s.server.port, '', 20, 500);
    assert.ok(silent.cutOff, 'a connection that sends nothing is closed');

    // The server still serves, and nothing of the cut-off POST was logged.
    assert.is((await request(s.url, '/checkpoint')).status, 200);
    assert.is(s.log.sequencer.size, 0);
  } finally {
    await s.close();
  }
});

test.run();

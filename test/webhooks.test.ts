// witness/webhooks.ts against real receivers on 127.0.0.1: the body and its signature, retries
// on 5xx/429/timeouts/refused connections, no retry on 400, Retry-After, the per-URL queue bound,
// dead letters (0600, one JSON line each, never the secret), a hanging receiver that delays
// neither the caller nor the other URLs, close(); and the witness's --webhook flags.
// Backoff runs on a manual clock (its sleeps are recorded, not waited); nothing asserts timings.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { UsageError } from '../cli/args.js';
import { DiptychError } from '../log/errors.js';
import { WITNESS_HELP } from '../witness/cli.js';
import { manualClock } from '../witness/clock.js';
import { witnessConfig } from '../witness/config.js';
import {
  DEAD_LETTER_FILE,
  WebhookNotifier,
  describeWebhookEvent,
  verifyWebhookSignature,
  webhookNotifierFor,
  webhookRetryDelay,
  webhookSignature,
  type DeadLetterRecord,
  type WebhookEvent,
  type WebhookNotifierOptions,
} from '../witness/webhooks.js';

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

type Handler = (n: number, res: ServerResponse) => void;

/** A webhook receiver: records each request, then lets `handler` answer (or not) the n-th (from 1). */
class Receiver {
  readonly requests: Received[] = [];
  private waiters: Array<{ n: number; resolve: () => void }> = [];
  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(handler: Handler, path = '/hook'): Promise<Receiver> {
    let self: Receiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        self!.requests.push({ headers: req.headers, body: Buffer.concat(chunks) });
        const n = self!.requests.length;
        for (const w of self!.waiters.filter((w) => w.n <= n)) w.resolve();
        handler(n, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new Receiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`);
    return self;
  }

  /** Resolves once `n` requests have arrived. */
  received(n: number): Promise<void> {
    if (this.requests.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const answer = (status: number, body = '', headers: Record<string, string> = {}) => (_n: number, res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'text/plain', ...headers });
  res.end(body);
};
const hang: Handler = () => undefined;

const SECRET = new TextEncoder().encode('test-secret-0123456789abcdef');
const SECRET_TEXT = 'test-secret-0123456789abcdef';

function alert(id: string): Record<string, unknown> {
  return { id, kind: 'hash-mismatch', severity: 'critical', project: 'flask', version: '3.0.0', filename: 'flask-3.0.0.tar.gz', evidence: [3, 7], raisedAt: '2026-11-23T00:00:00.000Z' };
}

interface Ctx {
  dir: string;
  n: number;
}

const test = suite<Ctx>('webhooks');
test.before(async (ctx) => {
  ctx.dir = await mkdtemp(join(tmpdir(), 'diptych-webhooks-'));
  ctx.n = 0;
});
test.after(async (ctx) => {
  await rm(ctx.dir, { recursive: true, force: true });
});

function notifier(ctx: Ctx, urls: string[], options: Partial<WebhookNotifierOptions> = {}) {
  const clock = manualClock();
  const events: WebhookEvent[] = [];
  const waiters: Array<{ type: WebhookEvent['type']; resolve: () => void }> = [];
  const deadLetterFile = join(ctx.dir, `run-${++ctx.n}`, DEAD_LETTER_FILE);
  const n = new WebhookNotifier({
    urls, secret: SECRET, deadLetterFile, clock, timeoutMs: 5_000, retry: { firstDelayMs: 1, maxDelayMs: 10, attempts: 3 },
    onEvent: (e) => {
      events.push(e);
      for (const w of waiters.filter((w) => w.type === e.type)) w.resolve();
    },
    ...options,
  });
  /** Resolves at the first event of this type (at once if there was one). */
  const event = (type: WebhookEvent['type']): Promise<void> =>
    events.some((e) => e.type === type) ? Promise.resolve() : new Promise((resolve) => waiters.push({ type, resolve }));
  return { notifier: n, clock, events, event, deadLetterFile };
}

async function deadLetters(file: string): Promise<DeadLetterRecord[]> {
  if (!existsSync(file)) return [];
  const text = await readFile(file, 'utf8');
  assert.not.ok(text.includes(SECRET_TEXT), 'the secret never reaches the dead-letter file');
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as DeadLetterRecord);
}

test('delivers the alert as signed JSON; a flipped bit, another secret or an old timestamp fail verification', async (ctx) => {
  const rx = await Receiver.start(answer(204));
  const { notifier: n, clock, events, deadLetterFile } = notifier(ctx, [rx.url]);
  try {
    const a = alert('a1');
    n.notify(a);
    await n.idle();
    assert.is(rx.requests.length, 1);
    const { headers, body } = rx.requests[0]!;
    assert.equal(JSON.parse(body.toString('utf8')), { type: 'diptych.alert', alert: a });
    assert.is(headers['content-type'], 'application/json');
    assert.is(headers['x-diptych-event'], 'alert');
    assert.match(String(headers['x-diptych-delivery']), /^[0-9a-f-]{36}$/);
    const timestamp = String(headers['x-diptych-timestamp']);
    assert.is(timestamp, String(Math.floor(clock.now() / 1000)));
    const signature = headers['x-diptych-signature'];
    assert.match(String(signature), /^sha256=[0-9a-f]{64}$/);
    assert.is(signature, webhookSignature(SECRET, timestamp, body));
    assert.ok(verifyWebhookSignature(SECRET, timestamp, signature, body, clock.now()));
    assert.ok(verifyWebhookSignature(SECRET_TEXT, timestamp, signature, body.toString('utf8'), clock.now()), 'string secret and body work too');

    const flipped = Buffer.from(body);
    flipped[10] = flipped[10]! ^ 1;
    assert.not.ok(verifyWebhookSignature(SECRET, timestamp, signature, flipped, clock.now()), 'a flipped bit in the body');
    assert.not.ok(verifyWebhookSignature(new TextEncoder().encode('another-secret-0123456789'), timestamp, signature, body, clock.now()), 'another secret');
    assert.not.ok(verifyWebhookSignature(SECRET, String(Number(timestamp) + 1), signature, body, clock.now()), 'another timestamp');
    assert.not.ok(verifyWebhookSignature(SECRET, timestamp, signature, body, clock.now() + 301_000), 'outside the replay window');
    assert.ok(verifyWebhookSignature(SECRET, timestamp, signature, body, clock.now() + 299_000), 'inside the replay window');
    assert.not.ok(verifyWebhookSignature(SECRET, timestamp, undefined, body, clock.now()), 'no signature');
    assert.not.ok(verifyWebhookSignature(SECRET, undefined, signature, body, clock.now()), 'no timestamp');
    assert.not.ok(verifyWebhookSignature(SECRET, timestamp, 'sha256=xyz', body, clock.now()), 'malformed signature');
    assert.not.ok(verifyWebhookSignature(new Uint8Array(0), timestamp, signature, body, clock.now()), 'empty secret');
    assert.ok(verifyWebhookSignature(SECRET, timestamp, `sha256=${'0'.repeat(64)}, ${String(signature)}`, body, clock.now()), 'one of several (rotation)');

    assert.equal(events.map((e) => e.type), ['delivered']);
    assert.is(events[0]!.type === 'delivered' && events[0]!.attempts, 1);
    assert.not.ok(existsSync(deadLetterFile), 'no dead letter for a delivery');
    assert.not.ok(describeWebhookEvent(events[0]!).includes(SECRET_TEXT));
  } finally {
    await n.close();
    await rx.close();
  }
});

test('without a secret there is no signature header', async (ctx) => {
  const rx = await Receiver.start(answer(200));
  const { notifier: n } = notifier(ctx, [rx.url], { secret: undefined });
  try {
    n.notify(alert('a2'));
    await n.idle();
    assert.is(rx.requests.length, 1);
    assert.is(rx.requests[0]!.headers['x-diptych-signature'], undefined);
    assert.ok(rx.requests[0]!.headers['x-diptych-timestamp'] !== undefined);
  } finally {
    await n.close();
    await rx.close();
  }
});

test('500, 500, then 200: delivered once after 3 attempts, same body and delivery id, each signed afresh', async (ctx) => {
  const rx = await Receiver.start((n, res) => answer(n <= 2 ? 500 : 200, n <= 2 ? 'try later' : 'ok')(n, res));
  const { notifier: n, events, deadLetterFile, clock } = notifier(ctx, [rx.url]);
  try {
    n.notify(alert('a3'));
    await n.idle();
    assert.is(rx.requests.length, 3);
    const ids = new Set(rx.requests.map((r) => r.headers['x-diptych-delivery']));
    assert.is(ids.size, 1);
    assert.is(new Set(rx.requests.map((r) => r.body.toString('utf8'))).size, 1, 'the body is the same bytes on every attempt');
    for (const r of rx.requests) assert.ok(verifyWebhookSignature(SECRET, r.headers['x-diptych-timestamp'], r.headers['x-diptych-signature'], r.body, clock.now()));
    assert.equal(events.map((e) => e.type), ['retrying', 'retrying', 'delivered']);
    const delivered = events[2]!;
    assert.ok(delivered.type === 'delivered' && delivered.attempts === 3 && delivered.status === 200);
    assert.ok(events[0]!.type === 'retrying' && events[0]!.status === 500 && events[0]!.error.includes('try later'));
    assert.is(clock.sleeps.length, 2, 'backed off twice');
    assert.not.ok(existsSync(deadLetterFile));
  } finally {
    await n.close();
    await rx.close();
  }
});

test('400: not retried, dead-lettered with the answer, file 0600 without the secret', async (ctx) => {
  const rx = await Receiver.start(answer(400, 'bad signature\n'));
  const { notifier: n, deadLetterFile } = notifier(ctx, [rx.url]);
  try {
    n.notify(alert('a4'));
    await n.idle();
    assert.is(rx.requests.length, 1);
    const [record, ...rest] = await deadLetters(deadLetterFile);
    assert.is(rest.length, 0);
    assert.is(record!.url, rx.url);
    assert.is(record!.alertId, 'a4');
    assert.is(record!.reason, 'rejected');
    assert.is(record!.attempts, 1);
    assert.is(record!.status, 400);
    assert.match(record!.lastError, /HTTP 400: bad signature/);
    assert.equal(record!.alert, alert('a4'), 'the alert, to send again by hand');
    assert.ok(!Number.isNaN(Date.parse(record!.at)));
    assert.is((await stat(deadLetterFile)).mode & 0o777, 0o600);
  } finally {
    await n.close();
    await rx.close();
  }
});

test('a receiver that never answers: each attempt times out, then a dead letter', async (ctx) => {
  const rx = await Receiver.start(hang);
  const { notifier: n, events, deadLetterFile } = notifier(ctx, [rx.url], { timeoutMs: 150 });
  try {
    n.notify(alert('a5'));
    await n.idle();
    assert.is(rx.requests.length, 3);
    const records = await deadLetters(deadLetterFile);
    assert.is(records.length, 1);
    assert.is(records[0]!.reason, 'retries_exhausted');
    assert.is(records[0]!.attempts, 3);
    assert.match(records[0]!.lastError, /no answer within 150 ms/);
    assert.equal(events.map((e) => e.type), ['retrying', 'retrying', 'dead_letter']);
  } finally {
    await n.close();
    await rx.close();
  }
});

test('a refused connection is retried, then dead-lettered', async (ctx) => {
  const gone = await Receiver.start(hang);
  const url = gone.url;
  await gone.close();
  const { notifier: n, deadLetterFile } = notifier(ctx, [url], { retry: { firstDelayMs: 1, maxDelayMs: 10, attempts: 2 } });
  try {
    n.notify(alert('a6'));
    await n.idle();
    const records = await deadLetters(deadLetterFile);
    assert.is(records.length, 1);
    assert.is(records[0]!.reason, 'retries_exhausted');
    assert.is(records[0]!.attempts, 2);
    assert.match(records[0]!.lastError, /ECONNREFUSED/);
  } finally {
    await n.close();
  }
});

test('a hanging URL delays neither notify() nor another URL; close() dead-letters it as shutdown', async (ctx) => {
  const stuck = await Receiver.start(hang);
  const healthy = await Receiver.start(answer(200));
  const { notifier: n, events, event, deadLetterFile } = notifier(ctx, [stuck.url, healthy.url], { timeoutMs: 600_000 });
  try {
    const returned = n.notify(alert('a7'));
    assert.is(returned, undefined);
    assert.is(stuck.requests.length + healthy.requests.length, 0, 'notify returned before any request was answered');
    await healthy.received(1);
    await stuck.received(1);
    // The healthy URL's delivery completes while the stuck one is still waiting for an answer.
    await event('delivered');
    assert.equal(events.map((e) => e.type), ['delivered']);
    assert.ok(events[0]!.type === 'delivered' && events[0]!.url === healthy.url);
    await n.close();
    const records = await deadLetters(deadLetterFile);
    assert.is(records.length, 1);
    assert.is(records[0]!.url, stuck.url);
    assert.is(records[0]!.reason, 'shutdown');
    assert.is(records[0]!.attempts, 1);

    n.notify(alert('a8'));
    await n.idle();
    const after = await deadLetters(deadLetterFile);
    assert.equal(after.slice(1).map((r) => [r.alertId, r.reason, r.attempts]), [['a8', 'shutdown', 0], ['a8', 'shutdown', 0]], 'notify after close dead-letters at once');
  } finally {
    await n.close();
    await stuck.close();
    await healthy.close();
  }
});

test('Retry-After is waited for, up to maxDelayMs', async (ctx) => {
  const rx = await Receiver.start((n, res) => (n === 1 ? answer(429, '', { 'retry-after': '7' }) : answer(200))(n, res));
  const first = notifier(ctx, [rx.url], { retry: { firstDelayMs: 1, maxDelayMs: 60_000, attempts: 3 } });
  try {
    first.notifier.notify(alert('a9'));
    await first.notifier.idle();
    assert.is(rx.requests.length, 2);
    assert.equal(first.clock.sleeps, [7_000]);
  } finally {
    await first.notifier.close();
    await rx.close();
  }
  const capped = await Receiver.start((n, res) => (n === 1 ? answer(503, '', { 'retry-after': '86400' }) : answer(200))(n, res));
  const second = notifier(ctx, [capped.url], { retry: { firstDelayMs: 1, maxDelayMs: 5_000, attempts: 3 } });
  try {
    second.notifier.notify(alert('a10'));
    await second.notifier.idle();
    assert.is(capped.requests.length, 2);
    assert.equal(second.clock.sleeps, [5_000]);
  } finally {
    await second.notifier.close();
    await capped.close();
  }
});

test('the queue per URL is bounded: the oldest waiting delivery is dead-lettered as queue_full', async (ctx) => {
  const stuck = await Receiver.start(hang);
  const { notifier: n, events, deadLetterFile } = notifier(ctx, [stuck.url], { maxQueue: 2, timeoutMs: 600_000 });
  try {
    for (const id of ['q1', 'q2', 'q3', 'q4', 'q5']) n.notify(alert(id));
    // q1 is in flight; q2 and q3 made room for q4 and q5.
    const full = events.flatMap((e) => (e.type === 'dead_letter' ? [[e.record.alertId, e.record.reason]] : []));
    assert.equal(full, [['q2', 'queue_full'], ['q3', 'queue_full']]);
    await stuck.received(1);
    await n.close();
    const records = await deadLetters(deadLetterFile);
    assert.equal(
      records.map((r) => [r.alertId, r.reason, r.attempts]),
      [['q2', 'queue_full', 0], ['q3', 'queue_full', 0], ['q4', 'shutdown', 0], ['q5', 'shutdown', 0], ['q1', 'shutdown', 1]],
    );
    assert.is(stuck.requests.length, 1);
  } finally {
    await n.close();
    await stuck.close();
  }
});

test('an alert that is not JSON is dead-lettered, not thrown', async (ctx) => {
  const rx = await Receiver.start(answer(200));
  const { notifier: n, deadLetterFile } = notifier(ctx, [rx.url]);
  try {
    const cyclic: Record<string, unknown> = { id: 'c1' };
    cyclic.self = cyclic;
    n.notify(cyclic);
    n.notify({ id: 'big', n: 1n });
    await n.idle();
    assert.is(rx.requests.length, 0);
    const records = await deadLetters(deadLetterFile);
    assert.equal(records.map((r) => [r.alertId, r.reason, 'alert' in r]), [['c1', 'invalid_alert', false], ['big', 'invalid_alert', false]]);
  } finally {
    await n.close();
    await rx.close();
  }
});

test('backoff doubles up to the ceiling, with jitter between half and all of it', () => {
  const policy = { firstDelayMs: 1_000, maxDelayMs: 60_000, attempts: 6 };
  assert.equal([1, 2, 3, 4, 5, 6, 7, 8].map((a) => webhookRetryDelay(policy, a, undefined, () => 1)), [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
  assert.equal([1, 2, 3].map((a) => webhookRetryDelay(policy, a, undefined, () => 0)), [500, 1_000, 2_000]);
  assert.is(webhookRetryDelay(policy, 1, 30_000, () => 0), 30_000);
  assert.is(webhookRetryDelay(policy, 1, 3_600_000, () => 0), 60_000);
});

test('witness config: --webhook, --webhook-secret-file (0600 only) or DIPTYCH_WEBHOOK_SECRET', async (ctx) => {
  const base = { log: 'http://127.0.0.1:8080', key: 'k', data: join(ctx.dir, 'wdata') };
  const secretFile = join(ctx.dir, 'webhook.secret');
  await writeFile(secretFile, SECRET_TEXT + '\n', { mode: 0o600 });

  const none = await witnessConfig(base, {});
  assert.equal(none.webhookUrls, []);
  assert.is(none.webhookSecret, undefined);
  assert.is(webhookNotifierFor(none), undefined);

  const signed = await witnessConfig({ ...base, webhook: ['https://hooks.example/a/', 'https://hooks.example/a/', 'http://127.0.0.1:9/b'], 'webhook-secret-file': secretFile }, {});
  assert.equal(signed.webhookUrls, ['https://hooks.example/a/', 'http://127.0.0.1:9/b'], 'deduplicated, trailing slash kept');
  assert.equal(signed.webhookSecret, SECRET, 'the file without its trailing newline');
  assert.equal(signed.warnings, []);
  const built = webhookNotifierFor(signed)!;
  assert.equal(built.urls, ['https://hooks.example/a/', 'http://127.0.0.1:9/b']);
  await built.close();

  const fromEnv = await witnessConfig({ ...base, webhook: ['https://hooks.example/'] }, { DIPTYCH_WEBHOOK_SECRET: SECRET_TEXT });
  assert.equal(fromEnv.webhookSecret, SECRET);
  const fileWins = await witnessConfig({ ...base, webhook: ['https://hooks.example/'], 'webhook-secret-file': secretFile }, { DIPTYCH_WEBHOOK_SECRET: 'another-secret-0123456789' });
  assert.equal(fileWins.webhookSecret, SECRET);

  const unsigned = await witnessConfig({ ...base, webhook: ['http://user:hunter2hunter2@hooks.example/x'] }, {});
  assert.is(unsigned.warnings.length, 2);
  assert.match(unsigned.warnings.join('\n'), /not TLS-protected/);
  assert.match(unsigned.warnings.join('\n'), /not signed/);
  assert.not.ok(unsigned.warnings.join('\n').includes('hunter2'), 'credentials in the URL are not printed');

  await chmod(secretFile, 0o644);
  try {
    await witnessConfig({ ...base, 'webhook-secret-file': secretFile }, {});
    assert.unreachable('a secret file others can read');
  } catch (e) {
    assert.ok(e instanceof DiptychError && e.code === 'insecure_key_file', String(e));
    assert.not.ok((e as Error).message.includes(SECRET_TEXT));
  }
  await rejectsUsage(() => witnessConfig({ ...base, webhook: ['https://hooks.example/'] }, { DIPTYCH_WEBHOOK_SECRET: 'short' }), /shorter than 16 bytes/);
  await rejectsUsage(() => witnessConfig({ ...base, webhook: ['ftp://hooks.example/'] }, {}), /http\(s\)/);
  await rejectsUsage(() => witnessConfig({ ...base, webhook: ['not a url'] }, {}), /must be a URL/);
  try {
    await witnessConfig({ ...base, 'webhook-secret-file': join(ctx.dir, 'missing') }, {});
    assert.unreachable('a missing secret file');
  } catch (e) {
    assert.ok(e instanceof DiptychError && e.code === 'not_found', String(e));
  }
  assert.match(WITNESS_HELP, /--webhook URL/);
  assert.match(WITNESS_HELP, /--webhook-secret-file FILE/);
  assert.match(WITNESS_HELP, /DIPTYCH_WEBHOOK_SECRET/);
});

async function rejectsUsage(run: () => Promise<unknown>, message: RegExp): Promise<void> {
  try {
    await run();
  } catch (e) {
    assert.ok(e instanceof UsageError, String(e));
    assert.match((e as Error).message, message);
    return;
  }
  assert.unreachable(`expected a usage error matching ${message}`);
}

test.run();

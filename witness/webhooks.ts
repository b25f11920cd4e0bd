// Alerts pushed to webhooks (issue 6): one JSON POST per alert and URL, signed with HMAC-SHA256
// over `<timestamp>.<body>` (the GitHub/Stripe convention, so receivers can reuse what they
// have), retried with backoff while the failure may pass, and appended to a dead-letter file (one
// JSON line, fsynced) once delivery gives up, so no alert is dropped without a trace. Each URL has
// its own queue, worker and connection pool: a receiver that hangs or fails delays only its own
// deliveries, and `notify` never waits for the network. Node-only.
//
// Wire format, stable:
//   POST <url>
//   content-type: application/json
//   x-diptych-event: alert
//   x-diptych-delivery: <uuid>        the same for every URL and every retry of one notify()
//   x-diptych-timestamp: <seconds since the epoch, at this attempt>
//   x-diptych-signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>  (with a secret)
//   body: {"type":"diptych.alert","alert":<the alert payload, unchanged>}
// The body is the same bytes on every attempt; the timestamp and signature are made afresh, so a
// retry an hour later still falls inside the receiver's replay window.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Pool } from 'undici';
import { DiptychError } from '../log/errors.js';
import { systemClock, type Clock } from './clock.js';
import type { WitnessConfig } from './config.js';
import { parseRetryAfter } from './retry.js';
import { userAgent } from './version.js';

export const WEBHOOK_BODY_TYPE = 'diptych.alert';
export const SIGNATURE_HEADER = 'x-diptych-signature';
export const TIMESTAMP_HEADER = 'x-diptych-timestamp';
export const DELIVERY_HEADER = 'x-diptych-delivery';
export const EVENT_HEADER = 'x-diptych-event';
/** How far a receiver should let a signed timestamp be from its own clock (seconds). */
export const DEFAULT_TOLERANCE_SEC = 300;
/** The dead-letter file's name in the witness's data directory. */
export const DEAD_LETTER_FILE = 'webhook-dead-letters.jsonl';
/** A secret shorter than this is refused by the configuration: it could be guessed. */
export const MIN_SECRET_BYTES = 16;

export interface WebhookRetryPolicy {
  /** Nominal delay before the second attempt; doubles each attempt. */
  readonly firstDelayMs: number;
  /** Ceiling of the backoff, and of a Retry-After the notifier waits for. */
  readonly maxDelayMs: number;
  /** Attempts per URL and alert, counting the first. */
  readonly attempts: number;
}

export const DEFAULT_WEBHOOK_RETRY: WebhookRetryPolicy = { firstDelayMs: 1_000, maxDelayMs: 60_000, attempts: 6 };

/**
 * Why a delivery was given up: `rejected` the receiver answered a status that retrying will not
 * change (4xx other than 408/429, or a redirect, which is not followed); `retries_exhausted` the
 * last attempt failed too; `queue_full` more deliveries waited for the URL than the bound;
 * `shutdown` the notifier was closed first; `invalid_alert` the alert cannot be serialised.
 */
export type DeadLetterReason = 'rejected' | 'retries_exhausted' | 'queue_full' | 'shutdown' | 'invalid_alert';

/** One line of the dead-letter file. */
export interface DeadLetterRecord {
  /** When the delivery was given up (ISO 8601). */
  readonly at: string;
  /** The webhook URL, user name and password removed. */
  readonly url: string;
  readonly alertId: string | null;
  readonly delivery: string;
  readonly reason: DeadLetterReason;
  /** HTTP attempts made (0 when it never left the queue). */
  readonly attempts: number;
  /** The last attempt's HTTP status, when there was an answer. */
  readonly status?: number;
  readonly lastError: string;
  /** The alert, so an operator can send it again by hand (absent for `invalid_alert`). */
  readonly alert?: Record<string, unknown>;
}

export type WebhookEvent =
  | { readonly type: 'delivered'; readonly url: string; readonly alertId: string | null; readonly delivery: string; readonly attempts: number; readonly status: number }
  | {
      readonly type: 'retrying';
      readonly url: string;
      readonly alertId: string | null;
      readonly delivery: string;
      /** The attempt that failed. */
      readonly attempt: number;
      readonly error: string;
      readonly status?: number;
      readonly delayMs: number;
    }
  | { readonly type: 'dead_letter'; readonly record: DeadLetterRecord }
  | { readonly type: 'dead_letter_write_failed'; readonly record: DeadLetterRecord; readonly error: string };

export interface WebhookNotifierOptions {
  readonly urls: readonly string[];
  /** HMAC-SHA256 key; without one, deliveries carry no signature header. */
  readonly secret: Uint8Array | undefined;
  readonly deadLetterFile: string;
  /** Time for timestamps and backoff sleeps (default the system clock; tests pass a manual one). */
  readonly clock?: Clock;
  /** Per attempt: connecting, the answer's headers and its body together (default 10 s). */
  readonly timeoutMs?: number;
  readonly retry?: Partial<WebhookRetryPolicy>;
  /** Deliveries waiting per URL, besides the one in flight (default 1,000). */
  readonly maxQueue?: number;
  /** Called for each delivery, retry and dead letter; exceptions it throws are ignored. */
  readonly onEvent?: (event: WebhookEvent) => void;
  readonly random?: () => number;
  readonly userAgent?: string;
}

interface Delivery {
  readonly id: string;
  readonly alertId: string | null;
  readonly alert: Record<string, unknown>;
  readonly body: string;
  attempts: number;
  lastError: string | undefined;
  status: number | undefined;
}

interface Target {
  readonly display: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly pool: Pool;
  readonly queue: Delivery[];
  current: Delivery | undefined;
}

type Outcome =
  | { readonly ok: true; readonly status: number }
  | { readonly ok: false; readonly retry: boolean; readonly error: string; readonly status?: number; readonly retryAfterMs?: number; readonly shutdown?: boolean };

/** The URL without user name and password, for events, dead letters and log lines. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '<invalid URL>';
  }
}

/** `sha256=<hex>`: HMAC-SHA256 with `secret` over `<timestamp>.<body>`. */
export function webhookSignature(secret: Uint8Array | string, timestamp: string, body: string | Uint8Array): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/**
 * For receivers: true when `signature` (the X-Diptych-Signature header; several comma-separated
 * `sha256=` values are accepted, for secret rotation) is the HMAC of `<timestamp>.<body>` under
 * `secret`, and `timestamp` (X-Diptych-Timestamp) is within `toleranceSec` of `nowMs`. Pass the
 * raw request body, before any JSON parsing. The comparison is constant-time; the replay window
 * bounds how long a captured request can be replayed, so receivers should also drop repeated
 * X-Diptych-Delivery ids (or alert ids) seen within it.
 */
export function verifyWebhookSignature(
  secret: Uint8Array | string,
  timestamp: string | readonly string[] | undefined,
  signature: string | readonly string[] | undefined,
  body: string | Uint8Array,
  nowMs: number = Date.now(),
  toleranceSec: number = DEFAULT_TOLERANCE_SEC,
): boolean {
  if (secret.length === 0 || timestamp === undefined || signature === undefined) return false;
  if (typeof timestamp !== 'string') {
    if (timestamp.length !== 1) return false;
    timestamp = timestamp[0]!;
  }
  if (!/^[0-9]{1,15}$/.test(timestamp)) return false;
  if (Math.abs(Math.floor(nowMs / 1000) - Number(timestamp)) > toleranceSec) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
  const candidates = (typeof signature === 'string' ? signature : signature.join(',')).split(',');
  let ok = false;
  for (const candidate of candidates) {
    const match = /^\s*sha256=([0-9a-fA-F]{64})\s*$/.exec(candidate);
    // No early exit: every candidate is compared, so timing does not tell which one matched.
    if (match !== null && timingSafeEqual(expected, Buffer.from(match[1]!, 'hex'))) ok = true;
  }
  return ok;
}

/**
 * The wait before attempt `attempt + 1` (attempt counts from 1): exponential backoff with equal
 * jitter (between half and all of the nominal delay), and at least the receiver's Retry-After up
 * to `maxDelayMs`. Not retry.ts's retryDelay: full jitter can retry a failing receiver at once,
 * and a long Retry-After there means giving up, where a webhook should wait as long as it may.
 */
export function webhookRetryDelay(policy: WebhookRetryPolicy, attempt: number, retryAfterMs: number | undefined, random: () => number): number {
  const nominal = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(nominal / 2 + (random() * nominal) / 2);
  return retryAfterMs === undefined ? jittered : Math.max(jittered, Math.min(retryAfterMs, policy.maxDelayMs));
}

/** One line of text for an event, for the witness's log output (never contains the secret). */
export function describeWebhookEvent(event: WebhookEvent): string {
  switch (event.type) {
    case 'delivered':
      return `webhook ${event.url}: alert ${event.alertId ?? '?'} delivered (HTTP ${event.status}, attempt ${event.attempts})`;
    case 'retrying':
      return `webhook ${event.url}: alert ${event.alertId ?? '?'} attempt ${event.attempt} failed (${event.error}); retrying in ${Math.round(event.delayMs / 1000)} s`;
    case 'dead_letter':
      return `webhook ${event.record.url}: alert ${event.record.alertId ?? '?'} not delivered: ${event.record.reason} after ${event.record.attempts} attempts (${event.record.lastError}); written to the dead-letter file`;
    case 'dead_letter_write_failed':
      return `webhook ${event.record.url}: alert ${event.record.alertId ?? '?'} not delivered (${event.record.reason}) and the dead-letter file could not be written: ${event.error}`;
  }
}

export class WebhookNotifier {
  private readonly targets: Target[];
  private readonly secret: Uint8Array | undefined;
  private readonly deadLetterFile: string;
  private readonly clock: Clock;
  /** The system clock's sleeps cannot be cancelled, so without an injected clock we keep our own timers. */
  private readonly ownTimers: boolean;
  private readonly timeoutMs: number;
  private readonly retry: WebhookRetryPolicy;
  private readonly maxQueue: number;
  private readonly onEvent: ((event: WebhookEvent) => void) | undefined;
  private readonly random: () => number;
  private readonly ua: string;

  private closed = false;
  private resolveClosed!: () => void;
  private readonly closedSignal = new Promise<void>((resolve) => (this.resolveClosed = resolve));
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private readonly controllers = new Set<AbortController>();
  private pending = 0;
  private idleWaiters: Array<() => void> = [];
  private writes: Promise<void> = Promise.resolve();
  private directorySynced = false;

  constructor(options: WebhookNotifierOptions) {
    if (options.secret !== undefined && options.secret.length === 0) throw new DiptychError('invalid_parameter', 'the webhook secret is empty');
    this.secret = options.secret === undefined ? undefined : Uint8Array.from(options.secret);
    this.deadLetterFile = options.deadLetterFile;
    this.clock = options.clock ?? systemClock;
    this.ownTimers = options.clock === undefined;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    const retry = options.retry ?? {};
    this.retry = {
      firstDelayMs: retry.firstDelayMs ?? DEFAULT_WEBHOOK_RETRY.firstDelayMs,
      maxDelayMs: retry.maxDelayMs ?? DEFAULT_WEBHOOK_RETRY.maxDelayMs,
      attempts: retry.attempts ?? DEFAULT_WEBHOOK_RETRY.attempts,
    };
    if (!(this.retry.attempts >= 1)) throw new DiptychError('invalid_parameter', 'webhook retry attempts must be at least 1');
    this.maxQueue = options.maxQueue ?? 1_000;
    this.onEvent = options.onEvent;
    this.random = options.random ?? Math.random;
    this.ua = options.userAgent ?? userAgent();
    this.targets = [...new Set(options.urls)].map((url) => this.target(url));
  }

  /** The configured URLs, credentials removed. */
  get urls(): string[] {
    return this.targets.map((t) => t.display);
  }

  /**
   * Queues one POST of `alert` per URL and returns at once; never throws. Deliveries to one URL
   * go out one at a time, in order. When `maxQueue` deliveries already wait for a URL, the oldest
   * waiting one is dead-lettered (`queue_full`) to make room: the newest alert matters most.
   */
  notify(alert: Record<string, unknown>): void {
    const id = randomUUID();
    const alertId = typeof alert?.id === 'string' ? alert.id : null;
    let body: string | undefined;
    let invalid = '';
    try {
      body = JSON.stringify({ type: WEBHOOK_BODY_TYPE, alert });
    } catch (e) {
      invalid = `the alert cannot be serialised as JSON: ${(e as Error).message}`;
    }
    for (const target of this.targets) {
      const delivery: Delivery = { id, alertId, alert, body: body ?? '', attempts: 0, lastError: undefined, status: undefined };
      this.pending++;
      if (body === undefined) this.giveUp(target, delivery, 'invalid_alert', invalid);
      else if (this.closed) this.giveUp(target, delivery, 'shutdown', 'the notifier was closed');
      else {
        if (target.queue.length >= this.maxQueue) {
          this.giveUp(target, target.queue.shift()!, 'queue_full', `more than ${this.maxQueue} deliveries were waiting for this URL`);
        }
        target.queue.push(delivery);
        this.pump(target);
      }
    }
  }

  /** Resolves once every queued delivery has been delivered or dead-lettered, and written. */
  async idle(): Promise<void> {
    for (;;) {
      while (this.pending > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      const writes = this.writes;
      await writes;
      if (this.pending === 0 && writes === this.writes) return;
    }
  }

  /**
   * Stops backoff timers, aborts requests in flight and dead-letters (`shutdown`) whatever was not
   * delivered; resolves once those records are written. Later notify() calls dead-letter at once.
   */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.resolveClosed();
      for (const t of this.timers) {
        clearTimeout(t.timer);
        t.resolve();
      }
      this.timers.clear();
      for (const c of this.controllers) c.abort();
      for (const target of this.targets) {
        for (const waiting of target.queue.splice(0)) this.giveUp(target, waiting, 'shutdown', 'the notifier was closed before delivery');
      }
    }
    await this.idle();
    await Promise.all(this.targets.map((t) => t.pool.destroy().catch(() => undefined)));
  }

  private target(url: string): Target {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new DiptychError('invalid_parameter', `not a webhook URL: ${redactUrl(url)}`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new DiptychError('invalid_parameter', `a webhook URL must be http(s): ${redactUrl(url)}`);
    // Credentials in the URL (https://user:pass@host/hook) become Basic auth, as browsers would.
    const authorization =
      parsed.username === '' && parsed.password === ''
        ? undefined
        : 'Basic ' + Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64');
    const pool = new Pool(parsed.origin, {
      connections: 1,
      connect: { timeout: this.timeoutMs },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    return { display: redactUrl(url), path: parsed.pathname + parsed.search, authorization, pool, queue: [], current: undefined };
  }

  /** Starts the next delivery for a URL unless one is in flight. */
  private pump(target: Target): void {
    if (target.current !== undefined || this.closed) return;
    const next = target.queue.shift();
    if (next === undefined) return;
    target.current = next;
    void this.deliver(target, next).finally(() => {
      target.current = undefined;
      this.pump(target);
    });
  }

  private async deliver(target: Target, d: Delivery): Promise<void> {
    try {
      for (;;) {
        d.attempts++;
        const outcome = await this.attempt(target, d);
        if (outcome.ok) {
          this.emit({ type: 'delivered', url: target.display, alertId: d.alertId, delivery: d.id, attempts: d.attempts, status: outcome.status });
          this.finish();
          return;
        }
        if (!outcome.shutdown) {
          d.lastError = outcome.error;
          d.status = outcome.status;
        }
        if (this.closed) return this.giveUp(target, d, 'shutdown', d.lastError ?? 'the notifier was closed during the first attempt');
        if (!outcome.retry) return this.giveUp(target, d, 'rejected', outcome.error);
        if (d.attempts >= this.retry.attempts) return this.giveUp(target, d, 'retries_exhausted', outcome.error);
        const delayMs = webhookRetryDelay(this.retry, d.attempts, outcome.retryAfterMs, this.random);
        this.emit({
          type: 'retrying', url: target.display, alertId: d.alertId, delivery: d.id, attempt: d.attempts, error: outcome.error,
          ...(outcome.status === undefined ? {} : { status: outcome.status }), delayMs,
        });
        await this.sleep(delayMs);
        if (this.closed) return this.giveUp(target, d, 'shutdown', d.lastError ?? 'the notifier was closed');
      }
    } catch (e) {
      // attempt() catches what the network throws; this is a bug guard so the alert is not lost.
      this.giveUp(target, d, this.closed ? 'shutdown' : 'retries_exhausted', `internal error: ${(e as Error).message}`);
    }
  }

  private async attempt(target: Target, d: Delivery): Promise<Outcome> {
    const timestamp = String(Math.floor(this.clock.now() / 1000));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': this.ua,
      [EVENT_HEADER]: 'alert',
      [DELIVERY_HEADER]: d.id,
      [TIMESTAMP_HEADER]: timestamp,
    };
    if (this.secret !== undefined) headers[SIGNATURE_HEADER] = webhookSignature(this.secret, timestamp, d.body);
    if (target.authorization !== undefined) headers.authorization = target.authorization;
    // One controller per attempt, aborted by its own timer or by close(): a long-lived signal
    // shared by every attempt would collect listeners.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    this.controllers.add(controller);
    try {
      const res = await target.pool.request({ method: 'POST', path: target.path, headers, body: d.body, signal: controller.signal });
      const status = res.statusCode;
      if (status >= 200 && status < 300) {
        await res.body.dump().catch(() => undefined);
        return { ok: true, status };
      }
      const text = await snippet(res.body);
      const retryAfter = res.headers['retry-after'];
      const retryAfterMs = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, this.clock.now());
      // 408: the receiver timed out reading the request, a timeout like ours.
      const retry = status === 408 || status === 429 || status >= 500;
      const error = `HTTP ${status}${status >= 300 && status < 400 ? ' (redirects are not followed)' : ''}${text === '' ? '' : `: ${text}`}`;
      return retryAfterMs === undefined ? { ok: false, retry, error, status } : { ok: false, retry, error, status, retryAfterMs };
    } catch (e) {
      if (timedOut) return { ok: false, retry: true, error: `no answer within ${this.timeoutMs} ms` };
      if (this.closed) return { ok: false, retry: false, error: 'aborted by close()', shutdown: true };
      return { ok: false, retry: true, error: describeError(e, this.timeoutMs) };
    } finally {
      clearTimeout(timer);
      this.controllers.delete(controller);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (!this.ownTimers) return Promise.race([this.clock.sleep(ms), this.closedSignal]);
    return new Promise<void>((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.timers.add(entry);
    });
  }

  private giveUp(target: Target, d: Delivery, reason: DeadLetterReason, lastError: string): void {
    const record: DeadLetterRecord = {
      at: new Date(this.clock.now()).toISOString(),
      url: target.display,
      alertId: d.alertId,
      delivery: d.id,
      reason,
      attempts: d.attempts,
      ...(d.status === undefined ? {} : { status: d.status }),
      lastError,
      ...(reason === 'invalid_alert' ? {} : { alert: d.alert }),
    };
    this.emit({ type: 'dead_letter', record });
    this.writes = this.writes
      .then(() => this.append(record))
      .catch((e: unknown) => this.emit({ type: 'dead_letter_write_failed', record, error: (e as Error).message ?? String(e) }));
    this.finish();
  }

  /** Appends one line and fsyncs it (and, once, the directory, so a new file survives a crash). */
  private async append(record: DeadLetterRecord): Promise<void> {
    const line = JSON.stringify(record) + '\n';
    const dir = dirname(this.deadLetterFile);
    if (!this.directorySynced) await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = await open(this.deadLetterFile, 'a', 0o600);
    try {
      await file.write(line);
      await file.sync();
    } finally {
      await file.close();
    }
    if (!this.directorySynced) {
      const handle = await open(dir, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      this.directorySynced = true;
    }
  }

  private finish(): void {
    this.pending--;
    if (this.pending === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private emit(event: WebhookEvent): void {
    try {
      this.onEvent?.(event);
    } catch {
      // A faulty listener must not stop deliveries or lose dead letters.
    }
  }
}

/**
 * The notifier a witness configuration asks for, or undefined without --webhook: dead letters go
 * to `<data>/webhook-dead-letters.jsonl`.
 */
export function webhookNotifierFor(
  config: Pick<WitnessConfig, 'webhookUrls' | 'webhookSecret' | 'dataDir'>,
  options: Omit<WebhookNotifierOptions, 'urls' | 'secret' | 'deadLetterFile'> = {},
): WebhookNotifier | undefined {
  if (config.webhookUrls.length === 0) return undefined;
  return new WebhookNotifier({ ...options, urls: config.webhookUrls, secret: config.webhookSecret, deadLetterFile: join(config.dataDir, DEAD_LETTER_FILE) });
}

/** Up to 200 characters of an error answer, on one line: what a receiver says about a 400 helps. */
async function snippet(body: AsyncIterable<Uint8Array>): Promise<string> {
  let text = '';
  try {
    for await (const chunk of body) {
      text += Buffer.from(chunk).toString('utf8');
      if (text.length >= 200) break;
    }
  } catch {
    // A body cut short still has its status; the text is only a hint.
  }
  return text.slice(0, 200).replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

function describeError(e: unknown, timeoutMs: number): string {
  const code = (e as { code?: unknown }).code;
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return `no answer within ${timeoutMs} ms (${code})`;
  const message = e instanceof Error ? e.message : String(e);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

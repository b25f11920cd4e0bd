// GETs against one index with undici: one keep-alive Pool per origin, bounded concurrency, a
// global rate limit, per-request timeout, a body size cap, same-origin redirects only, and
// retries with backoff on 429/5xx and connection failures. Node-only.
import { Pool } from 'undici';
import type { IncomingHttpHeaders } from 'undici/types/header.js';
import { systemClock, type Clock } from './clock.js';
import { failure, isTransient, type FetchFailure, type FetchFailureReason } from './fetch-result.js';
import { RateLimiter, Semaphore } from './limits.js';
import { DEFAULT_BACKOFF, parseRetryAfter, retryDelay, type BackoffPolicy } from './retry.js';
import { userAgent } from './version.js';

export interface FetcherOptions {
  /** Requests in flight at once (default 4: PyPI asks for no bursts). */
  concurrency?: number;
  /** Request starts per second across the client (default 20; Infinity for none). */
  requestsPerSecond?: number;
  /** Per attempt, headers and body together (default 30 s). */
  timeoutMs?: number;
  /** Larger bodies are refused (default 64 MiB). */
  maxBodyBytes?: number;
  /** Attempts per request, counting the first (default 4). */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  maxRedirects?: number;
  clock?: Clock;
  random?: () => number;
  userAgent?: string;
}

export interface RawResponse {
  readonly ok: true;
  readonly status: 200 | 304;
  readonly headers: IncomingHttpHeaders;
  readonly body: Uint8Array;
  readonly attempts: number;
}

type Attempt = RawResponse | (FetchFailure & { retryAfterMs?: number }) | { redirect: string; status: number };

export class HttpFetcher {
  private readonly pools = new Map<string, Pool>();
  private readonly semaphore: Semaphore;
  private readonly limiter: RateLimiter;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly ua: string;
  private readonly timeoutMs: number;
  private readonly maxBodyBytes: number;
  private readonly maxAttempts: number;
  private readonly maxRedirects: number;
  private readonly backoff: BackoffPolicy;

  constructor(private readonly options: FetcherOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.semaphore = new Semaphore(options.concurrency ?? 4);
    this.limiter = new RateLimiter(options.requestsPerSecond ?? 20, this.clock);
    this.ua = options.userAgent ?? userAgent();
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.maxRedirects = options.maxRedirects ?? 3;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close()));
  }

  /** GET with retries; 200 and 304 are answers, everything else a typed failure. */
  async get(url: string, headers: Record<string, string>): Promise<RawResponse | FetchFailure> {
    for (let attempt = 1; ; attempt++) {
      const result = await this.followRedirects(url, headers, attempt);
      if (result.ok || !isTransient(result.reason) || attempt >= this.maxAttempts) return result;
      const delay = retryDelay(this.backoff, attempt, result.retryAfterMs, this.random);
      if (delay === undefined) return failure(result.reason, `${result.message}; Retry-After is beyond the limit`, attempt, result.status);
      await this.clock.sleep(delay);
    }
  }

  private async followRedirects(url: string, headers: Record<string, string>, attempt: number): Promise<RawResponse | (FetchFailure & { retryAfterMs?: number })> {
    let current = new URL(url);
    for (let hops = 0; ; hops++) {
      const result = await this.semaphore.run(async () => {
        await this.limiter.take();
        return this.once(current, headers, attempt);
      });
      if (!('redirect' in result)) return result;
      const next = new URL(result.redirect, current);
      // A redirect elsewhere would let another host answer for this index: never follow it.
      if (next.origin !== current.origin) return failure('redirect_other_host', `redirected to ${next.origin}`, attempt, result.status);
      if (hops >= this.maxRedirects) return failure('too_many_redirects', `more than ${this.maxRedirects} redirects`, attempt, result.status);
      current = next;
    }
  }

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (pool === undefined) {
      const connections = this.options.concurrency ?? 4;
      pool = new Pool(origin, { connections, keepAliveTimeout: 30_000, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  private async once(url: URL, headers: Record<string, string>, attempt: number): Promise<Attempt> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const res = await this.pool(url.origin).request({
        method: 'GET',
        path: url.pathname + url.search,
        headers: { 'user-agent': this.ua, ...headers },
        signal,
      });
      const status = res.statusCode;
      if (status === 200) return await this.readBody(res.headers, res.body, attempt);
      await res.body.dump().catch(() => undefined);
      if (status === 304) return { ok: true, status, headers: res.headers, body: new Uint8Array(0), attempts: attempt };
      if ([301, 302, 303, 307, 308].includes(status)) {
        const location = headerValue(res.headers, 'location');
        if (location === undefined) return failure('unexpected_status', `${status} without a Location`, attempt, status);
        return { redirect: location, status };
      }
      return statusFailure(status, res.headers, attempt, this.clock.now());
    } catch (e) {
      return failure(networkReason(e), describe(e), attempt);
    }
  }

  private async readBody(headers: IncomingHttpHeaders, body: AsyncIterable<Uint8Array> & { destroy(): unknown }, attempt: number): Promise<Attempt> {
    const tooLarge = (): FetchFailure => failure('body_too_large', `the body is larger than ${this.maxBodyBytes} bytes`, attempt, 200);
    const declared = Number(headerValue(headers, 'content-length') ?? NaN);
    if (declared > this.maxBodyBytes) {
      body.destroy();
      return tooLarge();
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > this.maxBodyBytes) {
        body.destroy();
        return tooLarge();
      }
      chunks.push(chunk);
    }
    return { ok: true, status: 200, headers, body: Buffer.concat(chunks), attempts: attempt };
  }
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function statusFailure(status: number, headers: IncomingHttpHeaders, attempt: number, now: number): FetchFailure & { retryAfterMs?: number } {
  const retryAfterMs = parseRetryAfter(headerValue(headers, 'retry-after'), now);
  if (status === 429 || status >= 500) {
    const reason: FetchFailureReason = status === 429 ? 'rate_limited' : 'server_error';
    const base = failure(reason, `the index answered ${status}`, attempt, status);
    return retryAfterMs === undefined ? base : { ...base, retryAfterMs };
  }
  if (status === 404 || status === 410) return failure('not_found', `the index answered ${status}`, attempt, status);
  return failure('unexpected_status', `the index answered ${status}`, attempt, status);
}

function networkReason(e: unknown): FetchFailureReason {
  const code = (e as { code?: unknown }).code;
  const name = (e as { name?: unknown }).name;
  if (name === 'TimeoutError' || name === 'AbortError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_ABORTED') {
    return 'timeout';
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'connection_failed';
  return 'connection_reset';
}

function describe(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  const message = e instanceof Error ? e.message : String(e);
  return typeof code === 'string' ? `${code}: ${message}` : message;
}

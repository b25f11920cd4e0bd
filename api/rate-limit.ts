// Per-client rate limit on writes (`diptych serve --rate-limit N`): a token bucket per client
// address holding up to `burst` tokens, refilled at `perSecond`. A write that finds the bucket
// empty is refused before its body is read: 429 rate_limited, with Retry-After saying when the
// next token comes. Reads are never limited here (they are cacheable and served from memory).
import type { MiddlewareHandler } from 'hono';
import type { IncomingMessage } from 'node:http';
import { DiptychError } from '../log/errors.js';

export interface RateLimitOptions {
  /** Writes per second per client address (the refill rate). */
  perSecond: number;
  /** Most writes a client may make at once after being idle; default max(1, perSecond). */
  burst?: number;
  /** Milliseconds; default Date.now. */
  now?: () => number;
  /** Most clients tracked; beyond it, idle (full) buckets are forgotten. Default 100000. */
  maxClients?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly burst: number;
  private readonly now: () => number;
  private readonly maxClients: number;

  constructor(options: RateLimitOptions) {
    if (!(options.perSecond > 0) || !Number.isFinite(options.perSecond)) throw new DiptychError('invalid_parameter', 'the rate limit must be a positive number');
    this.perMs = options.perSecond / 1000;
    this.burst = options.burst ?? Math.max(1, options.perSecond);
    if (!(this.burst >= 1)) throw new DiptychError('invalid_parameter', 'the burst must be at least 1');
    this.now = options.now ?? Date.now;
    this.maxClients = options.maxClients ?? 100_000;
  }

  /** Takes a token for `client`: 0 if it got one, else the milliseconds until it would. */
  take(client: string): number {
    const now = this.now();
    let bucket = this.buckets.get(client);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxClients) this.forgetIdle(now);
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(client, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + Math.max(0, now - bucket.at) * this.perMs);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / this.perMs);
  }

  get clients(): number {
    return this.buckets.size;
  }

  /** Drops buckets that have refilled completely: forgetting them changes nothing. */
  private forgetIdle(now: number): void {
    for (const [client, b] of this.buckets) {
      if (b.tokens + (now - b.at) * this.perMs >= this.burst) this.buckets.delete(client);
    }
    // Still full of busy clients: drop the oldest, so memory stays bounded under a flood.
    for (const client of this.buckets.keys()) {
      if (this.buckets.size < this.maxClients) break;
      this.buckets.delete(client);
    }
  }
}

/** The client's address as the socket sees it (no X-Forwarded-For: that is the client's word). */
export function clientAddress(env: unknown): string {
  return incomingAddress((env as { incoming?: IncomingMessage } | undefined)?.incoming);
}

export function incomingAddress(incoming: IncomingMessage | undefined): string {
  return incoming?.socket?.remoteAddress ?? 'unknown';
}

/** Takes a write token of the client at `address`, or throws rate_limited with the seconds to wait. */
export function takeWriteToken(buckets: TokenBuckets, address: string): void {
  const waitMs = buckets.take(address);
  if (waitMs > 0) {
    const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
    throw new DiptychError('rate_limited', `too many writes from this address; try again in ${retryAfter} s`, { retryAfter });
  }
}

/**
 * Hono middleware: every request other than GET/HEAD/OPTIONS takes a token of its client.
 * The buckets are shared with the direct append route (api/append-route.ts).
 */
export function writeRateLimit(buckets: TokenBuckets): MiddlewareHandler {
  return async (c, next) => {
    const method = c.req.method;
    if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') takeWriteToken(buckets, clientAddress(c.env));
    await next();
  };
}

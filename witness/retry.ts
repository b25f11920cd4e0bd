// Retry timing for index requests: exponential backoff with full jitter, at least what the
// server asked for in Retry-After. Pure functions; the caller sleeps.

export interface BackoffPolicy {
  /** First backoff ceiling; doubles each attempt. */
  baseMs: number;
  /** Ceiling of the exponential part. */
  maxMs: number;
  /** A Retry-After beyond this is not waited for: the request fails as rate limited. */
  maxRetryAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 30_000, maxRetryAfterMs: 120_000 };

/**
 * Retry-After in milliseconds from now: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
 * Undefined when absent or unparseable; never negative.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^[0-9]{1,10}$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date) || !/[A-Za-z]/.test(text)) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * How long to wait before attempt `attempt + 1` (attempt counts from 1), or undefined when the
 * server asks for longer than the policy allows. Full jitter spreads a crowd of witnesses out.
 */
export function retryDelay(policy: BackoffPolicy, attempt: number, retryAfterMs: number | undefined, random: () => number): number | undefined {
  if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) return undefined;
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  return Math.max(retryAfterMs ?? 0, jittered);
}

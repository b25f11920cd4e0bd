// Misbehaviour of the replay index: rules that pick requests (by path prefix, a count, or a
// fraction drawn from a seeded PRNG so that a flaky run repeats exactly) and what to do to them.

/** What the replay index does instead of (or before) answering normally. */
export type Fault =
  /** Answer with this status, e.g. 429 or 503, optionally with Retry-After. */
  | { kind: 'status'; status: number; retryAfter?: string }
  /** Wait before answering normally. */
  | { kind: 'slow'; delayMs: number }
  /** Destroy the connection without a response. */
  | { kind: 'close' }
  /** Send the headers (full Content-Length) and half the body, then destroy the connection. */
  | { kind: 'close-mid-body' }
  /** A complete, well-formed HTTP response whose body is the first half of the real one. */
  | { kind: 'truncate' }
  /** Redirect, e.g. to another host. */
  | { kind: 'redirect'; location: string; status?: number }
  /** A body of this many bytes; `chunked` leaves out the Content-Length. */
  | { kind: 'oversize'; bytes: number; chunked?: boolean }
  /** The real body under another Content-Type. */
  | { kind: 'content-type'; contentType: string };

export interface FaultOptions {
  /** Only requests whose path starts with this. */
  path?: string;
  /** Only this many requests (default: every matching request until cleared). */
  times?: number;
  /** Only this fraction of matching requests, drawn from the index's seeded PRNG. */
  fraction?: number;
}

interface FaultRule {
  readonly fault: Fault;
  readonly path: string;
  readonly fraction: number;
  remaining: number;
}

export class FaultPlan {
  private rules: FaultRule[] = [];

  constructor(private readonly random: () => number) {}

  add(fault: Fault, options: FaultOptions = {}): void {
    const fraction = options.fraction ?? 1;
    if (!(fraction > 0 && fraction <= 1)) throw new Error('fraction must be in (0, 1]');
    this.rules.push({ fault, path: options.path ?? '/', fraction, remaining: options.times ?? Infinity });
  }

  clear(): void {
    this.rules = [];
  }

  /** The fault for a request, if any; counts it against its rule. */
  pick(path: string): Fault | undefined {
    for (const rule of this.rules) {
      if (rule.remaining <= 0 || !path.startsWith(rule.path)) continue;
      if (rule.fraction < 1 && this.random() >= rule.fraction) continue;
      rule.remaining -= 1;
      return rule.fault;
    }
    return undefined;
  }
}

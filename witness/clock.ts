// Time as the witness sees it, behind an interface so tests can run backoff and rate limits
// without waiting: a test clock advances when slept on.
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** A clock that only moves when slept on (or advanced), recording each sleep. */
export interface ManualClock extends Clock {
  readonly sleeps: number[];
  advance(ms: number): void;
}

export function manualClock(start = Date.UTC(2026, 10, 23)): ManualClock {
  let t = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    advance(ms) {
      t += ms;
    },
    async sleep(ms) {
      sleeps.push(ms);
      t += Math.max(0, ms);
    },
  };
}

// Politeness toward the index: a semaphore bounding requests in flight and a limiter spacing
// request starts evenly (a global requests-per-second cap). Both per client instance.
import type { Clock } from './clock.js';

export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {
    if (!(limit >= 1)) throw new Error('a semaphore needs a limit of at least 1');
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.active -= 1;
    }
  }
}

/** Spaces request starts at least 1/rate seconds apart; Infinity disables it. */
export class RateLimiter {
  private nextFree = 0;

  constructor(private readonly perSecond: number, private readonly clock: Clock) {
    if (!(perSecond > 0)) throw new Error('the request rate must be positive');
  }

  async take(): Promise<void> {
    if (this.perSecond === Infinity) return;
    const now = this.clock.now();
    const slot = Math.max(now, this.nextFree);
    this.nextFree = slot + 1000 / this.perSecond;
    if (slot > now) await this.clock.sleep(slot - now);
  }
}

// Timing helpers and the result line format of `npm run bench -- --json`.
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** The baseline measured in the same run, e.g. raw SHA-256 leaf hashes per second. */
  baseline: number | null;
  ratio: number | null;
}

export function result(name: string, value: number, unit: string, baseline?: number): BenchResult {
  const ratio = baseline === undefined || baseline === 0 ? null : value / baseline;
  return { name, value: round(value), unit, baseline: baseline === undefined ? null : round(baseline), ratio: ratio === null ? null : Math.round(ratio * 1000) / 1000 };
}

function round(n: number): number {
  return n >= 100 ? Math.round(n) : Math.round(n * 100) / 100;
}

/** Runs fn repeatedly for at least `ms` milliseconds; returns operations per second. */
export function opsPerSecond(ms: number, batch: number, fn: () => void): number {
  const start = performance.now();
  let ops = 0;
  let elapsed = 0;
  do {
    fn();
    ops += batch;
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  return (ops / elapsed) * 1000;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

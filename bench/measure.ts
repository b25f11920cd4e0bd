// Timing helpers and the result line format of `npm run bench -- --json`.
import { readFileSync } from 'node:fs';

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

/**
 * This process's peak RSS in MiB: Linux's VmHWM, the high-water mark of its own memory since it
 * started. getrusage's maxRSS (the fallback elsewhere) also counts the parent's pages that a
 * spawned child held between fork and exec, so a child of a large bench process reported the
 * parent's size instead of its own.
 */
export function peakRssMiB(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm !== null) return Number(hwm[1]) / 1024;
  } catch {
    // Not Linux.
  }
  return process.resourceUsage().maxRSS / 1024;
}

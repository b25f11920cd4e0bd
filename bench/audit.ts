// The full audit of a synthetic log served over loopback (bench/audit-log-child.ts): the auditor
// (bench/audit-child.ts, running the CLI's runAudit) downloads every bundle and tile over HTTP,
// re-hashes every entry, rebuilds every tile and the root, and derives the projects. Compared
// with raw SHA-256 leaf hashing of the same entries, in this process, in the same run.
import { spawn } from 'node:child_process';
import { createHash, hash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sha256LeafRate } from './baselines.js';
import { opsPerSecond } from './measure.js';
import { syntheticLog } from './audit-entries.js';

export interface AuditBenchResult {
  entries: number;
  entriesPerSecond: number;
  /** Leaf hashes per second of the same entries, straight node:crypto (baseline.sha256_leaf's loop). */
  sha256LeafRate: number;
  /**
   * Leaf hashes per second of the same entries the fastest way node:crypto has: one-shot
   * `crypto.hash` with a string digest over entries already prefixed with 0x00 in memory (the
   * prefixing not timed). A stricter baseline than sha256LeafRate, reported next to it.
   */
  oneShotLeafRate: number;
  /** CPU seconds (user + system) of the auditor's process, and its wall seconds. */
  cpuSeconds: number;
  /**
   * sha256LeafRate's loop per CPU second of this process (not per wall second): against the
   * auditor's entries per CPU second, a ratio that a loaded machine moves much less.
   */
  sha256LeafCpuRate: number;
  seconds: number;
  peakRssMiB: number;
}

/** baseline.sha256_leaf's loop, per CPU second of this process. */
function leafCpuRate(entries: readonly Uint8Array[], ms: number): number {
  const prefix = Uint8Array.of(0);
  const cpu = process.cpuUsage();
  const start = performance.now();
  let ops = 0;
  do {
    for (const e of entries) createHash('sha256').update(prefix).update(e).digest();
    ops += entries.length;
  } while (performance.now() - start < ms);
  const used = process.cpuUsage(cpu);
  return ops / ((used.user + used.system) / 1e6);
}

/** RFC 6962 leaf hashes per second over entries prefixed with 0x00 beforehand: one native call a leaf. */
function oneShotLeafRate(entries: readonly Uint8Array[], ms: number): number {
  const prefixed = entries.map((e) => {
    const b = new Uint8Array(1 + e.length);
    b.set(e, 1);
    return b;
  });
  return opsPerSecond(ms, prefixed.length, () => {
    for (const p of prefixed) hash('sha256', p, 'binary');
  });
}

/** Runs a script of this directory; resolves with its first stdout line and the process. */
async function child(script: string, args: readonly string[]): Promise<{ line: string; stop(): Promise<void>; exited: Promise<number | null> }> {
  const proc = spawn(process.execPath, [fileURLToPath(new URL(script, import.meta.url)), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once('line', resolve);
    void exited.then((code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return {
    line,
    exited,
    stop: async () => {
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

export async function auditBench(size: number): Promise<AuditBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'diptych-bench-audit-'));
  const server = await child('./audit-log-child.js', [String(size)]);
  try {
    const { url, verifierKey } = JSON.parse(server.line) as { url: string; verifierKey: string };
    // The baseline hashes a slice of the same entries (the generator is deterministic but for
    // its keys), right before and right after the audit: the mean of the two rides out some of
    // the drift of a shared machine.
    const source = syntheticLog(Math.min(size, 50_000));
    const sample = Array.from({ length: source.size }, (_, i) => source.entry(i));
    const before = sha256LeafRate(sample, 1500);
    const oneShotBefore = oneShotLeafRate(sample, 1000);
    const cpuBefore = leafCpuRate(sample, 1000);
    const auditor = await child('./audit-child.js', [url, verifierKey, join(dir, 'state')]);
    const run = JSON.parse(auditor.line) as { entries: number; seconds: number; cpuSeconds: number; peakRssMiB: number };
    await auditor.exited;
    if (run.entries !== size) throw new Error(`the audit covered ${run.entries} entries, not ${size}`);
    const after = sha256LeafRate(sample, 1500);
    const oneShotAfter = oneShotLeafRate(sample, 1000);
    const cpuAfter = leafCpuRate(sample, 1000);
    return {
      entries: size,
      entriesPerSecond: size / run.seconds,
      sha256LeafRate: (before + after) / 2,
      oneShotLeafRate: (oneShotBefore + oneShotAfter) / 2,
      cpuSeconds: run.cpuSeconds,
      sha256LeafCpuRate: (cpuBefore + cpuAfter) / 2,
      seconds: run.seconds,
      peakRssMiB: run.peakRssMiB,
    };
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

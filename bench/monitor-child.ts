// The monitor bench's own process (`node --expose-gc monitor-child.js <entries>`), so that its
// peak RSS is the monitor's and not that of the benches before it. Prints one JSON line.
import { createHash } from 'node:crypto';
import { Monitor } from '../monitor/engine.js';
import { buildMonitorLog } from './monitor-log.js';
import { peakRssMiB } from './measure.js';

export interface MonitorChildResult {
  entries: number;
  projects: number;
  releases: number;
  observations: number;
  tampered: number;
  generateMs: number;
  logMiB: number;
  ingestMs: number;
  jsonParseMs: number;
  sha256Ms: number;
  findings: number;
  findingsByKind: Record<string, number>;
  /** Heap the Monitor holds after ingest (after a full GC), MiB. */
  heapMiB: number;
  peakRssMiB: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
const heapUsed = (): number => {
  gc?.();
  return process.memoryUsage().heapUsed;
};

const count = Number(process.argv[2] ?? 1_000_000);
const log = buildMonitorLog(count);

// Baselines over the same bytes: the least any reader of the log must do, decode the envelope
// and its payload from JSON (JSON.parse twice and a base64 decode); and SHA-256 of each entry.
const decoder = new TextDecoder();
let t = performance.now();
let sink = 0;
for (let i = 0; i < log.count; i++) {
  const env = JSON.parse(decoder.decode(log.entry(i))) as { payload: string };
  const payload = JSON.parse(decoder.decode(Buffer.from(env.payload, 'base64'))) as object;
  sink += Object.keys(payload).length;
}
const jsonParseMs = performance.now() - t;
t = performance.now();
for (let i = 0; i < log.count; i++) sink += createHash('sha256').update(log.entry(i)).digest()[0]!;
const sha256Ms = performance.now() - t;

const before = heapUsed();
const monitor = new Monitor();
t = performance.now();
for (let i = 0; i < log.count; i++) monitor.ingest(log.entry(i));
const ingestMs = performance.now() - t;
const heapMiB = (heapUsed() - before) / 2 ** 20;

// Every entry must have been taken in: a skipped (refused) entry would flatter the figure.
const series = monitor.observations.seriesCount;
const releases = monitor.projects.projectNames().reduce((n, p) => n + monitor.projects.releasesOf(p).length, 0);
if (series !== log.observations || releases !== log.releases || monitor.projects.projectCount !== log.projects) {
  throw new Error(`the monitor skipped entries: ${series}/${log.observations} series, ${releases}/${log.releases} releases`);
}
const findingsByKind: Record<string, number> = {};
for (const f of monitor.findings.all()) findingsByKind[f.kind] = (findingsByKind[f.kind] ?? 0) + 1;

const out: MonitorChildResult = {
  entries: log.count,
  projects: log.projects,
  releases: log.releases,
  observations: log.observations,
  tampered: log.tampered,
  generateMs: log.generateMs,
  logMiB: log.bytes.length / 2 ** 20,
  ingestMs,
  jsonParseMs,
  sha256Ms,
  findings: monitor.findings.size,
  findingsByKind,
  heapMiB,
  peakRssMiB: peakRssMiB(),
};
process.stdout.write(JSON.stringify(out) + (sink < 0 ? ' ' : '') + '\n');

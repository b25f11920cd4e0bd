// Monitor throughput: a fresh `Monitor` ingesting a synthetic log (bench/monitor-log.ts) in a
// process of its own (bench/monitor-child.ts), so that its peak RSS is not the other benches'.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MonitorChildResult } from './monitor-child.js';

export type { MonitorChildResult };

/** Builds and ingests a log of `entries` entries in a child process; its result line. */
export async function monitorBench(entries: number): Promise<MonitorChildResult> {
  const script = fileURLToPath(new URL('./monitor-child.js', import.meta.url));
  // --expose-gc: the heap figure is taken after a full collection. The larger old space keeps a
  // 1,000,000-entry run (about 1 GiB of entry bytes plus the monitor's state) off the default
  // limit on machines with less memory, where it is a quarter of it.
  const child = spawn(process.execPath, ['--expose-gc', '--max-old-space-size=6144', script, String(entries)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`monitor bench child exited with ${code}`);
  return JSON.parse(out) as MonitorChildResult;
}

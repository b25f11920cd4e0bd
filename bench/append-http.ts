// Append throughput over HTTP: the real `diptych serve` in a child process (its own event loop
// and verification threads), many concurrent clients on keep-alive connections over loopback
// (bench/http-load.ts).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { postAll, type LoadOptions } from './http-load.js';
import { makeEntries } from './entries.js';

const WARMUP_ENTRIES = 4096;
import { percentile } from './measure.js';

export interface AppendHttpResult {
  entriesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

const CLI = fileURLToPath(new URL('../cli/diptych.js', import.meta.url));

/**
 * As `npm start` runs the server: young-generation semi-spaces of 64 MiB instead of V8's 16.
 * An append lives for about a cadence, across several scavenges of the default size, and was
 * copied and then promoted (7 KB an append); with the larger space most die young. About 10 %
 * more appends a second over HTTP (bench/README.md).
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=64'];

/** `diptych serve` in a child process on a free loopback port; `extra` adds flags. */
export async function startServer(dataDir: string, cadenceMs: number, extra: readonly string[] = []) {
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, CLI, 'serve', '--data', dataDir, '--port', '0', '--json', '--cadence', String(cadenceMs), '--log-level', 'warn', ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const { url } = JSON.parse(line) as { url: string };
  const stop = async (): Promise<void> => {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  return { url, stop };
}

/** `load`: connections, and a rate for an open-loop run (bench/http-load.ts). */
export async function appendOverHttp(entries: readonly Uint8Array[], cadenceMs: number, load: LoadOptions): Promise<AppendHttpResult> {
  const dir = await mkdtemp(join(tmpdir(), 'diptych-bench-http-'));
  const server = await startServer(dir, cadenceMs);
  try {
    // A fresh server compiles its hot paths during its first second under load; measure after.
    await postAll(server.url, '/api/v1/entries', makeEntries(WARMUP_ENTRIES, { distinctKeys: true }), { connections: 256 });
    const run = await postAll(server.url, '/api/v1/entries', entries, load);
    const created = run.statuses.get(201) ?? 0;
    if (created !== entries.length) throw new Error(`${entries.length - created} of ${entries.length} appends were not answered 201: ${JSON.stringify([...run.statuses])}`);
    const latencies = Array.from(run.latenciesMs).sort((a, b) => a - b);
    return { entriesPerSecond: (entries.length / run.elapsedMs) * 1000, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

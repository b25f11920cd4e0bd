// A witness sweep over synthetic projects served by the replay index (test/support) in a child
// process, logging into a real `diptych serve` child process. Two sweeps: the first logs every release it sees;
// the second finds nothing new (conditional requests, no log growth), which is a witness's
// steady state and is bound by the index alone. Its request rate is compared with the replay
// server's own maximum, measured in the same run with the same concurrency.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { nodeEd25519Signer } from '../log/node-crypto.js';
import { generateSignerKey, parseSignerKey } from '../log/note.js';
import { mapConcurrent } from '../log/concurrent.js';
import { systemClock } from '../witness/clock.js';
import { UndiciIndexClient } from '../witness/index-client.js';
import { UndiciLogSubmitter } from '../witness/log-submitter.js';
import { LevelWitnessState } from '../witness/state.js';
import { runSweep, type SweepDeps } from '../witness/sweep.js';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startServer } from './append-http.js';

export interface SweepBenchResult {
  projects: number;
  coldSeconds: number;
  logged: number;
  idleSeconds: number;
  idleRequestsPerSecond: number;
  replayMaxRequestsPerSecond: number;
  peakRssMiB: number;
}

const CONCURRENCY = 64;

/** The replay index (test/support) in a child process, with `count` synthetic projects. */
async function startReplay(count: number): Promise<{ url: string; stop(): Promise<void> }> {
  const script = fileURLToPath(new URL('./replay-child.js', import.meta.url));
  const child = spawn(process.execPath, [script, String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`replay index exited with ${code}`)));
  });
  return {
    url,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The replay server's own rate: plain GETs of the same documents, `CONCURRENCY` at once. */
async function replayMaxRate(url: string, names: readonly string[]): Promise<number> {
  const pool = new Pool(url, { connections: CONCURRENCY });
  const start = performance.now();
  await mapConcurrent(names, CONCURRENCY, async (name) => {
    const res = await pool.request({ path: `/pypi/${name}/json`, method: 'GET' });
    await res.body.dump();
  });
  const elapsed = performance.now() - start;
  await pool.close();
  return (names.length / elapsed) * 1000;
}

function peakRss(): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  return { stop: () => (clearInterval(timer), Math.max(peak, process.memoryUsage.rss()) / 2 ** 20) };
}

export async function sweepBench(count: number): Promise<SweepBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'diptych-bench-sweep-'));
  const key = parseSignerKey(generateSignerKey('witness.bench/w1', randomBytes(32)).signerKey, nodeEd25519Signer);
  await writeFile(join(dir, 'policy.json'), JSON.stringify({ witnesses: [{ vkey: key.verifierKey }] }));
  const log = await startServer(join(dir, 'log'), 100, ['--policy', join(dir, 'policy.json')]);
  const index = await startReplay(count);
  const state = await LevelWitnessState.open(join(dir, 'witness'));
  const client = new UndiciIndexClient({ baseUrl: index.url, clock: systemClock, requestsPerSecond: Infinity, concurrency: CONCURRENCY });
  const submitter = new UndiciLogSubmitter({ logUrl: log.url, clock: systemClock });
  const deps: SweepDeps = { client, state, submitter, signer: key.signer, witness: key.verifierKey, clock: systemClock };
  const projects = Array.from({ length: count }, (_, i) => `synthetic-${i}`);
  try {
    const rss = peakRss();
    let start = performance.now();
    const cold = await runSweep(deps, { projects, concurrency: CONCURRENCY });
    const coldSeconds = (performance.now() - start) / 1000;
    start = performance.now();
    const idle = await runSweep(deps, { projects, concurrency: CONCURRENCY });
    const idleSeconds = (performance.now() - start) / 1000;
    const peakRssMiB = rss.stop();
    if (cold.failures.length + idle.failures.length > 0 || idle.logged !== 0) {
      throw new Error(`sweep sanity check failed: ${cold.failures.length + idle.failures.length} failures, ${idle.logged} logged when idle`);
    }
    // Conditional requests answered 304 count as requests too; retries are not counted.
    const idleRequestsPerSecond = (idle.fetched + idle.notModified) / idleSeconds;
    const replayMaxRequestsPerSecond = await replayMaxRate(index.url, projects);
    return { projects: count, coldSeconds, logged: cold.logged, idleSeconds, idleRequestsPerSecond, replayMaxRequestsPerSecond, peakRssMiB };
  } finally {
    await client.close();
    await submitter.close();
    await state.close();
    await index.stop();
    await log.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

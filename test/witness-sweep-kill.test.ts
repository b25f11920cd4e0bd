// A witness SIGKILLed mid-sweep (issue 8): the real `diptych witness once` as a child process,
// against the replay index slowed down (so that a sweep spans many requests) and a real log.
// It is killed three times while it posts observations, then run to the end. The log must then
// hold exactly the observations of a reference witness that never died (compared without their
// observation times, which differ between runs), none of them twice.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromBase64 } from '../log/bytes.js';
import { writeNewSignerKeyFile } from '../log/log-key.js';
import { CLI_PATH } from './support/child-server.js';
import { get } from './support/http-get.js';
import { serveTestLog, witnessPolicy, type ServedLog } from './support/log-fixture.js';
import { loadRecordedProjects } from './support/pypi-fixtures.js';
import { ReplayIndex } from './support/pypi-replay.js';

const OBSERVATION = 'application/vnd.diptych.observation+json';

async function logSize(log: ServedLog): Promise<number> {
  return (JSON.parse((await get(log.url, '/api/v1/log')).text) as { size: number }).size;
}

/** The log's observations as canonical text without their time, in log order. */
async function observations(log: ServedLog): Promise<string[]> {
  const out: string[] = [];
  const size = await logSize(log);
  for (let i = 0; i < size; i++) {
    const { envelope } = JSON.parse((await get(log.url, `/api/v1/entries/${i}`)).text) as { envelope: { payload: string; payloadType: string } };
    if (envelope.payloadType !== OBSERVATION) continue;
    const { observedAt: _, ...rest } = JSON.parse(new TextDecoder().decode(fromBase64(envelope.payload))) as Record<string, unknown>;
    out.push(JSON.stringify(rest));
  }
  return out;
}

/** `diptych witness once` in a child; with `killAt`, SIGKILLed once the log has grown to that size. */
async function witnessOnce(args: string[], log: ServedLog, killAt?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }> {
  const child = spawn(process.execPath, [CLI_PATH, 'witness', 'once', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  if (killAt !== undefined) {
    let done = false;
    void exited.then(() => (done = true));
    while (!done && (await logSize(log)) < killAt) await new Promise((r) => setTimeout(r, 2));
    if (!done) child.kill('SIGKILL');
  }
  return { ...(await exited), err };
}

test('SIGKILL mid-sweep, 3 times: the restarted witness logs exactly what is missing, nothing twice', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'diptych-sweep-kill-'));
  const recorded = loadRecordedProjects();
  const index = await ReplayIndex.start({ projects: recorded, seed: 5 });
  const keyFile = join(dir, 'witness.key');
  const key = await writeNewSignerKeyFile(keyFile, 'witness.test/killed');
  const killed = await serveTestLog({ verifyThreads: 0, policy: witnessPolicy(key.verifierKey) });
  const reference = await serveTestLog({ verifyThreads: 0, policy: witnessPolicy(key.verifierKey) });
  try {
    // About 600 observations (both APIs): long enough to cut three times, short enough for npm test.
    const projects = 'flask,luigi,asgiref,black,xo-gd,snowballstemmer';
    const args = (log: ServedLog, data: string): string[] => ['--log', log.url, '--index', index.url, '--key', keyFile, '--data', join(dir, data), '--projects', projects, '--concurrency', '2', '--json'];
    // Every index answer is held back a little, so that a sweep is long enough to cut.
    index.inject({ kind: 'slow', delayMs: 15 });
    const start = await logSize(killed);
    let kills = 0;
    let at = start;
    for (let round = 0; round < 3; round++) {
      // Killed once a few more observations are in: while others are in flight.
      at = Math.max(at, await logSize(killed)) + 2 + round * 3;
      const run = await witnessOnce(args(killed, 'killed'), killed, at);
      assert.is(run.signal, 'SIGKILL', `round ${round}: the sweep ended before the kill (exit ${run.code}): ${run.err}`);
      kills++;
    }
    const beforeLast = await logSize(killed);
    const last = await witnessOnce(args(killed, 'killed'), killed);
    assert.is(last.code, 0, last.err.replace(/"entries":\[[^\]]*\]/, '"entries":[…]'));
    const ref = await witnessOnce(args(reference, 'reference'), reference);
    assert.is(ref.code, 0, ref.err.replace(/"entries":\[[^\]]*\]/, '"entries":[…]'));
    const got = await observations(killed);
    const want = await observations(reference);
    assert.ok(want.length > 0);
    assert.is(new Set(want).size, want.length, 'the reference logs each observation once');
    assert.is(new Set(got).size, got.length, 'no observation logged twice across the kills');
    assert.equal([...got].sort(), [...want].sort(), 'the same observations as a witness that never died');
    console.log(`robustness: witness mid-sweep: ${kills} kills (log sizes ${start} -> ${beforeLast} before the last run), ${got.length} observations compared with the reference`);
  } finally {
    await index.close();
    await killed.close();
    await reference.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();

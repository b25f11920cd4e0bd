// A witness sweep end to end: the replay index, a real log server, the witness's level state.
// A clean sweep logs what the recordings say; an idle index adds nothing (304s); a change adds
// exactly the affected observations; a flaky index adds nothing false; index and log failures
// are reported, not logged, and a restarted witness logs exactly what is missing.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fromBase64 } from '../log/bytes.js';
import { nodeEd25519Signer } from '../log/node-crypto.js';
import { generateSignerKey, parseSignerKey, type SignerKey } from '../log/note.js';
import { manualClock } from '../witness/clock.js';
import { UndiciIndexClient } from '../witness/index-client.js';
import { UndiciLogSubmitter } from '../witness/log-submitter.js';
import type { ObservationPayload } from '../witness/observation.js';
import { LevelWitnessState } from '../witness/state.js';
import { runSweep, type SweepDeps } from '../witness/sweep.js';
import { get } from './support/http-get.js';
import { serveTestLog, witnessPolicy, type ServedLog } from './support/log-fixture.js';
import { loadRecordedProjects, type RecordedProject } from './support/pypi-fixtures.js';
import { ReplayIndex } from './support/pypi-replay.js';

const PROJECTS = ['flask', 'xo-gd', 'snowballstemmer'];

interface Ctx {
  recorded: Map<string, RecordedProject>;
  key: SignerKey;
  index: ReplayIndex;
  log: ServedLog;
  dir: string;
  closers: Array<() => Promise<void>>;
}

const test = suite<Ctx>('witness-sweep');
test.before((ctx) => {
  ctx.recorded = loadRecordedProjects();
  ctx.key = parseSignerKey(generateSignerKey('witness.test/sweeper', randomBytes(32)).signerKey, nodeEd25519Signer);
});
test.before.each(async (ctx) => {
  ctx.closers = [];
  ctx.index = await ReplayIndex.start({ projects: ctx.recorded, seed: 11 });
  ctx.log = await serveTestLog({ verifyThreads: 0, policy: witnessPolicy(ctx.key.verifierKey) });
  ctx.dir = await mkdtemp(join(tmpdir(), 'diptych-sweep-'));
});
test.after.each(async (ctx) => {
  for (const close of ctx.closers.reverse()) await close().catch(() => undefined);
  await ctx.index.close();
  await ctx.log.close();
  await rm(ctx.dir, { recursive: true, force: true });
});

async function witness(ctx: Ctx, options: { logUrl?: string; maxAttempts?: number } = {}): Promise<SweepDeps & { stop(): Promise<void> }> {
  const clock = manualClock();
  const state = await LevelWitnessState.open(ctx.dir);
  const client = new UndiciIndexClient({ baseUrl: ctx.index.url, clock, requestsPerSecond: Infinity, maxAttempts: options.maxAttempts ?? 4 });
  const submitter = new UndiciLogSubmitter({ logUrl: options.logUrl ?? ctx.log.url, clock, maxAttempts: 2 });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await client.close();
    await submitter.close();
    await state.close();
  };
  ctx.closers.push(stop);
  return { client, state, submitter, signer: ctx.key.signer, witness: ctx.key.verifierKey, clock, stop };
}

async function loggedPayload(log: ServedLog, index: number): Promise<ObservationPayload> {
  const reply = await get(log.url, `/api/v1/entries/${index}`);
  const { envelope } = JSON.parse(reply.text) as { envelope: { payload: string } };
  return JSON.parse(new TextDecoder().decode(fromBase64(envelope.payload))) as ObservationPayload;
}

// Releases without files: the Simple API never lists them, so they vanish from one source only.
function emptyReleases(ctx: Ctx, project: string): number {
  return Object.values(ctx.recorded.get(project)!.json!.releases).filter((files) => files.length === 0).length;
}

async function logSize(log: ServedLog): Promise<number> {
  return (JSON.parse((await get(log.url, '/api/v1/log')).text) as { size: number }).size;
}

test('a clean sweep logs the recordings; an idle index then adds nothing', async (ctx) => {
  const w = await witness(ctx);
  const report = await runSweep(w, { projects: PROJECTS });
  assert.equal(report.failures, []);
  assert.is(report.fetched, 6);
  // Entry 0 is the log's policy (SPEC §8), which names the witness.
  assert.is(await logSize(ctx.log), report.logged + 1);
  const payloads = await Promise.all(report.entries.map((i) => loggedPayload(ctx.log, i)));
  for (const project of PROJECTS) {
    const doc = ctx.recorded.get(project)!.json!;
    const json = payloads.filter((p) => p.project === project && p.source === 'json');
    assert.equal(json.map((p) => p.version).sort(), Object.keys(doc.releases).sort(), `${project}: one per release`);
    for (const p of json) {
      const expected = doc.releases[p.version]!.map((f) => `${f.filename} ${f.digests.sha256} ${f.size}`).sort();
      assert.equal(p.files.map((f) => `${f.filename} ${f.sha256} ${f.size}`), expected, `${project} ${p.version}`);
      assert.is(p.lastSerial, doc.last_serial);
      assert.is(p.indexUrl, ctx.index.url);
    }
    const simpleFiles = payloads.filter((p) => p.project === project && p.source === 'simple').flatMap((p) => p.files.map((f) => `${f.filename} ${f.sha256}`));
    const allFiles = Object.values(doc.releases).flat().map((f) => `${f.filename} ${f.digests.sha256}`);
    assert.equal(simpleFiles.sort(), allFiles.sort(), `${project}: the simple view, file for file`);
  }
  const size = await logSize(ctx.log);
  const idle = await runSweep(w, { projects: PROJECTS });
  assert.equal([idle.logged, idle.notModified, idle.failures.length], [0, 6, 0]);
  assert.is(await logSize(ctx.log), size);
  assert.ok(ctx.index.requests.slice(-6).every((r) => typeof r.headers['if-none-match'] === 'string'));
});

test('a changed hash, a removed release, a deleted project and a rolled-back serial are logged, nothing else', async (ctx) => {
  const w = await witness(ctx);
  await runSweep(w, { projects: PROJECTS });
  const [file] = ctx.index.filenames('flask', '1.1.2');
  ctx.index.changeFileHash('flask', file!, 'ee'.repeat(32), { views: ['json'] });
  const changed = await runSweep(w, { projects: PROJECTS });
  assert.is(changed.logged, 1);
  const [payload] = await Promise.all(changed.entries.map((i) => loggedPayload(ctx.log, i)));
  assert.equal([payload!.project, payload!.version, payload!.source], ['flask', '1.1.2', 'json']);
  assert.is(payload!.files.find((f) => f.filename === file)?.sha256, 'ee'.repeat(32));
  ctx.index.removeRelease('snowballstemmer', '2.2.0');
  const removed = await runSweep(w, { projects: PROJECTS });
  const gone = await Promise.all(removed.entries.map((i) => loggedPayload(ctx.log, i)));
  assert.equal(gone.map((p) => [p.version, p.source, p.files.length]).sort(), [['2.2.0', 'json', 0], ['2.2.0', 'simple', 0]]);
  ctx.index.removeProject('flask');
  const deleted = await runSweep(w, { projects: PROJECTS });
  assert.equal(deleted.failures, []);
  const emptied = await Promise.all(deleted.entries.map((i) => loggedPayload(ctx.log, i)));
  assert.is(emptied.length, 2 * Object.keys(ctx.recorded.get('flask')!.json!.releases).length - emptyReleases(ctx, 'flask'));
  assert.ok(emptied.every((p) => p.project === 'flask' && p.files.length === 0));
  const afterDeletion = await runSweep(w, { projects: PROJECTS });
  assert.equal([afterDeletion.logged, afterDeletion.failures], [0, []], 'a deletion is logged once');
  ctx.index.setSerial('xo-gd', 100, ['simple-json']);
  const rolledBack = await runSweep(w, { projects: PROJECTS });
  const regressed = await Promise.all(rolledBack.entries.map((i) => loggedPayload(ctx.log, i)));
  assert.ok(regressed.length > 0 && regressed.every((p) => p.project === 'xo-gd' && p.source === 'simple' && p.lastSerial === 100));
});

test('a flaky index (about 30% 429/503) completes without false observations', async (ctx) => {
  const w = await witness(ctx);
  await runSweep(w, { projects: PROJECTS });
  await w.stop();
  // The same witness state, restarted with a more patient client.
  const flakyState = await witness(ctx, { maxAttempts: 10 });
  const size = await logSize(ctx.log);
  ctx.index.inject({ kind: 'status', status: 429, retryAfter: '1' }, { fraction: 0.15 });
  ctx.index.inject({ kind: 'status', status: 503 }, { fraction: 0.18 });
  const before = ctx.index.requestCount;
  const report = await runSweep(flakyState, { projects: PROJECTS });
  assert.equal(report.failures, []);
  assert.is(report.logged, 0);
  assert.is(await logSize(ctx.log), size);
  assert.ok(ctx.index.requestCount - before > 6, 'some requests were retried');
});

test('index failures are reported, not logged; a restarted witness logs exactly what is missing', async (ctx) => {
  const dead = await ReplayIndex.start({ projects: new Map() });
  const deadUrl = dead.url;
  await dead.close();
  ctx.index.inject({ kind: 'truncate' }, { path: '/pypi/flask/' });
  const first = await witness(ctx, { logUrl: deadUrl });
  const report = await runSweep(first, { projects: PROJECTS });
  const reasons = new Set(report.failures.map((f) => `${f.project} ${f.source} ${f.reason}`));
  assert.ok(reasons.has('flask json invalid_json'));
  assert.ok(reasons.has('xo-gd json log_unreachable'));
  assert.is(report.logged, 0);
  assert.is(await logSize(ctx.log), 1, 'only the log policy');
  await first.stop();
  ctx.index.clearFaults();
  const restarted = await witness(ctx);
  const resumed = await runSweep(restarted, { projects: PROJECTS });
  assert.equal(resumed.failures, []);
  assert.is(resumed.notModified, 0, 'nothing was marked as seen while the log was away');
  const refDir = await mkdtemp(join(tmpdir(), 'diptych-sweep-ref-'));
  ctx.closers.unshift(() => rm(refDir, { recursive: true, force: true }));
  const reference = await runSweep(await witness({ ...ctx, dir: refDir }), { projects: PROJECTS });
  assert.ok(resumed.logged > 0);
  assert.is(resumed.logged, reference.logged, 'as many observations as a witness that never failed');
});

test.run();

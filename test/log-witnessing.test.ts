// The log side of witnessing, with real parts only: a TransparencyLog served on 127.0.0.1 whose
// policy names two real witness nodes (witness/app.ts, level state in temp dirs). The log asks
// them to cosign each new checkpoint, serves the witnessed checkpoint at /checkpoint with the
// cosignature lines, reports what each witness cosigned at /api/v1/status, keeps going with a
// witness down, and picks up again when a witness (or the log itself) restarts.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openCheckpoint, type OpenedCheckpoint } from '../log/checkpoint.js';
import { verifiedCosignatures } from '../log/cosignature.js';
import { noteVerifier, type SignerKey } from '../log/note.js';
import { parsePolicy, type LogPolicy } from '../log/policy.js';
import { TransparencyLog } from '../log/transparency-log.js';
import { alertEntry, alertPayload, observationEntry } from './support/monitor-entries.js';
import {
  assertErrorReply,
  jsonOf,
  keysEntry,
  newKeyPair,
  newSignerKey,
  postEntry,
  removeDir,
  request,
  serveTestLog,
  tempDir,
  type ServedLog,
} from './support/log-fixture.js';
import { startTestWitness, type TestWitness } from './support/witness-server.js';

interface Ctx {
  dir: string;
  logKey: { key: SignerKey; text: string };
  witnessKeys: SignerKey[];
  witnesses: TestWitness[];
  /** Closed in after.each even when an assertion fails first. */
  closers: Array<() => Promise<void>>;
}

interface Status {
  suspended: { index: boolean; projects: string[] };
  checkpoint: string;
  witnesses: Array<{ vkey: string; lastCosigned: number | null }>;
}

const test = suite<Ctx>('log-witnessing');
test.before.each(async (ctx) => {
  ctx.dir = await tempDir('witnessing');
  ctx.logKey = newKeyPair('log.test/witnessed');
  ctx.witnessKeys = [newSignerKey('witness.test/one'), newSignerKey('witness.test/two')];
  ctx.closers = [];
  ctx.witnesses = [];
  for (const [i, key] of ctx.witnessKeys.entries()) ctx.witnesses.push(await startWitnessAt(ctx, i, key));
});
test.after.each(async (ctx) => {
  for (const close of ctx.closers.reverse()) await close().catch(() => undefined);
  await removeDir(ctx.dir);
});

/** Witness i, on its own state dir; `port` restarts it where the log expects it. */
async function startWitnessAt(ctx: Ctx, i: number, key: SignerKey, port?: number): Promise<TestWitness> {
  const stateDir = join(ctx.dir, `witness-${i}`);
  await mkdir(stateDir, { recursive: true });
  const w = await startTestWitness({ key, logVkey: ctx.logKey.key.verifierKey, stateDir, port });
  let stopped = false;
  const stop = async (): Promise<unknown[]> => {
    if (stopped) return [];
    stopped = true;
    return w.stop();
  };
  ctx.closers.push(async () => void (await stop()));
  return { ...w, stop };
}

function policyFor(ctx: Ctx, quorum: number): LogPolicy {
  const witnesses = ctx.witnessKeys.map((k, i) => ({ vkey: k.verifierKey, url: ctx.witnesses[i]!.url }));
  return parsePolicy(JSON.stringify({ witnesses, cosignatureQuorum: quorum }));
}

async function serveWitnessed(ctx: Ctx, quorum: number, witnessRetryMs?: number): Promise<ServedLog> {
  const served = await serveTestLog({ verifyThreads: 0, logKeyText: ctx.logKey.text, policy: policyFor(ctx, quorum), witnessRetryMs });
  ctx.closers.push(() => served.close());
  await served.log.witnessesIdle();
  return served;
}

async function append(served: ServedLog, project: string, key: SignerKey): Promise<void> {
  const reply = await postEntry(served.url, keysEntry(key, project));
  assert.is(reply.status, 201, `append ${project}`);
  // The append has published its checkpoint, so the round cosigning it has started.
  await served.log.witnessesIdle();
}

/** GET /checkpoint, opened as a client holding the log key and both witness keys would. */
async function servedCheckpoint(ctx: Ctx, served: ServedLog): Promise<{ opened: OpenedCheckpoint; cosigners: string[] }> {
  const reply = await request(served.url, '/checkpoint');
  assert.is(reply.status, 200);
  const opened = openCheckpoint(reply.body, noteVerifier(ctx.logKey.key.verifierKey), { cosigners: ctx.witnesses.map((w) => w.verifier) });
  return { opened, cosigners: verifiedCosignatures(opened.note).map((c) => c.name).sort() };
}

async function status(served: ServedLog): Promise<Status> {
  const reply = await request(served.url, '/api/v1/status');
  assert.is(reply.status, 200);
  return jsonOf<Status>(reply);
}

test('both witnesses cosign; with one down the quorum of 1 is still met; a restarted one cosigns again', async (ctx) => {
  const served = await serveWitnessed(ctx, 1);
  const dev = newSignerKey('dev.test/alice');
  for (const p of ['alpha', 'beta', 'gamma']) await append(served, p, dev);
  let { opened, cosigners } = await servedCheckpoint(ctx, served);
  // Entry 0 is the log's policy (SPEC §8), logged at the first start.
  assert.is(opened.checkpoint.size, 4);
  assert.equal(cosigners, ['witness.test/one', 'witness.test/two'], 'both cosignatures, both verify');
  let s = await status(served);
  assert.equal(s.suspended, { index: false, projects: [] });
  assert.is(s.checkpoint, new TextDecoder().decode((await request(served.url, '/checkpoint')).body));
  assert.equal(s.witnesses, ctx.witnessKeys.map((k) => ({ vkey: k.verifierKey, lastCosigned: 4 })));

  const port = ctx.witnesses[1]!.port;
  assert.equal(await ctx.witnesses[1]!.stop(), [], 'witness two had no internal errors');
  await append(served, 'delta', dev);
  ({ opened, cosigners } = await servedCheckpoint(ctx, served));
  assert.is(opened.checkpoint.size, 5, 'witnessed with one cosignature: the quorum is 1');
  assert.equal(cosigners, ['witness.test/one']);
  s = await status(served);
  assert.equal(s.witnesses.map((w) => w.lastCosigned), [5, 4]);

  ctx.witnesses[1] = await startWitnessAt(ctx, 1, ctx.witnessKeys[1]!, port);
  await append(served, 'epsilon', dev);
  ({ opened, cosigners } = await servedCheckpoint(ctx, served));
  assert.is(opened.checkpoint.size, 6);
  assert.equal(cosigners, ['witness.test/one', 'witness.test/two'], 'the restarted witness cosigns from its stored size');
  assert.equal((await status(served)).witnesses.map((w) => w.lastCosigned), [6, 6]);
  for (const w of ctx.witnesses) assert.equal(await w.stop(), []);
});

test('a witness back after the last append is asked again, without another append', async (ctx) => {
  const served = await serveWitnessed(ctx, 2, 20);
  const port = ctx.witnesses[1]!.port;
  assert.equal(await ctx.witnesses[1]!.stop(), []);
  await append(served, 'alpha', newSignerKey('dev.test/alice'));
  assert.equal((await status(served)).witnesses.map((w) => w.lastCosigned), [2, 1], 'witness two was down');
  ctx.witnesses[1] = await startWitnessAt(ctx, 1, ctx.witnessKeys[1]!, port);
  // Retries back off from 20 ms; a bounded wait, not a timing assertion.
  for (let i = 0; i < 100 && (await status(served)).witnesses[1]!.lastCosigned !== 2; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal((await status(served)).witnesses.map((w) => w.lastCosigned), [2, 2]);
  const { opened, cosigners } = await servedCheckpoint(ctx, served);
  assert.is(opened.checkpoint.size, 2);
  assert.equal(cosigners, ['witness.test/one', 'witness.test/two'], 'witnessed by the quorum of 2 once the witness is back');
});

test('with quorum 2 and a witness down, the last checkpoint both cosigned is served', async (ctx) => {
  const served = await serveWitnessed(ctx, 2);
  const dev = newSignerKey('dev.test/bob');
  await append(served, 'one', dev);
  await append(served, 'two', dev);
  assert.is((await servedCheckpoint(ctx, served)).opened.checkpoint.size, 3);
  await ctx.witnesses[0]!.stop();
  await append(served, 'three', dev);
  const { opened, cosigners } = await servedCheckpoint(ctx, served);
  assert.is(opened.checkpoint.size, 3, 'size 4 has one cosignature of the two required');
  assert.equal(cosigners, ['witness.test/one', 'witness.test/two']);
  // The older checkpoint is served with tiles still: the partial tile of width 3 is a prefix.
  assert.is((await request(served.url, '/tile/0/000.p/3')).status, 200);
  assert.is(served.log.sequencer.size, 4, 'appends never waited for the witnesses');
});

test('a restarted log learns each witness size from its 409 and is cosigned again', async (ctx) => {
  const dataDir = join(ctx.dir, 'log');
  const keyFile = join(ctx.dir, 'log.key');
  await writeFile(keyFile, ctx.logKey.text + '\n', { mode: 0o600 });
  const dev = newSignerKey('dev.test/carol');
  const open = async (): Promise<TransparencyLog> => {
    const log = await TransparencyLog.open({ dataDir, keyFile, cadenceMs: 5, verifyThreads: 0, policy: policyFor(ctx, 2) });
    await log.witnessesIdle();
    return log;
  };
  let log = await open();
  ctx.closers.push(() => log.close());
  for (const p of ['a', 'b', 'c', 'd']) await log.submit(keysEntry(dev, p));
  await log.witnessesIdle();
  assert.equal(log.witnessStatus().map((w) => w.lastCosigned), [5, 5]);
  await log.close();
  log = await open(); // knows nothing of the witnesses' sizes: asks from 0, is told 5, retries
  assert.equal(log.witnessStatus().map((w) => w.lastCosigned), [5, 5], 'the unchanged policy is not logged again');
  await log.submit(keysEntry(dev, 'e'));
  await log.witnessesIdle();
  assert.equal(log.witnessStatus().map((w) => w.lastCosigned), [6, 6]);
  const opened = openCheckpoint(log.servedCheckpoint(), noteVerifier(ctx.logKey.key.verifierKey), { cosigners: ctx.witnesses.map((w) => w.verifier) });
  assert.is(opened.checkpoint.size, 6);
  assert.is(verifiedCosignatures(opened.note).length, 2);
});

test('a cosignature that does not verify with the policy key does not count', async (ctx) => {
  // Witness two's URL is listed under another key of the same name: its lines are not that key's.
  const impostor = newSignerKey('witness.test/two');
  const witnesses = [{ vkey: impostor.verifierKey, url: ctx.witnesses[1]!.url }];
  const errors: string[] = [];
  const served = await serveTestLog({
    verifyThreads: 0,
    logKeyText: ctx.logKey.text,
    policy: parsePolicy(JSON.stringify({ witnesses, cosignatureQuorum: 1 })),
    onWitnessError: (vkey, e) => errors.push(`${vkey.split('+')[0]}: ${(e as Error).message}`),
  });
  ctx.closers.push(() => served.close());
  await append(served, 'lonely', newSignerKey('dev.test/dan'));
  const reply = await request(served.url, '/checkpoint');
  const opened = openCheckpoint(reply.body, noteVerifier(ctx.logKey.key.verifierKey), { cosigners: ctx.witnesses.map((w) => w.verifier) });
  assert.is(opened.checkpoint.size, 2, 'never witnessed: the log-signed checkpoint is served');
  assert.is(verifiedCosignatures(opened.note).length, 0);
  // 1 is the size witness two says it holds (its 409 answers), though no cosignature of it
  // verified under the impostor's key: the served checkpoint above is unwitnessed.
  assert.equal((await status(served)).witnesses, [{ vkey: impostor.verifierKey, lastCosigned: 1 }]);
  assert.ok(errors.length > 0 && errors.every((e) => e.startsWith('witness.test/two: the answer holds no cosignature')), errors.join('; '));
});

test('observations and alerts are accepted only when a policy witness signed them', async (ctx) => {
  const served = await serveWitnessed(ctx, 0);
  const stranger = newSignerKey('stranger.test/w');
  const entry = (kind: string, key: SignerKey, n: number): Uint8Array =>
    kind === 'observation'
      ? observationEntry(key, { project: 'demo', version: `${n}.0`, files: [] })
      : alertEntry(key, alertPayload({ kind: 'withheld-release', project: 'demo', version: `${n}.0` }, 'suspect'));
  for (const kind of ['observation', 'alert']) {
    assertErrorReply(await postEntry(served.url, entry(kind, stranger, 1)), 403, 'unknown_witness', `${kind} by a stranger`);
    assert.is((await postEntry(served.url, entry(kind, ctx.witnessKeys[0]!, 1))).status, 201, `${kind} by a policy witness`);
    // The witness's keyid with another key's signature is not the witness.
    const forged = JSON.parse(new TextDecoder().decode(entry(kind, stranger, 2))) as { signatures: Array<{ keyid: string }> };
    forged.signatures[0]!.keyid = ctx.witnessKeys[1]!.verifierKey.split('+').slice(0, 2).join('+');
    assertErrorReply(await postEntry(served.url, new TextEncoder().encode(JSON.stringify(forged))), 403, 'invalid_signature', `${kind} under a witness keyid`);
  }
  // An observation in another witness's name is refused, even when signed by a policy witness.
  const inTheNameOf = observationEntry(ctx.witnessKeys[0]!, { witness: ctx.witnessKeys[1]!.verifierKey, project: 'demo', version: '9.0', files: [] });
  assertErrorReply(await postEntry(served.url, inTheNameOf), 403, 'witness_mismatch', 'observation naming another witness');
});

test.run();

// The witness's tlog-witness endpoint over real HTTP, with its level state in a temp dir: an
// honest log is cosigned across witness restarts; a forked log (same key, other leaves) is
// refused whether it shows another root for a cosigned size or a longer tree without a valid
// consistency proof; every other refusal has the status and body C2SP tlog-witness requires; and
// the monitoring endpoint serves the latest cosigned checkpoint.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { utf8 } from '../log/bytes.js';
import { openCheckpoint } from '../log/checkpoint.js';
import { cosignatureVerifierFromKey, createCosigner, verifiedCosignatures } from '../log/cosignature.js';
import { nodeEd25519Signer } from '../log/node-crypto.js';
import { generateSignerKey, noteVerifier, parseSignerKey, type SignerKey } from '../log/note.js';
import { listen, type RunningServer } from '../api/server.js';
import { witnessApp } from '../witness/app.js';
import { formatAddCheckpoint } from '../witness/add-checkpoint.js';
import { manualClock } from '../witness/clock.js';
import { CheckpointWitness } from '../witness/cosigner.js';
import { LevelWitnessState, type ForkEvidence } from '../witness/state.js';
import { CheckpointLog } from './support/checkpoint-log.js';
import { post, get, type RawReply } from './support/http-get.js';

const newKey = (name: string): SignerKey => parseSignerKey(generateSignerKey(name, randomBytes(32)).signerKey, nodeEd25519Signer);

interface RunningWitness {
  url: string;
  forks: ForkEvidence[];
  stop(): Promise<void>;
}

const logKey = newKey('log.test/diptych');
const witnessKey = newKey('witness.test/w1');
const clock = manualClock(Date.UTC(2026, 10, 23, 12));
const cosigner = createCosigner(witnessKey.name, witnessKey.ed25519);

interface Ctx {
  dir: string;
  /** Witnesses still running when a test ends (an assertion failed first): stopped in after.each. */
  running: Set<RunningWitness>;
}

async function startWitness(ctx: Ctx): Promise<RunningWitness> {
  const { dir, running } = ctx;
  const state = await LevelWitnessState.open(dir);
  const forks: ForkEvidence[] = [];
  const errors: unknown[] = [];
  const witness = new CheckpointWitness({
    logs: [{ origin: logKey.name, verifiers: [noteVerifier(logKey.verifierKey)] }],
    cosigner,
    state,
    clock,
    onFork: (e) => forks.push(e),
  });
  const server: RunningServer = await listen(witnessApp(witness, state, { onInternalError: (e) => errors.push(e) }), { host: '127.0.0.1', port: 0 });
  const w: RunningWitness = {
    url: server.url,
    forks,
    async stop() {
      running.delete(w);
      await server.close();
      await state.close();
      assert.equal(errors.map(String), [], 'internal errors');
    },
  };
  running.add(w);
  return w;
}

async function add(w: RunningWitness, log: CheckpointLog, oldSize: number, size = log.size): Promise<{ reply: RawReply; note: string }> {
  const note = await log.checkpoint(size);
  const body = formatAddCheckpoint(oldSize, await log.proof(oldSize, size), note);
  return { reply: await post(w.url, '/add-checkpoint', body), note };
}

function codeOf(reply: RawReply): string {
  return (JSON.parse(reply.text) as { error: { code: string } }).error.code;
}

const test = suite<Ctx>('witness-cosign');
test.before.each(async (ctx) => {
  ctx.dir = await mkdtemp(join(tmpdir(), 'diptych-witness-'));
  ctx.running = new Set();
});
test.after.each(async (ctx) => {
  for (const w of [...ctx.running]) await w.stop().catch(() => undefined);
  await rm(ctx.dir, { recursive: true, force: true });
});

test('an honest log is cosigned as it grows, across witness restarts', async (ctx) => {
  const { dir } = ctx;
  const log = new CheckpointLog(logKey);
  const cosignerVkey = cosignatureVerifierFromKey(witnessKey.verifierKey);
  let w = await startWitness(ctx);
  log.append(3);
  let { reply, note } = await add(w, log, 0);
  assert.is(reply.status, 200, reply.text);
  const opened = openCheckpoint(utf8(note + reply.text), noteVerifier(logKey.verifierKey), { cosigners: [cosignerVkey] });
  const [cosig] = verifiedCosignatures(opened.note);
  assert.is(cosig?.timestamp, BigInt(Math.floor(clock.now() / 1000)));
  assert.match(reply.text, /^\u2014 witness\.test\/w1 [A-Za-z0-9+/=]+\n$/);
  log.append(7);
  assert.is((await add(w, log, 3)).reply.status, 200);
  assert.is((await add(w, log, 10)).reply.status, 200, 'the same checkpoint again');
  await w.stop();
  w = await startWitness(ctx);
  log.append(30);
  ({ reply } = await add(w, log, 10));
  assert.is(reply.status, 200, `after a restart: ${reply.text}`);
  const originHash = createHash('sha256').update(logKey.name).digest('hex');
  const monitored = await get(w.url, `/${originHash}/checkpoint`);
  assert.is(monitored.status, 200);
  const served = openCheckpoint(monitored.body, noteVerifier(logKey.verifierKey), { cosigners: [cosignerVkey] });
  assert.is(served.checkpoint.size, 40, 'the latest cosigned checkpoint, across the restart');
  assert.is(verifiedCosignatures(served.note).length, 1);
  assert.is((await get(w.url, `/${'0'.repeat(64)}/checkpoint`)).status, 404);
  const status = JSON.parse((await get(w.url, '/api/v1/witness')).text) as { logs: Array<{ origin: string; size: number }>; verifierKey: string };
  assert.equal(status.logs.map((l) => [l.origin, l.size]), [[logKey.name, 40]]);
  assert.ok(status.verifierKey.startsWith('witness.test/w1+'));
  await w.stop();
});

test('a stale old size gets 409 with the known size as text/x.tlog.size', async (ctx) => {
  const { dir } = ctx;
  const log = new CheckpointLog(logKey);
  const w = await startWitness(ctx);
  log.append(5);
  assert.is((await add(w, log, 0)).reply.status, 200);
  log.append(5);
  const { reply } = await add(w, log, 0);
  assert.is(reply.status, 409);
  assert.is(reply.headers['content-type'], 'text/x.tlog.size');
  assert.is(reply.text, '5\n');
  assert.is((await add(w, log, 5)).reply.status, 200, 'the log retries with the size it was told');
  await w.stop();
});

test('a forked log is refused: same size with another root (422), and no proof across the fork', async (ctx) => {
  const { dir } = ctx;
  const honest = new CheckpointLog(logKey);
  honest.append(8);
  const forked = honest.fork(5);
  forked.append(3);
  const w = await startWitness(ctx);
  assert.is((await add(w, honest, 0)).reply.status, 200);
  const same = await add(w, forked, 8);
  assert.is(same.reply.status, 422);
  assert.is(codeOf(same.reply), 'inconsistent_checkpoint');
  forked.append(10);
  const longer = await add(w, forked, 8);
  assert.is(longer.reply.status, 422);
  assert.is(codeOf(longer.reply), 'invalid_consistency_proof');
  assert.equal(w.forks.map((f) => f.reason), ['same-size-other-root', 'inconsistent-proof']);
  assert.ok(w.forks[0]!.cosigned.startsWith(`${logKey.name}\n8\n`));
  assert.ok(w.forks[0]!.conflicting.startsWith(`${logKey.name}\n8\n`));
  honest.append(4);
  assert.is((await add(w, honest, 8)).reply.status, 200, 'the honest branch is still cosigned');
  await w.stop();
  const state = await LevelWitnessState.open(dir);
  assert.is((await state.forks()).length, 2, 'fork evidence is kept');
  assert.is((await state.latestCosigned(logKey.name))?.size, 12);
  await state.close();
});

test('unknown logs 404, foreign or bad signatures 403, malformed requests 400', async (ctx) => {
  const { dir } = ctx;
  const w = await startWitness(ctx);
  const stranger = new CheckpointLog(newKey('other.test/log'));
  stranger.append(2);
  assert.is((await add(w, stranger, 0)).reply.status, 404);
  const impostor = new CheckpointLog(newKey(logKey.name)); // same origin, another key
  impostor.append(2);
  const foreign = await add(w, impostor, 0);
  assert.is(foreign.reply.status, 403);
  assert.is(codeOf(foreign.reply), 'no_verifiable_signature');
  const log = new CheckpointLog(logKey);
  log.append(4);
  const note = await log.checkpoint();
  const tampered = note.replace(/\n4\n/, '\n5\n');
  const bad = await post(w.url, '/add-checkpoint', formatAddCheckpoint(0, [], tampered));
  assert.is(bad.status, 403);
  assert.is(codeOf(bad), 'invalid_signature');
  const malformed = ['', 'old 1\n', 'old 01\n\n' + note, 'new 0\n\n' + note, 'old 0\nnot-base64!\n\n' + note, `old 0\n\n${logKey.name}\nnot a checkpoint\n`];
  for (const body of malformed) {
    const r = await post(w.url, '/add-checkpoint', body);
    assert.is(r.status, 400, `${JSON.stringify(body.slice(0, 20))}: ${r.text}`);
  }
  const beyond = await post(w.url, '/add-checkpoint', formatAddCheckpoint(9, [], note));
  assert.is(beyond.status, 400);
  assert.is(codeOf(beyond), 'invalid_old_size');
  const proofFromZero = await post(w.url, '/add-checkpoint', formatAddCheckpoint(0, [new Uint8Array(32)], note));
  assert.is(proofFromZero.status, 422);
  const huge = await post(w.url, '/add-checkpoint', 'old 0\n' + 'A'.repeat(100_000));
  assert.is(huge.status, 413);
  await w.stop();
});

test('concurrent requests from one old size: exactly one is cosigned', async (ctx) => {
  const { dir } = ctx;
  const log = new CheckpointLog(logKey);
  log.append(6);
  const w = await startWitness(ctx);
  assert.is((await add(w, log, 0)).reply.status, 200);
  const a = log.fork();
  const b = log.fork();
  a.append(3);
  b.append(9);
  const replies = await Promise.all([add(w, a, 6), add(w, b, 6), add(w, a, 6)]);
  const statuses = replies.map((r) => r.reply.status).sort();
  assert.equal(statuses, [200, 409, 409]);
  await w.stop();
});

test.run();

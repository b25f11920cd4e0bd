// `diptych audit` (issue 7) against an honest log (a real TransparencyLog on 127.0.0.1, appended
// to between runs) and against a log that lies (test/support/static-log.ts): a fork, a rollback,
// a corrupted tile, a corrupted or truncated entry bundle, too few cosignatures, another origin,
// a state directory of another log, a corrupt state file, and project views that the entries
// do not give. Each is caught with its own code and leaves the kept state as it was.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { createCosigner, type Cosigner } from '../log/cosignature.js';
import { createNodeCrypto } from '../log/node-crypto.js';
import { COSIGNATURE_TYPE, formatVerifierKey, type SignerKey } from '../log/note.js';
import { changedTiles } from '../log/tile.js';
import { tilePath } from '../log/tile-path.js';
import { merkleHasher } from '../log/tree.js';
import { nodeEd25519Signer } from '../log/node-crypto.js';
import { runAudit, type AuditOptions, type AuditReport } from '../cli/audit-run.js';
import { runCli } from './support/child-server.js';
import { expectCode } from './support/expect-code.js';
import { mapConcurrent, mixedEntries, newSignerKey, postEntry, removeDir, serveTestLog, tempDir } from './support/log-fixture.js';
import { arraySource, served, StaticLogServer, StaticTree } from './support/static-log.js';

const h = merkleHasher(createNodeCrypto());

interface Ctx {
  dir: string;
  closers: Array<() => Promise<void>>;
}

const test = suite<Ctx>('audit');
test.before.each(async (ctx) => {
  ctx.dir = await tempDir('audit');
  ctx.closers = [];
});
test.after.each(async (ctx) => {
  for (const close of ctx.closers.reverse()) await close();
  await removeDir(ctx.dir);
});

function audit(ctx: Ctx, url: string, logKey: string, extra: Partial<AuditOptions> = {}): Promise<AuditReport> {
  return runAudit({ logUrl: url, stateDir: join(ctx.dir, 'state'), logKey, warn: () => undefined, saveEveryMs: 0, ...extra });
}

function witness(name: string): { cosigner: Cosigner; vkey: string } {
  const signer = nodeEd25519Signer(randomBytes(32));
  return { cosigner: createCosigner(name, signer), vkey: formatVerifierKey(name, COSIGNATURE_TYPE, signer.publicKey) };
}

/** A lying log: trees over `entries`, signed by `logKey`, starting at `size`. */
async function staticLog(ctx: Ctx, logKey: SignerKey, entries: Uint8Array[], size: number, witnesses: Cosigner[] = []): Promise<{ server: StaticLogServer; tree: StaticTree }> {
  const tree = StaticTree.build(h, arraySource(entries));
  const server = await StaticLogServer.start(await served(tree, size, { logKey, witnesses }), logKey.verifierKey);
  ctx.closers.push(() => server.close());
  return { server, tree };
}

const flip = (bytes: Uint8Array, at: number): Uint8Array => {
  const out = Uint8Array.from(bytes);
  out[at] = out[at]! ^ 0x40;
  return out;
};

test('an honest log passes run after run with appends in between, full and incremental', async (ctx) => {
  const log = await serveTestLog();
  ctx.closers.push(() => log.close());
  const maintainer = newSignerKey('maintainer@example.org');
  const vkey = log.log.key.verifierKey;
  const rounds = [3, 260, 0, 1, 511, 40];
  let size = 0;
  for (const [round, count] of rounds.entries()) {
    await mapConcurrent(mixedEntries(`round-${round}`, count, maintainer), 16, (e) => postEntry(log.url, e));
    const previous = size;
    size += count;
    const report = await audit(ctx, log.url, vkey, { full: round % 2 === 0 });
    assert.is(report.size, size, `round ${round}: size`);
    assert.is(report.previousSize, round === 0 ? null : previous, `round ${round}: previous size`);
    if (report.full) {
      assert.ok(report.full.projects.compared > 0, `round ${round}: projects compared`);
      assert.is(report.full.projects.newer, 0);
    }
  }
  // The CLI itself: exit 0, a summary line, the kept key trusted without --log-key.
  const run = await runCli(['audit', '--log', log.url, '--state', join(ctx.dir, 'state'), '--full', '--json']);
  assert.is(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as AuditReport;
  assert.is(report.size, size);
  assert.is(report.full?.resumedFrom, size - 40, 'the full audit resumes after the entries it covered before');
  assert.is(report.full?.entries, 40);
});

test('only the tiles that changed since the last run are fetched', async (ctx) => {
  const key = newSignerKey('log.test/static');
  const entries = mixedEntries('tiles', 1300, key);
  const { server, tree } = await staticLog(ctx, key, entries, 1000);
  await audit(ctx, server.url, key.verifierKey);
  server.requests.length = 0;
  server.current = await served(tree, 1290, { logKey: key });
  await audit(ctx, server.url, key.verifierKey);
  const fetched = server.requests.filter((p) => p.startsWith('/tile/')).sort();
  assert.equal(fetched, changedTiles(1000, 1290).map((t) => '/' + tilePath(t)).sort());
});

test('a forked log is refused with both checkpoints, and the kept one stays', async (ctx) => {
  const key = newSignerKey('log.test/static');
  const honest = mixedEntries('honest', 400, key);
  const forked = [...honest.slice(0, 200), ...mixedEntries('forked', 300, key)];
  const { server } = await staticLog(ctx, key, honest, 300);
  await audit(ctx, server.url, key.verifierKey);
  const kept = await readFile(join(ctx.dir, 'state', 'audit.json'), 'utf8');
  const other = StaticTree.build(h, arraySource(forked));
  server.current = await served(other, 450, { logKey: key });
  const e = await expectCode(audit(ctx, server.url, key.verifierKey), 'log_forked', 'grown fork');
  assert.match(String(e.details?.kept), /\n300\n/);
  assert.match(String(e.details?.served), /\n450\n/);
  server.current = await served(other, 300, { logKey: key });
  await expectCode(audit(ctx, server.url, key.verifierKey), 'log_forked', 'same size, other root');
  assert.is(await readFile(join(ctx.dir, 'state', 'audit.json'), 'utf8'), kept, 'the kept checkpoint is unchanged');
  // The CLI: exit 1, both signed checkpoints printed.
  const run = await runCli(['audit', '--log', server.url, '--state', join(ctx.dir, 'state'), '--log-key', key.verifierKey]);
  assert.is(run.code, 1, run.stderr);
  assert.match(run.stderr, /log_forked/);
  assert.match(run.stderr, /checkpoint kept from the last audit\nlog\.test\/static\n300\n/);
  assert.match(run.stderr, /checkpoint the log serves now\nlog\.test\/static\n300\n/);
});

test('a rolled-back log is refused', async (ctx) => {
  const key = newSignerKey('log.test/static');
  const { server, tree } = await staticLog(ctx, key, mixedEntries('rollback', 600, key), 600);
  await audit(ctx, server.url, key.verifierKey);
  server.current = await served(tree, 513, { logKey: key });
  const e = await expectCode(audit(ctx, server.url, key.verifierKey), 'log_rolled_back');
  assert.match(e.message, /513.*600/);
});

test('a corrupted hash tile is named, on the incremental and on the full audit', async (ctx) => {
  const key = newSignerKey('log.test/static');
  const { server, tree } = await staticLog(ctx, key, mixedEntries('tile', 700, key), 100);
  await audit(ctx, server.url, key.verifierKey);
  server.current = await served(tree, 700, { logKey: key });
  server.faults.tile = (path, bytes) => (path === '/tile/0/001' ? flip(bytes, 77) : bytes);
  const e = await expectCode(audit(ctx, server.url, key.verifierKey), 'tile_mismatch', 'incremental');
  assert.match(e.message, /tile\/0\/001 does not hash to its entry in tile\/1\/0/);
  // A partial tile at the right edge: the edge does not hash to the root.
  server.faults.tile = (path, bytes) => (path === '/tile/0/002.p/188' ? flip(bytes, 5) : bytes);
  const edge = await expectCode(audit(ctx, server.url, key.verifierKey), 'tile_mismatch', 'edge');
  assert.match(edge.message, /tile\/0\/002\.p\/188/);
  // The full audit fetches every tile: one the incremental step never needed is caught too.
  server.faults = {};
  await audit(ctx, server.url, key.verifierKey);
  server.faults.tile = (path, bytes) => (path === '/tile/0/000' ? flip(bytes, 300) : bytes);
  const full = await expectCode(audit(ctx, server.url, key.verifierKey, { full: true }), 'tile_mismatch', 'full');
  assert.match(full.message, /tile\/0\/000 differs from the tile its entries give/);
});

test('a corrupted or truncated entry bundle fails the full audit; progress resumes after a stop', async (ctx) => {
  const key = newSignerKey('log.test/static');
  const { server } = await staticLog(ctx, key, mixedEntries('bundle', 1100, key), 1100);
  server.faults.bundle = (path, bytes) => (path === '/tile/entries/001' ? flip(bytes, 1000) : bytes);
  const e = await expectCode(audit(ctx, server.url, key.verifierKey, { full: true }), 'bundle_mismatch', 'corrupted');
  assert.match(e.message, /tile\/entries\/001/);
  // Truncated: the bundle cannot be decoded; what was audited before it is kept.
  server.faults.bundle = (path, bytes) => (path === '/tile/entries/003' ? bytes.subarray(0, bytes.length - 3) : bytes);
  const t = await expectCode(audit(ctx, server.url, key.verifierKey, { full: true }), 'malformed_bundle', 'truncated');
  assert.match(t.message, /tile\/entries\/003/);
  server.faults = {};
  const report = await audit(ctx, server.url, key.verifierKey, { full: true });
  assert.is(report.full?.resumedFrom, 768, 'resumed after the three bundles audited before the stop');
  assert.is(report.full?.entries, 1100 - 768);
});

test('bundles hashed in worker threads: the same verdicts as on the main thread', async (ctx) => {
  const key = newSignerKey('log.test/static');
  const { server, tree } = await staticLog(ctx, key, mixedEntries('threads', 1100, key), 1000);
  const threads = { full: true, hashThreads: 2 };
  // Honest: the same derived state as the main thread's audit (kept in another state dir).
  const inline = await runAudit({ logUrl: server.url, stateDir: join(ctx.dir, 'inline'), logKey: key.verifierKey, warn: () => undefined, full: true, hashThreads: 0 });
  const first = await audit(ctx, server.url, key.verifierKey, threads);
  assert.equal(first.full?.projects, inline.full?.projects);
  assert.is(first.full?.entries, 1000);
  // Grown to 1100: resumes inside bundle 3 (entries 768..999 compared with the kept leaves).
  server.current = await served(tree, 1100, { logKey: key });
  const grown = await audit(ctx, server.url, key.verifierKey, threads);
  assert.is(grown.full?.resumedFrom, 1000);
  assert.is(grown.full?.entries, 100);
  // A corrupted bundle and a truncated one, each named, from a fresh state directory.
  await removeDir(join(ctx.dir, 'state'));
  server.faults.bundle = (path, bytes) => (path === '/tile/entries/002' ? flip(bytes, 1000) : bytes);
  const e = await expectCode(audit(ctx, server.url, key.verifierKey, threads), 'bundle_mismatch', 'corrupted');
  assert.match(e.message, /tile\/entries\/002/);
  server.faults.bundle = (path, bytes) => (path === '/tile/entries/001' ? bytes.subarray(0, bytes.length - 3) : bytes);
  const t = await expectCode(audit(ctx, server.url, key.verifierKey, threads), 'malformed_bundle', 'truncated');
  assert.match(t.message, /tile\/entries\/001/);
});

test('a checkpoint without the quorum of cosignatures, or with another origin, is refused', async (ctx) => {
  const key = newSignerKey('log.test/static');
  const [one, two] = [witness('witness.test/one'), witness('witness.test/two')];
  const entries = mixedEntries('cosigned', 50, key);
  const { server, tree } = await staticLog(ctx, key, entries, 50, [one.cosigner]);
  const witnesses = { witnessKeys: [one.vkey, two.vkey], quorum: 2 };
  const e = await expectCode(audit(ctx, server.url, key.verifierKey, { witnesses }), 'insufficient_cosignatures');
  assert.match(e.message, /1 valid cosignatures.*2 required/);
  const report = await audit(ctx, server.url, key.verifierKey, { witnesses: { ...witnesses, quorum: 1 } });
  assert.is(report.cosigned, 1);
  server.current = await served(tree, 50, { logKey: key }, 'elsewhere.example/log');
  await expectCode(audit(ctx, server.url, key.verifierKey), 'origin_mismatch');
});

test('a state directory of another log is refused; a corrupt state file is never overwritten', async (ctx) => {
  const key = newSignerKey('log.test/static');
  const { server } = await staticLog(ctx, key, mixedEntries('state', 30, key), 30);
  await audit(ctx, server.url, key.verifierKey);
  const otherKey = newSignerKey('log.test/other');
  const other = await staticLog(ctx, otherKey, mixedEntries('other', 30, otherKey), 30);
  await expectCode(audit(ctx, other.server.url, otherKey.verifierKey), 'audit_state_other_log');
  const file = join(ctx.dir, 'state', 'audit.json');
  const good = await readFile(file, 'utf8');
  for (const bad of ['{"version":1,', good.replace(/"checkpoint": "log/, '"checkpoint": "lag')]) {
    await writeFile(file, bad);
    const e = await expectCode(audit(ctx, server.url, key.verifierKey), 'audit_state_corrupt');
    assert.match(e.message, /audit\.json/);
    assert.is(await readFile(file, 'utf8'), bad, 'left as it was');
  }
  const run = await runCli(['audit', '--log', server.url, '--state', join(ctx.dir, 'state'), '--log-key', key.verifierKey]);
  assert.is(run.code, 1);
  assert.match(run.stderr, /audit_state_corrupt/);
});

test('project views that the entries do not give fail the full audit', async (ctx) => {
  const key = newSignerKey('log.test/static');
  const { server } = await staticLog(ctx, key, mixedEntries('views', 40, key), 40);
  const report = await audit(ctx, server.url, key.verifierKey, { full: true });
  assert.is(report.full?.projects.compared, 14);
  server.faults.project = (name, view) => (name === 'views-project-9' ? { ...(view as object), keys: { ...(view as { keys: object }).keys, threshold: 2 } } : view);
  const e = await expectCode(audit(ctx, server.url, key.verifierKey, { full: true }), 'derived_state_mismatch');
  assert.match(e.message, /views-project-9/);
});

test('usage errors exit 2, an unreachable log exits 3', async (ctx) => {
  assert.is((await runCli(['audit', '--state', ctx.dir])).code, 2, 'no --log');
  assert.is((await runCli(['audit', '--state', ctx.dir, '--log', 'http://127.0.0.1:9', '--quorum', '1'])).code, 2, '--quorum alone');
  const run = await runCli(['audit', '--state', ctx.dir, '--log', 'http://127.0.0.1:9', '--log-key', newSignerKey('x.test/log').verifierKey]);
  assert.is(run.code, 3, run.stderr);
});

test.run();

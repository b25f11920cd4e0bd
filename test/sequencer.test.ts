// The sequencer on real level databases in temp dirs: ordering, idempotence, checkpoints,
// proofs, tiles, restart, tampering, storage failures, admission and back-pressure.
// Everything a client would check is checked with the browser-safe verification code
// (log/proof.ts, log/checkpoint.ts, log/note.ts) and @noble hashes, and tiles and roots against
// the independent reference tree in support/log-fixture.ts.
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesEqual, concatBytes, toHex, utf8 } from '../log/bytes.js';
import { DiptychError } from '../log/errors.js';
import { LevelStorage } from '../log/level-storage.js';
import { checkpointSigner } from '../log/log-key.js';
import { createNodeCrypto } from '../log/node-crypto.js';
import { verifyConsistency, verifyInclusion } from '../log/proof.js';
import { Sequencer, type AdmissionPolicy, type AppendResult, type SequencerOptions } from '../log/sequencer.js';
import type { AppendBatch, LogStorage, StoredHead } from '../log/storage.js';
import { tilesForSize } from '../log/tile.js';
import { TransparencyLog } from '../log/transparency-log.js';
import { merkleHasher, type Hash } from '../log/tree.js';
import type { SignerKey } from '../log/note.js';
import { expectCode, settledCode } from './support/expect-code.js';
import {
  clientHasher,
  flipMiddle,
  keysEntry,
  newSignerKey,
  openLogCheckpoint,
  recursiveRoot,
  referenceRoots,
  removeDir,
  replaceInDb,
  rootFromTileLevels,
  strangerEntry,
  tempDir,
} from './support/log-fixture.js';

const crypto = createNodeCrypto();
const h = merkleHasher(crypto);
const ORIGIN = 'sequencer.test/log';

interface Opened<C> {
  storage: LogStorage;
  sequencer: Sequencer<C>;
  close(): Promise<void>;
}

/** Opens a sequencer on the level database in `dir`. */
async function openSequencer<C = undefined>(
  dir: string,
  key: SignerKey,
  options: Partial<Omit<SequencerOptions<C>, 'storage' | 'hasher' | 'checkpoints'>> = {},
): Promise<Opened<C>> {
  const storage = await LevelStorage.open(dir);
  try {
    const sequencer = await Sequencer.open<C>({ cadenceMs: 20, ...options, storage, hasher: h, checkpoints: checkpointSigner(key, crypto) });
    return {
      storage,
      sequencer,
      async close() {
        await sequencer.close();
        await storage.close();
      },
    };
  } catch (e) {
    await storage.close();
    throw e;
  }
}

const entryOf = (label: string): Uint8Array => utf8(`entry ${label}`);

/**
 * Every (size, root) a test has seen, from results and from storage. Adding a second root for
 * a size fails the test: SPEC §7's "never two different roots for one size".
 */
class RootBook {
  readonly roots = new Map<number, Hash>();
  // Many results share a checkpoint; each distinct note is verified once.
  private readonly opened = new Map<string, { size: number; root: Hash }>();

  constructor(private readonly vkey: string) {}

  record(note: Uint8Array, label: string): { size: number; root: Hash } {
    const text = new TextDecoder().decode(note);
    let cp = this.opened.get(text);
    if (cp === undefined) {
      cp = openLogCheckpoint(note, this.vkey);
      this.opened.set(text, cp);
    }
    const known = this.roots.get(cp.size);
    if (known === undefined) this.roots.set(cp.size, cp.root);
    else assert.ok(bytesEqual(known, cp.root), `${label}: a second root for size ${cp.size}`);
    return cp;
  }

  /** Distinct checkpoints seen, by size. */
  sorted(): Array<{ size: number; root: Hash }> {
    return [...this.roots].sort((a, b) => a[0] - b[0]).map(([size, root]) => ({ size, root }));
  }
}

/** Checks a result the way a client would: the checkpoint verifies and the proof leads to it. */
function checkResult(r: AppendResult, entry: Uint8Array, book: RootBook, label: string): { size: number; root: Hash } {
  assert.ok(bytesEqual(r.leafHash, clientHasher.leaf(entry)), `${label}: leaf hash`);
  const cp = book.record(r.checkpoint, label);
  assert.is(cp.size, r.size, `${label}: result size is the checkpoint's`);
  assert.ok(r.index < cp.size, `${label}: index ${r.index} inside size ${cp.size}`);
  verifyInclusion(clientHasher, r.index, cp.size, r.leafHash, r.proof, cp.root);
  return cp;
}

async function withDir(label: string, body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await tempDir(label);
  try {
    await body(dir);
  } finally {
    await removeDir(dir);
  }
}

test('an append resolves with its index, a signed checkpoint covering it and a proof that verifies', () =>
  withDir('seq-basic', async (dir) => {
    const key = newSignerKey(ORIGIN);
    const book = new RootBook(key.verifierKey);
    const { sequencer, close } = await openSequencer(dir, key);
    try {
      const empty = book.record(sequencer.checkpoint, 'empty log');
      assert.is(empty.size, 0);
      assert.is(toHex(empty.root), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');

      const first = await sequencer.add(entryOf('0'), undefined);
      assert.is(first.index, 0);
      assert.is(first.created, true);
      assert.is(first.size, 1);
      assert.equal(first.proof, []);
      const cp = checkResult(first, entryOf('0'), book, 'first');
      assert.ok(bytesEqual(cp.root, clientHasher.leaf(entryOf('0'))), 'a one-leaf root is the leaf hash');

      const more = await Promise.all([1, 2, 3].map((i) => sequencer.add(entryOf(String(i)), undefined)));
      assert.equal(more.map((r) => r.index).sort(), [1, 2, 3]);
      more.forEach((r, i) => checkResult(r, entryOf(String(i + 1)), book, `entry ${i + 1}`));
      assert.is(sequencer.size, 4);
      const second = more.findIndex((r) => r.index === 2);
      assert.ok(bytesEqual(await sequencer.entry(2), entryOf(String(second + 1))), 'entry 2 is stored as added');
      assert.is(await sequencer.findLeaf(clientHasher.leaf(entryOf('3'))), more[2]!.index);
      assert.is(await sequencer.findLeaf(clientHasher.leaf(entryOf('never added'))), undefined);
    } finally {
      await close();
    }
  }));

test('the same entry twice gets one index: both while pending, and again after commit', () =>
  withDir('seq-dup', async (dir) => {
    const key = newSignerKey(ORIGIN);
    const book = new RootBook(key.verifierKey);
    const { sequencer, close } = await openSequencer(dir, key);
    try {
      const x = entryOf('x');
      const y = entryOf('y');
      const [a, b, c] = await Promise.all([sequencer.add(x, undefined), sequencer.add(x, undefined), sequencer.add(y, undefined)]);
      assert.is(a!.index, b!.index, 'one index for both copies');
      assert.equal([a!.created, b!.created].sort(), [false, true], 'exactly one copy created the entry');
      assert.is.not(c!.index, a!.index);
      assert.is(sequencer.size, 2, 'the duplicate took no leaf');
      for (const [r, e, l] of [[a!, x, 'a'], [b!, x, 'b'], [c!, y, 'c']] as const) checkResult(r, e, book, l);

      const sizeBefore = sequencer.size;
      const checkpointBefore = sequencer.checkpoint;
      const again = await sequencer.add(x, undefined);
      assert.is(again.index, a!.index);
      assert.is(again.created, false);
      assert.is(sequencer.size, sizeBefore, 'a logged entry adds nothing');
      assert.ok(bytesEqual(sequencer.checkpoint, checkpointBefore), 'and signs no new checkpoint');
      checkResult(again, x, book, 'again');

      // A logged entry resubmitted alongside new ones is proved against the newer tree.
      const [old, fresh] = await Promise.all([sequencer.add(y, undefined), sequencer.add(entryOf('z'), undefined)]);
      assert.is(old!.index, c!.index);
      assert.is(old!.created, false);
      assert.is(fresh!.created, true);
      assert.is(fresh!.index, 2);
      assert.is(old!.size, 3);
      checkResult(old!, y, book, 'old with new');
      checkResult(fresh!, entryOf('z'), book, 'new with old');
    } finally {
      await close();
    }
  }));

test('many concurrent adds over many steps: indices 0..n-1 once each, proofs, consistency, tiles', () =>
  withDir('seq-many', async (dir) => {
    const key = newSignerKey(ORIGIN);
    const book = new RootBook(key.verifierKey);
    // maxBatch forces many sequencing steps (and so many checkpoints) without relying on timing.
    const maxBatch = 64;
    const { sequencer, close } = await openSequencer(dir, key, { maxBatch });
    try {
      book.record(sequencer.checkpoint, 'empty');
      const n = 1100;
      const entries = Array.from({ length: n }, (_, i) => entryOf(`many ${i}`));
      const firstWave = entries.slice(0, 700).map((e) => sequencer.add(e, undefined));
      // The second wave arrives while the first is being sequenced.
      await Promise.race(firstWave);
      const secondWave = entries.slice(700).map((e) => sequencer.add(e, undefined));
      const results = await Promise.all([...firstWave, ...secondWave]);

      assert.equal(results.map((r) => r.index).sort((p, q) => p - q), entries.map((_, i) => i), 'indices 0..n-1, each once');
      assert.ok(results.every((r) => r.created));
      assert.is(sequencer.size, n);
      const stepsAtLeast = Math.ceil(n / maxBatch);
      results.forEach((r, i) => checkResult(r, entries[i]!, book, `entry ${i}`));
      // Each step integrates at most maxBatch entries, so there are at least n / maxBatch checkpoints.
      assert.ok(book.roots.size - 1 >= stepsAtLeast, `${book.roots.size - 1} checkpoints for ${stepsAtLeast}+ steps`);

      // Independently computed roots for every size; every checkpoint handed out matches.
      // (The reference tree hashes with node:crypto for speed; its algorithm is the test's own.)
      const leaves = entries.map((e) => h.leaf(e));
      const byIndex = new Array<Hash>(n);
      results.forEach((r, i) => (byIndex[r.index] = leaves[i]!));
      const roots = referenceRoots(h, byIndex);
      for (const size of [0, 1, 2, 3, 7, 255, 256, 257, 511, 1000]) {
        assert.ok(bytesEqual(roots[size]!, recursiveRoot(h, byIndex.slice(0, size))), `reference roots agree at ${size}`);
      }
      for (const { size, root } of book.sorted()) assert.ok(bytesEqual(root, roots[size]!), `checkpoint root for ${size}`);

      // Consistency between every pair of checkpoints handed out.
      const checkpoints = book.sorted();
      let pairs = 0;
      for (let i = 0; i < checkpoints.length; i++) {
        for (let j = i; j < checkpoints.length; j++) {
          const a = checkpoints[i]!;
          const b = checkpoints[j]!;
          verifyConsistency(clientHasher, a.size, b.size, a.root, b.root, await sequencer.consistencyProof(a.size, b.size));
          pairs++;
        }
      }
      assert.ok(pairs >= (stepsAtLeast * (stepsAtLeast + 1)) / 2);

      // Tiles at every size and width: exactly tilesForSize, each hash the reference node hash,
      // and together they rebuild that size's root.
      const level1 = Array.from({ length: Math.floor(n / 256) }, (_, j) => recursiveRoot(h, byIndex.slice(j * 256, (j + 1) * 256)));
      const expected = [byIndex, level1];
      for (let size = 1; size <= n; size++) {
        const levels: Uint8Array[][] = [[], []];
        for (const tile of tilesForSize(size)) {
          const bytes = await sequencer.tile(tile);
          assert.ok(bytes !== undefined, `tile ${tile.level}/${tile.index}.p/${tile.width} at size ${size}`);
          assert.is(bytes.length, tile.width * 32);
          for (let i = 0; i < tile.width; i++) {
            const want = expected[tile.level]![tile.index * 256 + i]!;
            assert.ok(bytesEqual(bytes.subarray(i * 32, (i + 1) * 32), want), `hash ${i} of tile ${tile.level}/${tile.index} at size ${size}`);
          }
          levels[tile.level]!.push(bytes);
        }
        const concat = levels.filter((l) => l.length > 0).map((l) => concatBytes(...l));
        assert.ok(bytesEqual(rootFromTileLevels(h, size, concat), roots[size]!), `root from tiles at size ${size}`);
      }
      // Nothing beyond the tree: a wider last tile, the next tile, the next level's next tile.
      const last = tilesForSize(n).filter((t) => t.level === 0).pop()!;
      assert.is(await sequencer.tile({ ...last, width: last.width + 1 }), undefined);
      assert.is(await sequencer.tile({ level: 0, index: last.index + 1, width: 1 }), undefined);
      assert.is(await sequencer.tile({ level: 1, index: 1, width: 1 }), undefined);
      assert.is(await sequencer.tile({ level: 2, index: 0, width: 1 }), undefined);
    } finally {
      await close();
    }
  }));

test('restart on the same directory: same size, checkpoint and tiles; appends continue', () =>
  withDir('seq-restart', async (dir) => {
    const key = newSignerKey(ORIGIN);
    const book = new RootBook(key.verifierKey);
    const entries = Array.from({ length: 300 }, (_, i) => entryOf(`restart ${i}`));
    const first = await openSequencer(dir, key);
    const results = await Promise.all(entries.map((e) => first.sequencer.add(e, undefined)));
    const size = first.sequencer.size;
    const checkpoint = first.sequencer.checkpoint;
    const tiles = await Promise.all(tilesForSize(size).map((t) => first.sequencer.tile(t)));
    await first.close();

    const second = await openSequencer(dir, key);
    try {
      assert.is(second.sequencer.size, size);
      assert.ok(bytesEqual(second.sequencer.checkpoint, checkpoint), 'the same checkpoint bytes');
      const again = await Promise.all(tilesForSize(size).map((t) => second.sequencer.tile(t)));
      again.forEach((t, i) => assert.ok(t !== undefined && bytesEqual(t, tiles[i]!), `tile ${i} unchanged`));
      const stored = (await second.sequencer.entries(0, size)).map(toHex);
      assert.equal(stored, results.map((_, i) => toHex(entries[results.findIndex((r) => r.index === i)]!)), 'entries in index order');

      const before = book.record(checkpoint, 'before restart');
      const next = await second.sequencer.add(entryOf('after restart'), undefined);
      assert.is(next.index, size);
      assert.is(next.created, true);
      const after = checkResult(next, entryOf('after restart'), book, 'after restart');
      verifyConsistency(clientHasher, before.size, after.size, before.root, after.root, await second.sequencer.consistencyProof(before.size, after.size));
      const old = await second.sequencer.add(entries[17]!, undefined);
      assert.is(old.index, results[17]!.index, 'an entry logged before the restart keeps its index');
      assert.is(old.created, false);
      checkResult(old, entries[17]!, book, 'old after restart');
    } finally {
      await second.close();
    }
  }));

test('a tampered database or a foreign checkpoint: open refuses with state_inconsistent', () =>
  withDir('seq-tamper', async (base) => {
    const key = newSignerKey(ORIGIN);
    const pristine = join(base, 'pristine');
    // 300 entries: a full level-0 tile, a partial one, and a level-1 tile of width 1.
    const entries = Array.from({ length: 300 }, (_, i) => entryOf(`tamper ${i}`));
    const seq = await openSequencer(pristine, key);
    const results = await Promise.all(entries.map((e) => seq.sequencer.add(e, undefined)));
    const storedCheckpoint = seq.sequencer.checkpoint;
    const root300 = await seq.sequencer.treeHash(300);
    const root299 = await seq.sequencer.treeHash(299);
    const root256 = await seq.sequencer.treeHash(256);
    await seq.close();
    const newest = entries[results.findIndex((r) => r.index === 299)]!;
    const signer = checkpointSigner(key, crypto);
    const stranger = checkpointSigner(newSignerKey(ORIGIN), crypto); // same origin name, other key

    const cases: Array<[string, (dir: string) => Promise<string[]>]> = [
      ['the newest entry altered', (dir) => replaceInDb(dir, newest, flipMiddle)],
      ['the newest leaf hash altered in its tile', (dir) => replaceInDb(dir, clientHasher.leaf(newest), flipMiddle)],
      ['the level-1 tile altered', (dir) => replaceInDb(dir, root256, flipMiddle)],
      ['the checkpoint signed by another key', (dir) => replaceInDb(dir, storedCheckpoint, () => stranger.sign(300, root300))],
      ['a checkpoint of ours with another root for the size (a fork)', (dir) => replaceInDb(dir, storedCheckpoint, () => signer.sign(300, root299))],
      ['a checkpoint of ours for another size', (dir) => replaceInDb(dir, storedCheckpoint, () => signer.sign(299, root299))],
      ['the checkpoint cut short', (dir) => replaceInDb(dir, storedCheckpoint, (cp) => cp.subarray(0, cp.length - 10))],
    ];
    // The unmodified copy opens: what fails below fails because of the change.
    const control = join(base, 'control');
    await cp(pristine, control, { recursive: true });
    const ok = await openSequencer(control, key);
    assert.is(ok.sequencer.size, 300);
    await ok.close();

    for (const [label, tamper] of cases) {
      const dir = join(base, label.replace(/\W+/g, '-'));
      await cp(pristine, dir, { recursive: true });
      const changed = await tamper(dir);
      assert.is(changed.length, 1, `${label}: exactly one stored value changed (${changed.join(', ')})`);
      await expectCode(openSequencer(dir, key), 'state_inconsistent', label);
    }
  }));

test('TransparencyLog.open refuses a tampered data directory, and releases the database', () =>
  withDir('seq-tlog-tamper', async (dir) => {
    const log = await TransparencyLog.open({ dataDir: dir, cadenceMs: 20, verifyThreads: 0 });
    const entries = Array.from({ length: 5 }, (_, i) => strangerEntry('text/x-test', { i }));
    for (const e of entries) await log.submit(e);
    await log.close();
    const reopened = await TransparencyLog.open({ dataDir: dir, cadenceMs: 20, verifyThreads: 0 });
    assert.is(reopened.sequencer.size, 5);
    await reopened.close();

    assert.is((await replaceInDb(join(dir, 'db'), entries[4]!, flipMiddle)).length, 1);
    await expectCode(TransparencyLog.open({ dataDir: dir, verifyThreads: 0 }), 'state_inconsistent', 'first open');
    // Had the failed open kept the database lock, this would be not_ready instead.
    await expectCode(TransparencyLog.open({ dataDir: dir, verifyThreads: 0 }), 'state_inconsistent', 'second open');
  }));

/**
 * LogStorage that fails the next N commits, either before writing (nothing stored) or after
 * (stored, but the caller is told it failed: an fsync error after the write).
 */
class FlakyStorage implements LogStorage {
  private failures = 0;
  private mode: 'before' | 'after' = 'before';
  private waiters: Array<() => void> = [];
  /** Heads durably written, whatever the caller was told. */
  readonly stored: StoredHead[] = [];
  attempts = 0;

  constructor(private readonly inner: LogStorage) {}

  failNext(count: number, mode: 'before' | 'after'): void {
    this.failures = count;
    this.mode = mode;
  }

  /** Resolves after the next commit that succeeds. */
  nextSuccess(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async commit(batch: AppendBatch): Promise<void> {
    this.attempts++;
    if (this.failures > 0) {
      this.failures--;
      if (this.mode === 'after') {
        await this.inner.commit(batch);
        this.stored.push(batch.head);
      }
      throw new Error(`injected commit failure (${this.mode} writing)`);
    }
    await this.inner.commit(batch);
    this.stored.push(batch.head);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  head(): Promise<StoredHead | undefined> {
    return this.inner.head();
  }
  readTile(level: number, index: number): Promise<Uint8Array | undefined> {
    return this.inner.readTile(level, index);
  }
  readEntry(index: number): Promise<Uint8Array | undefined> {
    return this.inner.readEntry(index);
  }
  readEntries(start: number, end: number): Promise<Uint8Array[]> {
    return this.inner.readEntries(start, end);
  }
  findLeaves(leafHashes: readonly Hash[]): Promise<Array<number | undefined>> {
    return this.inner.findLeaves(leafHashes);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

test('failed commits: those adds reject, later adds succeed, and one size never gets two roots', () =>
  withDir('seq-flaky', async (dir) => {
    const key = newSignerKey(ORIGIN);
    const book = new RootBook(key.verifierKey);
    const level = await LevelStorage.open(dir);
    const storage = new FlakyStorage(level);
    const sequencer = await Sequencer.open({ storage, hasher: h, checkpoints: checkpointSigner(key, crypto), cadenceMs: 20 });
    const batchOf = (label: string, count: number): Uint8Array[] => Array.from({ length: count }, (_, i) => entryOf(`${label} ${i}`));
    const addAll = (entries: readonly Uint8Array[]): Promise<AppendResult[]> => Promise.all(entries.map((e) => sequencer.add(e, undefined)));
    const expectOrder: Uint8Array[] = [];
    try {
      const warmup = batchOf('warmup', 5);
      (await addAll(warmup)).forEach((r, i) => checkResult(r, warmup[i]!, book, 'warmup'));
      expectOrder.push(...warmup);

      for (const mode of ['before', 'after'] as const) {
        const failing = batchOf(`failing-${mode}`, 10);
        storage.failNext(3, mode);
        const attemptsBefore = storage.attempts;
        const recovered = storage.nextSuccess();
        const codes = await Promise.all(failing.map((e) => settledCode(sequencer.add(e, undefined))));
        assert.equal(new Set(codes), new Set(['not_ready']), `${mode}: every add of the failing step rejects`);
        // The signed-but-unconfirmed step is retried as it was until it sticks.
        await recovered;
        assert.is(storage.attempts - attemptsBefore, 4, `${mode}: three failures, then the retry that succeeds`);

        const later = batchOf(`later-${mode}`, 10);
        const laterResults = await addAll(later);
        laterResults.forEach((r, i) => checkResult(r, later[i]!, book, `later ${mode} ${i}`));
        const retried = await addAll(failing);
        retried.forEach((r, i) => checkResult(r, failing[i]!, book, `retried ${mode} ${i}`));
        assert.ok(retried.every((r) => !r.created), `${mode}: the failed step's entries were logged by its retry`);
        const base = expectOrder.length;
        assert.equal(retried.map((r) => r.index).sort((p, q) => p - q), failing.map((_, i) => base + i));
        assert.equal(laterResults.map((r) => r.index).sort((p, q) => p - q), later.map((_, i) => base + 10 + i));
        expectOrder.push(...failing, ...later);
      }
      for (const head of storage.stored) book.record(head.checkpoint, 'stored head');

      // A step that never reaches storage before shutdown leaves nothing behind.
      storage.failNext(1_000_000, 'before');
      const lost = entryOf('lost at shutdown');
      assert.is(await settledCode(sequencer.add(lost, undefined)), 'not_ready');
    } finally {
      await sequencer.close();
      await storage.close();
    }

    const reopened = await openSequencer(dir, key);
    try {
      const size = reopened.sequencer.size;
      assert.is(size, expectOrder.length);
      book.record(reopened.sequencer.checkpoint, 'after reopen');
      const stored = await reopened.sequencer.entries(0, size);
      assert.equal(new Set(stored.map(toHex)), new Set(expectOrder.map(toHex)), 'exactly the acknowledged and retried entries');
      const lostAgain = await reopened.sequencer.add(entryOf('lost at shutdown'), undefined);
      assert.is(lostAgain.index, size);
      assert.is(lostAgain.created, true);
      checkResult(lostAgain, entryOf('lost at shutdown'), book, 'lost, added again');
      const all = book.sorted();
      for (const a of all) {
        const b = all[all.length - 1]!;
        verifyConsistency(clientHasher, a.size, b.size, a.root, b.root, await reopened.sequencer.consistencyProof(a.size, b.size));
      }
    } finally {
      await reopened.close();
    }
  }));

test('an admission policy refuses some entries alone; the others are indexed contiguously', () =>
  withDir('seq-admission', async (dir) => {
    const key = newSignerKey(ORIGIN);
    const book = new RootBook(key.verifierKey);
    const admittedAt = new Map<string, number[]>();
    const committed: string[] = [];
    const policy: AdmissionPolicy<{ label: string }> = {
      begin() {
        const batch: string[] = [];
        return {
          admit(entry, index, context) {
            assert.ok(bytesEqual(entry, entryOf(context.label)), 'the context travels with its entry');
            if (context.label.startsWith('bad')) throw new DiptychError('conflict', `${context.label} is refused`);
            admittedAt.set(context.label, [...(admittedAt.get(context.label) ?? []), index]);
            batch.push(context.label);
          },
          commit() {
            committed.push(...batch);
          },
        };
      },
    };
    const { sequencer, close } = await openSequencer<{ label: string }>(dir, key, { admission: policy });
    try {
      const labels = Array.from({ length: 40 }, (_, i) => (i % 3 === 1 ? `bad ${i}` : `good ${i}`));
      const outcomes = await Promise.all(
        labels.map((label) =>
          sequencer.add(entryOf(label), { label }).then(
            (r) => ({ label, r }),
            (e: unknown) => ({ label, e }),
          ),
        ),
      );
      const good = outcomes.filter((o) => o.label.startsWith('good'));
      for (const o of outcomes) {
        if (o.label.startsWith('bad')) {
          assert.ok('e' in o && o.e instanceof DiptychError && o.e.code === 'conflict', `${o.label} refused with conflict`);
        } else {
          assert.ok('r' in o, `${o.label} admitted`);
          checkResult(o.r, entryOf(o.label), book, o.label);
          assert.equal(admittedAt.get(o.label), [o.r.index], `${o.label}: admitted once, at the index it got`);
        }
      }
      const indices = good.map((o) => ('r' in o ? o.r.index : -1)).sort((p, q) => p - q);
      assert.equal(indices, good.map((_, i) => i), 'admitted entries are indexed 0..k-1 with no gaps');
      assert.is(sequencer.size, good.length);
      assert.equal(committed.sort(), good.map((o) => o.label).sort(), 'every admitted entry was committed to the policy');

      // A refused entry stays refused; a logged one is not shown to the policy again.
      await expectCode(sequencer.add(entryOf('bad 1'), { label: 'bad 1' }), 'conflict');
      const dup = await sequencer.add(entryOf('good 0'), { label: 'good 0' });
      assert.is(dup.created, false);
      assert.is(admittedAt.get('good 0')!.length, 1);
      assert.is(sequencer.size, good.length);
    } finally {
      await close();
    }
  }));

test('maxPending: more entries waiting than allowed are refused with overloaded', () =>
  withDir('seq-overload', async (dir) => {
    const key = newSignerKey(ORIGIN);
    const { sequencer, close } = await openSequencer(dir, key, { maxPending: 5 });
    try {
      // All in one synchronous run: the step that would drain the pool cannot start in between.
      const accepted = Array.from({ length: 5 }, (_, i) => sequencer.add(entryOf(`pending ${i}`), undefined));
      const duplicate = sequencer.add(entryOf('pending 0'), undefined);
      const refused = sequencer.add(entryOf('one too many'), undefined);
      assert.is(sequencer.pendingCount, 5);
      await expectCode(refused, 'overloaded');
      const results = await Promise.all(accepted);
      assert.equal(results.map((r) => r.index).sort(), [0, 1, 2, 3, 4]);
      assert.is((await duplicate).index, results[0]!.index, 'a copy of a waiting entry is not counted against the limit');
      const later = await sequencer.add(entryOf('one too many'), undefined);
      assert.is(later.index, 5, 'once the pool drains, entries are taken again');
    } finally {
      await close();
    }
  }));

test('close logs the entries waiting for a step, answers them, and refuses new ones', () =>
  withDir('seq-close', async (dir) => {
    const key = newSignerKey(ORIGIN);
    const first = await openSequencer(dir, key);
    await first.sequencer.add(entryOf('kept'), undefined);
    const waiting = [first.sequencer.add(entryOf('w1'), undefined), first.sequencer.add(entryOf('w2'), undefined)];
    // Synchronously after the adds: their step needs a timer turn, which close does not wait for.
    await first.sequencer.close();
    assert.equal((await Promise.all(waiting)).map((r) => r.index), [1, 2]);
    await expectCode(first.sequencer.add(entryOf('after close'), undefined), 'not_ready');
    await first.close();
    const second = await openSequencer(dir, key);
    try {
      assert.is(second.sequencer.size, 3);
    } finally {
      await second.close();
    }
  }));

test('close takes as many steps as the waiting entries need (maxBatch at a time)', () =>
  withDir('seq-close-batches', async (dir) => {
    const key = newSignerKey(ORIGIN);
    const { sequencer, close } = await openSequencer(dir, key, { cadenceMs: 60_000, maxBatch: 4 });
    try {
      const waiting = Array.from({ length: 10 }, (_, i) => sequencer.add(entryOf(`batch ${i}`), undefined));
      await Promise.all([sequencer.close(), sequencer.close()]); // a second close waits for the first
      const results = await Promise.all(waiting);
      assert.equal(results.map((r) => r.index), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.is(sequencer.size, 10, 'each entry logged once');
      assert.equal([...new Set(results.map((r) => r.size))], [4, 8, 10], 'three steps, each under its own checkpoint');
    } finally {
      await close();
    }
  }));

test('TransparencyLog.drain logs what it was given, validations under way included, then refuses', () =>
  withDir('log-drain', async (dir) => {
    const log = await TransparencyLog.open({ dataDir: dir, cadenceMs: 60_000, verifyThreads: 2 });
    try {
      const start = log.sequencer.size;
      const key = newSignerKey('drain.test/developer');
      // Self-signed keys entries: each waits for the verification threads when drain begins.
      const taken = Array.from({ length: 20 }, (_, i) => log.submit(keysEntry(key, `drain-${i}`)));
      await log.drain();
      const results = await Promise.all(taken);
      assert.equal(results.map((r) => r.index), Array.from({ length: 20 }, (_, i) => start + i));
      assert.ok(results.every((r) => r.created));
      await expectCode(log.submit(keysEntry(key, 'too-late')), 'not_ready');
      assert.is(log.sequencer.size, start + 20, 'reads go on after a drain');
    } finally {
      await log.close();
    }
  }));

test.run();

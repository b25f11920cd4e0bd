// Faults with real processes (issue 8), on the real `diptych serve` as a child process:
// - SIGKILL at exact points of a sequencing step, injected with the test-only DIPTYCH_FAULT
//   (log/fault.ts): after the checkpoint is signed, while the level batch is being written,
//   after it is durable but before any client is answered; each at two different steps;
// - a full disk: the server runs under `ulimit -f`, so its database writes fail with EFBIG;
// - one stored record corrupted: an old entry, a full hash tile, a node of a higher tile.
// After each: every acknowledged entry at its index, never a second root for a size, every
// checkpoint handed out a prefix of the recovered tree, and appends work again once the fault
// is gone. Corrupted state: the server refuses to start, in one line naming state_inconsistent.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hashTileSpan, TILE_WIDTH } from '../log/tile.js';
import { startChildServer, type ChildServer } from './support/child-server.js';
import { Ledger } from './support/ledger.js';
import { assertEachTamperRefused, type Tamper } from './support/tampered.js';
import {
  clientHasher,
  flipMiddle,
  jsonOf,
  keysEntry,
  mapConcurrent,
  newSignerKey,
  postEntry,
  removeDir,
  replaceInDb,
  request,
  strangerEntry,
  tempDir,
  textOf,
  type EntryReceipt,
} from './support/log-fixture.js';

const CLIENTS = 8;
const developer = newSignerKey('faults.test/developer');
let serial = 0;
const nextEntry = (label: string): Uint8Array => (serial++ % 4 === 0 ? keysEntry(developer, `faults-${label}-${serial}`) : strangerEntry('application/vnd.example.faults+json', { label, n: serial }));

/** Summary lines for docs/robustness.md. */
const report: string[] = [];

/**
 * Clients post until the server dies (or `until` says stop). Acknowledged entries go to the
 * ledger; those without an answer, or answered 503, to its unanswered list. Other answers fail.
 */
async function load(server: ChildServer, ledger: Ledger, label: string, until: () => boolean = () => false): Promise<{ acked: number; refused503: number }> {
  let acked = 0;
  let refused503 = 0;
  let dead = false;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (!dead && !until()) {
        const entry = nextEntry(label);
        let reply;
        try {
          reply = await postEntry(server.url, entry);
        } catch {
          dead = true; // the connection died with the server
          ledger.unanswered.push(entry);
          return;
        }
        if (reply.status === 503) {
          refused503++;
          ledger.unanswered.push(entry);
          continue;
        }
        assert.is(reply.status, 201, `${label}: ${textOf(reply)}`);
        ledger.ack(jsonOf<EntryReceipt>(reply), entry);
        acked++;
        assert.ok(acked < 20_000, `${label}: the fault never came`);
      }
    }),
  );
  return { acked, refused503 };
}

test('SIGKILL at each point of a sequencing step (DIPTYCH_FAULT): nothing acknowledged is lost, one root per size', async () => {
  const dir = await tempDir('faults-kill');
  try {
    // A clean first start creates the log (its first commit would count as a fault point).
    const first = await startChildServer({ dataDir: dir });
    const ledger = new Ledger(first.info.verifierKey);
    await load(first, ledger, 'warm-up', () => ledger.acks.length >= 50);
    assert.equal(await first.stop('SIGTERM'), { code: 0, signal: null });
    let kills = 0;
    let checked = 0;
    for (const point of ['after-sign', 'during-commit', 'after-commit']) {
      for (const nth of [3, 17]) {
        const label = `${point}@${nth}`;
        const faulty = await startChildServer({ dataDir: dir, env: { DIPTYCH_FAULT: label } });
        try {
          await load(faulty, ledger, label);
          const exit = await faulty.exited;
          assert.is(exit.signal, 'SIGKILL', `${label}: the server killed itself at the fault point (${faulty.stderr()})`);
          kills++;
        } finally {
          await faulty.stop('SIGKILL');
        }
        const clean = await startChildServer({ dataDir: dir });
        try {
          checked += await ledger.checkRecovered(clean.url, label);
        } finally {
          assert.equal(await clean.stop('SIGTERM'), { code: 0, signal: null }, `${label}: clean shutdown`);
        }
      }
    }
    assert.is(kills, 6);
    assert.is(new Set(ledger.acks.map((a) => a.index)).size, ledger.acks.length, 'no index acknowledged twice');
    report.push(`fault kills: ${kills} injected, ${ledger.acks.length} acknowledged entries, ${checked} entry checks after recovery, ${ledger.roots.size} distinct checkpoint sizes`);
  } finally {
    await removeDir(dir);
  }
});

test('a full disk (ulimit -f): appends refused with 503, reads still served, nothing acknowledged lost, recovery once lifted', async () => {
  const dir = await tempDir('faults-disk');
  try {
    const full = await startChildServer({ dataDir: dir, cadenceMs: 5, fileSizeLimitKiB: 1024 });
    const ledger = new Ledger(full.info.verifierKey);
    let refused = 0;
    let acked = 0;
    try {
      // Post until the database's files reach the limit and writes keep failing.
      refused = await loadUntilRefused(full, ledger);
      acked = ledger.acks.length;
      assert.ok(refused >= 40, `the disk never filled (${ledger.acks.length} acknowledged)`);
      assert.ok(ledger.acks.length > 0, 'some entries were acknowledged before the disk filled');
      // Still refusing, still serving reads, still consistent.
      const reply = await postEntry(full.url, nextEntry('still-full'));
      assert.is(reply.status, 503, textOf(reply));
      assert.ok(reply.headers['retry-after'] !== undefined, 'Retry-After on 503');
      assert.is(jsonOf<{ error: { code: string } }>(reply).error.code, 'not_ready');
      const cp = ledger.checkpoint(textOf(await request(full.url, '/checkpoint')), 'while full');
      assert.ok(cp.size > Math.max(...ledger.acks.map((a) => a.index)), 'the served checkpoint covers every acknowledged entry');
      assert.not.match(full.stderr(), /internal error|\n\s+at /, 'no internal errors or stack traces');
    } finally {
      await full.stop('SIGKILL');
    }
    // The limit lifted: the log starts, has everything acknowledged, and appends again.
    const recovered = await startChildServer({ dataDir: dir });
    try {
      const checked = await ledger.checkRecovered(recovered.url, 'after the disk was freed');
      const reply = await postEntry(recovered.url, nextEntry('after'));
      assert.is(reply.status, 201, textOf(reply));
      assert.is(jsonOf<EntryReceipt>(reply).index, ledger.acks.length === 0 ? 0 : jsonOf<{ size: number }>(await request(recovered.url, '/api/v1/log')).size - 1);
      report.push(`disk full: ${acked} acknowledged before the limit, ${refused} appends refused with 503, ${checked} entry checks after recovery`);
    } finally {
      await recovered.stop('SIGTERM');
    }
  } finally {
    await removeDir(dir);
  }
});

/** Posts until 40 appends in a row were refused with 503; returns how many were refused. */
async function loadUntilRefused(server: ChildServer, ledger: Ledger): Promise<number> {
  let refusedInARow = 0;
  let refused = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (refusedInARow < 40) {
        const entry = nextEntry('fill');
        const reply = await postEntry(server.url, entry);
        if (reply.status === 503) {
          refusedInARow++;
          refused++;
          ledger.unanswered.push(entry);
          continue;
        }
        assert.is(reply.status, 201, textOf(reply));
        refusedInARow = 0;
        ledger.ack(jsonOf<EntryReceipt>(reply), entry);
        assert.ok(ledger.acks.length < 50_000, 'the disk never filled');
      }
    }),
  );
  return refused;
}

test('one stored record corrupted: an old entry, a full tile, a higher tile node: the server refuses to start, in one line', async () => {
  const base = await tempDir('faults-corrupt');
  try {
    const pristine = join(base, 'pristine');
    const server = await startChildServer({ dataDir: pristine });
    const entries = Array.from({ length: 600 }, (_, i) => strangerEntry('text/x-corrupt', { i }));
    const receipts = await mapConcurrent(entries, 16, async (e) => jsonOf<EntryReceipt>(await postEntry(server.url, e)));
    const old = entries[receipts.findIndex((r) => r.index === 10)]!;
    const tile0 = (await request(server.url, '/tile/0/000')).body;
    assert.is(tile0.length, TILE_WIDTH * 32);
    const tile0Hash = hashTileSpan(clientHasher, tile0, 0, TILE_WIDTH);
    assert.equal(await server.stop('SIGTERM'), { code: 0, signal: null });

    const cases: Tamper[] = [
      ['an old entry (bundle 0) altered', (db) => replaceInDb(db, old, flipMiddle)],
      ['a leaf hash in full tile 0/0 altered', (db) => replaceInDb(db, clientHasher.leaf(old), flipMiddle)],
      ['the node of tile 0/0 in tile 1/0 altered', (db) => replaceInDb(db, tile0Hash, flipMiddle)],
    ];
    await assertEachTamperRefused(base, pristine, 600, cases);
    report.push(`corruption: ${cases.length} single-record corruptions of a 600-entry log, each refused at start`);
  } finally {
    await removeDir(base);
  }
});

test.after(() => {
  for (const line of report) console.log(`robustness: ${line}`);
});

test.run();

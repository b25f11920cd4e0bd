// Durability across crashes (SPEC §7), with the real `diptych serve` as a child process:
// SIGKILL it while clients are posting, restart it on the same data directory, and check that
// every acknowledged entry is still at its index and that the log's new checkpoint is
// consistent with every checkpoint it handed out before. And a tampered data directory: the
// server refuses to start, in one line, without ever listening.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toHex } from '../log/bytes.js';
import { checkpointSigner } from '../log/log-key.js';
import type { SignerKey } from '../log/note.js';
import { startChildServer, type ChildServer } from './support/child-server.js';
import { Ledger } from './support/ledger.js';
import { assertEachTamperRefused, type Tamper } from './support/tampered.js';
import {
  clientHasher,
  flipMiddle,
  jsonOf,
  keysEntry,
  newSignerKey,
  openLogCheckpoint,
  postEntry,
  removeDir,
  replaceInDb,
  request,
  strangerEntry,
  tempDir,
  textOf,
  type EntryReceipt,
} from './support/log-fixture.js';

const KILLS = 3;
const ACKS_PER_ROUND = 250;
const CLIENTS = 16;

/** Distinct entries: every third a self-signed keys entry, so workers verify signatures too. */
function entryFor(key: SignerKey, label: string, n: number): Uint8Array {
  return n % 3 === 0 ? keysEntry(key, `crash-${label}`) : strangerEntry('application/vnd.example.crash+json', { crash: label });
}

/** After a (re)start: the size the server announced is its checkpoint's, and the ledger holds. */
async function checkRecovered(server: ChildServer, ledger: Ledger, label: string): Promise<void> {
  const reply = await request(server.url, '/checkpoint');
  assert.is(reply.status, 200);
  assert.is(server.info.size, ledger.checkpoint(textOf(reply), `${label}: checkpoint after start`).size, `${label}: the size the server announced`);
  await ledger.checkRecovered(server.url, label);
}

test(`SIGKILL while clients post, ${KILLS} times: acknowledged entries survive, checkpoints stay consistent`, async () => {
  const dir = await tempDir('crash');
  const key = newSignerKey('crash.test/developer');
  let ledger: Ledger | undefined;
  let n = 0;
  try {
    for (let round = 0; round <= KILLS; round++) {
      const server = await startChildServer({ dataDir: dir, cadenceMs: 20 });
      try {
        ledger ??= new Ledger(server.info.verifierKey);
        assert.is(server.info.verifierKey, ledger.vkey, 'the same log key after every restart');
        const label = `start ${round}`;
        await checkRecovered(server, ledger, label);
        if (round === KILLS) {
          // The last start: appends continue, and a clean shutdown exits 0.
          const { size } = jsonOf<{ size: number }>(await request(server.url, '/api/v1/log'));
          const entry = entryFor(key, 'after the last restart', n++);
          const reply = await postEntry(server.url, entry);
          assert.is(reply.status, 201);
          const receipt = jsonOf<EntryReceipt>(reply);
          assert.is(receipt.index, size, 'the next index');
          ledger.ack(receipt, entry);
          const exit = await server.stop('SIGTERM');
          assert.equal(exit, { code: 0, signal: null }, `clean shutdown: ${server.stderr()}`);
          break;
        }

        const target = ledger.acks.length + ACKS_PER_ROUND;
        // Once `target` entries are acknowledged the kill is armed; it fires shortly after half
        // the clients have sent another request, so that requests are in flight (waiting in the
        // pool, or in a step being written). The delay differs per round to land in different
        // phases of the sequencer's cadence; nothing below depends on where it lands.
        let armed = false;
        let sentSinceArmed = 0;
        let killed = false;
        const kill = (): void => {
          killed = true;
          server.child.kill('SIGKILL');
        };
        const currentLedger = ledger;
        await Promise.all(
          Array.from({ length: CLIENTS }, async () => {
            while (!killed) {
              const entry = entryFor(key, `round ${round} entry ${n}`, n++);
              const posted = postEntry(server.url, entry);
              if (armed && ++sentSinceArmed === CLIENTS / 2) setTimeout(kill, [2, 11, 23][round]);
              let reply;
              try {
                reply = await posted;
              } catch {
                // No answer: the connection died with the server.
                assert.ok(killed, `a request failed before the kill: ${server.stderr()}`);
                currentLedger.unanswered.push(entry);
                return;
              }
              assert.is(reply.status, 201, `round ${round}: ${textOf(reply)}`);
              currentLedger.ack(jsonOf<EntryReceipt>(reply), entry);
              if (currentLedger.acks.length >= target) armed = true;
            }
          }),
        );
        const exit = await server.exited;
        assert.is(exit.signal, 'SIGKILL');
      } finally {
        await server.stop('SIGKILL');
      }
    }
    assert.ok(ledger!.acks.length >= KILLS * ACKS_PER_ROUND);
    // Acknowledged indices are distinct: no two entries were ever given the same place.
    assert.is(new Set(ledger!.acks.map((a) => a.index)).size, ledger!.acks.length);
  } finally {
    await removeDir(dir);
  }
});

/** The entries the log holds but has not yet put under a checkpoint, from /metrics. */
async function pendingEntries(url: string): Promise<number> {
  const match = /^diptych_log_pending_entries (\d+)$/m.exec(textOf(await request(url, '/metrics')));
  return Number(match?.[1] ?? NaN);
}

test('SIGTERM while appends wait for their checkpoint: each is logged and answered, and the server exits 0', async () => {
  const dir = await tempDir('graceful');
  const key = newSignerKey('graceful.test/developer');
  try {
    // A long cadence: the appends are still waiting for their step when the signal comes.
    const server = await startChildServer({ dataDir: dir, cadenceMs: 60_000 });
    const entries = Array.from({ length: 40 }, (_, i) => keysEntry(key, `graceful-${i}`));
    let replies;
    try {
      // The first step runs at once; the ones after it wait for the cadence.
      assert.is((await postEntry(server.url, keysEntry(key, 'graceful-first'))).status, 201);
      const before = server.info.size + 1;
      const posted = Promise.all(entries.map((e) => postEntry(server.url, e)));
      for (let tries = 0; (await pendingEntries(server.url)) < entries.length; tries++) {
        assert.ok(tries < 500, 'the appends reach the sequencer');
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(await server.stop('SIGTERM'), { code: 0, signal: null }, server.stderr());
      replies = await posted;
      assert.equal(replies.map((r) => r.status), entries.map(() => 201), 'every append is answered, none refused or cut off');
      const indexes = replies.map((r) => jsonOf<EntryReceipt>(r).index).sort((a, b) => a - b);
      assert.equal(indexes, entries.map((_, i) => before + i));
    } finally {
      await server.stop('SIGKILL');
    }
    const again = await startChildServer({ dataDir: dir });
    try {
      assert.is(again.info.size, server.info.size + 1 + entries.length);
      for (const [i, reply] of replies.entries()) {
        const receipt = jsonOf<EntryReceipt>(reply);
        const stored = await request(again.url, `/api/v1/entries/${receipt.index}`);
        assert.is(stored.status, 200);
        assert.is(jsonOf<{ leafHash: string }>(stored).leafHash, receipt.leafHash, `entry ${receipt.index} after the restart`);
        assert.is(receipt.leafHash, toHex(clientHasher.leaf(entries[i]!)));
      }
    } finally {
      await again.stop('SIGTERM');
    }
  } finally {
    await removeDir(dir);
  }
});

test('a tampered data directory: the server exits non-zero with one line naming state_inconsistent, never listening', async () => {
  const base = await tempDir('crash-tamper');
  try {
    const pristine = join(base, 'pristine');
    const server = await startChildServer({ dataDir: pristine });
    const entries = Array.from({ length: 20 }, (_, i) => strangerEntry('text/x-tamper', { i }));
    const receipts = await Promise.all(entries.map(async (e) => jsonOf<EntryReceipt>(await postEntry(server.url, e))));
    const checkpoint = textOf(await request(server.url, '/checkpoint'));
    const cpNow = openLogCheckpoint(checkpoint, server.info.verifierKey);
    assert.is(cpNow.size, 20);
    assert.equal(await server.stop('SIGTERM'), { code: 0, signal: null });
    const newest = entries[receipts.findIndex((r) => r.index === 19)]!;
    // Same origin, another key: what a swapped or forged database would carry.
    const forger = checkpointSigner(newSignerKey(server.info.origin));

    const cases: Tamper[] = [
      ['an entry altered', (db) => replaceInDb(db, newest, flipMiddle)],
      ['a leaf hash altered', (db) => replaceInDb(db, clientHasher.leaf(newest), flipMiddle)],
      ['the checkpoint signed by another key', (db) => replaceInDb(db, new TextEncoder().encode(checkpoint), () => forger.sign(cpNow.size, cpNow.root))],
    ];
    await assertEachTamperRefused(base, pristine, 20, cases);
  } finally {
    await removeDir(base);
  }
});

test.run();

// What a crash or fault test knows of a log: every acknowledged entry and every checkpoint it
// was handed, checked as a client would (signature, inclusion proof), and the check after a
// restart: every acknowledged entry at its index, one root per size, every checkpoint ever
// handed out a prefix of the new tree. Used by test/faults.test.ts.
import * as assert from 'uvu/assert';
import { bytesEqual, fromBase64, fromHex, toHex } from '../../log/bytes.js';
import { verifyConsistency, verifyInclusion } from '../../log/proof.js';
import type { Hash } from '../../log/tree.js';
import { clientHasher, jsonOf, mapConcurrent, openLogCheckpoint, postEntry, request, textOf, type EntryReceipt } from './log-fixture.js';

export interface Ack {
  readonly index: number;
  readonly leafHash: string;
  readonly entry: Uint8Array;
}

export class Ledger {
  readonly acks: Ack[] = [];
  readonly roots = new Map<number, Hash>();
  /** Entries whose POST got no answer or a 503: logged or not, both are fine. */
  readonly unanswered: Uint8Array[] = [];

  constructor(readonly vkey: string) {}

  checkpoint(text: string, label: string): { size: number; root: Hash } {
    const cp = openLogCheckpoint(text, this.vkey);
    const known = this.roots.get(cp.size);
    if (known === undefined) this.roots.set(cp.size, cp.root);
    else assert.ok(bytesEqual(known, cp.root), `${label}: a second root for size ${cp.size}`);
    return cp;
  }

  ack(receipt: EntryReceipt, entry: Uint8Array): void {
    const leaf = clientHasher.leaf(entry);
    assert.is(receipt.leafHash, toHex(leaf));
    const cp = this.checkpoint(receipt.checkpoint, `receipt for ${receipt.index}`);
    verifyInclusion(clientHasher, receipt.index, cp.size, leaf, receipt.inclusionProof.map((p) => fromBase64(p)), cp.root);
    this.acks.push({ index: receipt.index, leafHash: receipt.leafHash, entry });
  }

  /**
   * After a (re)start: all acknowledged entries in place, the log consistent with every
   * checkpoint handed out, and the unanswered entries either logged (200) or accepted now (201).
   * Returns the number of acknowledged entries checked.
   */
  async checkRecovered(url: string, label: string): Promise<number> {
    const now = this.checkpoint(textOf(await request(url, '/checkpoint')), `${label}: checkpoint after start`);
    const highest = Math.max(-1, ...this.acks.map((a) => a.index));
    assert.ok(now.size > highest, `${label}: size ${now.size} covers acknowledged index ${highest}`);
    await mapConcurrent(this.acks, 16, async (ack) => {
      const got = await request(url, `/api/v1/entries/${ack.index}`);
      assert.is(got.status, 200, `${label}: entry ${ack.index}: ${textOf(got)}`);
      assert.is(jsonOf<{ leafHash: string }>(got).leafHash, ack.leafHash, `${label}: entry ${ack.index} is the one acknowledged`);
    });
    await mapConcurrent(this.acks.filter((_, i) => i % 20 === 0), 16, async (ack) => {
      const proof = jsonOf<{ proof: string[] }>(await request(url, `/api/v1/proof/inclusion?index=${ack.index}&size=${now.size}`));
      verifyInclusion(clientHasher, ack.index, now.size, fromHex(ack.leafHash), proof.proof.map((p) => fromBase64(p)), now.root);
    });
    await mapConcurrent([...this.roots], 16, async ([size, root]) => {
      assert.ok(size <= now.size, `${label}: a checkpoint of size ${size} was handed out, the log restarted at ${now.size}`);
      const got = await request(url, `/api/v1/proof/consistency?from=${size}&to=${now.size}`);
      assert.is(got.status, 200, `${label}: consistency ${size} → ${now.size}`);
      verifyConsistency(clientHasher, size, now.size, root, now.root, jsonOf<{ proof: string[] }>(got).proof.map((p) => fromBase64(p)));
    });
    const unanswered = this.unanswered.splice(0);
    await mapConcurrent(unanswered, 16, async (entry) => {
      const got = await postEntry(url, entry);
      assert.ok(got.status === 200 || got.status === 201, `${label}: resubmitted: ${textOf(got)}`);
      const receipt = jsonOf<EntryReceipt>(got);
      if (got.status === 200) assert.ok(receipt.index < now.size, `${label}: an entry logged before the fault is below ${now.size}`);
      this.ack(receipt, entry);
    });
    return this.acks.length;
  }
}

// Append throughput through the library: Sequencer over LevelStorage with fsynced batches, every
// entry answered with its inclusion proof, as the HTTP handler would be.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LevelStorage } from '../log/level-storage.js';
import { Sequencer } from '../log/sequencer.js';
import { merkleHasher } from '../log/tree.js';
import { createNodeCrypto, nodeEd25519Signer } from '../log/node-crypto.js';
import { checkpointSigner } from '../log/log-key.js';
import { generateSignerKey, parseSignerKey } from '../log/note.js';

export interface AppendLibResult {
  entriesPerSecond: number;
  checkpoints: number;
}

export async function appendThroughLibrary(entries: readonly Uint8Array[], cadenceMs: number): Promise<AppendLibResult> {
  const dir = await mkdtemp(join(tmpdir(), 'diptych-bench-'));
  const crypto = createNodeCrypto();
  const key = parseSignerKey(generateSignerKey('bench.example/log', randomBytes(32)).signerKey, nodeEd25519Signer, crypto);
  const storage = await LevelStorage.open(dir);
  const checkpoints = checkpointSigner(key, crypto);
  let signed = 0;
  const counting = { sign: (size: number, root: Uint8Array) => (signed++, checkpoints.sign(size, root)), open: checkpoints.open };
  const sequencer = await Sequencer.open({ storage, hasher: merkleHasher(crypto), checkpoints: counting, cadenceMs, maxPending: entries.length });
  try {
    const start = performance.now();
    const results = await Promise.all(entries.map((e) => sequencer.add(e, undefined)));
    const elapsed = performance.now() - start;
    if (sequencer.size !== entries.length || new Set(results.map((r) => r.index)).size !== entries.length) {
      throw new Error('benchmark sanity check failed: not every entry got its own index');
    }
    return { entriesPerSecond: (entries.length / elapsed) * 1000, checkpoints: signed - 1 };
  } finally {
    await sequencer.close();
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  }
}

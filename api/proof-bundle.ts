// The server side of offline proof bundles (log/proof-bundle.ts): entries of the log, proven
// against one checkpoint. Used by GET /api/v1/entries/<i>?bundle=1 and by the monitor for alert
// evidence (an alert entry, the manifest and the observations it cites, in one document).
import { parseCheckpoint } from '../log/checkpoint.js';
import { DiptychError } from '../log/errors.js';
import { parseNote } from '../log/note.js';
import { makeProofBundle, MAX_BUNDLE_ENTRIES, type ProofBundle } from '../log/proof-bundle.js';
import type { TransparencyLog } from '../log/transparency-log.js';
import { inclusionProofs } from '../log/tree.js';

const decoder = new TextDecoder();

function noteSize(note: Uint8Array): number {
  return parseCheckpoint(parseNote(note).text).size;
}

/**
 * Which checkpoint a bundle of these entries is proven against. The one GET /checkpoint serves
 * when it covers every entry: with a cosignature quorum, that is the witnessed one, so the
 * bundle carries the witnesses' cosignatures and checks out under `--witnesses`. An entry newer
 * than it (witnesses cosign a little behind the tree) gets the latest log-signed checkpoint
 * instead, which covers every logged entry but carries no cosignatures; ask again later for a
 * witnessed bundle.
 */
export function bundleCheckpoint(log: TransparencyLog, indexes: readonly number[]): { note: Uint8Array; size: number } {
  const newest = Math.max(...indexes);
  const served = log.servedCheckpoint();
  const servedSize = noteSize(served);
  if (newest < servedSize) return { note: served, size: servedSize };
  const latest = log.sequencer.checkpoint;
  const latestSize = noteSize(latest);
  if (newest >= latestSize) throw new DiptychError('entry_not_found', `no entry ${newest} in a log of size ${latestSize}`);
  return { note: latest, size: latestSize };
}

/** A proof bundle of the given leaf indexes (in that order) against one checkpoint. */
export async function proofBundle(log: TransparencyLog, indexes: readonly number[]): Promise<ProofBundle> {
  if (indexes.length === 0 || indexes.length > MAX_BUNDLE_ENTRIES) {
    throw new DiptychError('invalid_parameter', `a bundle holds 1 to ${MAX_BUNDLE_ENTRIES} entries`);
  }
  for (const i of indexes) {
    if (!Number.isSafeInteger(i) || i < 0) throw new DiptychError('invalid_parameter', `entry index ${i} is not a non-negative integer`);
  }
  const { note, size } = bundleCheckpoint(log, indexes);
  // One read plans every proof: evidence entries are often neighbours and share most hashes.
  const proofs = await inclusionProofs(log.hasher, indexes, size, log.sequencer.hashReader());
  const entries = await Promise.all(indexes.map(async (index, i) => ({ index, entry: await log.sequencer.entry(index), proof: proofs[i]! })));
  return makeProofBundle(decoder.decode(note), entries);
}

// Where the log keeps its derived-state snapshot (state-snapshot.ts): in its own LevelDB, beside
// the entries. Loading never trusts a snapshot further than the log: it must cover a prefix of
// the stored entries and end at the same leaf (else the data directory is damaged and the log
// refuses to start), and one it cannot read is dropped and the state replayed from entry 0.
// Node-only (level).
import { toHex } from '../log/bytes.js';
import { DiptychError } from '../log/errors.js';
import type { LevelStorage } from '../log/level-storage.js';
import type { MerkleHasher } from '../log/tree.js';
import { LogState } from './log-state.js';
import { decodeSnapshot, encodeSnapshot, restoreState, snapshotOf } from './state-snapshot.js';

export interface LoadedState {
  readonly state: LogState;
  /** Entries [0, from) came from the snapshot; the rest must be replayed. */
  readonly from: number;
  /** Why a stored snapshot was not used, when one was dropped. */
  readonly dropped?: string;
}

async function lastLeaf(storage: LevelStorage, hasher: MerkleHasher, size: number): Promise<string> {
  if (size === 0) return '';
  const entry = await storage.readEntry(size - 1);
  if (entry === undefined) throw new DiptychError('state_snapshot_invalid', `entry ${size - 1} is not stored`);
  return toHex(hasher.leaf(entry));
}

/** The state to start from: a valid snapshot's, or an empty one (`reindex` always empty). */
export async function loadState(storage: LevelStorage, hasher: MerkleHasher, logSize: number, reindex: boolean): Promise<LoadedState> {
  const bytes = reindex ? undefined : await storage.readDerived();
  if (bytes === undefined) {
    if (reindex) await storage.dropDerived();
    return { state: new LogState(), from: 0 };
  }
  let snapshot;
  try {
    snapshot = decodeSnapshot(bytes);
  } catch (e) {
    // Another version's rules, or an unreadable record: rebuild from the entries.
    if (!(e instanceof DiptychError)) throw e;
    await storage.dropDerived();
    return { state: new LogState(), from: 0, dropped: e.message };
  }
  // The snapshot was taken of this log's entries, which never change: a log shorter than it, or
  // another entry where it ended, is a damaged data directory, not a stale snapshot.
  if (snapshot.size > logSize) throw new DiptychError('state_inconsistent', `the derived-state snapshot covers ${snapshot.size} entries, the log holds ${logSize}`);
  if (snapshot.lastLeaf !== (await lastLeaf(storage, hasher, snapshot.size))) {
    throw new DiptychError('state_inconsistent', `entry ${snapshot.size - 1} is not the entry the derived-state snapshot was taken after`);
  }
  try {
    return { state: restoreState(snapshot), from: snapshot.size };
  } catch (e) {
    if (!(e instanceof DiptychError)) throw e;
    await storage.dropDerived();
    return { state: new LogState(), from: 0, dropped: e.message };
  }
}

/** Stores a snapshot of the state of entries [0, size), durably. */
export async function saveState(storage: LevelStorage, hasher: MerkleHasher, state: LogState, size: number): Promise<void> {
  await storage.writeDerived(encodeSnapshot(snapshotOf(state, size, await lastLeaf(storage, hasher, size))));
}

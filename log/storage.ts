// The one interface between the sequencer and whatever keeps the log's bytes. The core never
// sees level; tests and other backends can implement this instead.
import type { Tile } from './tile.js';
import type { Hash } from './tree.js';

/** The latest committed state: the tree size and the checkpoint signed for it. */
export interface StoredHead {
  readonly size: number;
  readonly checkpoint: Uint8Array;
}

/** One sequencing step, written all or nothing. */
export interface AppendBatch {
  readonly firstIndex: number;
  readonly entries: readonly Uint8Array[];
  readonly leafHashes: readonly Hash[];
  readonly tiles: ReadonlyArray<Tile & { readonly bytes: Uint8Array }>;
  readonly head: StoredHead;
}

export interface LogStorage {
  head(): Promise<StoredHead | undefined>;
  /** The stored bytes of a hash tile at its widest, or undefined. */
  readTile(level: number, index: number): Promise<Uint8Array | undefined>;
  readEntry(index: number): Promise<Uint8Array | undefined>;
  /** Entries [start, end), all of which must exist. */
  readEntries(start: number, end: number): Promise<Uint8Array[]>;
  /** Index of each leaf hash already in the log, or undefined. */
  findLeaves(leafHashes: readonly Hash[]): Promise<Array<number | undefined>>;
  /** Writes a batch atomically and durably (fsync) before resolving. */
  commit(batch: AppendBatch): Promise<void>;
  close(): Promise<void>;
}

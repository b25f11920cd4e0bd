// C2SP tlog-tiles hash tiles: which tiles a tree of a given size has, how a complete subtree's
// hash is found in them, and how appending leaves grows them. Path encoding is in tile-path.ts.
// Browser-safe.
import { DiptychError } from './errors.js';
import { HASH_SIZE, type Hash, type HashReader, type MerkleHasher, type Subtree } from './tree.js';

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 2 ** TILE_HEIGHT;
export const FULL_TILE_BYTES = TILE_WIDTH * HASH_SIZE;

/** A hash tile: the hashes of tree level TILE_HEIGHT·level, nodes [index·256, index·256 + width). */
export interface Tile {
  readonly level: number;
  readonly index: number;
  readonly width: number;
}

/** Number of complete nodes at tree level TILE_HEIGHT·tileLevel in a tree of `size` leaves. */
function nodesAtTileLevel(size: number, tileLevel: number): number {
  return Math.floor(size / 2 ** (TILE_HEIGHT * tileLevel));
}

/** Every hash tile a log of this size serves, full tiles then the partial one, level by level. */
export function tilesForSize(size: number): Tile[] {
  const out: Tile[] = [];
  for (let level = 0; ; level++) {
    const nodes = nodesAtTileLevel(size, level);
    if (nodes === 0) break;
    const full = Math.floor(nodes / TILE_WIDTH);
    for (let index = 0; index < full; index++) out.push({ level, index, width: TILE_WIDTH });
    if (nodes % TILE_WIDTH !== 0) out.push({ level, index: full, width: nodes % TILE_WIDTH });
  }
  return out;
}

/** The tiles whose contents differ between a tree of oldSize and one of newSize. */
export function changedTiles(oldSize: number, newSize: number): Tile[] {
  const out: Tile[] = [];
  for (let level = 0; ; level++) {
    const before = nodesAtTileLevel(oldSize, level);
    const after = nodesAtTileLevel(newSize, level);
    if (after === before) {
      if (after === 0) break;
      continue;
    }
    const first = Math.floor(before / TILE_WIDTH);
    const last = Math.floor((after - 1) / TILE_WIDTH);
    for (let index = first; index <= last; index++) {
      out.push({ level, index, width: Math.min(TILE_WIDTH, after - index * TILE_WIDTH) });
    }
  }
  return out;
}

/** Widest tile of (level, index) in a tree of this size, 0 if it does not exist yet. */
export function tileWidthAt(size: number, level: number, index: number): number {
  const nodes = nodesAtTileLevel(size, level) - index * TILE_WIDTH;
  return Math.max(0, Math.min(TILE_WIDTH, nodes));
}

/** Where a complete subtree's hash lives: `count` stored hashes from `offset` in one tile. */
export function locateSubtree(subtree: Subtree): { level: number; index: number; offset: number; count: number } {
  const level = Math.floor(subtree.level / TILE_HEIGHT);
  const count = 2 ** (subtree.level - level * TILE_HEIGHT);
  const first = subtree.index * count;
  return { level, index: Math.floor(first / TILE_WIDTH), offset: first % TILE_WIDTH, count };
}

/** Hash of `count` (a power of two) consecutive stored hashes starting at byte `offset·32`. */
export function hashTileSpan(h: MerkleHasher, tile: Uint8Array, offset: number, count: number): Hash {
  let row: Hash[] = [];
  for (let i = 0; i < count; i++) row.push(tile.subarray((offset + i) * HASH_SIZE, (offset + i + 1) * HASH_SIZE));
  while (row.length > 1) {
    const next: Hash[] = [];
    for (let i = 0; i < row.length; i += 2) next.push(h.node(row[i]!, row[i + 1]!));
    row = next;
  }
  return row[0]!;
}

/** Reads the stored bytes of a tile (any width, possibly wider than asked); undefined if absent. */
export type TileSource = (level: number, index: number) => Promise<Uint8Array | undefined>;

/**
 * A HashReader that answers from hash tiles, reading each needed tile once per call. With a
 * memo (kept by the caller across calls), subtree hashes inside tiles are computed once: the
 * sequencer proves a whole batch of neighbouring leaves against one tree.
 */
export function tileHashReader(h: MerkleHasher, readTile: TileSource, memo?: SubtreeMemo): HashReader {
  return {
    async readHashes(subtrees) {
      const spots = subtrees.map(locateSubtree);
      const tiles = new Map<string, Promise<Uint8Array | undefined>>();
      for (const s of spots) {
        const key = `${s.level}/${s.index}`;
        if (!tiles.has(key)) tiles.set(key, readTile(s.level, s.index));
      }
      const out: Hash[] = [];
      for (let i = 0; i < spots.length; i++) {
        const s = spots[i]!;
        const tile = await tiles.get(`${s.level}/${s.index}`)!;
        if (tile === undefined || tile.length < (s.offset + s.count) * HASH_SIZE) {
          throw new DiptychError('state_inconsistent', `hash tile ${s.level}/${s.index} is missing or too short`);
        }
        out.push(memo ? memoSpan(h, tile, subtrees[i]!, s.offset, s.count, memo) : hashTileSpan(h, tile, s.offset, s.count));
      }
      return out;
    },
  };
}

/** Hashes of complete subtrees already computed, by level then index. */
export type SubtreeMemo = Array<Map<number, Hash>>;

function memoSpan(h: MerkleHasher, tile: Uint8Array, subtree: Subtree, offset: number, count: number, memo: SubtreeMemo): Hash {
  // Stored hashes are memoized too: proofs of neighbouring leaves share them, and one view
  // object per hash keeps a large batch from allocating millions of them.
  const level = (memo[subtree.level] ??= new Map());
  let hash = level.get(subtree.index);
  if (hash === undefined && count === 1) {
    hash = tile.subarray(offset * HASH_SIZE, (offset + 1) * HASH_SIZE);
    level.set(subtree.index, hash);
  } else if (hash === undefined) {
    const half = count / 2;
    const left = memoSpan(h, tile, { level: subtree.level - 1, index: 2 * subtree.index }, offset, half, memo);
    const right = memoSpan(h, tile, { level: subtree.level - 1, index: 2 * subtree.index + 1 }, offset + half, half, memo);
    hash = h.node(left, right);
    level.set(subtree.index, hash);
  }
  return hash;
}

/**
 * The right edge of the tree: for each tile level, the hashes of its newest (not yet full) tile.
 * Appending leaf hashes fills level 0; each tile that becomes full contributes its root to the
 * level above. That is all the state the sequencer needs to grow the tree.
 */
export class TileEdge {
  /** Partial tile contents per level; a full tile is moved up and its level starts empty. */
  private readonly rows: Uint8Array[][];
  /** Concatenated partial tiles, taken on demand and dropped on every append. */
  private partials: Array<Uint8Array | undefined> = [];

  private constructor(
    private readonly h: MerkleHasher,
    private size: number,
    rows: Uint8Array[][],
  ) {
    this.rows = rows;
  }

  static empty(h: MerkleHasher): TileEdge {
    return new TileEdge(h, 0, []);
  }

  /** Rebuilds the edge of a stored tree of `size` leaves from its partial tiles. */
  static async load(h: MerkleHasher, size: number, readTile: TileSource): Promise<TileEdge> {
    const rows: Uint8Array[][] = [];
    for (let level = 0; nodesAtTileLevel(size, level) > 0; level++) {
      const nodes = nodesAtTileLevel(size, level);
      const width = nodes % TILE_WIDTH;
      const row: Uint8Array[] = [];
      if (width > 0) {
        const tile = await readTile(level, Math.floor(nodes / TILE_WIDTH));
        if (tile === undefined || tile.length < width * HASH_SIZE) {
          throw new DiptychError('state_inconsistent', `partial tile ${level}/${Math.floor(nodes / TILE_WIDTH)} is missing`);
        }
        for (let i = 0; i < width; i++) row.push(tile.slice(i * HASH_SIZE, (i + 1) * HASH_SIZE));
      }
      rows.push(row);
    }
    return new TileEdge(h, size, rows);
  }

  get treeSize(): number {
    return this.size;
  }

  /**
   * Appends leaf hashes; returns every tile that changed, with its new contents. Hashes
   * computed inside tiles that fill up go into `memo`, where proofs of the same batch find them.
   */
  append(leafHashes: readonly Hash[], memo: SubtreeMemo = []): Array<Tile & { bytes: Uint8Array }> {
    this.partials = [];
    const changed = new Map<string, Tile & { bytes: Uint8Array }>();
    const growing = new Map<string, { level: number; index: number }>(); // contents taken once, after the loop
    for (const leaf of leafHashes) {
      let hash = leaf;
      for (let level = 0; ; level++) {
        const row = (this.rows[level] ??= []);
        const index = Math.floor((nodesAtTileLevel(this.size + 1, level) - 1) / TILE_WIDTH);
        const key = `${level}/${index}`;
        row.push(hash);
        if (row.length < TILE_WIDTH) {
          growing.set(key, { level, index });
          break;
        }
        const bytes = concatRow(row);
        changed.set(key, { level, index, width: TILE_WIDTH, bytes });
        growing.delete(key);
        hash = memoSpan(this.h, bytes, { level: (level + 1) * TILE_HEIGHT, index }, 0, TILE_WIDTH, memo);
        this.rows[level] = [];
      }
      this.size++;
    }
    for (const [key, { level, index }] of growing) {
      const row = this.rows[level]!;
      const bytes = concatRow(row);
      this.partials[level] = bytes;
      changed.set(key, { level, index, width: row.length, bytes });
    }
    return [...changed.values()];
  }

  /** A copy to stage appends on, so that a failed commit leaves this edge untouched. */
  clone(): TileEdge {
    return new TileEdge(this.h, this.size, this.rows.map((r) => r.slice()));
  }

  /** The current partial tile of a level, if any (for serving tiles not yet stored). */
  partial(level: number): Uint8Array | undefined {
    const row = this.rows[level];
    if (!row || row.length === 0) return undefined;
    return (this.partials[level] ??= concatRow(row));
  }
}

function concatRow(row: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(row.length * HASH_SIZE);
  row.forEach((hash, i) => out.set(hash, i * HASH_SIZE));
  return out;
}

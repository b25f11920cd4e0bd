// An auditor's incremental check of a tiled log (C2SP tlog-tiles), from the tiles alone: between
// a checkpoint it trusts (with the right-edge tiles of that size, which it kept) and a newer
// one, it reads only the tiles that changed, ties every newly full tile to its parent, checks
// that the new right edge hashes to the new root, and proves consistency (RFC 9162) from hashes
// it computed itself. The log's own proof endpoints are never asked. Browser-safe.
import { bytesEqual } from './bytes.js';
import { DiptychError } from './errors.js';
import { verifyConsistency } from './proof.js';
import { changedTiles, hashTileSpan, TILE_HEIGHT, TILE_WIDTH, tileHashReader, type Tile } from './tile.js';
import { tilePath } from './tile-path.js';
import { consistencyProof, HASH_SIZE, treeHash, type Hash, type HashReader, type MerkleHasher } from './tree.js';

export interface TileBytes extends Tile {
  readonly bytes: Uint8Array;
}

/** A tree the auditor trusts: size, root, and its right-edge (partial) tiles. */
export interface AuditedTree {
  readonly size: number;
  readonly root: Hash;
  readonly edge: readonly TileBytes[];
}

/** Fetches one tile of exactly this width (`tile/L/N[.p/W]`); must throw if the log lacks it. */
export type FetchTile = (tile: Tile) => Promise<Uint8Array>;

/** The partial tiles of a tree of `size` leaves: the last tile of each level, if not full. */
export function edgeTiles(size: number): Tile[] {
  const out: Tile[] = [];
  for (let level = 0; ; level++) {
    const nodes = Math.floor(size / TILE_WIDTH ** level);
    if (nodes === 0) return out;
    if (nodes % TILE_WIDTH !== 0) out.push({ level, index: Math.floor(nodes / TILE_WIDTH), width: nodes % TILE_WIDTH });
  }
}

const key = (level: number, index: number): string => `${level}/${index}`;

function tileReader(h: MerkleHasher, tiles: ReadonlyMap<string, Uint8Array>, fetchMissing?: (level: number, index: number) => Promise<Uint8Array>): HashReader {
  return tileHashReader(h, async (level, index) => tiles.get(key(level, index)) ?? fetchMissing?.(level, index));
}

/** The root a tree's right-edge tiles give; tile_mismatch unless it is `root`. */
export async function checkEdge(h: MerkleHasher, size: number, root: Hash, edge: readonly TileBytes[]): Promise<void> {
  const tiles = new Map(edge.map((t) => [key(t.level, t.index), t.bytes]));
  for (const t of edgeTiles(size)) {
    const bytes = tiles.get(key(t.level, t.index));
    if (bytes === undefined || bytes.length !== t.width * HASH_SIZE) {
      throw new DiptychError('tile_mismatch', `${tilePath(t)} is missing or has the wrong width`);
    }
  }
  let computed: Hash;
  try {
    computed = await treeHash(h, size, tileReader(h, tiles));
  } catch (e) {
    throw new DiptychError('tile_mismatch', `the right-edge tiles of size ${size} are incomplete: ${(e as Error).message}`);
  }
  if (!bytesEqual(computed, root)) {
    const names = edgeTiles(size).map(tilePath).join(', ') || 'none';
    throw new DiptychError('tile_mismatch', `the right-edge tiles of size ${size} (${names}) do not hash to the checkpoint's root`);
  }
}

/** Each newly full tile must hash to its entry in the tile above it. */
function checkFullTiles(h: MerkleHasher, fetched: readonly TileBytes[], tiles: ReadonlyMap<string, Uint8Array>): void {
  for (const t of fetched) {
    if (t.width !== TILE_WIDTH) continue;
    const parentIndex = Math.floor(t.index / TILE_WIDTH);
    const parent = tiles.get(key(t.level + 1, parentIndex));
    const at = (t.index % TILE_WIDTH) * HASH_SIZE;
    if (parent === undefined || parent.length < at + HASH_SIZE) continue; // checked through the root instead
    if (!bytesEqual(hashTileSpan(h, t.bytes, 0, TILE_WIDTH), parent.subarray(at, at + HASH_SIZE))) {
      throw new DiptychError('tile_mismatch', `${tilePath(t)} does not hash to its entry in tile/${t.level + 1}/${parentIndex} (tree height ${(t.level + 1) * TILE_HEIGHT})`);
    }
  }
}

/** The old edge's tiles must be prefixes of the same tiles now; else the log rewrote them. */
function checkPrefixes(old: AuditedTree, tiles: ReadonlyMap<string, Uint8Array>): void {
  for (const t of old.edge) {
    const now = tiles.get(key(t.level, t.index));
    if (now !== undefined && !bytesEqual(now.subarray(0, t.bytes.length), t.bytes)) {
      throw new DiptychError('log_forked', `${tilePath(t)} of size ${old.size} is not a prefix of the same tile now: the log rewrote its history`);
    }
  }
}

/**
 * checkEdge, telling a fork from a bad tile. An edge tile that did not change since the old size
 * comes from the kept state; when the new root needs another one there, the log has rewritten
 * history: if the log's current version of those tiles gives the new root, that is a fork.
 */
async function checkEdgeOrFork(h: MerkleHasher, old: AuditedTree, size: number, root: Hash, edge: readonly TileBytes[], fetched: readonly TileBytes[], fetchTile: FetchTile): Promise<void> {
  try {
    await checkEdge(h, size, root, edge);
  } catch (e) {
    const kept = edge.filter((t) => !fetched.some((f) => f.level === t.level && f.index === t.index));
    if (kept.length === 0) throw e;
    const now = await Promise.all(kept.map(async (t): Promise<TileBytes> => ({ ...t, bytes: await fetchTile(t) })));
    const rewritten = now.filter((t, i) => !bytesEqual(t.bytes, kept[i]!.bytes));
    const served = edge.map((t) => now.find((n) => n.level === t.level && n.index === t.index) ?? t);
    if (rewritten.length === 0 || !(await checkEdge(h, size, root, served).then(() => true, () => false))) throw e;
    throw new DiptychError('log_forked', `${rewritten.map(tilePath).join(', ')} of size ${old.size} changed, and the root of size ${size} needs the new version: the log rewrote its history`);
  }
}

/**
 * Audits the step from `old` to a newer trusted checkpoint (size, root) by its tiles. Returns
 * the new tree with its right edge, to keep for the next run. Throws tile_mismatch when the
 * log's tiles disagree with its own checkpoint, log_forked when they agree but the new tree
 * does not extend the old one. Callers handle smaller sizes and equal sizes beforehand.
 */
export async function auditTiles(h: MerkleHasher, old: AuditedTree, size: number, root: Hash, fetchTile: FetchTile): Promise<AuditedTree> {
  const wanted = changedTiles(old.size, size);
  const fetched = await Promise.all(wanted.map(async (t): Promise<TileBytes> => ({ ...t, bytes: await fetchTile(t) })));
  for (const t of fetched) {
    if (t.bytes.length !== t.width * HASH_SIZE) throw new DiptychError('tile_mismatch', `${tilePath(t)} is ${t.bytes.length} bytes, expected ${t.width * HASH_SIZE}`);
  }
  const tiles = new Map<string, Uint8Array>(old.edge.map((t) => [key(t.level, t.index), t.bytes]));
  for (const t of fetched) tiles.set(key(t.level, t.index), t.bytes);
  checkFullTiles(h, fetched, tiles);
  const edge = edgeTiles(size).map((t): TileBytes => ({ ...t, bytes: tiles.get(key(t.level, t.index))?.subarray(0, t.width * HASH_SIZE) ?? new Uint8Array() }));
  await checkEdgeOrFork(h, old, size, root, edge, fetched, fetchTile);
  checkPrefixes(old, tiles);
  // Unchanged full tiles the proof might still need (none for well-formed sizes) are fetched.
  const fetchMissing = (level: number, index: number): Promise<Uint8Array> => fetchTile({ level, index, width: TILE_WIDTH });
  const proof = await consistencyProof(h, old.size, size, tileReader(h, tiles, fetchMissing));
  try {
    verifyConsistency(h, old.size, size, old.root, root, proof);
  } catch (e) {
    if (!(e instanceof DiptychError)) throw e;
    throw new DiptychError('log_forked', `the tree of size ${size} does not extend the one of size ${old.size}: ${e.message}`);
  }
  return { size, root, edge: edge.map((t) => ({ ...t, bytes: Uint8Array.from(t.bytes) })) };
}

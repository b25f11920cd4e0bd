// The full audit of a tiled log: every entry bundle is downloaded and every entry re-hashed; the
// hash tiles are rebuilt from those leaf hashes (TileEdge, as the sequencer builds them) and
// compared byte for byte with the tiles the log serves; the rebuilt root must be the
// checkpoint's. Memory is bounded by the tree's right edge (at most 255 hashes a level) and the
// bundles in flight, whatever the log size; progress is a size and that edge, so an interrupted
// audit resumes where it stopped. Browser-safe (the fetching is the caller's).
import { bytesEqual } from './bytes.js';
import { decodeBundle } from './bundle.js';
import { DiptychError } from './errors.js';
import { tileHashReader, TileEdge, TILE_WIDTH, type Tile } from './tile.js';
import { entriesPath, tilePath } from './tile-path.js';
import { edgeTiles } from './tile-audit.js';
import { treeHash, HASH_SIZE, type Hash, type MerkleHasher } from './tree.js';

export interface FullAuditSource {
  /** The entry bundle `tile/entries/<index>[.p/<width>]`, raw. */
  bundle(index: number, width: number): Promise<Uint8Array>;
  /** The hash tile of exactly this width. */
  tile(tile: Tile): Promise<Uint8Array>;
}

/** Where a full audit stands: entries [0, size) re-hashed, and the partial tile rows there. */
export interface FullAuditProgress {
  readonly size: number;
  /** Per tile level, the hashes of its partial tile (empty when none). */
  readonly rows: readonly Uint8Array[];
}

export interface FullAuditHooks {
  /** Called with each run of newly audited entries, in log order (derived-state replay). */
  onEntries?(start: number, entries: readonly Uint8Array[]): void | Promise<void>;
  /** Called after each bundle with the progress so far (the caller saves it now and then). */
  onProgress?(progress: FullAuditProgress): void | Promise<void>;
}

/** Bundles fetched ahead of the one being hashed: keeps the network and the CPU both busy. */
const PREFETCH = 16;

interface Fetched {
  readonly index: number;
  readonly width: number;
  readonly bundle: Uint8Array;
  /** The served level-0 tile, for full bundles. */
  readonly tile: Uint8Array | undefined;
}

function rowsOf(edge: TileEdge): Uint8Array[] {
  const rows: Uint8Array[] = [];
  for (let level = 0; Math.floor(edge.treeSize / TILE_WIDTH ** level) > 0; level++) rows.push(edge.partial(level)?.slice() ?? new Uint8Array());
  return rows;
}

/**
 * The leaf hashes SHA-256(0x00 ‖ entry) of a decoded bundle's entries, without copying them:
 * the byte before each entry (the low byte of its length) is set to 0x00 for the hash and then
 * restored, so the hash input is a view into the bundle. Copying every entry into a fresh
 * buffer cost a third of a full audit's time.
 */
function leafHashesInPlace(h: MerkleHasher, bundle: Uint8Array, entries: readonly Uint8Array[]): Hash[] {
  return entries.map((entry) => {
    const at = entry.byteOffset - bundle.byteOffset;
    const saved = bundle[at - 1]!;
    bundle[at - 1] = 0;
    const leaf = h.crypto.sha256(bundle.subarray(at - 1, at + entry.length));
    bundle[at - 1] = saved;
    return leaf;
  });
}

export class FullAudit {
  /** The first served tile that differed from the rebuilt one; judged once the root is known. */
  private mismatch: { tile: Tile; bundle: number } | undefined;

  private constructor(
    private readonly h: MerkleHasher,
    private readonly edge: TileEdge,
  ) {}

  /** A new audit from entry 0, or one resumed from saved progress. */
  static async start(h: MerkleHasher, progress?: FullAuditProgress): Promise<FullAudit> {
    if (progress === undefined || progress.size === 0) return new FullAudit(h, TileEdge.empty(h));
    const edge = await TileEdge.load(h, progress.size, async (level) => progress.rows[level]);
    return new FullAudit(h, edge);
  }

  get size(): number {
    return this.edge.treeSize;
  }

  progress(): FullAuditProgress {
    return { size: this.edge.treeSize, rows: rowsOf(this.edge) };
  }

  /** Audits entries [this.size, size) and checks the whole tree against `root`. */
  async run(size: number, root: Hash, source: FullAuditSource, hooks: FullAuditHooks = {}): Promise<void> {
    if (size < this.size) throw new DiptychError('audit_state_corrupt', `saved full-audit progress (${this.size}) is beyond the checkpoint (${size})`);
    const first = Math.floor(this.size / TILE_WIDTH);
    const end = Math.ceil(size / TILE_WIDTH);
    const fetchOne = async (index: number): Promise<Fetched> => {
      const width = Math.min(TILE_WIDTH, size - index * TILE_WIDTH);
      const [bundle, tile] = await Promise.all([source.bundle(index, width), width === TILE_WIDTH ? source.tile({ level: 0, index, width }) : undefined]);
      return { index, width, bundle, tile };
    };
    const queue: Promise<Fetched>[] = [];
    for (let next = first; next < end || queue.length > 0; ) {
      while (next < end && queue.length < PREFETCH) queue.push(fetchOne(next++));
      const fetched = await queue.shift()!;
      await this.addBundle(fetched, source, hooks);
      if (this.mismatch === undefined) await hooks.onProgress?.(this.progress());
    }
    await this.finish(size, root, source);
  }

  private async addBundle(f: Fetched, source: FullAuditSource, hooks: FullAuditHooks): Promise<void> {
    let entries: Uint8Array[];
    try {
      entries = decodeBundle(f.bundle, f.width);
    } catch (e) {
      throw new DiptychError('malformed_bundle', `${entriesPath(f.index, f.width)}: ${(e as Error).message}`);
    }
    const start = f.index * TILE_WIDTH;
    const skip = this.size - start; // entries of this bundle audited by an earlier run
    const before = this.edge.partial(0);
    const leaves: Hash[] = [];
    const hashes = leafHashesInPlace(this.h, f.bundle, entries);
    for (let i = 0; i < entries.length; i++) {
      const leaf = hashes[i]!;
      if (i < skip && !bytesEqual(leaf, before!.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE))) {
        throw new DiptychError('bundle_mismatch', `entry ${start + i} in ${entriesPath(f.index, f.width)} is not the entry audited before`);
      }
      if (i >= skip) leaves.push(leaf);
    }
    const changed = this.edge.append(leaves);
    if (leaves.length > 0) await hooks.onEntries?.(start + skip, entries.slice(skip));
    for (const t of changed) {
      if (t.width !== TILE_WIDTH) continue;
      const served = t.level === 0 ? f.tile! : await source.tile({ level: t.level, index: t.index, width: TILE_WIDTH });
      if (!bytesEqual(served, t.bytes)) this.mismatch ??= { tile: { level: t.level, index: t.index, width: TILE_WIDTH }, bundle: f.index };
    }
  }

  /** The root, the partial tiles, and the verdict on any tile that differed. */
  private async finish(size: number, root: Hash, source: FullAuditSource): Promise<void> {
    const rebuilt = await this.root(size);
    const honestEntries = bytesEqual(rebuilt, root);
    if (this.mismatch !== undefined) {
      const { tile, bundle } = this.mismatch;
      if (honestEntries) throw new DiptychError('tile_mismatch', `${tilePath(tile)} differs from the tile its entries give (and the entries hash to the checkpoint's root)`);
      throw new DiptychError('bundle_mismatch', `the entries of ${entriesPath(bundle, TILE_WIDTH)} do not hash to ${tilePath(tile)}, and the entries do not hash to the checkpoint's root`);
    }
    if (!honestEntries) throw new DiptychError('bundle_mismatch', `the entries do not hash to the checkpoint's root of size ${size}`);
    for (const t of edgeTiles(size)) {
      const served = await source.tile(t);
      if (!bytesEqual(served, this.edge.partial(t.level) ?? new Uint8Array())) {
        throw new DiptychError('tile_mismatch', `${tilePath(t)} differs from the tile its entries give (and the entries hash to the checkpoint's root)`);
      }
    }
  }

  private root(size: number): Promise<Hash> {
    const reader = tileHashReader(this.h, async (level, index) => {
      const nodes = Math.floor(size / TILE_WIDTH ** level);
      return index === Math.floor(nodes / TILE_WIDTH) ? this.edge.partial(level) : undefined;
    });
    return treeHash(this.h, size, reader);
  }
}

// The full audit of a tiled log: every entry bundle is downloaded and every entry re-hashed; the
// hash tiles are rebuilt from those leaf hashes and compared byte for byte with the tiles the log
// serves; the rebuilt root must be the checkpoint's. Memory is bounded by the tree's right edge
// (one tile buffer a level) and the bundles in flight, whatever the log size; progress is a size
// and that edge, so an interrupted audit resumes where it stopped. Browser-safe (the fetching,
// and where the hashing runs, are the caller's).
//
// The hot path is per bundle, not per entry: a bundle's leaf hashes go into one tile-sized
// buffer, a full bundle's subtree root is folded from it in place (one 65-byte scratch input a
// node), and only the entries that can change the derived state are handed on.
import { bytesEqual } from './bytes.js';
import { decodeBundle } from './bundle.js';
import type { Crypto } from './crypto.js';
import { governedEntryAt } from './audit-replay.js';
import { DiptychError } from './errors.js';
import { tileHashReader, TILE_WIDTH, FULL_TILE_BYTES, type Tile } from './tile.js';
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
  /**
   * Called, in log order, with each newly audited entry that may change the derived state (a
   * key policy or release by its payloadType, or one whose shape only a full parse can tell;
   * log/audit-replay.ts governedEntry). Other entries are never handed on.
   */
  onEntry?(index: number, entry: Uint8Array): void;
  /** Called after each bundle; `progress()` gives the progress so far (the caller saves it now and then). */
  onProgress?(progress: () => FullAuditProgress): void | Promise<void>;
}

/** A bundle's entries hashed: what the audit needs of it, wherever the hashing ran. */
export interface HashedBundle {
  /** The bundle (handed back: a hasher in another thread may have taken it). */
  readonly bundle: Uint8Array;
  /** The leaf hashes SHA-256(0x00 ‖ entry) of its entries, 32 bytes each. */
  readonly leaves: Uint8Array;
  /** For a bundle of 256 entries, the hash of the complete subtree of its leaves. */
  readonly root: Hash | undefined;
  /** (position in the bundle, byte offset, length) of each entry governedEntry does not rule out. */
  readonly candidates: readonly number[];
}

/** Hashes a bundle of `width` entries; throws malformed_bundle unless it frames exactly that many. */
export type BundleHasher = (bundle: Uint8Array, width: number) => HashedBundle | Promise<HashedBundle>;

/** Bundles fetched (and hashed) ahead of the one being applied: keeps the network and the CPU both busy. */
const PREFETCH = 16;

/**
 * The hash of the complete subtree over `count` (a power of two) consecutive hashes in `row`,
 * folded level by level in `scratch` (count / 2 hashes), each node hashed from one reused
 * 65-byte input.
 */
function foldRow(digest: DigestInto, row: Uint8Array, count: number, scratch: Uint8Array, input: Uint8Array): Hash {
  let src = row;
  for (let n = count; n > 1; n >>= 1) {
    for (let j = 0; j < n; j += 2) {
      input.set(src.subarray(j * HASH_SIZE, (j + 2) * HASH_SIZE), 1);
      digest(scratch, (j >> 1) * HASH_SIZE, input);
    }
    src = scratch;
  }
  return src.slice(0, HASH_SIZE);
}

/** SHA-256 written into a buffer: the backend's own way when it has one (no digest allocated). */
type DigestInto = (out: Uint8Array, offset: number, input: Uint8Array) => void;

function digestInto(crypto: Crypto): DigestInto {
  if (crypto.sha256Into) return crypto.sha256Into.bind(crypto);
  return (out, offset, input) => out.set(crypto.sha256(input), offset);
}

function nodeInput(): Uint8Array {
  const input = new Uint8Array(1 + 2 * HASH_SIZE);
  input[0] = 0x01;
  return input;
}

/**
 * Hashes a bundle's entries in place: the byte before each entry (the low byte of its length)
 * is set to 0x00 for the hash and then restored, so each hash input is a view into the bundle
 * and nothing is copied. Copying every entry cost a third of a full audit's time.
 */
export function hashBundle(crypto: Crypto, bundle: Uint8Array, width: number): HashedBundle {
  const digest = digestInto(crypto);
  const leaves = new Uint8Array(width * HASH_SIZE);
  const candidates: number[] = [];
  let at = 0;
  let i = 0;
  for (; at < bundle.length && i < width; i++) {
    if (at + 2 > bundle.length) break;
    const length = (bundle[at]! << 8) | bundle[at + 1]!;
    const end = at + 2 + length;
    if (end > bundle.length) break;
    const saved = bundle[at + 1]!;
    bundle[at + 1] = 0;
    digest(leaves, i * HASH_SIZE, bundle.subarray(at + 1, end));
    bundle[at + 1] = saved;
    if (governedEntryAt(bundle, at + 2, end) !== 'no') candidates.push(i, at + 2, length);
    at = end;
  }
  if (i !== width || at !== bundle.length) {
    decodeBundle(bundle, width); // throws the framing error, worded as everywhere else
    throw new DiptychError('malformed_bundle', `bundle does not frame ${width} entries`);
  }
  const root = width === TILE_WIDTH ? foldRow(digest, leaves, TILE_WIDTH, new Uint8Array(FULL_TILE_BYTES / 2), nodeInput()) : undefined;
  return { bundle, leaves, root, candidates };
}

/** The tree's right edge: per tile level, one tile buffer and how many hashes it holds. */
class Edge {
  readonly rows: Uint8Array[] = [];
  readonly counts: number[] = [];

  row(level: number): Uint8Array {
    while (this.rows.length <= level) {
      this.rows.push(new Uint8Array(FULL_TILE_BYTES));
      this.counts.push(0);
    }
    return this.rows[level]!;
  }

  partial(level: number): Uint8Array | undefined {
    const count = this.counts[level] ?? 0;
    return count === 0 ? undefined : this.rows[level]!.subarray(0, count * HASH_SIZE);
  }
}

interface Fetched extends HashedBundle {
  readonly index: number;
  readonly width: number;
  /** The served level-0 tile, for full bundles. */
  readonly tile: Uint8Array | undefined;
}

export class FullAudit {
  /** The first served tile that differed from the rebuilt one; judged once the root is known. */
  private mismatch: { tile: Tile; bundle: number } | undefined;
  private readonly edge = new Edge();
  private treeSize = 0;
  private readonly scratch = new Uint8Array(FULL_TILE_BYTES / 2);
  private readonly input = nodeInput();
  private readonly digest: DigestInto;
  /** Full tiles above level 0 completed by the bundle being applied, to compare with the log's. */
  private completed: Array<{ level: number; index: number; bytes: Uint8Array }> = [];

  private constructor(private readonly h: MerkleHasher) {
    this.digest = digestInto(h.crypto);
  }

  /** A new audit from entry 0, or one resumed from saved progress. */
  static start(h: MerkleHasher, progress?: FullAuditProgress): FullAudit {
    const audit = new FullAudit(h);
    if (progress === undefined || progress.size === 0) return audit;
    for (let level = 0; Math.floor(progress.size / TILE_WIDTH ** level) > 0; level++) {
      const width = Math.floor(progress.size / TILE_WIDTH ** level) % TILE_WIDTH;
      const saved = progress.rows[level];
      if (saved === undefined || saved.length !== width * HASH_SIZE) {
        throw new DiptychError('audit_state_corrupt', `saved full-audit progress has ${saved?.length ?? 0} bytes at tile level ${level}, not ${width * HASH_SIZE}`);
      }
      audit.edge.row(level).set(saved);
      audit.edge.counts[level] = width;
    }
    audit.treeSize = progress.size;
    return audit;
  }

  get size(): number {
    return this.treeSize;
  }

  progress(): FullAuditProgress {
    const rows: Uint8Array[] = [];
    for (let level = 0; Math.floor(this.treeSize / TILE_WIDTH ** level) > 0; level++) rows.push(this.edge.partial(level)?.slice() ?? new Uint8Array());
    return { size: this.treeSize, rows };
  }

  /**
   * Audits entries [this.size, size) and checks the whole tree against `root`. Bundles are
   * hashed by `hasher` (default: here, with this audit's crypto) as they arrive, and applied in
   * log order.
   */
  async run(size: number, root: Hash, source: FullAuditSource, hooks: FullAuditHooks = {}, hasher?: BundleHasher): Promise<void> {
    if (size < this.size) throw new DiptychError('audit_state_corrupt', `saved full-audit progress (${this.size}) is beyond the checkpoint (${size})`);
    const hash = hasher ?? ((bundle: Uint8Array, width: number) => hashBundle(this.h.crypto, bundle, width));
    const first = Math.floor(this.size / TILE_WIDTH);
    const end = Math.ceil(size / TILE_WIDTH);
    const fetchOne = async (index: number): Promise<Fetched> => {
      const width = Math.min(TILE_WIDTH, size - index * TILE_WIDTH);
      const [bundle, tile] = await Promise.all([source.bundle(index, width), width === TILE_WIDTH ? source.tile({ level: 0, index, width }) : undefined]);
      let hashed: HashedBundle;
      try {
        hashed = await hash(bundle, width);
      } catch (e) {
        if (e instanceof DiptychError && e.code === 'malformed_bundle') throw new DiptychError('malformed_bundle', `${entriesPath(index, width)}: ${e.message}`);
        throw e;
      }
      return { ...hashed, index, width, tile };
    };
    const queue: Promise<Fetched>[] = [];
    const progress = (): FullAuditProgress => this.progress();
    for (let next = first; next < end || queue.length > 0; ) {
      while (next < end && queue.length < PREFETCH) {
        const fetching = fetchOne(next++);
        // Judged when its turn comes; until then a failure must not count as unhandled.
        fetching.catch(() => undefined);
        queue.push(fetching);
      }
      const fetched = await queue.shift()!;
      await this.addBundle(fetched, source, hooks);
      if (this.mismatch === undefined) await hooks.onProgress?.(progress);
    }
    await this.finish(size, root, source);
  }

  /** Appends one hash at a tile level; a tile that fills up is folded into the level above. */
  private push(level: number, hash: Uint8Array, served0: Uint8Array | undefined, bundle: number): void {
    const row = this.edge.row(level);
    const count = this.edge.counts[level]!;
    row.set(hash, count * HASH_SIZE);
    if (count + 1 < TILE_WIDTH) {
      this.edge.counts[level] = count + 1;
      return;
    }
    const index = Math.floor(this.treeSize / TILE_WIDTH ** (level + 1)) - 1;
    if (level === 0) this.compare({ level, index, width: TILE_WIDTH }, served0, row, bundle);
    else this.completed.push({ level, index, bytes: row.slice() });
    const up = foldRow(this.digest, row, TILE_WIDTH, this.scratch, this.input);
    this.edge.counts[level] = 0;
    this.push(level + 1, up, served0, bundle);
  }

  private compare(tile: Tile, served: Uint8Array | undefined, rebuilt: Uint8Array, bundle: number): void {
    if (served === undefined || !bytesEqual(served, rebuilt)) this.mismatch ??= { tile, bundle };
  }

  private async addBundle(f: Fetched, source: FullAuditSource, hooks: FullAuditHooks): Promise<void> {
    const start = f.index * TILE_WIDTH;
    const skip = this.size - start; // entries of this bundle audited by an earlier run
    for (let i = 0; i < skip; i++) {
      const at = i * HASH_SIZE;
      if (!bytesEqual(f.leaves.subarray(at, at + HASH_SIZE), this.edge.rows[0]!.subarray(at, at + HASH_SIZE))) {
        throw new DiptychError('bundle_mismatch', `entry ${start + i} in ${entriesPath(f.index, f.width)} is not the entry audited before`);
      }
    }
    if (skip === 0 && f.root !== undefined && (this.edge.counts[0] ?? 0) === 0) {
      // A whole bundle at a tile boundary: its leaves are the level-0 tile, its root is folded.
      this.treeSize += TILE_WIDTH;
      this.compare({ level: 0, index: f.index, width: TILE_WIDTH }, f.tile, f.leaves, f.index);
      this.push(1, f.root, f.tile, f.index);
    } else {
      for (let i = skip; i < f.width; i++) {
        this.treeSize++;
        this.push(0, f.leaves.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE), f.tile, f.index);
      }
    }
    if (hooks.onEntry) {
      const c = f.candidates;
      for (let k = 0; k < c.length; k += 3) if (c[k]! >= skip) hooks.onEntry(start + c[k]!, f.bundle.subarray(c[k + 1]!, c[k + 1]! + c[k + 2]!));
    }
    const completed = this.completed;
    this.completed = [];
    for (const t of completed) {
      const tile = { level: t.level, index: t.index, width: TILE_WIDTH };
      this.compare(tile, await source.tile(tile), t.bytes, f.index);
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

// The sequencer: the only writer of the log. Entries wait in a pending pool; at most once per
// cadence the pool is integrated: new leaves are appended to the tiles, the new root is signed,
// and entries, tiles and checkpoint go to storage in one atomic, fsynced batch. Only then is
// anyone answered, so every acknowledged entry is durable and covered by a signed checkpoint.
//
// Never two roots for one size: a checkpoint is a pure function of the stored entries, and a
// signed-but-uncommitted batch is retried as it was before anything else is integrated.
import { DiptychError } from './errors.js';
import { toHex } from './bytes.js';
import { LruCache } from './lru.js';
import type { AppendBatch, LogStorage, StoredHead } from './storage.js';
import { hashTileSpan, TILE_WIDTH, TileEdge, tileHashReader, tileWidthAt, type SubtreeMemo, type Tile } from './tile.js';
import { inclusionProof, inclusionProofs, consistencyProof, treeHash, type Hash, type HashReader, type MerkleHasher } from './tree.js';
import { bytesEqual } from './bytes.js';
import { faultPoint } from './fault.js';

/** Signs checkpoints for this log and opens its own stored ones. */
export interface CheckpointSigner {
  sign(size: number, root: Hash): Uint8Array;
  /** Verifies a stored checkpoint note with the log's key; throws if it is not ours. */
  open(note: Uint8Array): { size: number; root: Hash };
}

/**
 * Stateful admission rules (key policies, release conflicts) run inside the sequencer, in log
 * order, so that two entries racing for the same state cannot both be admitted. Stateless checks
 * (parsing, signatures) happen before `add`.
 */
export interface AdmissionPolicy<C> {
  begin(): AdmissionBatch<C>;
}

export interface AdmissionBatch<C> {
  /** Admits the entry about to get `index`, or throws a DiptychError to refuse it alone. */
  admit(entry: Uint8Array, index: number, context: C): void;
  /** The batch is durable: make its admitted entries part of the policy state. */
  commit(): void;
}

export interface SequencerOptions<C> {
  /** Rules that need the log's state; absent, every entry is admitted. */
  admission?: AdmissionPolicy<C>;
  storage: LogStorage;
  hasher: MerkleHasher;
  checkpoints: CheckpointSigner;
  /** Minimum time between two checkpoints, in milliseconds. */
  cadenceMs?: number;
  /** Most entries integrated in one step; the rest wait for the next. */
  maxBatch?: number;
  /** Most entries waiting at once; more are refused with `overloaded`. */
  maxPending?: number;
  /**
   * Told of each new checkpoint once it is durable (e.g. to ask witnesses to cosign it). Called
   * synchronously; it must not throw or block, since appends wait for it.
   */
  onCheckpoint?: (checkpoint: Uint8Array, size: number) => void;
}

export interface AppendResult {
  readonly index: number;
  readonly leafHash: Hash;
  /** False when the entry was already in the log (the same bytes get the same index). */
  readonly created: boolean;
  readonly size: number;
  readonly checkpoint: Uint8Array;
  /** Inclusion proof of the entry in the tree of `size` leaves. */
  readonly proof: Hash[];
}

interface Pending<C> {
  readonly entry: Uint8Array;
  readonly context: C;
  readonly leafHash: Hash;
  readonly key: string;
  readonly result: Promise<AppendResult>;
  resolve(r: AppendResult): void;
  reject(e: unknown): void;
}

interface Staged<C> {
  readonly batch: AppendBatch;
  /** Reads the staged tree: the grown tiles first, then what is stored. */
  readonly reader: HashReader;
  readonly edge: TileEdge;
  readonly admitted: AdmissionBatch<C> | undefined;
}

/** C is what the caller's validation learned about an entry, handed to the admission policy. */
export class Sequencer<C = undefined> {
  private readonly h: MerkleHasher;
  private readonly storage: LogStorage;
  private readonly checkpoints: CheckpointSigner;
  private readonly cadenceMs: number;
  private readonly maxBatch: number;
  private readonly maxPending: number;
  private readonly admission: AdmissionPolicy<C> | undefined;
  private readonly onCheckpoint: ((checkpoint: Uint8Array, size: number) => void) | undefined;
  private readonly fullTiles = new LruCache<string, Uint8Array>(4096);
  private readonly pending = new Map<string, Pending<C>>();
  private edge: TileEdge;
  private current: StoredHead;
  private staged: Staged<C> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private lastIntegration = 0;
  /** When the current checkpoint was signed and stored (or the log opened): for its age in /metrics. */
  private checkpointTime = Date.now();
  /** Set by close(): from then on no entry is taken and no step is scheduled. */
  private closing: Promise<void> | undefined;

  private constructor(options: SequencerOptions<C>, edge: TileEdge, head: StoredHead) {
    this.h = options.hasher;
    this.storage = options.storage;
    this.checkpoints = options.checkpoints;
    this.cadenceMs = options.cadenceMs ?? 1000;
    this.maxBatch = options.maxBatch ?? 65536;
    this.maxPending = options.maxPending ?? 100_000;
    this.admission = options.admission;
    this.onCheckpoint = options.onCheckpoint;
    this.edge = edge;
    this.current = head;
  }

  /**
   * Opens the log in storage. A stored checkpoint must be the log's own and match the root of
   * the stored tiles; otherwise the log refuses to start (`state_inconsistent`).
   */
  static async open<C = undefined>(options: SequencerOptions<C>): Promise<Sequencer<C>> {
    const { storage, hasher: h, checkpoints } = options;
    const head = await storage.head();
    if (head === undefined) {
      const first: StoredHead = { size: 0, checkpoint: checkpoints.sign(0, h.emptyRoot) };
      await storage.commit({ firstIndex: 0, entries: [], leafHashes: [], tiles: [], head: first });
      return new Sequencer<C>(options, TileEdge.empty(h), first);
    }
    let signed: { size: number; root: Hash };
    try {
      signed = checkpoints.open(head.checkpoint);
    } catch (e) {
      throw new DiptychError('state_inconsistent', `the stored checkpoint does not verify with this log's key: ${(e as Error).message}`);
    }
    if (signed.size !== head.size) {
      throw new DiptychError('state_inconsistent', `stored size ${head.size} but stored checkpoint is for size ${signed.size}`);
    }
    const edge = await TileEdge.load(h, head.size, (l, i) => storage.readTile(l, i));
    const sequencer = new Sequencer<C>(options, edge, head);
    await sequencer.checkStoredState(signed.root);
    return sequencer;
  }

  /** Recomputes the root from the tiles, and the newest leaf hashes from the entries. */
  private async checkStoredState(signedRoot: Hash): Promise<void> {
    const size = this.current.size;
    const root = await treeHash(this.h, size, this.hashReader());
    if (!bytesEqual(root, signedRoot)) {
      throw new DiptychError('state_inconsistent', `the stored tiles hash to ${toHex(root)}, but the checkpoint for size ${size} says ${toHex(signedRoot)}`);
    }
    const start = size - (size % TILE_WIDTH || Math.min(size, TILE_WIDTH));
    const entries = await this.storage.readEntries(start, size);
    const tile = await this.readTile(0, Math.floor(start / TILE_WIDTH));
    entries.forEach((entry, i) => {
      const stored = tile?.subarray(i * 32, (i + 1) * 32);
      if (!stored || !bytesEqual(stored, this.h.leaf(entry))) {
        throw new DiptychError('state_inconsistent', `entry ${start + i} does not hash to its stored leaf hash`);
      }
    });
  }

  get size(): number {
    return this.current.size;
  }

  get checkpoint(): Uint8Array {
    return this.current.checkpoint;
  }

  /** Milliseconds since the epoch at which the current checkpoint became durable (or the log opened). */
  get checkpointedAt(): number {
    return this.checkpointTime;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Adds an entry and resolves once it is durable and covered by a signed checkpoint. The
   * caller has already validated it; the sequencer only orders, stores and proves.
   */
  add(entry: Uint8Array, context: C): Promise<AppendResult> {
    if (this.closing !== undefined) return Promise.reject(new DiptychError('not_ready', 'the log is shutting down'));
    const leafHash = this.h.leaf(entry);
    // A compact map key, not for display; apply rather than a spread, which was 2.3x slower.
    const key = String.fromCharCode.apply(null, leafHash as unknown as number[]);
    const waiting = this.pending.get(key);
    if (waiting) return waiting.result.then((r) => ({ ...r, created: false }));
    if (this.pending.size >= this.maxPending) {
      return Promise.reject(new DiptychError('overloaded', `${this.pending.size} entries are waiting to be logged; try again shortly`));
    }
    let resolve!: (r: AppendResult) => void;
    let reject!: (e: unknown) => void;
    const result = new Promise<AppendResult>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.pending.set(key, { entry, context, leafHash, key, result, resolve, reject });
    this.schedule();
    return result;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.running !== undefined || this.closing !== undefined) return;
    const wait = Math.max(0, this.lastIntegration + this.cadenceMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.integrate().finally(() => {
        this.running = undefined;
        if (this.pending.size > 0 || this.staged) this.schedule();
      });
    }, wait);
  }

  /** One sequencing step over up to maxBatch pending entries. */
  private async integrate(): Promise<void> {
    this.lastIntegration = Date.now();
    const batch = [...this.pending.values()].slice(0, this.maxBatch);
    try {
      if (this.staged) await this.commitStaged();
      const known = await this.storage.findLeaves(batch.map((p) => p.leafHash));
      const { admitted, fresh } = this.admit(batch.filter((_, i) => known[i] === undefined));
      const logged = batch.filter((_, i) => known[i] !== undefined);
      let tree = { head: this.current, reader: this.hashReader([]) };
      let committed = Promise.resolve();
      if (fresh.length > 0) {
        const staged = await this.stage(fresh, admitted);
        this.staged = staged;
        tree = { head: staged.batch.head, reader: staged.reader };
        committed = this.commitStaged();
        committed.catch(() => {}); // awaited below, after the proofs
      }
      // The proofs depend only on the staged tiles, so they are computed while the write is
      // in flight; nobody is answered before it is durable.
      const { size, checkpoint } = tree.head;
      const indexes = [...fresh.map((_, i) => size - fresh.length + i), ...known.filter((k) => k !== undefined)];
      const proofs = await inclusionProofs(this.h, indexes, size, tree.reader);
      await committed;
      [...fresh, ...logged].forEach((p, i) => {
        p.resolve({ index: indexes[i]!, leafHash: p.leafHash, created: i < fresh.length, size, checkpoint, proof: proofs[i]! });
      });
    } catch (e) {
      for (const p of batch) p.reject(e instanceof DiptychError ? e : new DiptychError('not_ready', `could not store entries: ${(e as Error).message}`));
    } finally {
      for (const p of batch) this.pending.delete(p.key);
    }
  }

  /** Runs the admission policy over new entries in log order; refused ones are answered now. */
  private admit(candidates: readonly Pending<C>[]): { admitted: AdmissionBatch<C> | undefined; fresh: Pending<C>[] } {
    if (!this.admission) return { admitted: undefined, fresh: [...candidates] };
    const admitted = this.admission.begin();
    const fresh: Pending<C>[] = [];
    for (const p of candidates) {
      try {
        admitted.admit(p.entry, this.edge.treeSize + fresh.length, p.context);
        fresh.push(p);
      } catch (e) {
        p.reject(e);
      }
    }
    return { admitted, fresh };
  }

  /** Builds the next batch: grown tiles, new root, signed checkpoint. Changes nothing yet. */
  private async stage(fresh: readonly Pending<C>[], admitted: AdmissionBatch<C> | undefined): Promise<Staged<C>> {
    const edge = this.edge.clone();
    const firstIndex = edge.treeSize;
    const leafHashes = fresh.map((p) => p.leafHash);
    const memo: SubtreeMemo = [];
    const tiles = edge.append(leafHashes, memo);
    const overlay = new Map(tiles.map((t) => [`${t.level}/${t.index}`, t.bytes]));
    const reader = tileHashReader(this.h, (l, i) => Promise.resolve(overlay.get(`${l}/${i}`) ?? this.readTile(l, i)), memo);
    const size = edge.treeSize;
    const root = await treeHash(this.h, size, reader);
    const checkpoint = this.checkpoints.sign(size, root);
    faultPoint('after-sign');
    const batch = { firstIndex, entries: fresh.map((p) => p.entry), leafHashes, tiles, head: { size, checkpoint } };
    return { batch, edge, admitted, reader };
  }

  private async commitStaged(): Promise<void> {
    const staged = this.staged!;
    await this.storage.commit(staged.batch);
    this.staged = undefined;
    this.edge = staged.edge;
    this.current = staged.batch.head;
    this.checkpointTime = Date.now();
    staged.admitted?.commit();
    for (const t of staged.batch.tiles) if (t.width === TILE_WIDTH) this.fullTiles.set(`${t.level}/${t.index}`, t.bytes);
    this.onCheckpoint?.(staged.batch.head.checkpoint, staged.batch.head.size);
  }

  /** The stored bytes of a hash tile in the current tree, at its current width. */
  async readTile(level: number, index: number): Promise<Uint8Array | undefined> {
    const width = tileWidthAt(this.current.size, level, index);
    if (width === 0) return undefined;
    if (width < TILE_WIDTH) return this.edge.partial(level);
    const key = `${level}/${index}`;
    let bytes = this.fullTiles.get(key);
    if (bytes === undefined) {
      bytes = await this.storage.readTile(level, index);
      if (bytes !== undefined) {
        await this.checkFullTile(level, index, bytes);
        this.fullTiles.set(key, bytes);
      }
    }
    return bytes;
  }

  /**
   * A full tile read from storage must hash to its node in the tile above. That tile is either
   * checked the same way or a partial tile of the edge, which hashes to the signed root (checked
   * at start): so every tile the log serves or proves from is tied to its signed checkpoint, and
   * a corrupted one is refused (state_inconsistent) instead of served.
   */
  private async checkFullTile(level: number, index: number, bytes: Uint8Array): Promise<void> {
    const parent = await this.readTile(level + 1, Math.floor(index / TILE_WIDTH));
    const at = (index % TILE_WIDTH) * 32;
    if (bytes.length !== TILE_WIDTH * 32 || parent === undefined || parent.length < at + 32 || !bytesEqual(hashTileSpan(this.h, bytes, 0, TILE_WIDTH), parent.subarray(at, at + 32))) {
      throw new DiptychError('state_inconsistent', `stored hash tile ${level}/${index} does not hash to its node in tile ${level + 1}/${Math.floor(index / TILE_WIDTH)}`);
    }
  }

  /** A tile as served: `width` hashes, a prefix of the stored tile when it has grown since. */
  async tile(tile: Tile): Promise<Uint8Array | undefined> {
    if (tile.width > tileWidthAt(this.current.size, tile.level, tile.index)) return undefined;
    const bytes = await this.readTile(tile.level, tile.index);
    return bytes?.subarray(0, tile.width * 32);
  }

  hashReader(memo?: SubtreeMemo): HashReader {
    return tileHashReader(this.h, (l, i) => this.readTile(l, i), memo);
  }

  async inclusionProof(index: number, size: number): Promise<Hash[]> {
    this.checkTreeSize(size);
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw new DiptychError('index_beyond_size', `index ${index} is not below tree size ${size}`);
    }
    return inclusionProof(this.h, index, size, this.hashReader());
  }

  async consistencyProof(oldSize: number, newSize: number): Promise<Hash[]> {
    this.checkTreeSize(newSize);
    if (!Number.isSafeInteger(oldSize) || oldSize < 0 || oldSize > newSize) {
      throw new DiptychError('invalid_parameter', `old size ${oldSize} must be between 0 and ${newSize}`);
    }
    return consistencyProof(this.h, oldSize, newSize, this.hashReader());
  }

  async treeHash(size: number): Promise<Hash> {
    this.checkTreeSize(size);
    return treeHash(this.h, size, this.hashReader());
  }

  private checkTreeSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0) throw new DiptychError('invalid_parameter', `invalid tree size ${size}`);
    if (size > this.current.size) {
      throw new DiptychError('size_beyond_tree', `size ${size} is beyond the current tree size ${this.current.size}`);
    }
  }

  async entry(index: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.current.size) {
      throw new DiptychError('entry_not_found', `no entry ${index} in a log of size ${this.current.size}`);
    }
    const bytes = await this.storage.readEntry(index);
    if (bytes === undefined) throw new DiptychError('state_inconsistent', `entry ${index} is missing from storage`);
    await this.checkLeaves(index, [bytes]);
    return bytes;
  }

  /** Entries [start, end), each checked against its leaf hash in the (checked) hash tiles. */
  async entries(start: number, end: number): Promise<Uint8Array[]> {
    if (end > this.current.size) throw new DiptychError('size_beyond_tree', `entries up to ${end} requested, size is ${this.current.size}`);
    const entries = await this.storage.readEntries(start, end);
    await this.checkLeaves(start, entries);
    return entries;
  }

  private async checkLeaves(start: number, entries: readonly Uint8Array[]): Promise<void> {
    let tile: Uint8Array | undefined;
    for (let i = 0; i < entries.length; i++) {
      const index = start + i;
      const at = (index % TILE_WIDTH) * 32;
      if (i === 0 || at === 0) tile = await this.readTile(0, Math.floor(index / TILE_WIDTH));
      if (tile === undefined || tile.length < at + 32 || !bytesEqual(tile.subarray(at, at + 32), this.h.leaf(entries[i]!))) {
        throw new DiptychError('state_inconsistent', `stored entry ${index} does not hash to its leaf hash in the tree`);
      }
    }
  }

  async findLeaf(leafHash: Hash): Promise<number | undefined> {
    const [index] = await this.storage.findLeaves([leafHash]);
    return index !== undefined && index < this.current.size ? index : undefined;
  }

  /**
   * Stops accepting entries and logs the ones already waiting, in as many steps as they need,
   * so that their callers get their answers (a restart costs them a wait, not a refusal).
   * Entries that cannot be stored are refused, as in any step. Idempotent: a second call
   * waits for the first (two draining loops would log the same entries twice).
   */
  close(): Promise<void> {
    this.closing ??= this.drainAndStop();
    return this.closing;
  }

  private async drainAndStop(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    // Each step takes up to maxBatch entries and removes every entry it took, stored or not.
    while (this.pending.size > 0) {
      this.running = this.integrate();
      await this.running;
    }
    this.running = undefined;
  }
}

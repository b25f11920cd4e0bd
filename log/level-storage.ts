// LogStorage on LevelDB (the `level` package): one atomic, fsynced batch per sequencing step.
// Entries are stored as C2SP entry bundles (256 a record, the newest one rewritten as it
// grows), so a step writes a few large values plus one small dedup record per entry.
import type { Level } from 'level';
import { openLevel } from './level-open.js';
import { DiptychError } from './errors.js';
import { concatBytes } from './bytes.js';
import { decodeBundle, encodeBundle } from './bundle.js';
import { TILE_WIDTH } from './tile.js';
import { faultPoint } from './fault.js';
import type { AppendBatch, LogStorage, StoredHead } from './storage.js';
import type { Hash } from './tree.js';

// Key layout: binary keys, so that no key is ever text-encoded on the hot path. Index parts
// are big-endian, so a range read over bundle keys returns them in log order.
const HEAD_KEY = Uint8Array.of(0x68); // 'h'
const DERIVED_KEY = Uint8Array.of(0x64); // 'd': the snapshot of the state derived from the entries
const bundleKey = (index: number): Uint8Array => prefixed(0x62, 0, index); // 'b' ‖ 0 ‖ uint48
const tileKey = (level: number, index: number): Uint8Array => prefixed(0x74, level, index); // 't' ‖ level ‖ uint48
const leafKey = (leafHash: Hash): Uint8Array => {
  const key = new Uint8Array(33); // 'l' ‖ leaf hash
  key[0] = 0x6c;
  key.set(leafHash, 1);
  return key;
};

function prefixed(tag: number, level: number, index: number): Uint8Array {
  const key = new Uint8Array(8);
  key[0] = tag;
  key[1] = level;
  writeUint48(key, 2, index);
  return key;
}

function writeUint48(out: Uint8Array, at: number, n: number): void {
  const high = Math.floor(n / 2 ** 24);
  const low = n % 2 ** 24;
  out[at] = high >>> 16;
  out[at + 1] = (high >>> 8) & 255;
  out[at + 2] = high & 255;
  out[at + 3] = low >>> 16;
  out[at + 4] = (low >>> 8) & 255;
  out[at + 5] = low & 255;
}

function readUint48(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < 6; i++) n = n * 256 + bytes[i]!;
  return n;
}

function uint48(n: number): Uint8Array {
  const out = new Uint8Array(6);
  writeUint48(out, 0, n);
  return out;
}

export class LevelStorage implements LogStorage {
  /** The newest, partial bundle as stored: only this storage writes it, so it is cached. */
  private partialBundle: { index: number; bytes: Uint8Array } | undefined;

  private constructor(private readonly db: Level<Uint8Array, Uint8Array>) {}

  static async open(directory: string): Promise<LevelStorage> {
    const db = await openLevel<Uint8Array, Uint8Array>(directory, { keyEncoding: 'view', valueEncoding: 'view' }, 'the log database');
    return new LevelStorage(db);
  }

  async head(): Promise<StoredHead | undefined> {
    const bytes = await this.db.get(HEAD_KEY);
    if (bytes === undefined) return undefined;
    if (bytes.length < 8) throw new DiptychError('state_inconsistent', 'the stored head record is truncated');
    // head = 8-byte big-endian size ‖ checkpoint note
    const size = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0));
    return { size, checkpoint: bytes.slice(8) };
  }

  readTile(level: number, index: number): Promise<Uint8Array | undefined> {
    return this.db.get(tileKey(level, index));
  }

  async readEntry(index: number): Promise<Uint8Array | undefined> {
    const bytes = await this.db.get(bundleKey(Math.floor(index / TILE_WIDTH)));
    if (bytes === undefined) return undefined;
    return decodeStored(bytes, Math.floor(index / TILE_WIDTH))[index % TILE_WIDTH];
  }

  async readEntries(start: number, end: number): Promise<Uint8Array[]> {
    if (end <= start) return [];
    const first = Math.floor(start / TILE_WIDTH);
    const last = Math.floor((end - 1) / TILE_WIDTH);
    const bundles = await this.db.values({ gte: bundleKey(first), lte: bundleKey(last) }).all();
    const entries = bundles.flatMap((b, i) => decodeStored(b, first + i));
    const out = entries.slice(start - first * TILE_WIDTH, end - first * TILE_WIDTH);
    if (out.length !== end - start) {
      throw new DiptychError('state_inconsistent', `entries ${start}..${end - 1}: found ${out.length} of ${end - start}`);
    }
    return out;
  }

  async findLeaves(leafHashes: readonly Hash[]): Promise<Array<number | undefined>> {
    if (leafHashes.length === 0) return [];
    const found = await this.db.getMany(leafHashes.map(leafKey));
    return found.map((v) => (v === undefined ? undefined : readUint48(v)));
  }

  async commit(batch: AppendBatch): Promise<void> {
    const bundles = await this.grownBundles(batch.firstIndex, batch.entries);
    // A chained batch: several times faster than an array of operations in abstract-level.
    const write = this.db.batch();
    batch.leafHashes.forEach((leafHash, i) => write.put(leafKey(leafHash), uint48(batch.firstIndex + i)));
    for (const b of bundles) write.put(bundleKey(b.index), b.bytes);
    for (const tile of batch.tiles) write.put(tileKey(tile.level, tile.index), tile.bytes);
    const head = new Uint8Array(8 + batch.head.checkpoint.length);
    new DataView(head.buffer).setBigUint64(0, BigInt(batch.head.size));
    head.set(batch.head.checkpoint, 8);
    write.put(HEAD_KEY, head);
    const written = write.write({ sync: true });
    faultPoint('during-commit');
    await written;
    faultPoint('after-commit');
    const newest = bundles[bundles.length - 1];
    this.partialBundle = newest && countIn(batch.firstIndex + batch.entries.length, newest.index) < TILE_WIDTH ? newest : undefined;
  }

  /** The bundles that the new entries extend or start, with their full new contents. */
  private async grownBundles(firstIndex: number, entries: readonly Uint8Array[]): Promise<Array<{ index: number; bytes: Uint8Array }>> {
    const out: Array<{ index: number; bytes: Uint8Array }> = [];
    let at = 0;
    while (at < entries.length) {
      const index = Math.floor((firstIndex + at) / TILE_WIDTH);
      const already = (firstIndex + at) % TILE_WIDTH;
      const take = Math.min(TILE_WIDTH - already, entries.length - at);
      const fresh = encodeBundle(entries.slice(at, at + take));
      out.push({ index, bytes: already === 0 ? fresh : concatBytes(await this.storedBundle(index, already), fresh) });
      at += take;
    }
    return out;
  }

  /**
   * The first `count` entries of a stored bundle, as bundle bytes. It can hold more: when a
   * commit failed after its write reached the disk, the sequencer retries the same batch, and
   * those entries must be rewritten in place, not appended a second time.
   */
  private async storedBundle(index: number, count: number): Promise<Uint8Array> {
    const bytes = this.partialBundle?.index === index ? this.partialBundle.bytes : await this.db.get(bundleKey(index));
    if (bytes === undefined) throw new DiptychError('state_inconsistent', `entry bundle ${index} is missing`);
    let at = 0;
    for (let i = 0; i < count; i++) {
      if (at + 2 > bytes.length) throw new DiptychError('state_inconsistent', `entry bundle ${index} holds fewer than ${count} entries`);
      at += 2 + ((bytes[at]! << 8) | bytes[at + 1]!);
    }
    if (at > bytes.length) throw new DiptychError('state_inconsistent', `stored entry bundle ${index} is corrupt`);
    return bytes.subarray(0, at);
  }

  /** The stored snapshot of the derived state (monitor/state-snapshot.ts), if any. */
  async readDerived(): Promise<Uint8Array | undefined> {
    return this.db.get(DERIVED_KEY);
  }

  /** Replaces the snapshot, durably. Entries are never touched: a snapshot only saves a replay. */
  async writeDerived(bytes: Uint8Array): Promise<void> {
    await this.db.put(DERIVED_KEY, bytes, { sync: true });
  }

  /** Drops the snapshot, so the next start replays the whole log. */
  async dropDerived(): Promise<void> {
    await this.db.del(DERIVED_KEY, { sync: true });
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

function decodeStored(bytes: Uint8Array, index: number): Uint8Array[] {
  try {
    return decodeBundle(bytes);
  } catch {
    throw new DiptychError('state_inconsistent', `stored entry bundle ${index} is corrupt`);
  }
}

/** Entries of bundle `index` present in a log of `size` entries. */
function countIn(size: number, index: number): number {
  return Math.min(TILE_WIDTH, size - index * TILE_WIDTH);
}

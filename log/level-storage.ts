// LogStorage on LevelDB (the `level` package): one atomic, fsynced batch per sequencing step.
import { Level } from 'level';
import { DiptychError } from './errors.js';
import { toHex } from './bytes.js';
import type { AppendBatch, LogStorage, StoredHead } from './storage.js';
import type { Hash } from './tree.js';

// Key layout. Entry keys are fixed-width hex so that a range read returns them in index order.
const HEAD_KEY = 'head';
const entryKey = (index: number): string => `e/${index.toString(16).padStart(14, '0')}`;
const tileKey = (level: number, index: number): string => `t/${level}/${index}`;
const leafKey = (leafHash: Hash): string => `l/${toHex(leafHash)}`;

const indexBytes = (index: number): Uint8Array => new TextEncoder().encode(String(index));
const parseIndex = (bytes: Uint8Array): number => Number(new TextDecoder().decode(bytes));

export class LevelStorage implements LogStorage {
  private constructor(private readonly db: Level<string, Uint8Array>) {}

  static async open(directory: string): Promise<LevelStorage> {
    const db = new Level<string, Uint8Array>(directory, { keyEncoding: 'utf8', valueEncoding: 'view' });
    try {
      await db.open();
    } catch (e) {
      const cause = (e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message;
      throw new DiptychError('not_ready', `cannot open the log database in ${directory}: ${cause}`);
    }
    return new LevelStorage(db);
  }

  async head(): Promise<StoredHead | undefined> {
    const bytes = await this.db.get(HEAD_KEY);
    if (bytes === undefined) return undefined;
    // head = 8-byte big-endian size ‖ checkpoint note
    const size = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0));
    return { size, checkpoint: bytes.slice(8) };
  }

  readTile(level: number, index: number): Promise<Uint8Array | undefined> {
    return this.db.get(tileKey(level, index));
  }

  readEntry(index: number): Promise<Uint8Array | undefined> {
    return this.db.get(entryKey(index));
  }

  async readEntries(start: number, end: number): Promise<Uint8Array[]> {
    if (end <= start) return [];
    const values = await this.db.values({ gte: entryKey(start), lt: entryKey(end) }).all();
    if (values.length !== end - start) {
      throw new DiptychError('state_inconsistent', `entries ${start}..${end - 1}: found ${values.length} of ${end - start}`);
    }
    return values;
  }

  async findLeaves(leafHashes: readonly Hash[]): Promise<Array<number | undefined>> {
    if (leafHashes.length === 0) return [];
    const found = await this.db.getMany(leafHashes.map(leafKey));
    return found.map((v) => (v === undefined ? undefined : parseIndex(v)));
  }

  async commit(batch: AppendBatch): Promise<void> {
    const ops: Array<{ type: 'put'; key: string; value: Uint8Array }> = [];
    batch.entries.forEach((entry, i) => {
      const index = batch.firstIndex + i;
      ops.push({ type: 'put', key: entryKey(index), value: entry });
      ops.push({ type: 'put', key: leafKey(batch.leafHashes[i]!), value: indexBytes(index) });
    });
    for (const tile of batch.tiles) ops.push({ type: 'put', key: tileKey(tile.level, tile.index), value: tile.bytes });
    const head = new Uint8Array(8 + batch.head.checkpoint.length);
    new DataView(head.buffer).setBigUint64(0, BigInt(batch.head.size));
    head.set(batch.head.checkpoint, 8);
    ops.push({ type: 'put', key: HEAD_KEY, value: head });
    await this.db.batch(ops, { sync: true });
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

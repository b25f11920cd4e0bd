// The auditor's state directory (`diptych audit --state DIR`):
//   audit.json    {version, logKey, checkpoint, edge:[{level, index, width, hashes}]}: the last
//                 checkpoint audited (signed note, as served) and its right-edge tiles
//   full.json     {version, logKey, size, rows:[base64…], keptBytes}: how far `--full` got
//   full.entries  the keys and release entries the full audit applied, in log order, each as a
//                 uint64 index, a uint16 length and the entry: the derived state, replayed on resume
// Files are replaced atomically (write, fsync, rename). A file that does not read back is
// audit_state_corrupt and is left untouched for the operator to look at.
import { open, readFile, rename, rm, truncate, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fromBase64, toBase64 } from '../log/bytes.js';
import { DiptychError } from '../log/errors.js';
import type { FullAuditProgress } from '../log/full-audit.js';
import type { TileBytes } from '../log/tile-audit.js';

const VERSION = 1;

export interface AuditRecord {
  readonly logKey: string;
  /** The signed checkpoint note as it was served (cosignatures included). */
  readonly checkpoint: string;
  readonly edge: readonly TileBytes[];
}

export interface FullRecord extends FullAuditProgress {
  /** The log whose entries these are. */
  readonly logKey: string;
  /** Length of full.entries that belongs to this progress (a crash may leave more). */
  readonly keptBytes: number;
}

function corrupt(file: string, why: string): never {
  throw new DiptychError('audit_state_corrupt', `${file} is corrupt (${why}); it was left as it is: move it away to start the audit over`);
}

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DiptychError('audit_state_corrupt', `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    corrupt(file, 'not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) corrupt(file, 'not a JSON object');
  if ((value as Record<string, unknown>).version !== VERSION) corrupt(file, `not a version ${VERSION} state file`);
  return value as Record<string, unknown>;
}

/** Replaces `file` with `text` atomically and durably. */
async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const temp = `${file}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function edgeOf(file: string, value: unknown): TileBytes[] {
  if (!Array.isArray(value)) corrupt(file, 'edge is not a list');
  return value.map((t: Record<string, unknown>) => {
    if (!isCount(t?.level) || !isCount(t.index) || !isCount(t.width) || typeof t.hashes !== 'string') corrupt(file, 'bad edge tile');
    let bytes: Uint8Array;
    try {
      bytes = fromBase64(t.hashes as string);
    } catch {
      corrupt(file, 'edge tile is not base64');
    }
    return { level: t.level as number, index: t.index as number, width: t.width as number, bytes };
  });
}

export class AuditState {
  constructor(readonly dir: string) {}

  private path(name: string): string {
    return join(this.dir, name);
  }

  async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  async readAudit(): Promise<AuditRecord | undefined> {
    const file = this.path('audit.json');
    const v = await readJson(file);
    if (v === undefined) return undefined;
    if (typeof v.logKey !== 'string' || typeof v.checkpoint !== 'string') corrupt(file, 'logKey and checkpoint must be strings');
    return { logKey: v.logKey, checkpoint: v.checkpoint, edge: edgeOf(file, v.edge) };
  }

  async writeAudit(record: AuditRecord): Promise<void> {
    const edge = record.edge.map((t) => ({ level: t.level, index: t.index, width: t.width, hashes: toBase64(t.bytes) }));
    await writeAtomic(this.path('audit.json'), JSON.stringify({ version: VERSION, logKey: record.logKey, checkpoint: record.checkpoint, edge }, null, 1) + '\n');
  }

  /** Says a state file's contents do not check out (e.g. its checkpoint's signature). */
  corrupt(name: string, why: string): never {
    corrupt(this.path(name), why);
  }

  async readFull(): Promise<FullRecord | undefined> {
    const file = this.path('full.json');
    const v = await readJson(file);
    if (v === undefined) return undefined;
    if (typeof v.logKey !== 'string' || !isCount(v.size) || !isCount(v.keptBytes) || !Array.isArray(v.rows) || !v.rows.every((r) => typeof r === 'string')) corrupt(file, 'bad fields');
    let rows: Uint8Array[];
    try {
      rows = (v.rows as string[]).map((r) => fromBase64(r));
    } catch {
      corrupt(file, 'rows are not base64');
    }
    return { logKey: v.logKey as string, size: v.size as number, rows, keptBytes: v.keptBytes as number };
  }

  /** The kept entries of a progress record; a longer file (a crash mid-append) is cut back. */
  async readKept(record: FullRecord): Promise<{ index: number; entry: Uint8Array }[]> {
    const file = this.path('full.entries');
    const length = await stat(file).then((s) => s.size, () => 0);
    if (length < record.keptBytes) corrupt(file, `shorter (${length} bytes) than full.json says (${record.keptBytes})`);
    if (length > record.keptBytes) await truncate(file, record.keptBytes);
    const bytes = record.keptBytes === 0 ? new Uint8Array() : new Uint8Array(await readFile(file));
    const out: { index: number; entry: Uint8Array }[] = [];
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    for (let at = 0; at < bytes.length; ) {
      if (at + 10 > bytes.length) corrupt(file, 'a record is cut short');
      const index = Number(view.getBigUint64(at));
      const size = view.getUint16(at + 8);
      if (at + 10 + size > bytes.length) corrupt(file, 'a record is cut short');
      out.push({ index, entry: bytes.subarray(at + 10, at + 10 + size) });
      at += 10 + size;
    }
    return out;
  }

  /** Appends kept entries (fsynced), then records the progress that covers them. */
  async saveFull(logKey: string, progress: FullAuditProgress, kept: readonly { index: number; entry: Uint8Array }[], keptBytes: number): Promise<number> {
    let total = keptBytes;
    if (kept.length > 0) {
      const records = new Uint8Array(kept.reduce((n, k) => n + 10 + k.entry.length, 0));
      const view = new DataView(records.buffer);
      let at = 0;
      for (const k of kept) {
        view.setBigUint64(at, BigInt(k.index));
        view.setUint16(at + 8, k.entry.length);
        records.set(k.entry, at + 10);
        at += 10 + k.entry.length;
      }
      const handle = await open(this.path('full.entries'), 'a', 0o600);
      try {
        await handle.write(records);
        await handle.sync();
      } finally {
        await handle.close();
      }
      total += records.length;
    }
    const rows = progress.rows.map((r) => toBase64(r));
    await writeAtomic(this.path('full.json'), JSON.stringify({ version: VERSION, logKey, size: progress.size, rows, keptBytes: total }) + '\n');
    return total;
  }

  /** Forgets full-audit progress that failed verification, so the next run starts over. */
  async discardFull(): Promise<void> {
    await rm(this.path('full.json'), { force: true });
    await rm(this.path('full.entries'), { force: true });
  }
}

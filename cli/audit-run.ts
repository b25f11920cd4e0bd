// One run of `diptych audit`: checks the log's checkpoint (log key, witness quorum), proves from
// the tiles that it extends the checkpoint kept in the state directory, keeps the new one, and
// with `full` re-hashes the whole log (cli/audit-full.ts). Hashing uses node:crypto; every
// verifier is the browser-safe library's, behind its Crypto interface.
import { bytesEqual, fromUtf8, utf8 } from '../log/bytes.js';
import { DiptychError } from '../log/errors.js';
import { createNodeCrypto } from '../log/node-crypto.js';
import { auditTiles, checkEdge, edgeTiles, type AuditedTree } from '../log/tile-audit.js';
import { merkleHasher, type MerkleHasher } from '../log/tree.js';
import { AuditState } from './audit-state.js';
import { runFullAudit, type FullAuditReport } from './audit-full.js';
import { getText, joinUrl } from './http-json.js';
import { resolveLogKey, trustCheckpoint, type TrustedCheckpoint } from './log-reader.js';
import { tileFetcher, type TileFetcher } from './tile-fetch.js';
import type { WitnessTrust } from './witness-file.js';

export interface AuditOptions {
  readonly logUrl: string;
  readonly stateDir: string;
  readonly logKey?: string;
  readonly witnesses?: WitnessTrust;
  readonly full?: boolean;
  readonly warn: (line: string) => void;
  /** Told of each bundle a full audit finishes: (done, total) bundles. */
  readonly onBundle?: (done: number, total: number) => void;
  /** How often a full audit saves its progress (default every 2 s). */
  readonly saveEveryMs?: number;
  /** Threads that hash a full audit's bundles (cli/audit-full.ts; default by log size and cores). */
  readonly hashThreads?: number;
}

export interface AuditReport {
  readonly origin: string;
  readonly size: number;
  /** Size of the checkpoint kept from the previous run; null on the first run. */
  readonly previousSize: number | null;
  readonly cosigned: number;
  readonly tilesFetched: number;
  readonly full?: FullAuditReport;
}

/** A fork or rollback: both signed checkpoints go with the error, as evidence. */
function evidence(code: 'log_forked' | 'log_rolled_back', message: string, kept: string, served: string): DiptychError {
  return new DiptychError(code, message, { kept, served });
}

/** The kept state, checked: same log, a checkpoint the log key signed, an edge that hashes to it. */
async function keptTree(state: AuditState, logKey: string, h: MerkleHasher): Promise<{ tree: AuditedTree; note: string } | undefined> {
  const record = await state.readAudit();
  if (record === undefined) return undefined;
  if (record.logKey !== logKey) {
    throw new DiptychError('audit_state_other_log', `${state.dir} holds the audit of the log with key ${record.logKey}, not ${logKey}`);
  }
  let trusted: TrustedCheckpoint;
  try {
    trusted = trustCheckpoint(utf8(record.checkpoint), logKey, undefined, h.crypto);
    await checkEdge(h, trusted.size, trusted.root, record.edge);
  } catch (e) {
    if (!(e instanceof DiptychError)) throw e;
    state.corrupt('audit.json', `${e.code}: ${e.message}`);
  }
  return { tree: { size: trusted.size, root: trusted.root, edge: record.edge }, note: record.checkpoint };
}

/** The step from the kept tree to the served checkpoint, by the tiles that changed. */
async function advance(h: MerkleHasher, kept: { tree: AuditedTree; note: string } | undefined, served: TrustedCheckpoint, tiles: TileFetcher): Promise<AuditedTree> {
  const note = fromUtf8(served.note);
  if (kept === undefined) {
    // First run: nothing to be consistent with; the right edge ties the tiles to the root.
    const edge = await Promise.all(edgeTiles(served.size).map(async (t) => ({ ...t, bytes: await tiles.tile(t) })));
    await checkEdge(h, served.size, served.root, edge);
    return { size: served.size, root: served.root, edge };
  }
  const old = kept.tree;
  if (served.size < old.size) {
    throw evidence('log_rolled_back', `the log serves a checkpoint of size ${served.size}, smaller than the size ${old.size} it signed before`, kept.note, note);
  }
  if (served.size === old.size) {
    if (!bytesEqual(served.root, old.root)) throw evidence('log_forked', `the log signed two different roots for size ${old.size}`, kept.note, note);
    return old;
  }
  try {
    return await auditTiles(h, old, served.size, served.root, (t) => tiles.tile(t));
  } catch (e) {
    if (e instanceof DiptychError && e.code === 'log_forked') throw evidence('log_forked', e.message, kept.note, note);
    throw e;
  }
}

export async function runAudit(options: AuditOptions): Promise<AuditReport> {
  const h = merkleHasher(createNodeCrypto());
  const state = new AuditState(options.stateDir);
  const stored = await state.readAudit();
  // The key kept from the first run is the key trusted from then on (unless one is given).
  const logKey = options.logKey ?? stored?.logKey ?? (await resolveLogKey(options.logUrl, undefined, options.warn));
  const kept = await keptTree(state, logKey, h);
  const note = utf8(await getText(joinUrl(options.logUrl, '/checkpoint')));
  const served = trustCheckpoint(note, logKey, options.witnesses, h.crypto);
  const tiles = tileFetcher(options.logUrl);
  try {
    const tree = await advance(h, kept, served, tiles);
    await state.ensureDir();
    await state.writeAudit({ logKey, checkpoint: fromUtf8(served.note), edge: tree.edge });
    const tilesFetched = tiles.counts.tiles;
    const full = options.full ? await runFullAudit({ h, state, served, logKey, tiles, logUrl: options.logUrl, onBundle: options.onBundle, saveEveryMs: options.saveEveryMs, hashThreads: options.hashThreads }) : undefined;
    return { origin: served.origin, size: served.size, previousSize: kept?.tree.size ?? null, cosigned: served.cosigned, tilesFetched, full };
  } finally {
    await tiles.close();
  }
}

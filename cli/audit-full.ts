// `diptych audit --full`: re-hashes every entry and rebuilds every tile (log/full-audit.ts),
// recomputes the key policies and releases from the entries (log/audit-replay.ts) and compares
// them with what the API serves (log/derived-state-check.ts). Progress is saved in the state
// directory every few seconds, so an interrupted audit resumes; a later run audits only the
// entries added since. Bundles are hashed in worker threads when the log is big enough
// (cli/audit-hasher.ts).
import { DiptychError } from '../log/errors.js';
import { DerivedState } from '../log/audit-replay.js';
import { checkAlertState, type AlertStateReport } from '../monitor/alert-state-check.js';
import { checkDerivedState, type DerivedStateReport, type ServedProjectView, type ServedState } from '../log/derived-state-check.js';
import { FullAudit } from '../log/full-audit.js';
import { TILE_WIDTH } from '../log/tile.js';
import type { MerkleHasher } from '../log/tree.js';
import type { AuditState } from './audit-state.js';
import { getJson, joinUrl } from './http-json.js';
import type { TrustedCheckpoint } from './log-reader.js';
import type { TileFetcher } from './tile-fetch.js';
import { defaultHashThreads, workerHasher, type HasherPool } from './audit-hasher.js';

/** How often progress is made durable by default: a crash costs at most this much work. */
const SAVE_EVERY_MS = 2000;

/** Below this many bundles to audit, starting hashing threads costs more than it saves. */
const THREADS_FROM_BUNDLES = 64;

export interface FullAuditReport {
  /** Entries re-hashed by this run (the rest were audited by earlier runs). */
  readonly entries: number;
  readonly resumedFrom: number;
  readonly seconds: number;
  readonly projects: DerivedStateReport;
  /** Alerts, escalations and suspensions recomputed and compared (monitor/alert-state-check.ts). */
  readonly alerts: AlertStateReport;
}

export interface FullAuditRun {
  readonly h: MerkleHasher;
  readonly state: AuditState;
  readonly served: TrustedCheckpoint;
  readonly logKey: string;
  readonly tiles: TileFetcher;
  readonly logUrl: string;
  readonly onBundle?: (done: number, total: number) => void;
  /** Overrides SAVE_EVERY_MS (tests save after every bundle). */
  readonly saveEveryMs?: number;
  /**
   * Threads that hash bundles (0: the main thread). Default: defaultHashThreads() when there
   * are at least THREADS_FROM_BUNDLES bundles to audit, else 0.
   */
  readonly hashThreads?: number;
}

function servedState(logUrl: string): ServedState {
  return {
    projectNames: async () => (await getJson<{ projects: string[] }>(joinUrl(logUrl, '/api/v1/projects'))).projects,
    async project(name) {
      try {
        return await getJson<ServedProjectView>(joinUrl(logUrl, `/api/v1/projects/${encodeURIComponent(name)}`));
      } catch (e) {
        if (e instanceof DiptychError && e.code === 'project_not_found') return undefined;
        throw e;
      }
    },
  };
}

/** The saved progress and the derived state replayed from the entries it kept. */
async function resume(run: FullAuditRun): Promise<{ audit: FullAudit; derived: DerivedState; keptBytes: number }> {
  const derived = new DerivedState(run.logKey);
  const record = await run.state.readFull();
  if (record === undefined) return { audit: FullAudit.start(run.h), derived, keptBytes: 0 };
  if (record.logKey !== run.logKey) throw new DiptychError('audit_state_other_log', `${run.state.dir}/full.json holds the full audit of the log with key ${record.logKey}`);
  if (record.size > run.served.size) run.state.corrupt('full.json', `its progress (${record.size}) is beyond the checkpoint (${run.served.size})`);
  for (const { index, entry } of await run.state.readKept(record)) derived.apply(index, entry);
  let audit: FullAudit;
  try {
    audit = FullAudit.start(run.h, record);
  } catch (e) {
    if (!(e instanceof DiptychError)) throw e;
    run.state.corrupt('full.json', e.message);
  }
  return { audit, derived, keptBytes: record.keptBytes };
}

export async function runFullAudit(run: FullAuditRun): Promise<FullAuditReport> {
  const started = performance.now();
  let { audit, derived, keptBytes } = await resume(run);
  const resumedFrom = audit.size;
  let kept: { index: number; entry: Uint8Array }[] = [];
  let lastSave = performance.now();
  const firstBundle = Math.floor(resumedFrom / TILE_WIDTH);
  const total = Math.ceil(run.served.size / TILE_WIDTH) - firstBundle;
  let done = 0;
  const threads = run.hashThreads ?? (total >= THREADS_FROM_BUNDLES ? defaultHashThreads() : 0);
  const pool: HasherPool | undefined = threads > 0 ? workerHasher(threads) : undefined;
  try {
    await audit.run(run.served.size, run.served.root, run.tiles, {
      onEntry(index, entry) {
        // Entries are views into a bundle: a kept one is copied so the bundle can be freed.
        if (derived.apply(index, entry)) kept.push({ index, entry: entry.slice() });
      },
      async onProgress(progress) {
        run.onBundle?.(++done, total);
        if (performance.now() - lastSave < (run.saveEveryMs ?? SAVE_EVERY_MS)) return;
        keptBytes = await run.state.saveFull(run.logKey, progress(), kept, keptBytes);
        kept = [];
        lastSave = performance.now();
      },
    }, pool?.hash);
  } catch (e) {
    // Progress that led to a wrong tree proves nothing; the next run starts from entry 0. (A
    // bundle that does not even decode fails before any tree is judged: progress stays.)
    if (e instanceof DiptychError && (e.code === 'tile_mismatch' || e.code === 'bundle_mismatch')) {
      await run.state.discardFull();
      throw new DiptychError(e.code, `${e.message} (full-audit progress discarded)`);
    }
    throw e;
  } finally {
    await pool?.close();
  }
  keptBytes = await run.state.saveFull(run.logKey, audit.progress(), kept, keptBytes);
  const seconds = (performance.now() - started) / 1000;
  const projects = await checkDerivedState(derived.projects, run.served.size, servedState(run.logUrl));
  const alerts = checkAlertState(derived.governance, run.served.size, await getJson<Parameters<typeof checkAlertState>[2]>(joinUrl(run.logUrl, '/api/v1/alerts')));
  return { entries: run.served.size - resumedFrom, resumedFrom, seconds, projects, alerts };
}

// One sweep: fetch each watched project from the index (JSON API and/or Simple API), turn what
// it serves into per-release observations, and log those that are news (observation.ts
// compareObservation). A release the witness saw before and no longer sees is logged with no
// files. Nothing here throws for a bad index or log answer: each becomes a failure in the report,
// and the state is advanced only for what reached the log, so the next sweep (or a restarted
// witness) picks up exactly what is missing.
import { mapConcurrent } from '../log/concurrent.js';
import { DiptychError } from '../log/errors.js';
import type { NoteSigner } from '../log/note.js';
import type { Clock } from './clock.js';
import type { IndexClient } from './index-client.js';
import type { IndexView, ViewSource } from './index-view.js';
import type { LogSubmitter } from './log-submitter.js';
import {
  compareObservation,
  observationEntry,
  observationFingerprint,
  observationSubject,
  observationsFromView,
  type ObservationContext,
  type ObservationPayload,
} from './observation.js';
import { pep503Normalize } from '../log/project-name.js';
import { versionKey } from '../log/pep440.js';
import type { PendingObservation, WitnessState } from './state.js';

export interface SweepDeps {
  readonly client: IndexClient;
  readonly state: WitnessState;
  readonly submitter: LogSubmitter;
  /** The witness's DSSE signer (type 0x01). */
  readonly signer: NoteSigner;
  /** The witness's vkey, as the log policy lists it. */
  readonly witness: string;
  readonly clock: Clock;
  /** The monitor's view of the log, when the witness runs one (witness/node.ts). */
  readonly monitor?: SweepMonitor;
  /**
   * A series not fetched in full for this long is fetched without its ETag, so that a view that
   * did not change is still seen again after a grace deadline (a 304 would hide that a signed
   * release is still missing). Absent: ETags always.
   */
  readonly refetchAfterMs?: number;
}

/** What the sweep asks of the monitor (monitor/engine.ts). */
export interface SweepMonitor {
  /** Versions with a signed manifest: their absence from a view is logged too (withheld). */
  signedVersions(project: string): string[];
  /** Whether an unchanged view must be logged again because a grace deadline passed. */
  refreshDue(view: { project: string; version: string; files: readonly { uploadMs: number | null }[]; observedAtMs: number }, previousMs: number): boolean;
}

export interface SweepOptions {
  readonly projects: readonly string[];
  /** Default both: the JSON API is primary, the Simple API a second view (PYPI-API.md §3.2). */
  readonly sources?: readonly ViewSource[];
  /** Projects observed at once (the index client bounds requests on its own). */
  readonly concurrency?: number;
  /** Log every view, changed or not, fetched afresh (a confirmation re-fetch, SPEC §4). */
  readonly force?: boolean;
}

export interface SweepFailure {
  readonly project: string;
  readonly source: ViewSource;
  /** An index failure reason (fetch-result.ts), log_rejected, log_unreachable or entry_too_large. */
  readonly reason: string;
  readonly message: string;
}

export interface SweepReport {
  fetched: number;
  notModified: number;
  logged: number;
  unchanged: number;
  /** Log indexes of the entries this sweep added. */
  readonly entries: number[];
  readonly failures: SweepFailure[];
}

const SUBMISSIONS_PER_VIEW = 16;


export async function runSweep(deps: SweepDeps, options: SweepOptions): Promise<SweepReport> {
  const report: SweepReport = { fetched: 0, notModified: 0, logged: 0, unchanged: 0, entries: [], failures: [] };
  const sources = options.sources ?? ['json', 'simple'];
  const projects = [...new Set(options.projects.map(pep503Normalize))];
  const jobs = projects.flatMap((project) => sources.map((source) => ({ project, source })));
  await mapConcurrent(jobs, options.concurrency ?? 8, (job) => observeProject(deps, job.project, job.source, report, options.force ?? false));
  return report;
}

/** The key of one series of views: the same project from one index through one API. */
export function seriesKey(indexUrl: string, project: string, source: ViewSource): string {
  return JSON.stringify([indexUrl, project, source]);
}

async function observeProject(deps: SweepDeps, project: string, source: ViewSource, report: SweepReport, force: boolean): Promise<void> {
  const { client, state } = deps;
  const series = seriesKey(client.baseUrl, project, source);
  const now = deps.clock.now();
  const lastFull = deps.refetchAfterMs === undefined ? undefined : await state.fetchedAt(series);
  const stale = deps.refetchAfterMs !== undefined && (lastFull === undefined || now - lastFull >= deps.refetchAfterMs);
  const etag = force || stale ? undefined : await state.etag(series);
  const result = source === 'json' ? await client.projectJson(project, { etag }) : await client.simple(project, { etag });
  const before = await state.observedVersions(series);
  // A project the witness has seen that the index now says does not exist: every release is
  // gone, which is news to log once (a CDN glitch is for the monitor's confirmation rule to
  // judge); after that, an empty view like any other.
  const vanished = !result.ok && result.reason === 'not_found' && before !== undefined;
  if (!result.ok && !vanished) {
    report.failures.push({ project, source, reason: result.reason, message: result.message });
    return;
  }
  if (result.ok && result.notModified) {
    report.notModified += 1;
    return;
  }
  report.fetched += 1;
  const view = result.ok ? result.value : emptyView(project, source);
  const ctx: ObservationContext = { witness: deps.witness, indexUrl: client.baseUrl, observedAt: deps.clock.now() };
  const expected = [...(before ?? []), ...(deps.monitor?.signedVersions(project) ?? [])];
  const payloads = [...observationsFromView(view, ctx), ...removedReleases(view, expected, ctx)];
  // Entries of one view go to the log together: the log batches them into one checkpoint.
  const logged = await mapConcurrent(payloads, SUBMISSIONS_PER_VIEW, (payload) => logIfNews(deps, payload, report, force));
  if (deps.refetchAfterMs !== undefined && etag === undefined) await state.putFetchedAt(series, now);
  const complete = logged.every(Boolean);
  // Only a fully logged view may be skipped next time (a 304 would hide what did not get in).
  if (!complete) return;
  await state.putObservedVersions(series, view.versions);
  if (view.etag !== null) await state.putEtag(series, view.etag);
}

function emptyView(project: string, source: ViewSource): IndexView {
  return { project, source, format: source === 'json' ? 'json-api' : 'pep691', serial: null, etag: null, versions: [], files: [] };
}

/** Empty views of releases the witness saw before or the developers signed, absent now. */
function removedReleases(view: IndexView, expected: readonly string[], ctx: ObservationContext): ObservationPayload[] {
  const now = new Set(view.versions.map(versionKey));
  const gone = new Map<string, string>();
  for (const v of expected) if (!now.has(versionKey(v)) && !gone.has(versionKey(v))) gone.set(versionKey(v), v);
  const observedAt = new Date(ctx.observedAt).toISOString();
  return [...gone.values()].map((version) => ({ witness: ctx.witness, indexUrl: ctx.indexUrl, project: view.project, version, lastSerial: view.serial, observedAt, source: view.source, files: [] }));
}

// Logs a payload if it is news; false when it should have been logged and was not.
async function logIfNews(deps: SweepDeps, payload: ObservationPayload, report: SweepReport, force: boolean): Promise<boolean> {
  const subject = observationSubject(payload);
  let previous = await deps.state.lastObservation(subject);
  const pending = await deps.state.pendingObservation(subject);
  if (pending !== undefined) {
    // Sent by a run that stopped before the log answered (killed, or the log was away): the
    // same bytes again, which the log holds once whether or not it got them then; this
    // payload is then news only if it differs from that one.
    const settled = await submitObservation(deps, subject, pending, payload, report);
    if (!settled) return false;
    previous = (await deps.state.lastObservation(subject)) ?? previous;
  }
  const change = compareObservation(previous, payload);
  if (change === 'unchanged' && !force && !refreshDue(deps, payload, previous?.observedAtMs)) {
    report.unchanged += 1;
    return true;
  }
  let entry: Uint8Array;
  try {
    entry = observationEntry(payload, deps.signer);
  } catch (e) {
    if (!(e instanceof DiptychError)) throw e;
    // Cannot ever be logged as it is (e.g. over 65535 bytes): report, do not retry forever.
    report.failures.push({ project: payload.project, source: payload.source, reason: e.code, message: `${payload.version}: ${e.message}` });
    return true;
  }
  const last = { fingerprint: observationFingerprint(payload), lastSerial: payload.lastSerial, observedAtMs: Date.parse(payload.observedAt) };
  // Durable before it is sent: a witness killed before the answer sends these bytes again.
  await deps.state.putPendingObservation(subject, { entry, last });
  return submitObservation(deps, subject, { entry, last }, payload, report);
}

/** Sends a pending observation; true once the log has it (or refused it for good). */
async function submitObservation(deps: SweepDeps, subject: string, pending: PendingObservation, payload: ObservationPayload, report: SweepReport): Promise<boolean> {
  const outcome = await deps.submitter.submit(pending.entry);
  if (!outcome.ok) {
    report.failures.push({ project: payload.project, source: payload.source, reason: outcome.reason, message: `${outcome.code}: ${outcome.message}` });
    // Refused: these bytes will never be logged, so they are not sent again.
    if (outcome.reason === 'log_rejected') await deps.state.putPendingObservation(subject, undefined);
    return false;
  }
  await deps.state.putLastObservation(subject, pending.last);
  report.logged += 1;
  report.entries.push(outcome.index);
  return true;
}

function refreshDue(deps: SweepDeps, payload: ObservationPayload, previousMs: number | undefined): boolean {
  if (!deps.monitor) return false;
  const files = payload.files.map((f) => {
    const ms = f.uploadTime === null ? NaN : Date.parse(f.uploadTime);
    return { uploadMs: Number.isFinite(ms) ? ms : null };
  });
  // A record from before observation times were kept: at most one extra entry.
  return deps.monitor.refreshDue({ project: payload.project, version: payload.version, files, observedAtMs: Date.parse(payload.observedAt) }, previousMs ?? 0);
}

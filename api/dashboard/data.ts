// What each dashboard page shows, gathered from the log with the same view functions the JSON
// API uses (log/project-views.ts, monitor/views.ts), so a page never says something the API
// does not.
import type { Crypto } from '../../log/crypto.js';
import { normalizeProjectName } from '../../log/project-name.js';
import type { TransparencyLog } from '../../log/transparency-log.js';
import { alertRecord, alertView, alertsView, suspensionsView } from '../../monitor/views.js';
import type { CitedEntry } from './alert.js';
import { checkpointSummary } from './checkpoint-summary.js';
import type { OverviewData } from './overview.js';
import type { AlertJson } from './parts.js';
import type { WitnessRow } from './witnesses.js';

const RECENT_ALERTS = 20;
const SEARCH_LIMIT = 50;

/** Newest first: by the leaf index of the alert's first entry. */
function newestFirst(alerts: readonly AlertJson[]): AlertJson[] {
  return [...alerts].sort((a, b) => (b.entries[0] ?? 0) - (a.entries[0] ?? 0));
}

function servedCheckpoint(log: TransparencyLog, crypto: Crypto) {
  return checkpointSummary(log.servedCheckpoint(), log.key.verifierKey, log.policy.witnesses.map((w) => w.vkey), crypto);
}

export function overviewData(log: TransparencyLog, crypto: Crypto): OverviewData {
  const alerts = alertsView(log.state, {});
  return {
    origin: log.origin,
    verifierKey: log.key.verifierKey,
    treeSize: log.sequencer.size,
    projects: log.projects.projectCount,
    cosignatureQuorum: log.policy.cosignatureQuorum,
    checkpoint: servedCheckpoint(log, crypto),
    witnesses: log.witnessStatus(),
    suspensions: suspensionsView(log.state),
    recentAlerts: newestFirst(alerts).slice(0, RECENT_ALERTS),
    alertCount: alerts.length,
  };
}

export function witnessRows(log: TransparencyLog, crypto: Crypto): WitnessRow[] {
  const status = new Map(log.witnessStatus().map((w) => [w.vkey, w.lastCosigned]));
  const cosigners = servedCheckpoint(log, crypto).cosigners;
  return log.policy.witnesses.map((w) => ({
    vkey: w.vkey,
    url: w.url,
    lastCosigned: status.get(w.vkey) ?? null,
    cosignedServedAt: cosigners.find((c) => c.vkey === w.vkey)?.at,
    observations: log.state.observations.observationCount(w.vkey),
  }));
}

/** "application/vnd.diptych.release+json" → "release"; foreign types stay whole. */
function shortType(payloadType: string): string {
  const m = /^application\/vnd\.diptych\.([a-z-]+)\+json$/.exec(payloadType);
  return m ? m[1]! : payloadType;
}

async function cite(log: TransparencyLog, indexes: readonly number[]): Promise<CitedEntry[]> {
  return Promise.all(
    indexes.map(async (index) => {
      const envelope = JSON.parse(new TextDecoder().decode(await log.sequencer.entry(index))) as { payloadType: string };
      return { index, type: shortType(envelope.payloadType) };
    }),
  );
}

export async function alertPageData(log: TransparencyLog, id: string): Promise<{ a: AlertJson; entries: CitedEntry[]; evidence: CitedEntry[] }> {
  const a = alertView(alertRecord(log.state, id));
  return { a, entries: await cite(log, a.entries), evidence: await cite(log, a.evidence) };
}

export interface SearchResults {
  readonly projects: string[];
  readonly files: string[];
  readonly more: boolean;
}

/**
 * Projects whose normalised name contains the query (the exact one first), and the file of that
 * exact name if a manifest lists it or a witness saw it served.
 */
export function search(log: TransparencyLog, query: string): SearchResults {
  if (query === '') return { projects: [], files: [], more: false };
  const files = log.projects.fileRelease(query) !== undefined || log.state.observations.viewsOf(query).length > 0 ? [query] : [];
  const needle = query.toLowerCase().replace(/[-_.]+/g, '-');
  let exact: string | undefined;
  try {
    exact = normalizeProjectName(query);
  } catch {
    // Not a valid project name (a filename, say): only substring matches.
  }
  const names = log.projects.projectNames();
  const matches = names.filter((n) => n !== exact && n.includes(needle));
  const projects = [...(exact !== undefined && log.projects.policy(exact) ? [exact] : []), ...matches];
  return { projects: projects.slice(0, SEARCH_LIMIT), files, more: projects.length > SEARCH_LIMIT };
}

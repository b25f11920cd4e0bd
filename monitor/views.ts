// The JSON the log serves about the monitor's side (SPEC §5): alerts with their escalations
// and status, the suspensions in force, and the observations joined into project lookups.
// Pure functions of LogState. Browser-safe.
import { DiptychError } from '../log/errors.js';
import { normalizeProjectName } from '../log/project-name.js';
import { sameVersion } from '../log/pep440.js';
import type { ViewJoins } from '../log/project-views.js';
import { isDiscrepancyKind, SEVERITIES, type Severity } from './kinds.js';
import type { AlertRecord } from './governance.js';
import type { LogState } from './log-state.js';

export type AlertStatus = 'open' | 'acknowledged' | 'suspended';

export function alertStatus(r: AlertRecord): AlertStatus {
  if (r.suspension) return 'suspended';
  return r.ack ? 'acknowledged' : 'open';
}

export function alertView(r: AlertRecord) {
  return {
    ...r.alert,
    evidence: r.evidence,
    entries: r.entries,
    raisedBy: r.raisedBy,
    escalations: r.escalations,
    ack: r.ack ?? null,
    suspension: r.suspension ?? null,
    lifted: r.lifted,
    status: alertStatus(r),
  };
}

export interface AlertFilter {
  readonly project?: string;
  readonly kind?: string;
  readonly severity?: string;
  /** An RFC 3339 time (raised at or after) or a leaf index (first logged at or after). */
  readonly since?: string;
}

function sinceTest(since: string | undefined): (r: AlertRecord) => boolean {
  if (since === undefined) return () => true;
  if (/^(0|[1-9][0-9]{0,15})$/.test(since)) return (r) => r.entries[0]! >= Number(since);
  const ms = Date.parse(since);
  if (!/^\d{4}-\d{2}-\d{2}/.test(since) || !Number.isFinite(ms)) throw new DiptychError('invalid_parameter', 'since is an RFC 3339 time or a leaf index');
  return (r) => Date.parse(r.alert.raisedAt) >= ms;
}

export function alertsView(state: LogState, filter: AlertFilter) {
  if (filter.kind !== undefined && !isDiscrepancyKind(filter.kind)) throw new DiptychError('invalid_parameter', `kind ${JSON.stringify(filter.kind)} is not a discrepancy kind`);
  if (filter.severity !== undefined && !(SEVERITIES as readonly string[]).includes(filter.severity)) {
    throw new DiptychError('invalid_parameter', `severity is one of ${SEVERITIES.join(', ')}`);
  }
  const project = filter.project === undefined ? undefined : normalizeProjectName(filter.project);
  const since = sinceTest(filter.since);
  const severity = filter.severity as Severity | undefined;
  const match = (r: AlertRecord) =>
    (project === undefined || r.alert.project === project) && (filter.kind === undefined || r.alert.kind === filter.kind) && (severity === undefined || r.severity === severity) && since(r);
  return state.governance.allAlerts().filter(match).map(alertView);
}

export function alertRecord(state: LogState, id: string): AlertRecord {
  if (!/^[0-9a-f]{64}$/.test(id)) throw new DiptychError('invalid_parameter', 'an alert id is 64 lowercase hex digits');
  const record = state.governance.alert(id);
  if (record === undefined) throw new DiptychError('alert_not_found', `no alert ${id} in the log`);
  return record;
}

/** Leaf indexes that prove an alert: its own entries and its evidence, in log order. */
export function alertProofIndexes(r: AlertRecord): number[] {
  return [...new Set([...r.entries, ...r.evidence])].sort((a, b) => a - b);
}

export function suspensionsView(state: LogState) {
  const active = state.governance.suspensions();
  return {
    suspended: {
      index: active.some((s) => s.suspension.scope === 'index'),
      projects: [...new Set(active.flatMap((s) => (s.suspension.project === undefined ? [] : [s.suspension.project])))].sort(),
    },
    suspensions: active.map(({ alert, suspension }) => ({
      ...suspension,
      alert: alert.alert.id,
      kind: alert.alert.kind,
      severity: alert.severity,
    })),
  };
}

export function viewJoins(state: LogState): ViewJoins {
  return {
    observations: (project, version) =>
      state.observations.latestOf(project, version).map((o) => ({
        witness: o.witness,
        indexUrl: o.indexUrl,
        source: o.source,
        index: o.index,
        observedAt: new Date(o.observedAtMs).toISOString(),
        lastSerial: o.lastSerial,
        files: o.files.map((f) => ({ filename: f.filename, sha256: f.sha256, yanked: f.yanked })),
      })),
    alerts: (project, version) =>
      state.governance.allAlerts().filter((r) => r.alert.project === project && r.alert.version !== undefined && sameVersion(r.alert.version, version)).map(alertView),
    observed: (filename) =>
      state.observations.viewsOf(filename).map((v) => ({ witness: v.supporter.witness, indexUrl: v.supporter.indexUrl, sha256: v.sha256, at: new Date(v.supporter.observedAtMs).toISOString(), index: v.supporter.index })),
  };
}

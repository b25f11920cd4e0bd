// An auditor's check of the monitor's side: the alerts, escalations, acknowledgements and
// suspensions the log serves (GET /api/v1/alerts) must be exactly what its entries give when
// replayed (governance.ts). The log answers for its current tree, which may be newer than the
// audited checkpoint: an alert whose served view cites an entry at or beyond the audited size is
// counted as newer and left to the next audit. Browser-safe; fetching is the caller's.
import { canonicalJson } from '../log/jcs.js';
import { DiptychError } from '../log/errors.js';
import type { GovernanceState } from './governance.js';
import { alertView } from './views.js';

type View = ReturnType<typeof alertView>;

function comparable(v: View): string {
  return canonicalJson({
    id: v.id,
    kind: v.kind,
    severity: v.severity,
    entries: v.entries,
    evidence: v.evidence,
    escalations: v.escalations.map((e) => [e.index, e.party, e.action]),
    ack: v.ack?.index ?? null,
    suspension: v.suspension === null ? null : [v.suspension.index, v.suspension.scope, v.suspension.project ?? null, v.suspension.escalations],
    lifted: v.lifted.map((l) => [l.suspension.index, l.by]),
    status: v.status,
  });
}

function cited(v: View): number[] {
  return [...v.entries, ...v.escalations.map((e) => e.index), v.ack?.index ?? 0, v.suspension?.index ?? 0, ...v.lifted.flatMap((l) => l.by)];
}

export interface AlertStateReport {
  readonly compared: number;
  readonly newer: number;
  /** Suspensions in force at the audited size, recomputed. */
  readonly suspensions: number;
}

export function checkAlertState(derived: GovernanceState, size: number, served: readonly View[]): AlertStateReport {
  const ours = new Map(derived.allAlerts().map((r) => [r.alert.id, JSON.parse(JSON.stringify(alertView(r))) as View]));
  let compared = 0;
  let newer = 0;
  for (const view of served) {
    if (cited(view).some((i) => i >= size)) {
      newer++;
      ours.delete(view.id);
      continue;
    }
    const mine = ours.get(view.id);
    if (mine === undefined) throw new DiptychError('derived_state_mismatch', `the log serves alert ${view.id}, which no entry below ${size} raises`);
    if (comparable(mine) !== comparable(view)) throw new DiptychError('derived_state_mismatch', `alert ${view.id}: the log serves ${comparable(view)}, the entries give ${comparable(mine)}`);
    ours.delete(view.id);
    compared++;
  }
  const [missing] = ours.keys();
  if (missing !== undefined) throw new DiptychError('derived_state_mismatch', `the log does not serve alert ${missing}, raised by entry ${ours.get(missing)!.entries[0]}`);
  return { compared, newer, suspensions: derived.suspensions().length };
}

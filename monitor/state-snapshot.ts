// A snapshot of the state the log derives from its entries (LogState), kept in level so that a
// restart replays only the entries logged since, not the whole log. The log stays the source of
// truth: a snapshot names the size it covers and the leaf hash of its last entry, and one that
// does not match the log, was written by other rules, or does not parse is dropped and the
// state rebuilt from the entries (as `diptych serve --reindex` asks). Browser-safe.
import { DiptychError } from '../log/errors.js';
import { parseVerifierKey } from '../log/note.js';
import { keyidOfVkey, NO_REVOCATIONS, type KeyPolicy, type Revocation } from '../log/project-policy.js';
import type { ReleaseState } from '../log/release-manifest.js';
import type { LogPolicy } from '../log/policy.js';
import type { AlertRecord } from './governance.js';
import type { LoggedObservation } from './observation-index.js';
import { LogState } from './log-state.js';

/**
 * Bumped whenever a rule or the shape of the derived state changes: a snapshot made under other
 * rules could differ from what replaying the entries gives now.
 */
export const RULES_VERSION = 1;

interface PolicyJson {
  readonly project: string;
  readonly seq: number;
  readonly threshold: number;
  readonly keys: readonly string[];
  readonly revoked: readonly Revocation[];
  readonly known: readonly [string, string][];
  readonly index: number;
}

export interface StateSnapshot {
  readonly rules: number;
  /** Entries [0, size) are in it. */
  readonly size: number;
  /** Hex leaf hash of entry size-1 ('' for size 0): ties the snapshot to this log. */
  readonly lastLeaf: string;
  readonly policies: readonly PolicyJson[];
  readonly releases: readonly ReleaseState[];
  readonly logPolicy: LogPolicy;
  readonly logPolicyIndex: number | null;
  readonly alerts: readonly AlertRecord[];
  readonly observations: readonly LoggedObservation[];
  readonly witnessCounts: readonly [string, number][];
}

function policyJson(p: KeyPolicy): PolicyJson {
  return { project: p.project, seq: p.seq, threshold: p.threshold, keys: p.keys.map((k) => k.vkey), revoked: [...p.revoked.values()], known: [...p.known], index: p.index };
}

function keyPolicy(j: PolicyJson): KeyPolicy {
  const keys = j.keys.map((vkey) => ({ keyid: keyidOfVkey(vkey), vkey, publicKey: parseVerifierKey(vkey).publicKey }));
  return { project: j.project, seq: j.seq, threshold: j.threshold, keys, revoked: j.revoked.length === 0 ? NO_REVOCATIONS : new Map(j.revoked.map((r) => [r.keyid, r])), known: new Map(j.known), index: j.index };
}

export function snapshotOf(state: LogState, size: number, lastLeaf: string): StateSnapshot {
  return {
    rules: RULES_VERSION,
    size,
    lastLeaf,
    policies: state.projects.allPolicies().map(policyJson),
    releases: state.projects.allReleases(),
    logPolicy: state.governance.policy(),
    logPolicyIndex: state.governance.policyIndex ?? null,
    alerts: state.governance.allAlerts(),
    observations: state.observations.latestViews(),
    witnessCounts: state.observations.witnessCounts(),
  };
}

export function encodeSnapshot(snapshot: StateSnapshot): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(snapshot));
}

/** The snapshot in `bytes`, or a DiptychError('state_snapshot_invalid') saying why not. */
export function decodeSnapshot(bytes: Uint8Array): StateSnapshot {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new DiptychError('state_snapshot_invalid', 'the derived-state snapshot is not JSON');
  }
  const s = value as Partial<StateSnapshot>;
  if (typeof s !== 'object' || s === null || s.rules !== RULES_VERSION) throw new DiptychError('state_snapshot_invalid', 'the snapshot was made under other rules');
  if (!Number.isSafeInteger(s.size) || typeof s.lastLeaf !== 'string' || !Array.isArray(s.policies) || !Array.isArray(s.releases) || !Array.isArray(s.alerts) || !Array.isArray(s.observations)) {
    throw new DiptychError('state_snapshot_invalid', 'the snapshot lacks a part of the state');
  }
  return s as StateSnapshot;
}

/** The LogState a snapshot holds (throws on a snapshot that does not rebuild). */
export function restoreState(snapshot: StateSnapshot): LogState {
  const state = new LogState();
  state.projects.restore(snapshot.policies.map(keyPolicy), snapshot.releases);
  state.governance.restore(snapshot.logPolicy, snapshot.logPolicyIndex ?? undefined, snapshot.alerts);
  state.observations.restore(snapshot.observations, snapshot.witnessCounts);
  return state;
}

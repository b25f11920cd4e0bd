// What the log makes of alerts: who raised them, who escalated them, which maintainers
// acknowledged them, and which suspensions are in force. A pure state machine over the log's
// entries in order, so the log, an auditor and a client all compute the same suspensions
// (SPEC §3, §4, §8). The log applies it as an admission rule (refusing what breaks it) and
// replays it at start; rules:
// - alert: signed by a witness (checked on arrival, witness-entries.ts); logged at most once per
//   stage (suspect, then confirmed): alert_exists; evidence only cites earlier entries.
// - escalation: one signature, by a trusted party of the policy in force (untrusted_party); the
//   alert exists (alert_not_found) and is not acknowledged (alert_acknowledged); one vote per
//   party per round (duplicate_escalation); suspending what is suspended (already_suspended) or
//   lifting what is not (not_suspended) is refused. A round of `escalationQuorum` distinct
//   parties for a suspension makes the log publish a suspension entry (pendingSuspensions);
//   a round of lifts ends the suspension at once (a lift needs no further signed statement).
// - ack: threshold-signed by the alert's project keys; not twice (duplicate_ack), not while the
//   alert's suspension is in force (alert_suspended: maintainers cannot undo a suspension).
// - suspension and policy: signed by the log key (not_log_signed); a suspension must rest on a
//   quorum round of escalations (invalid_suspension). Browser-safe.
import { DiptychError } from '../log/errors.js';
import type { ParsedEnvelope } from '../log/dsse.js';
import { parseVerifierKey, keyHandle } from '../log/note.js';
import { EMPTY_POLICY, parsePolicy, type LogPolicy } from '../log/policy.js';
import { countSignatures } from '../log/policy-signatures.js';
import type { KeyPolicy } from '../log/project-policy.js';
import { canonicalBytes } from '../log/jcs.js';
import { ALERT_TYPE, parseAlertPayload, type AlertPayload } from './alert-payload.js';
import { severityStage, type Severity } from './kinds.js';
import {
  ACK_TYPE,
  ESCALATION_TYPE,
  POLICY_TYPE,
  SUSPENSION_TYPE,
  parseAckPayload,
  parseEscalationPayload,
  parseSuspensionPayload,
  scopeOf,
  type Action,
  type Scope,
  type SuspendAction,
} from './governance-payloads.js';

export const GOVERNANCE_TYPES: ReadonlySet<string> = new Set([ALERT_TYPE, ESCALATION_TYPE, ACK_TYPE, SUSPENSION_TYPE, POLICY_TYPE]);

export interface Escalation {
  readonly index: number;
  /** The trusted party's keyid. */
  readonly party: string;
  readonly action: Action;
  readonly reason: string;
  readonly at: string;
}

export interface Suspension {
  readonly index: number;
  readonly scope: Scope;
  readonly project?: string;
  readonly escalations: readonly number[];
  readonly parties: readonly string[];
  readonly effectiveAt: string;
}

export interface AlertRecord {
  /** The first entry's payload, with the highest severity logged since. */
  readonly alert: AlertPayload;
  readonly severity: Severity;
  /** Leaf indexes of its alert entries, and the keyids that signed them. */
  readonly entries: readonly number[];
  readonly raisedBy: readonly string[];
  /** Every entry any of its alert entries cites, sorted. */
  readonly evidence: readonly number[];
  readonly ack?: { readonly index: number; readonly reason: string; readonly at: string };
  /** Every escalation, in log order. */
  readonly escalations: readonly Escalation[];
  /** Per action, the escalations since its last effect (a suspension published or a lift). */
  readonly rounds: Readonly<Partial<Record<Action, readonly Escalation[]>>>;
  readonly suspension?: Suspension;
  /** Suspensions that were lifted, with the lifting escalations. */
  readonly lifted: readonly { readonly suspension: Suspension; readonly by: readonly number[] }[];
}

export interface GovernanceView {
  policy(): LogPolicy;
  alert(id: string): AlertRecord | undefined;
}

export type GovernanceChange =
  | { readonly kind: 'policy'; readonly policy: LogPolicy; readonly index: number }
  | { readonly kind: 'alert'; readonly record: AlertRecord };

export interface GovernanceContext {
  /** The log's own keyid (name+hex8): the only signer of policy and suspension entries. */
  readonly logKeyid: string;
  /** The project's key policy, for acknowledgements. */
  readonly projectPolicy: (project: string) => KeyPolicy | undefined;
}

export interface Signatures {
  readonly keyids: readonly string[];
  readonly verified: ReadonlySet<string>;
}

function fail(code: string, message: string): never {
  throw new DiptychError(code, message);
}

export function partyKeyids(policy: LogPolicy): Map<string, string> {
  return new Map(policy.trustedParties.map((vkey) => {
    const k = parseVerifierKey(vkey);
    return [keyHandle(k.name, k.keyId), vkey];
  }));
}

/** The change an entry makes to the governance state, undefined for other types, or the refusal. */
export function evaluateGovernanceEntry(view: GovernanceView, parsed: ParsedEnvelope, sigs: Signatures, index: number, ctx: GovernanceContext): GovernanceChange | undefined {
  switch (parsed.envelope.payloadType) {
    case ALERT_TYPE:
      return { kind: 'alert', record: applyAlert(view, parseAlertPayload(parsed.payload), sigs, index) };
    case ESCALATION_TYPE:
      return { kind: 'alert', record: applyEscalation(view, parsed, sigs, index) };
    case ACK_TYPE:
      return { kind: 'alert', record: applyAck(view, parsed, sigs, index, ctx) };
    case SUSPENSION_TYPE:
      requireLogSigned(sigs, ctx, 'suspension');
      return { kind: 'alert', record: applySuspension(view, parsed, index) };
    case POLICY_TYPE:
      requireLogSigned(sigs, ctx, 'policy');
      return { kind: 'policy', policy: parsePolicy(new TextDecoder().decode(canonicalBytes(parsed.payload))), index };
    default:
      return undefined;
  }
}

function requireLogSigned(sigs: Signatures, ctx: GovernanceContext, what: string): void {
  if (!sigs.verified.has(ctx.logKeyid) || sigs.keyids.some((k) => k !== ctx.logKeyid)) fail('not_log_signed', `${what} entries are signed by the log key alone`);
}

function existing(view: GovernanceView, id: string): AlertRecord {
  return view.alert(id) ?? fail('alert_not_found', `no alert ${id} in the log`);
}

function applyAlert(view: GovernanceView, alert: AlertPayload, sigs: Signatures, index: number): AlertRecord {
  if (alert.evidence.some((i) => i >= index)) fail('invalid_alert', 'evidence cites only entries logged before the alert');
  const prev = view.alert(alert.id);
  const signers = sigs.keyids.filter((k) => sigs.verified.has(k));
  if (!prev) return { alert, severity: alert.severity, entries: [index], raisedBy: signers, evidence: alert.evidence, escalations: [], rounds: {}, lifted: [] };
  if (severityStage(alert.severity) <= severityStage(prev.severity)) {
    fail('alert_exists', `alert ${alert.id} is already logged as ${prev.severity} (entry ${prev.entries[0]})`);
  }
  return {
    ...prev,
    alert: { ...prev.alert, severity: alert.severity },
    severity: alert.severity,
    entries: [...prev.entries, index],
    raisedBy: [...new Set([...prev.raisedBy, ...signers])],
    evidence: [...new Set([...prev.evidence, ...alert.evidence])].sort((a, b) => a - b),
  };
}

function escalatingParty(view: GovernanceView, sigs: Signatures): string {
  const parties = partyKeyids(view.policy());
  if (sigs.keyids.length !== 1) fail('invalid_escalation', 'an escalation carries exactly one signature, its party\'s');
  const party = sigs.keyids[0]!;
  if (!parties.has(party) || !sigs.verified.has(party)) fail('untrusted_party', `${party} is not a trusted party of the log policy`);
  return party;
}

function applyEscalation(view: GovernanceView, parsed: ParsedEnvelope, sigs: Signatures, index: number): AlertRecord {
  const e = parseEscalationPayload(parsed.payload);
  const party = escalatingParty(view, sigs);
  const record = existing(view, e.alert);
  if (record.ack) fail('alert_acknowledged', `alert ${e.alert} was acknowledged by its maintainers (entry ${record.ack.index}) and cannot be escalated`);
  if (e.action === 'suspend-project' && record.alert.project === undefined) fail('invalid_escalation', `alert ${e.alert} names no project to suspend`);
  if (e.action === 'lift' && !record.suspension) fail('not_suspended', `alert ${e.alert} has no suspension in force to lift`);
  if (e.action !== 'lift' && record.suspension?.scope === scopeOf(e.action)) fail('already_suspended', `alert ${e.alert} already has a ${record.suspension.scope} suspension (entry ${record.suspension.index})`);
  const round = record.rounds[e.action] ?? [];
  if (round.some((x) => x.party === party)) fail('duplicate_escalation', `${party} already escalated alert ${e.alert} with ${e.action}`);
  const escalation: Escalation = { index, party, action: e.action, reason: e.reason, at: e.at };
  const next: AlertRecord = { ...record, escalations: [...record.escalations, escalation], rounds: { ...record.rounds, [e.action]: [...round, escalation] } };
  if (e.action !== 'lift' || round.length + 1 < view.policy().escalationQuorum) return next;
  const { suspension: _ended, ...rest } = next;
  return { ...rest, rounds: { ...next.rounds, lift: [] }, lifted: [...record.lifted, { suspension: record.suspension!, by: [...round, escalation].map((x) => x.index) }] };
}

function applyAck(view: GovernanceView, parsed: ParsedEnvelope, sigs: Signatures, index: number, ctx: GovernanceContext): AlertRecord {
  const a = parseAckPayload(parsed.payload);
  const record = existing(view, a.alert);
  const project = record.alert.project ?? fail('invalid_ack', `alert ${a.alert} is about no project, so no maintainers can acknowledge it`);
  const policy = ctx.projectPolicy(project) ?? fail('no_key_policy', `${project} has no key policy in the log`);
  countSignatures(sigs, { keys: policy.keys, threshold: policy.threshold, revoked: policy.revoked, what: `acknowledgement of alert ${a.alert}` });
  if (record.ack) fail('duplicate_ack', `alert ${a.alert} was acknowledged already (entry ${record.ack.index})`);
  if (record.suspension) fail('alert_suspended', `alert ${a.alert} has a suspension in force (entry ${record.suspension.index}); only trusted parties can lift it`);
  // A quorum already agreed and the log owes the suspension: too late to acknowledge.
  if (pendingSuspension(record, view.policy())) fail('alert_suspended', `alert ${a.alert} has a quorum of escalations; its suspension is being published`);
  return { ...record, ack: { index, reason: a.reason, at: a.at } };
}

function applySuspension(view: GovernanceView, parsed: ParsedEnvelope, index: number): AlertRecord {
  const s = parseSuspensionPayload(parsed.payload);
  const record = existing(view, s.alert);
  const action: SuspendAction = s.scope === 'index' ? 'suspend-index' : 'suspend-project';
  if (s.scope === 'project' && s.project !== record.alert.project) fail('invalid_suspension', `alert ${s.alert} is about ${record.alert.project ?? 'no project'}, not ${s.project}`);
  const round = record.rounds[action] ?? [];
  const cited = s.escalations.map((i) => round.find((e) => e.index === i) ?? fail('invalid_suspension', `entry ${i} is not a pending ${action} escalation of alert ${s.alert}`));
  const parties = [...new Set(cited.map((e) => e.party))];
  const quorum = view.policy().escalationQuorum;
  if (quorum < 1 || parties.length < quorum) fail('invalid_suspension', `a suspension needs ${quorum} distinct trusted parties, cites ${parties.length}`);
  const suspension: Suspension = { index, scope: s.scope, ...(s.project === undefined ? {} : { project: s.project }), escalations: s.escalations, parties, effectiveAt: s.effectiveAt };
  return { ...record, suspension, rounds: { ...record.rounds, [action]: [] } };
}

/** A suspension the log owes: a round that reached the quorum and is not yet published. */
export interface PendingSuspension {
  readonly alert: AlertRecord;
  readonly action: SuspendAction;
  readonly escalations: readonly Escalation[];
}

export function pendingSuspension(record: AlertRecord, policy: LogPolicy): PendingSuspension | undefined {
  if (policy.escalationQuorum < 1) return undefined;
  for (const action of ['suspend-index', 'suspend-project'] as const) {
    const round = record.rounds[action] ?? [];
    if (new Set(round.map((e) => e.party)).size >= policy.escalationQuorum) return { alert: record, action, escalations: round };
  }
  return undefined;
}

export class GovernanceState implements GovernanceView {
  private current: LogPolicy = EMPTY_POLICY;
  private currentIndex: number | undefined;
  private readonly alerts = new Map<string, AlertRecord>();
  /** Alert ids in the order they were first logged. */
  private readonly order: string[] = [];

  policy(): LogPolicy {
    return this.current;
  }

  /** Leaf index of the policy entry in force, undefined before the first. */
  get policyIndex(): number | undefined {
    return this.currentIndex;
  }

  alert(id: string): AlertRecord | undefined {
    return this.alerts.get(id);
  }

  allAlerts(): AlertRecord[] {
    return this.order.map((id) => this.alerts.get(id)!);
  }

  /** Rebuilds the state a snapshot holds. */
  restore(policy: LogPolicy, policyIndex: number | undefined, alerts: readonly AlertRecord[]): void {
    this.current = policy;
    this.currentIndex = policyIndex;
    for (const record of alerts) this.apply({ kind: 'alert', record });
  }

  apply(change: GovernanceChange): void {
    if (change.kind === 'policy') {
      this.current = change.policy;
      this.currentIndex = change.index;
      return;
    }
    if (!this.alerts.has(change.record.alert.id)) this.order.push(change.record.alert.id);
    this.alerts.set(change.record.alert.id, change.record);
  }

  /** Suspensions in force: the index-wide ones and those of each project. */
  suspensions(): { alert: AlertRecord; suspension: Suspension }[] {
    return this.allAlerts().flatMap((a) => (a.suspension ? [{ alert: a, suspension: a.suspension }] : []));
  }

  pendingSuspensions(): PendingSuspension[] {
    return this.allAlerts().flatMap((a) => pendingSuspension(a, this.current) ?? []);
  }
}

/** A batch's changes over the committed state, visible to the batch's later entries. */
export class GovernanceOverlay implements GovernanceView {
  private policyChange: LogPolicy | undefined;
  private readonly alerts = new Map<string, AlertRecord>();
  readonly changes: GovernanceChange[] = [];

  constructor(private readonly base: GovernanceView) {}

  policy(): LogPolicy {
    return this.policyChange ?? this.base.policy();
  }

  alert(id: string): AlertRecord | undefined {
    return this.alerts.get(id) ?? this.base.alert(id);
  }

  add(change: GovernanceChange): void {
    if (change.kind === 'policy') this.policyChange = change.policy;
    else this.alerts.set(change.record.alert.id, change.record);
    this.changes.push(change);
  }
}

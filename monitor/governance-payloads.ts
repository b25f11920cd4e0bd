// Payloads of the entries that act on alerts (SPEC §3): escalations by trusted parties,
// acknowledgements by maintainers, and the suspensions the log publishes. Browser-safe.
import { DiptychError } from '../log/errors.js';
import { checkArray, checkFields } from '../log/payload-fields.js';
import { requireNormalizedProject } from '../log/project-name.js';
import { parseTimestamp } from '../log/timestamp.js';

export const ESCALATION_TYPE = 'application/vnd.diptych.escalation+json';
export const ACK_TYPE = 'application/vnd.diptych.ack+json';
export const SUSPENSION_TYPE = 'application/vnd.diptych.suspension+json';
export const POLICY_TYPE = 'application/vnd.diptych.policy+json';

export const ACTIONS = ['suspend-project', 'suspend-index', 'lift'] as const;
export type Action = (typeof ACTIONS)[number];
export type SuspendAction = Exclude<Action, 'lift'>;
export type Scope = 'project' | 'index';

export function scopeOf(action: SuspendAction): Scope {
  return action === 'suspend-index' ? 'index' : 'project';
}

export interface EscalationPayload {
  readonly alert: string;
  readonly action: Action;
  readonly reason: string;
  readonly at: string;
}

export interface AckPayload {
  readonly alert: string;
  readonly reason: string;
  readonly at: string;
}

export interface SuspensionPayload {
  readonly scope: Scope;
  readonly project?: string;
  readonly alert: string;
  readonly escalations: readonly number[];
  readonly effectiveAt: string;
}

function alertRef(value: unknown, code: string): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value)) throw new DiptychError(code, 'alert is an alert id (64 lowercase hex digits)');
  return value;
}

function reason(value: unknown, code: string): string {
  if (typeof value !== 'string' || value.length > 4096) throw new DiptychError(code, 'reason is a string of at most 4096 characters');
  return value;
}

export function parseEscalationPayload(value: unknown): EscalationPayload {
  const p = checkFields(value, 'an escalation', ['alert', 'action', 'reason', 'at']);
  const action = p['action'];
  if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action)) {
    throw new DiptychError('unknown_action', `action must be one of ${ACTIONS.join(', ')}, not ${JSON.stringify(action)}`);
  }
  parseTimestamp(p['at'], 'at');
  return { alert: alertRef(p['alert'], 'invalid_escalation'), action: action as Action, reason: reason(p['reason'], 'invalid_escalation'), at: p['at'] as string };
}

export function parseAckPayload(value: unknown): AckPayload {
  const p = checkFields(value, 'an acknowledgement', ['alert', 'reason', 'at']);
  parseTimestamp(p['at'], 'at');
  return { alert: alertRef(p['alert'], 'invalid_ack'), reason: reason(p['reason'], 'invalid_ack'), at: p['at'] as string };
}

export function parseSuspensionPayload(value: unknown): SuspensionPayload {
  const p = checkFields(value, 'a suspension', ['scope', 'alert', 'escalations', 'effectiveAt'], ['project']);
  const scope = p['scope'];
  if (scope !== 'project' && scope !== 'index') throw new DiptychError('invalid_suspension', 'scope is "project" or "index"');
  if ((scope === 'project') !== (p['project'] !== undefined)) throw new DiptychError('invalid_suspension', 'a project suspension names its project, an index suspension none');
  const escalations = checkArray(p['escalations'], 'escalations', 256).map((i) => {
    if (typeof i !== 'number' || !Number.isSafeInteger(i) || i < 0) throw new DiptychError('invalid_suspension', 'escalations lists leaf indexes');
    return i;
  });
  parseTimestamp(p['effectiveAt'], 'effectiveAt');
  const out: SuspensionPayload = { scope, alert: alertRef(p['alert'], 'invalid_suspension'), escalations, effectiveAt: p['effectiveAt'] as string };
  return p['project'] === undefined ? out : { ...out, project: requireNormalizedProject(p['project']) };
}

// The governance rules as a pure state machine (monitor/governance.ts), one entry at a time:
// what each entry does to an alert's record, and the refusals with their codes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseEnvelope } from '../log/dsse.js';
import { keyHandle } from '../log/note.js';
import { parsePolicy } from '../log/policy.js';
import { ProjectState } from '../log/project-state.js';
import { evaluateEntry, signaturesOf } from '../log/project-entry.js';
import { GovernanceState, evaluateGovernanceEntry, type GovernanceContext } from '../monitor/governance.js';
import { canonicalEnvelopeBytes, signEnvelope } from '../log/dsse.js';
import { outcome } from './support/assert-code.js';
import { keysEntry, newSignerKey } from './support/log-fixture.js';
import { ackEntry, alertEntry, alertPayload, escalationEntry } from './support/monitor-entries.js';

const dev = newSignerKey('dev.test/maintainer');
const witness = newSignerKey('witness.test/w');
const log = newSignerKey('log.test/log');
const [p1, p2, p3] = ['one', 'two', 'three'].map((n) => newSignerKey(`party.test/${n}`)) as [ReturnType<typeof newSignerKey>, ReturnType<typeof newSignerKey>, ReturnType<typeof newSignerKey>];
const alert = alertPayload({ kind: 'withheld-release', project: 'demo', version: '1.0' }, 'suspect');

function world() {
  const projects = new ProjectState();
  const keys = parseEnvelope(keysEntry(dev, 'demo'));
  projects.apply(evaluateEntry(projects, keys, signaturesOf(keys, 'all'), 0, { foreignTypes: 'accept' })!);
  const governance = new GovernanceState();
  governance.apply({ kind: 'policy', index: 1, policy: parsePolicy(JSON.stringify({ witnesses: [{ vkey: witness.verifierKey }], trustedParties: [p1, p2, p3].map((p) => p.verifierKey), escalationQuorum: 2 })) });
  const ctx: GovernanceContext = { logKeyid: keyHandle(log.name, log.keyId), projectPolicy: (p) => projects.policy(p) };
  let index = 2;
  const apply = (bytes: Uint8Array) => {
    const parsed = parseEnvelope(bytes);
    const change = evaluateGovernanceEntry(governance, parsed, signaturesOf(parsed, 'all'), index++, ctx);
    if (change) governance.apply(change);
    return change;
  };
  const code = (bytes: Uint8Array) => outcome(() => apply(bytes));
  return { governance, apply, code, next: () => index };
}

test('a quorum of escalations is owed a suspension; until it is published no ack is taken', () => {
  const w = world();
  w.apply(alertEntry(witness, alert));
  w.apply(escalationEntry([p1], alert.id, 'suspend-project'));
  assert.equal(w.governance.pendingSuspensions(), [], 'one party is not a quorum');
  w.apply(escalationEntry([p2], alert.id, 'suspend-project'));
  assert.equal(w.governance.pendingSuspensions().map((p) => p.action), ['suspend-project']);
  assert.is(w.code(ackEntry([dev], alert.id)), 'alert_suspended');
  const owed = w.governance.pendingSuspensions()[0]!;
  const suspension = canonicalEnvelopeBytes(signEnvelope('application/vnd.diptych.suspension+json', { scope: 'project', project: 'demo', alert: alert.id, escalations: owed.escalations.map((e) => e.index), effectiveAt: '2026-11-23T12:00:00Z' }, [log.signer]));
  assert.is(w.code(canonicalEnvelopeBytes(signEnvelope('application/vnd.diptych.suspension+json', { scope: 'project', project: 'demo', alert: alert.id, escalations: [owed.escalations[0]!.index], effectiveAt: '2026-11-23T12:00:00Z' }, [log.signer]))), 'invalid_suspension', 'one escalation is not a quorum');
  assert.is(w.code(canonicalEnvelopeBytes(signEnvelope('application/vnd.diptych.suspension+json', { scope: 'project', project: 'demo', alert: alert.id, escalations: owed.escalations.map((e) => e.index), effectiveAt: '2026-11-23T12:00:00Z' }, [p1.signer]))), 'not_log_signed');
  w.apply(suspension);
  assert.equal(w.governance.suspensions().map((s) => s.suspension.scope), ['project']);
  assert.equal(w.governance.pendingSuspensions(), []);
  assert.is(w.code(escalationEntry([p3], alert.id, 'suspend-project')), 'already_suspended');
  w.apply(escalationEntry([p1], alert.id, 'lift'));
  assert.is(w.code(escalationEntry([p1], alert.id, 'lift', 'again')), 'duplicate_escalation');
  w.apply(escalationEntry([p3], alert.id, 'lift'));
  assert.equal(w.governance.suspensions(), [], 'a quorum of lifts ends it');
  assert.is(w.governance.alert(alert.id)!.lifted.length, 1);
  assert.ok(w.apply(ackEntry([dev], alert.id)), 'after the lift, the maintainers may acknowledge');
  assert.is(w.code(escalationEntry([p2], alert.id, 'suspend-index')), 'alert_acknowledged');
});

test('alerts: once per stage; evidence only from earlier entries; two signatures on an escalation refused', () => {
  const w = world();
  w.apply(alertEntry(witness, alert));
  assert.is(w.code(alertEntry(witness, alert)), 'alert_exists');
  const confirmed = alertPayload({ kind: 'withheld-release', project: 'demo', version: '1.0' }, 'high', [0]);
  w.apply(alertEntry(witness, confirmed));
  assert.is(w.governance.alert(alert.id)!.severity, 'high');
  assert.is(w.code(alertEntry(witness, alertPayload({ kind: 'withheld-release', project: 'demo', version: '2.0' }, 'suspect', [w.next() + 5]))), 'invalid_alert');
  assert.is(w.code(escalationEntry([p1, p2], alert.id, 'suspend-project')), 'invalid_escalation');
  assert.is(w.code(escalationEntry([dev], alert.id, 'suspend-project')), 'untrusted_party');
});

test.run();

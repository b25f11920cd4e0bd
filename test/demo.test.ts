// The whole monitor story end to end through real servers on 127.0.0.1 (cli/demo.ts: a log,
// two witnesses, a PyPI replay, a webhook receiver), then every alert, escalation, suspension
// and lift is checked in the log itself, the alert's proof bundle is checked offline, and the
// escalation and acknowledgement rules are tried with their exact error codes.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readSignerKeyFile } from '../log/log-key.js';
import { verifyProofBundle } from '../log/proof-bundle.js';
import { runDemo } from '../cli/demo.js';
import { verifyCommand } from '../cli/verify.js';
import { checkAlertEvidence } from '../monitor/evidence.js';
import { checkAlertState } from '../monitor/alert-state-check.js';
import { DerivedState } from '../log/audit-replay.js';
import { canonicalEnvelopeBytes, type Envelope } from '../log/dsse.js';
import { auditCommand } from '../cli/audit.js';
import { outcome } from './support/assert-code.js';
import { writeFile } from 'node:fs/promises';
import { assertErrorReply, jsonOf, postEntry, request } from './support/log-fixture.js';
import { ackEntry, escalationEntry } from './support/monitor-entries.js';

interface AlertJson {
  id: string;
  kind: string;
  severity: string;
  project: string;
  evidence: number[];
  entries: number[];
  raisedBy: string[];
  escalations: Array<{ index: number; action: string; party: string }>;
  suspension: unknown;
  lifted: Array<{ suspension: { index: number; parties: string[] }; by: number[] }>;
  status: string;
}

test('demo story: signed release, swapped file, alerts, escalation, suspension, refusal, lift', async () => {
  const demo = await runDemo();
  try {
    assert.is(demo.verifyTampered, 1, 'the swapped file fails verify');
    assert.is(demo.verifySuspended, 1, 'while suspended, even the released file is refused');
    assert.is(demo.verifyAfterLift, 0, 'after the lift the released file verifies');
    const alerts = jsonOf<AlertJson[]>(await request(demo.logUrl, '/api/v1/alerts?project=snowballstemmer'));
    assert.equal(alerts.map((a) => `${a.kind} ${a.severity}`).sort(), ['file-changed critical', 'hash-mismatch critical']);
    const mismatch = alerts.find((a) => a.kind === 'hash-mismatch')!;
    assert.is(mismatch.entries.length, 2, 'logged as suspect by one witness, confirmed by the other');
    assert.is(mismatch.raisedBy.length, 2, 'each witness signed one of them');
    assert.equal(mismatch.escalations.map((e) => e.action), ['suspend-project', 'suspend-project', 'lift', 'lift']);
    assert.is(new Set(mismatch.escalations.map((e) => e.party)).size, 2);
    assert.is(mismatch.suspension, null, 'lifted');
    assert.is(mismatch.lifted.length, 1);
    assert.is(mismatch.lifted[0]!.suspension.parties.length, 2);
    assert.is(mismatch.status, 'open');
    const status = jsonOf<{ suspended: { index: boolean; projects: string[] } }>(await request(demo.logUrl, '/api/v1/status'));
    assert.equal(status.suspended, { index: false, projects: [] });
    const suspensionEntry = jsonOf<{ payloadType: string }>(await request(demo.logUrl, `/api/v1/entries/${mismatch.lifted[0]!.suspension.index}`));
    assert.is(suspensionEntry.payloadType, 'application/vnd.diptych.suspension+json');
    // Webhooks: each alert entry was pushed, signed.
    assert.equal(demo.webhooks.map((w) => `${String(w['kind'])} ${String(w['severity'])}`).sort(), [
      'file-changed critical', 'file-changed suspect', 'hash-mismatch critical', 'hash-mismatch suspect',
    ]);
    // The alert's evidence, proven against one checkpoint, checks out offline.
    const logKey = (await readSignerKeyFile(join(demo.dir, 'log.key'))).verifierKey;
    const bundle = jsonOf<{ alert: { id: string } }>(await request(demo.logUrl, `/api/v1/alerts/${mismatch.id}?bundle=1`));
    assert.is(bundle.alert.id, mismatch.id);
    const verified = verifyProofBundle(bundle, { logKey });
    const checked = checkAlertEvidence(verified.entries, logKey);
    assert.equal(checked.map((c) => `${c.kind} ${c.severity}`), ['hash-mismatch suspect', 'hash-mismatch critical'], 'both alert entries follow from their evidence');
    // The same bundle through the CLI, offline.
    const bundleFile = join(demo.dir, 'alert.bundle.json');
    await writeFile(bundleFile, JSON.stringify(bundle));
    assert.is(await verifyCommand(['--bundle', bundleFile, '--log-key', logKey, '--json']), 0);
    const types = verified.entries.map((e) => e.envelope.envelope.payloadType.replace(/^application\/vnd\.diptych\.|\+json$/g, ''));
    assert.equal([...new Set(types)].sort(), ['alert', 'observation', 'release']);
    const flipped = JSON.parse(JSON.stringify(bundle)) as { entries: Array<{ entry: string }> };
    flipped.entries[0]!.entry = flipped.entries[0]!.entry.replace(/^./, (c) => (c === 'e' ? 'f' : 'e'));
    assert.throws(() => verifyProofBundle(flipped, { logKey }));

    // The rules, with their codes.
    const psrt = await readSignerKeyFile(join(demo.dir, 'psrt.key'));
    const alice = await readSignerKeyFile(join(demo.dir, 'alice.key'));
    const bob = await readSignerKeyFile(join(demo.dir, 'bob.key'));
    const id = mismatch.id;
    assertErrorReply(await postEntry(demo.logUrl, escalationEntry([alice], id, 'suspend-project')), 403, 'untrusted_party', 'a maintainer is no trusted party');
    assertErrorReply(await postEntry(demo.logUrl, escalationEntry([psrt], 'ab'.repeat(32), 'suspend-project')), 404, 'alert_not_found', 'no such alert');
    assertErrorReply(await postEntry(demo.logUrl, escalationEntry([psrt], id, 'shutdown-pypi')), 400, 'unknown_action', 'unknown action');
    assertErrorReply(await postEntry(demo.logUrl, escalationEntry([psrt], id, 'lift')), 409, 'not_suspended', 'nothing to lift');
    assert.is((await postEntry(demo.logUrl, escalationEntry([psrt], id, 'suspend-index', 'round two'))).status, 201);
    assertErrorReply(await postEntry(demo.logUrl, escalationEntry([psrt], id, 'suspend-index', 'again')), 409, 'duplicate_escalation', 'one vote per party per round');
    assertErrorReply(await postEntry(demo.logUrl, ackEntry([alice], id)), 403, 'insufficient_signatures', 'one of two maintainers');
    assert.is((await postEntry(demo.logUrl, ackEntry([alice, bob], id))).status, 201, 'the threshold acknowledges');
    assertErrorReply(await postEntry(demo.logUrl, ackEntry([alice, bob], id, 'twice')), 409, 'duplicate_ack', 'acknowledged once');
    assertErrorReply(await postEntry(demo.logUrl, escalationEntry([psrt], id, 'suspend-project', 'after the ack')), 409, 'alert_acknowledged', 'acknowledged alerts cannot be escalated');
    const acked = jsonOf<AlertJson>(await request(demo.logUrl, `/api/v1/alerts/${id}`));
    assert.is(acked.status, 'acknowledged', 'still listed, marked as such');
    assertErrorReply(await request(demo.logUrl, '/api/v1/alerts?kind=nonsense'), 400, 'invalid_parameter', 'unknown kind filter');
    assert.equal(jsonOf<AlertJson[]>(await request(demo.logUrl, '/api/v1/alerts?severity=critical&kind=hash-mismatch')).map((a) => a.id), [id]);

    // An auditor recomputes the alerts, escalations and suspensions from the entries alone.
    const size = jsonOf<{ size: number }>(await request(demo.logUrl, '/api/v1/log')).size;
    const derived = new DerivedState(logKey);
    for (let i = 0; i < size; i++) {
      const { envelope } = jsonOf<{ envelope: Envelope }>(await request(demo.logUrl, `/api/v1/entries/${i}`));
      derived.apply(i, canonicalEnvelopeBytes(envelope));
    }
    const served = jsonOf<Parameters<typeof checkAlertState>[2]>(await request(demo.logUrl, '/api/v1/alerts'));
    const report = checkAlertState(derived.governance, size, served);
    assert.equal([report.compared, report.newer], [2, 0]);
    const lying = served.map((a) => (a.id === id ? { ...a, status: 'open' as const } : a));
    assert.is(outcome(() => checkAlertState(derived.governance, size, lying)), 'derived_state_mismatch', 'a served status the entries do not give');
    assert.is(outcome(() => checkAlertState(derived.governance, size, served.slice(1))), 'derived_state_mismatch', 'an alert the log no longer serves');
    assert.is(await auditCommand(['--log', demo.logUrl, '--log-key', logKey, '--state', join(demo.dir, 'audit'), '--full', '--json']), 0, 'diptych audit --full agrees');
  } finally {
    await demo.close();
  }
});

test.run();

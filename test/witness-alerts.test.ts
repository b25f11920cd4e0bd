// log-fork alerts: built from the cosigner's fork evidence, self-contained (both checkpoints open
// with the log's key and contradict each other), stable ids, and accepted by a real log.
import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesEqual, fromBase64, utf8 } from '../log/bytes.js';
import { openCheckpoint } from '../log/checkpoint.js';
import { parseEnvelope } from '../log/dsse.js';
import { nodeEd25519Signer } from '../log/node-crypto.js';
import { generateSignerKey, noteVerifier, parseSignerKey } from '../log/note.js';
import { ALERT_TYPE, alertEntry, logForkAlert, type LogForkAlert } from '../witness/alerts.js';
import { manualClock } from '../witness/clock.js';
import { UndiciLogSubmitter } from '../witness/log-submitter.js';
import type { ForkEvidence } from '../witness/state.js';
import { CheckpointLog } from './support/checkpoint-log.js';
import { get } from './support/http-get.js';
import { serveTestLog, witnessPolicy } from './support/log-fixture.js';

const test = suite('witness-alerts');
const newKey = (name: string) => parseSignerKey(generateSignerKey(name, randomBytes(32)).signerKey, nodeEd25519Signer);

async function forkEvidence(): Promise<{ evidence: ForkEvidence; vkey: string }> {
  const logKey = newKey('log.test/forked');
  const honest = new CheckpointLog(logKey);
  honest.append(6);
  const forked = honest.fork(4);
  forked.append(2);
  const evidence: ForkEvidence = {
    origin: logKey.name,
    cosigned: await honest.checkpoint(),
    conflicting: await forked.checkpoint(),
    reason: 'same-size-other-root',
    at: Date.UTC(2026, 10, 23, 12),
  };
  return { evidence, vkey: logKey.verifierKey };
}

test('the alert carries both checkpoints: anyone can check the fork with the log key', async () => {
  const { evidence, vkey } = await forkEvidence();
  const alert = logForkAlert(evidence);
  assert.is(alert.kind, 'log-fork');
  assert.is(alert.severity, 'critical');
  assert.is(alert.raisedAt, '2026-11-23T12:00:00.000Z');
  const a = openCheckpoint(utf8(alert.expected), noteVerifier(vkey)).checkpoint;
  const b = openCheckpoint(utf8(alert.observed), noteVerifier(vkey)).checkpoint;
  assert.is(a.size, b.size);
  assert.not.ok(bytesEqual(a.root, b.root));
  assert.is(logForkAlert(evidence).id, alert.id, 'stable id');
  assert.is.not(logForkAlert({ ...evidence, conflicting: evidence.cosigned }).id, alert.id);
});

test('a signed alert entry is accepted by a real log', async () => {
  const { evidence } = await forkEvidence();
  const witnessKey = newKey('witness.test/alerts');
  const log = await serveTestLog({ verifyThreads: 0, policy: witnessPolicy(witnessKey.verifierKey) });
  const submitter = new UndiciLogSubmitter({ logUrl: log.url, clock: manualClock() });
  try {
    const outcome = await submitter.submit(alertEntry(logForkAlert(evidence), witnessKey.signer));
    if (!outcome.ok) throw new Error(`${outcome.reason}: ${outcome.code}`);
    const again = await submitter.submit(alertEntry(logForkAlert(evidence), witnessKey.signer));
    assert.ok(again.ok && again.duplicate && again.index === outcome.index, 'the same alert is one entry');
    const stored = JSON.parse((await get(log.url, `/api/v1/entries/${outcome.index}`)).text) as { envelope: { payload: string; payloadType: string } };
    assert.is(stored.envelope.payloadType, ALERT_TYPE);
    const payload = JSON.parse(new TextDecoder().decode(fromBase64(stored.envelope.payload))) as LogForkAlert;
    assert.is(payload.observed, evidence.conflicting);
    assert.ok(parseEnvelope(alertEntry(logForkAlert(evidence), witnessKey.signer)));
  } finally {
    await submitter.close();
    await log.close();
  }
});

test.run();

// Observation payloads from recorded views: one per release, JCS-signed DSSE envelopes the log
// can verify, and the "is this news" comparison that keeps an idle index from growing the log.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fromBase64 } from '../log/bytes.js';
import { parseEnvelope, verifyEnvelopeSignatures } from '../log/dsse.js';
import { canonicalBytes } from '../log/jcs.js';
import { nodeEd25519Signer } from '../log/node-crypto.js';
import { generateSignerKey, parseSignerKey, parseVerifierKey } from '../log/note.js';
import { parseJsonApiProject, parseSimpleHtml } from '../witness/index-docs.js';
import type { IndexView } from '../witness/index-view.js';
import {
  OBSERVATION_TYPE,
  compareObservation,
  observationEntry,
  observationFingerprint,
  observationsFromView,
  type ObservationPayload,
} from '../witness/observation.js';
import { findPypiFixturesDir } from './support/pypi-fixtures.js';

const FIXTURES = findPypiFixturesDir();
const test = suite('observation');
const key = parseSignerKey(generateSignerKey('witness.test/w1', randomBytes(32)).signerKey, nodeEd25519Signer);
const ctx = { witness: key.verifierKey, indexUrl: 'https://pypi.org', observedAt: Date.UTC(2026, 10, 23, 12) };

function jsonView(project: string): IndexView {
  const r = parseJsonApiProject(readFileSync(join(FIXTURES, `json/${project}.json`), 'utf8'), { project, serialHeader: null, etag: null });
  if (!r.ok) throw new Error(r.message);
  return r.view;
}

test('one payload per release, files sorted, empty releases included', () => {
  const numpy = jsonView('numpy');
  const payloads = observationsFromView(numpy, ctx);
  assert.is(payloads.length, 118);
  assert.is(payloads.filter((p) => p.files.length === 0).length, 14);
  const p = payloads.find((x) => x.version === '1.25.1')!;
  assert.equal(Object.keys(p).sort(), ['files', 'indexUrl', 'lastSerial', 'observedAt', 'project', 'source', 'version', 'witness']);
  assert.is(p.observedAt, '2026-11-23T12:00:00.000Z');
  assert.is(p.lastSerial, 18816205);
  assert.is(p.source, 'json');
  assert.equal(p.files.map((f) => f.filename), [...p.files.map((f) => f.filename)].sort());
  assert.equal(Object.keys(p.files[0]!).sort(), ['filename', 'sha256', 'size', 'uploadTime', 'yanked']);
});

test('a signed entry: JCS envelope, the witness keyid, a signature the vkey verifies', () => {
  const payload = observationsFromView(jsonView('flask'), ctx).find((x) => x.version === '1.1.2')!;
  const entry = observationEntry(payload, key.signer);
  const parsed = parseEnvelope(entry);
  assert.is(parsed.envelope.payloadType, OBSERVATION_TYPE);
  assert.equal(parsed.payloadBytes, canonicalBytes(payload));
  const vkey = parseVerifierKey(key.verifierKey);
  const verified = verifyEnvelopeSignatures(parsed.envelope, (id) => (id === parsed.envelope.signatures[0]!.keyid ? vkey.publicKey : undefined));
  assert.equal(verified, [key.verifierKey.split('+').slice(0, 2).join('+')]);
  assert.equal(JSON.parse(new TextDecoder().decode(fromBase64(parsed.envelope.payload))), JSON.parse(JSON.stringify(payload)));
});

test('HTML observations carry null sizes and upload times', () => {
  const r = parseSimpleHtml(readFileSync(join(FIXTURES, 'simple-html/qypi.html'), 'utf8'), { project: 'qypi', serialHeader: null, etag: null });
  if (!r.ok) throw new Error(r.message);
  const payloads = observationsFromView(r.view, ctx);
  assert.ok(payloads.length > 0);
  assert.ok(payloads.every((p) => p.source === 'simple' && p.files.every((f) => f.size === null && f.uploadTime === null)));
});

test('change detection: idle index, serial forward, serial back, hash change, yank', () => {
  const base = observationsFromView(jsonView('xo-gd'), ctx).find((p) => p.version === '3.1.4.1')!;
  const last = { fingerprint: observationFingerprint(base), lastSerial: base.lastSerial };
  const later = (change: Partial<ObservationPayload>): ObservationPayload => ({ ...base, observedAt: '2026-11-24T00:00:00.000Z', ...change });
  assert.is(compareObservation(undefined, base), 'new');
  assert.is(compareObservation(last, later({})), 'unchanged');
  assert.is(compareObservation(last, later({ lastSerial: (base.lastSerial ?? 0) + 10 })), 'unchanged');
  assert.is(compareObservation(last, later({ lastSerial: (base.lastSerial ?? 0) - 1 })), 'serial-regressed');
  const file = base.files[0]!;
  assert.is(compareObservation(last, later({ files: [{ ...file, sha256: '00'.repeat(32) }] })), 'files-changed');
  assert.is(compareObservation(last, later({ files: [{ ...file, yanked: true }] })), 'files-changed');
  assert.is(compareObservation(last, later({ files: [] })), 'files-changed');
});

test.run();

// The comparison engine, table-driven: each case is a short log (a key policy, a manifest,
// observations by witnesses) and the findings it must give, with their severities. Negatives
// are cases too: a yank is not a hash mismatch, a late upload inside the grace period is not
// withheld, a mirror lagging behind is not a split view.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Monitor } from '../monitor/engine.js';
import type { Severity } from '../monitor/kinds.js';
import { keysEntry, newSignerKey } from './support/log-fixture.js';
import { parseEnvelope } from '../log/dsse.js';
import { checkAlertEvidence } from '../monitor/evidence.js';
import { outcome } from './support/assert-code.js';
import { T0, alertEntry, alertPayload, iso, observationEntry, releaseEntry, sha, type FileSpec, type ObservationSpec } from './support/monitor-entries.js';

const P = 'demo';
const dev = newSignerKey('dev.test/maintainer');
const wa = newSignerKey('witness.test/a');
const wb = newSignerKey('witness.test/b');
const S = 1000;
const GRACE = 60 * S;
const SDIST = 'demo-1.0.tar.gz';
const WHEEL = 'demo-1.0-py3-none-any.whl';
const GOOD = sha('a');
const BAD = sha('b');
const WHEEL_SHA = sha('c');
const signedFiles = [{ filename: SDIST, sha256: GOOD }, { filename: WHEEL, sha256: WHEEL_SHA }];
const served = (over: Partial<Record<string, Partial<FileSpec>>> = {}): FileSpec[] =>
  signedFiles.map((f) => ({ ...f, uploadTime: iso(T0), ...over[f.filename] }));

type Obs = Omit<ObservationSpec, 'witness' | 'project' | 'version'> & { by?: 'a' | 'b'; project?: string; version?: string };

interface Case {
  name: string;
  /** Whether the project has a key policy and a manifest for 1.0 (created at T0). */
  signed?: boolean;
  observations: Obs[];
  expect: Record<string, Severity>;
}

function runCase(c: Case): Monitor {
  const m = new Monitor({ graceMs: GRACE, confirmAfterMs: 30 * S });
  if (c.signed !== false) {
    m.ingest(keysEntry(dev, P));
    m.ingest(releaseEntry([dev], P, '1.0', signedFiles, T0));
  }
  for (const o of c.observations) {
    const key = o.by === 'b' ? wb : wa;
    m.ingest(observationEntry(key, { project: P, version: '1.0', observedAt: T0 + 5 * S, ...o }));
  }
  return m;
}

function findings(m: Monitor): Record<string, Severity> {
  const out: Record<string, Severity> = {};
  for (const f of m.findings.all()) out[f.filename ? `${f.kind} ${f.filename}` : f.kind] = m.severity(f);
  return out;
}

const cases: Case[] = [
  { name: 'the index serves what was signed', observations: [{ files: served() }, { by: 'b', files: served() }], expect: {} },
  { name: 'one view with another hash: a suspect hash-mismatch', observations: [{ files: served({ [SDIST]: { sha256: BAD } }) }], expect: { [`hash-mismatch ${SDIST}`]: 'suspect' } },
  {
    name: 'a second witness confirms it',
    observations: [{ files: served({ [SDIST]: { sha256: BAD } }) }, { by: 'b', files: served({ [SDIST]: { sha256: BAD } }) }],
    expect: { [`hash-mismatch ${SDIST}`]: 'critical' },
  },
  {
    name: 'the same witness 10 s later does not confirm it',
    observations: [{ files: served({ [SDIST]: { sha256: BAD } }) }, { files: served({ [SDIST]: { sha256: BAD } }), observedAt: T0 + 15 * S }],
    expect: { [`hash-mismatch ${SDIST}`]: 'suspect' },
  },
  {
    name: 'the same witness re-fetching 40 s later does',
    observations: [{ files: served({ [SDIST]: { sha256: BAD } }) }, { files: served({ [SDIST]: { sha256: BAD } }), observedAt: T0 + 45 * S }],
    expect: { [`hash-mismatch ${SDIST}`]: 'critical' },
  },
  {
    name: 'another vantage point (index URL) confirms it too',
    observations: [{ files: served({ [SDIST]: { sha256: BAD } }) }, { indexUrl: 'http://127.0.0.2:9/', files: served({ [SDIST]: { sha256: BAD } }) }],
    expect: { [`hash-mismatch ${SDIST}`]: 'critical' },
  },
  {
    name: 'a hash that changes under one filename: file-changed (and the mismatch)',
    observations: [{ files: served() }, { files: served({ [SDIST]: { sha256: BAD } }), observedAt: T0 + 60 * S }],
    expect: { [`file-changed ${SDIST}`]: 'suspect', [`hash-mismatch ${SDIST}`]: 'suspect' },
  },
  {
    name: 'a yank is not a hash mismatch',
    observations: [{ files: served() }, { files: served({ [SDIST]: { yanked: true } }), observedAt: T0 + 60 * S }],
    expect: { [`yanked ${SDIST}`]: 'suspect' },
  },
  {
    name: 'a file that disappears: file-removed, and withheld once past the grace period',
    observations: [{ files: served() }, { files: served().slice(1), observedAt: T0 + 120 * S }],
    expect: { [`file-removed ${SDIST}`]: 'suspect', [`withheld-file ${SDIST}`]: 'suspect' },
  },
  { name: 'a late upload inside the grace period is not withheld', observations: [{ files: served().slice(1), observedAt: T0 + 30 * S }], expect: {} },
  { name: 'still missing after the grace period: withheld-file', observations: [{ files: served().slice(1), observedAt: T0 + 61 * S }], expect: { [`withheld-file ${SDIST}`]: 'suspect' } },
  {
    name: 'a signed release the index does not serve at all: withheld-release, confirmed by two witnesses',
    observations: [{ files: [], observedAt: T0 + 61 * S }, { by: 'b', files: [], observedAt: T0 + 62 * S }],
    expect: { 'withheld-release': 'high' },
  },
  {
    name: 'a file the manifest does not list, uploaded past the grace period: unsigned-file',
    observations: [{ files: [...served(), { filename: 'demo-1.0-py2-none-any.whl', sha256: BAD, uploadTime: iso(T0) }], observedAt: T0 + 61 * S }],
    expect: { 'unsigned-file demo-1.0-py2-none-any.whl': 'suspect' },
  },
  {
    name: 'an extra file inside the grace period is not yet unsigned',
    observations: [{ files: [...served(), { filename: 'demo-1.0-py2-none-any.whl', sha256: BAD, uploadTime: iso(T0) }], observedAt: T0 + 30 * S }],
    expect: {},
  },
  {
    name: 'a new release with no manifest after the grace period: unsigned-release',
    observations: [{ files: served(), observedAt: T0 + 5 * S }, { version: '2.0', files: [{ filename: 'demo-2.0.tar.gz', sha256: BAD, uploadTime: iso(T0 + 10 * S) }], observedAt: T0 + 90 * S }],
    expect: { 'unsigned-release': 'suspect' },
  },
  {
    name: 'releases uploaded before the project started signing are not unsigned',
    observations: [{ version: '0.9', files: [{ filename: 'demo-0.9.tar.gz', sha256: BAD, uploadTime: iso(T0 - 86400 * S) }], observedAt: T0 + 90 * S }],
    expect: {},
  },
  {
    name: 'two witnesses disagreeing on a file: split-view (no manifest needed)',
    signed: false,
    observations: [{ files: served() }, { by: 'b', files: served({ [SDIST]: { sha256: BAD } }) }],
    expect: { [`split-view ${SDIST}`]: 'critical' },
  },
  {
    name: 'the JSON and Simple APIs of one witness disagreeing at once: a suspect split-view',
    signed: false,
    observations: [{ files: served() }, { source: 'simple', files: served({ [SDIST]: { sha256: BAD } }) }],
    expect: { [`split-view ${SDIST}`]: 'suspect' },
  },
  {
    name: 'a mirror lagging behind (missing a file) is not a split view',
    signed: false,
    observations: [{ files: served() }, { indexUrl: 'http://127.0.0.2:9/', files: served().slice(1) }],
    expect: {},
  },
  {
    name: 'the serial going backwards: serial-regression',
    signed: false,
    observations: [{ files: served(), lastSerial: 100 }, { files: served({ [SDIST]: { yanked: false } }), lastSerial: 90, observedAt: T0 + 60 * S }],
    expect: { 'serial-regression': 'suspect' },
  },
];

for (const c of cases) {
  test(c.name, () => {
    assert.equal(findings(runCase(c)), c.expect);
  });
}

test('a witness raises only what its own views show, once per stage', () => {
  const m = runCase({ name: '', observations: [{ files: served({ [SDIST]: { sha256: BAD } }) }], expect: {} });
  assert.equal(m.toRaise(wb.verifierKey), [], 'witness b saw nothing');
  const [raised] = m.toRaise(wa.verifierKey);
  assert.is(raised!.severity, 'suspect');
  const payload = m.alertPayload(raised!, T0 + 6 * S);
  assert.equal(payload.evidence, [1, 2], 'the manifest and the observation');
  assert.is(payload.expected, GOOD);
  assert.is(payload.observed, BAD);
  m.ingest(alertEntry(wa, payload));
  assert.equal(m.toRaise(wa.verifierKey), [], 'logged as suspect: nothing more to raise');
  m.ingest(observationEntry(wb, { project: P, version: '1.0', observedAt: T0 + 7 * S, files: served({ [SDIST]: { sha256: BAD } }) }));
  const confirmed = m.toRaise(wb.verifierKey);
  assert.equal(confirmed.map((r) => r.severity), ['critical'], 'witness b confirms it');
  assert.equal(confirmed.map((r) => r.finding.id), [payload.id], 'under the same id');
  assert.equal(m.toRaise(wa.verifierKey).map((r) => r.severity), ['critical'], 'either witness may log the confirmation');
});

test('an unchanged view is logged again once, when a grace deadline has passed since the last', () => {
  const m = runCase({ name: '', observations: [], expect: {} });
  const view = { project: P, version: '1.0', files: [], observedAtMs: T0 + 90 * S };
  assert.ok(m.refreshDue(view, T0 + 10 * S), 'logged inside the grace period, now past it');
  assert.not.ok(m.refreshDue(view, T0 + 70 * S), 'already logged after the deadline');
  assert.not.ok(m.refreshDue({ ...view, project: 'other' }, T0 + 10 * S), 'no manifest, no policy: nothing is due');
});

test('a revocation voids the manifest it invalidates: a hash it signed is no longer expected', () => {
  const m = runCase({ name: '', observations: [{ files: served({ [SDIST]: { sha256: BAD } }) }], expect: {} });
  assert.equal(Object.keys(findings(m)), [`hash-mismatch ${SDIST}`]);
  assert.equal(m.signedVersions(P), ['1.0']);
  assert.is(m.size, 3, 'entries read');
});

test('an alert checks out against its evidence offline; one its evidence does not show is refused', () => {
  const entries = [keysEntry(dev, P), releaseEntry([dev], P, '1.0', signedFiles, T0), observationEntry(wa, { project: P, version: '1.0', observedAt: T0 + 5 * S, files: served({ [SDIST]: { sha256: BAD } }) })];
  const m = new Monitor({ graceMs: GRACE });
  for (const e of entries) m.ingest(e);
  const raised = m.toRaise(wa.verifierKey).find((r) => r.finding.kind === 'hash-mismatch')!;
  const honest = alertEntry(wa, m.alertPayload(raised, T0 + 6 * S));
  const proven = (list: Uint8Array[]) => list.map((bytes, index) => ({ index, envelope: parseEnvelope(bytes) }));
  const logKey = wa.verifierKey; // only log-fork alerts use it
  assert.equal(checkAlertEvidence(proven([...entries, honest]), logKey).map((c) => c.kind), ['hash-mismatch']);
  const claim = alertPayload({ kind: 'hash-mismatch', project: P, version: '1.0', filename: SDIST, expected: GOOD, observed: sha('d') }, 'suspect', [1, 2]);
  assert.is(outcome(() => checkAlertEvidence(proven([...entries, alertEntry(wa, claim)]), logKey)), 'evidence_mismatch');
  const uncited = alertPayload({ kind: 'hash-mismatch', project: P, version: '1.0', filename: SDIST, expected: GOOD, observed: BAD }, 'suspect', [1, 7]);
  assert.is(outcome(() => checkAlertEvidence(proven([...entries, alertEntry(wa, uncited)]), logKey)), 'evidence_mismatch', 'evidence missing from the bundle');
});

test.run();

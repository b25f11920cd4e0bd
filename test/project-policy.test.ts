// The key-policy and release-manifest state machine (log/project-policy.ts,
// release-manifest.ts, release-status.ts, project-entry.ts), driven entry by entry in log order
// with real Ed25519 signatures.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { applyKeysEntry, KEYS_TYPE, parseKeysPayload, type KeyPolicy } from '../log/project-policy.js';
import { RELEASE_TYPE, parseReleasePayload } from '../log/release-manifest.js';
import { releaseStatus, signedFiles } from '../log/release-status.js';
import { StateOverlay } from '../log/project-state.js';
import { evaluateEntry, signaturesOf } from '../log/project-entry.js';
import { versionKey } from '../log/pep440.js';
import { PolicyHarness, errorCode, keyidOf, makeKey, sign } from './support/project-harness.js';
import type { SignerKey } from '../log/note.js';

const A = makeKey('alice@example.org');
const B = makeKey('bob@example.org');
const C = makeKey('carol@example.org');
const D = makeKey('dave@example.org');
const X = makeKey('mallory@example.org');
const P = 'sample-project';
const T0 = '2025-01-01T00:00:00Z';
const T1 = '2025-02-01T00:00:00Z';
const T2 = '2025-03-01T00:00:00Z';
const SHA = (c: string): string => c.repeat(64);

function keys(seq: number, members: SignerKey[], threshold: number, signers: SignerKey[], extra: Record<string, unknown> = {}) {
  return sign(KEYS_TYPE, { project: P, keys: members.map((k) => k.verifierKey), threshold, seq, ...extra }, signers);
}

function file(filename: string, sha = SHA('a'), size = 100): Record<string, unknown> {
  return { filename, sha256: sha, size };
}

function release(version: string, files: Record<string, unknown>[], signers: SignerKey[], created = T0, project = P) {
  return sign(RELEASE_TYPE, { project, version, files, created }, signers);
}

const keysSuite = suite('project key policy');

keysSuite('TOFU: a first entry signed by its threshold of the keys it names', () => {
  const h = new PolicyHarness();
  assert.is(h.submit(keys(1, [A, B], 2, [A])), 'insufficient_signatures');
  assert.is(h.submit(keys(1, [A, B], 2, [A, X])), 'unknown_signer');
  assert.is(h.submit(keys(2, [A, B], 2, [A, B])), 'wrong_seq');
  assert.is(h.submit(keys(1, [A, B], 1, [A], { revoked: [{ keyid: keyidOf(B), since: T0 }] })), 'invalid_revocation');
  assert.is(h.submit(keys(1, [A, B], 2, [A, B])), 'ok');
  const policy = h.state.policy(P)!;
  assert.is(policy.seq, 1);
  assert.is(policy.threshold, 2);
  assert.equal(policy.keys.map((k) => k.keyid), [keyidOf(A), keyidOf(B)]);
  // A second first entry is a wrong seq, whoever signs it.
  assert.is(h.submit(keys(1, [X], 1, [X])), 'wrong_seq');
});

keysSuite('lock-outs and malformed policies are refused on their own', () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ project: P, keys: [], threshold: 1, seq: 1 }, 'no_keys'],
    [{ project: P, keys: [A.verifierKey], threshold: 0, seq: 1 }, 'invalid_threshold'],
    [{ project: P, keys: [A.verifierKey], threshold: 2, seq: 1 }, 'invalid_threshold'],
    [{ project: P, keys: [A.verifierKey], threshold: 1.5, seq: 1 }, 'invalid_threshold'],
    [{ project: P, keys: [A.verifierKey, A.verifierKey], threshold: 1, seq: 1 }, 'duplicate_key'],
    [{ project: P, keys: [A.verifierKey], threshold: 1, seq: 0 }, 'invalid_payload'],
    [{ project: P, keys: [A.verifierKey], threshold: 1 }, 'invalid_payload'],
    [{ project: P, keys: [A.verifierKey], threshold: 1, seq: 1, extra: true }, 'invalid_payload'],
    [{ project: P, keys: ['not a key'], threshold: 1, seq: 1 }, 'malformed_key'],
    [{ project: 'Sample_Project', keys: [A.verifierKey], threshold: 1, seq: 1 }, 'project_name_not_normalized'],
    [{ project: 'sаmple', keys: [A.verifierKey], threshold: 1, seq: 1 }, 'non_ascii_project_name'],
    [{ project: P, keys: [A.verifierKey], threshold: 1, seq: 1, revoked: [{ keyid: keyidOf(A), since: T0 }] }, 'invalid_revocation'],
    [{ project: P, keys: [A.verifierKey], threshold: 1, seq: 1, revoked: [{ keyid: keyidOf(B), since: 'yesterday' }] }, 'invalid_timestamp'],
  ];
  for (const [payload, code] of bad) assert.is(errorCode(() => parseKeysPayload(payload)), code, JSON.stringify(payload).slice(0, 80));
});

keysSuite('later entries: seq + 1, threshold of the current keys; add, remove, change threshold, rotate', () => {
  const h = new PolicyHarness();
  assert.is(h.submit(keys(1, [A], 1, [A])), 'ok');
  assert.is(h.submit(keys(2, [A, B], 2, [B])), 'insufficient_signatures', 'a newly named key alone does not count');
  assert.is(h.submit(keys(3, [A, B], 2, [A])), 'wrong_seq');
  assert.is(h.submit(keys(2, [A, B], 2, [A, B])), 'ok', 'add B, threshold 2 (B signs along)');
  assert.is(h.submit(keys(3, [A, B, C], 2, [A])), 'insufficient_signatures');
  assert.is(h.submit(keys(3, [A, B, C], 2, [A, X])), 'unknown_signer');
  assert.is(h.submit(keys(3, [A, B, C], 2, [A, B])), 'ok', 'add C');
  assert.is(h.submit(keys(4, [A, B], 1, [B, C])), 'ok', 'remove C, threshold 1');
  assert.is(h.submit(keys(5, [C, D], 2, [C])), 'insufficient_signatures', 'C was removed: it may sign along as a newly named key, but does not count');
  assert.is(h.submit(keys(5, [C, D], 2, [A])), 'ok', 'rotate to C, D with the old threshold');
  assert.is(h.submit(keys(6, [C, D], 1, [A])), 'unknown_signer', 'A is gone after the rotation');
  assert.is(h.submit(keys(6, [C, D, A], 3, [C, D])), 'ok', 'a removed (not revoked) key may come back');
  assert.is(h.state.policy(P)!.seq, 6);
});

keysSuite('a policy key whose signature was not verified: policy_changed (resubmit)', () => {
  const h = new PolicyHarness();
  assert.is(h.submit(keys(1, [A, B], 1, [A])), 'ok');
  assert.is(h.submit(keys(2, [A, B], 1, [A, B]), [keyidOf(A)]), 'policy_changed');
  assert.is(h.submit(keys(2, [A, B], 1, [A]), [keyidOf(A)]), 'ok');
});

keysSuite('revocation: revoked keys leave, never return, cannot sign; only known keys can be revoked', () => {
  const h = new PolicyHarness();
  assert.is(h.submit(keys(1, [A, B, C], 2, [A, B])), 'ok');
  assert.is(h.submit(keys(2, [A, C], 2, [A, C], { revoked: [{ keyid: keyidOf(X), since: T1 }] })), 'invalid_revocation');
  assert.is(h.submit(keys(2, [A, B, C], 2, [A, C], { revoked: [{ keyid: keyidOf(B), since: T1 }] })), 'invalid_revocation');
  assert.is(h.submit(keys(2, [A, C], 2, [A, C], { revoked: [{ keyid: keyidOf(B), since: T1 }] })), 'ok');
  assert.is(h.state.policy(P)!.revoked.get(keyidOf(B))?.since, T1);
  assert.is(h.submit(keys(3, [A, B, C], 2, [A, C])), 'revoked_key', 'B cannot be added again');
  assert.is(h.submit(keys(3, [A, C, D], 2, [A, B, C])), 'revoked_key', 'B cannot sign');
  // Revocations accumulate; naming B again keeps the earlier since.
  assert.is(h.submit(keys(3, [A, C], 2, [A, C], { revoked: [{ keyid: keyidOf(B), since: T2 }] })), 'ok');
  assert.is(h.state.policy(P)!.revoked.get(keyidOf(B))?.since, T1);
  assert.is(h.submit(keys(4, [A, C, D], 2, [A, C])), 'ok');
  assert.ok(h.state.policy(P)!.revoked.has(keyidOf(B)), 'still revoked without being repeated');
});

keysSuite('a keyid stays bound to its first key material (32-bit key IDs can collide)', () => {
  const prev = parsedPolicyWith(A, 'alice@example.org+00000000+AQ==');
  const payload = parseKeysPayload({ project: P, keys: [A.verifierKey], threshold: 1, seq: 2 });
  const sigs = { keyids: [keyidOf(B)], verified: new Set([keyidOf(B)]) };
  assert.is(errorCode(() => applyKeysEntry(prev, payload, sigs, 9)), 'key_id_collision');
});

/** A policy whose history bound A's keyid to other material (as a colliding key would). */
function parsedPolicyWith(key: SignerKey, otherVkey: string): KeyPolicy {
  const b = parseKeysPayload({ project: P, keys: [B.verifierKey], threshold: 1, seq: 1 });
  return { project: P, seq: 1, threshold: 1, keys: b.keys, revoked: new Map(), known: new Map([[keyidOf(key), otherVkey], [keyidOf(B), B.verifierKey]]), index: 0 };
}

keysSuite.run();

const rel = suite('release manifests');

function withPolicy(members: SignerKey[], threshold: number): PolicyHarness {
  const h = new PolicyHarness();
  assert.is(h.submit(keys(1, members, threshold, members.slice(0, threshold))), 'ok');
  return h;
}

rel('signed by the threshold of the keys at that point', () => {
  const h = new PolicyHarness();
  const files = [file(`${P.replace('-', '_')}-1.0.tar.gz`)];
  assert.is(h.submit(release('1.0', files, [A])), 'no_key_policy');
  assert.is(h.submit(keys(1, [A, B], 2, [A, B])), 'ok');
  assert.is(h.submit(release('1.0', files, [A])), 'insufficient_signatures');
  assert.is(h.submit(release('1.0', files, [A, X])), 'unknown_signer');
  assert.is(h.submit(release('1.0', files, [A, B]), [keyidOf(A)]), 'policy_changed');
  assert.is(h.submit(release('1.0', files, [A, B])), 'ok');
  const r = h.state.release(P, '1.0')!;
  assert.equal(r.manifests[0]!.signers, [keyidOf(A), keyidOf(B)].sort());
  assert.is(releaseStatus(r, h.state.policy(P)!.revoked), 'signed');
  assert.equal(h.state.fileRelease('sample_project-1.0.tar.gz'), { project: P, versionKey: '1.0' });
  assert.equal(h.state.filesWithHash(SHA('a')), ['sample_project-1.0.tar.gz']);
});

rel('malformed manifests, each with its code', () => {
  const h = withPolicy([A], 1);
  const ok = file('sample_project-1.0.tar.gz');
  const cases: [Record<string, unknown>, string][] = [
    [{ project: P, version: '1.0', files: [{ ...ok, sha256: SHA('A') }], created: T0 }, 'invalid_sha256'],
    [{ project: P, version: '1.0', files: [{ ...ok, sha256: 'ab' }], created: T0 }, 'invalid_sha256'],
    [{ project: P, version: '1.0', files: [{ ...ok, size: -1 }], created: T0 }, 'invalid_size'],
    [{ project: P, version: '1.0', files: [{ ...ok, size: 1.5 }], created: T0 }, 'invalid_size'],
    [{ project: P, version: '1.0', files: [{ ...ok, size: 2 ** 53 }], created: T0 }, 'invalid_size'],
    [{ project: P, version: '1.0', files: [ok, ok], created: T0 }, 'duplicate_filename'],
    [{ project: P, version: '1.0', files: [file('other-1.0.tar.gz')], created: T0 }, 'filename_mismatch'],
    [{ project: P, version: '1.1', files: [ok], created: T0 }, 'filename_mismatch'],
    [{ project: P, version: '1.0', files: [file('sample_project-1.0-py2.7.egg')], created: T0 }, 'invalid_filename'],
    [{ project: P, version: '1.0', files: [], created: T0 }, 'invalid_payload'],
    [{ project: P, version: '1.0', files: [{ ...ok, extra: 1 }], created: T0 }, 'invalid_payload'],
    [{ project: P, version: '1.0', files: [ok] }, 'invalid_payload'],
    [{ project: P, version: '1.0', files: [ok], created: '2025-02-30T00:00:00Z' }, 'invalid_timestamp'],
    [{ project: P, version: '1.0', files: [ok], created: '2025-01-01T00:00:00+01:00' }, 'invalid_timestamp'],
    [{ project: P, version: '', files: [ok], created: T0 }, 'invalid_version'],
    [{ project: P, version: '1.0 ', files: [ok], created: T0 }, 'invalid_version'],
    [{ project: 'Sample_Project', version: '1.0', files: [ok], created: T0 }, 'project_name_not_normalized'],
    [{ project: 'sаmple-project', version: '1.0', files: [ok], created: T0 }, 'non_ascii_project_name'],
  ];
  for (const [payload, code] of cases) {
    // Through the log rules too, when the payload can be signed at all (JCS takes safe integers only).
    if (!(code === 'invalid_size' && (payload['files'] as { size: number }[])[0]!.size !== -1)) {
      assert.is(h.submit(sign(RELEASE_TYPE, payload, [A])), code, `submitted: ${JSON.stringify(payload).slice(0, 100)}`);
    }
    assert.is(errorCode(() => parseReleasePayload(payload)), code, JSON.stringify(payload).slice(0, 120));
  }
  assert.is(h.state.releasesOf(P).length, 0);
});

rel('a later manifest may only add files; a changed hash or size is release_conflict', () => {
  const h = withPolicy([A], 1);
  const sdist = file('sample_project-1.0.tar.gz', SHA('a'), 10);
  const wheel = file('sample_project-1.0-py3-none-any.whl', SHA('b'), 20);
  assert.is(h.submit(release('1.0', [sdist], [A], T0)), 'ok');
  assert.is(h.submit(release('1.0', [{ ...sdist, sha256: SHA('c') }], [A], T1)), 'release_conflict');
  assert.is(h.submit(release('1.0', [{ ...sdist, size: 11 }], [A], T1)), 'release_conflict');
  assert.is(h.submit(release('1.0', [sdist, wheel], [A], T1)), 'ok');
  assert.is(h.submit(release('1.0', [wheel], [A], T2)), 'ok', 'repeating a subset is no conflict');
  assert.is(h.submit(release('1.0.0', [file('sample_project-1.0.0.tar.gz', SHA('d'))], [A], T2)), 'ok', '1.0.0 is another release here');
  const r = h.state.release(P, versionKey('1.0'))!;
  assert.is(r.manifests.length, 3);
  assert.equal(signedFiles(r, new Map()).map((f) => [f.filename, f.index]), [['sample_project-1.0.tar.gz', 1], ['sample_project-1.0-py3-none-any.whl', 2]]);
});

rel('freshness of created is checked against the log clock when given', () => {
  const now = Date.parse(T1);
  const h = new PolicyHarness({ foreignTypes: 'accept', freshness: { nowMs: now, maxAgeMs: 86_400_000, maxSkewMs: 600_000 } });
  assert.is(h.submit(keys(1, [A], 1, [A])), 'ok');
  const f = [file('sample_project-1.0.tar.gz')];
  assert.is(h.submit(release('1.0', f, [A], '2025-01-30T23:59:59Z')), 'created_out_of_range');
  assert.is(h.submit(release('1.0', f, [A], '2025-02-01T00:10:01Z')), 'created_out_of_range');
  assert.is(h.submit(release('1.0', f, [A], '2025-01-31T00:00:01Z')), 'ok');
});

rel('revocation with since: manifests created from since on stop counting, older ones stay', () => {
  const h = withPolicy([A, B, C], 2);
  const old = [file('sample_project-1.0.tar.gz', SHA('1'))];
  const late = [file('sample_project-2.0.tar.gz', SHA('2'))];
  const byC = [file('sample_project-3.0.tar.gz', SHA('3'))];
  assert.is(h.submit(release('1.0', old, [A, B], T0)), 'ok');
  assert.is(h.submit(release('2.0', late, [A, B], T2)), 'ok');
  assert.is(h.submit(release('3.0', byC, [A, C], T2)), 'ok');
  // C is removed without revocation, B is revoked since T1 (between the two releases).
  assert.is(h.submit(keys(2, [A, D], 2, [A, C], { revoked: [{ keyid: keyidOf(B), since: T1 }] })), 'ok');
  const revoked = h.state.policy(P)!.revoked;
  assert.is(releaseStatus(h.state.release(P, '1.0')!, revoked), 'signed', 'created before since');
  assert.is(releaseStatus(h.state.release(P, '2.0')!, revoked), 'revoked', 'created after since, A alone is below threshold 2');
  assert.is(releaseStatus(h.state.release(P, '3.0')!, revoked), 'signed', 'removing C does not void what C signed');
  assert.equal(signedFiles(h.state.release(P, '2.0')!, revoked), []);
  // The voided manifest no longer blocks the filename: the maintainers can sign the real file.
  assert.is(h.submit(release('2.0', [{ ...late[0]!, sha256: SHA('9') }], [A, D], T2)), 'ok');
  assert.is(releaseStatus(h.state.release(P, '2.0')!, revoked), 'signed');
  assert.is(signedFiles(h.state.release(P, '2.0')!, revoked)[0]!.sha256, SHA('9'));
  // A revoked key cannot sign releases either.
  assert.is(h.submit(release('4.0', [file('sample_project-4.0.tar.gz')], [A, B], T2)), 'revoked_key');
});

rel.run();

const kinds = suite('entry kinds and batches');

kinds('unknown diptych types are refused; later kinds pass; foreign types per option', () => {
  const h = new PolicyHarness();
  assert.is(h.submit(sign('application/vnd.diptych.bogus+json', { a: 1 }, [X])), 'unknown_payload_type');
  for (const k of ['observation', 'alert', 'escalation', 'ack', 'policy', 'suspension']) {
    assert.is(h.submit(sign(`application/vnd.diptych.${k}+json`, { any: 'thing' }, [X])), 'ok', k);
  }
  assert.is(h.submit(sign('text/x-test', { a: 1 }, [X])), 'ok');
  const strict = new PolicyHarness({ foreignTypes: 'reject' });
  assert.is(strict.submit(sign('text/x-test', { a: 1 }, [X])), 'unknown_payload_type');
});

kinds('a batch sees its own earlier entries; the committed state only changes when applied', () => {
  const h = new PolicyHarness();
  const overlay = new StateOverlay(h.state);
  const rules = { foreignTypes: 'accept' as const };
  for (const [i, parsed] of [keys(1, [A], 1, [A]), release('1.0', [file('sample_project-1.0.tar.gz')], [A])].entries()) {
    const change = evaluateEntry(overlay, parsed, signaturesOf(parsed, 'all'), i, rules);
    overlay.add(change!);
  }
  assert.ok(overlay.release(P, '1.0'));
  assert.is(h.state.policy(P), undefined);
  for (const c of overlay.changes) h.state.apply(c);
  assert.is(h.state.policy(P)!.seq, 1);
  assert.ok(h.state.release(P, '1.0'));
});

kinds.run();

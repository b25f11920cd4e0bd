// The developer story through the real HTTP server on 127.0.0.1: two maintainers with
// threshold 2, a release signed by both, one signature refused, rotation, removal, revocation
// with `since`, and the SPEC §5 lookups by project, version and filename.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalEnvelopeBytes, signEnvelope } from '../log/dsse.js';
import { KEYS_TYPE } from '../log/project-policy.js';
import { RELEASE_TYPE } from '../log/release-manifest.js';
import type { SignerKey } from '../log/note.js';
import { assertErrorReply, jsonOf, postEntry, request, serveTestLog } from './support/log-fixture.js';
import { keyidOf, makeKey } from './support/project-harness.js';

const P = 'twin-panels';
const NOW = Date.parse('2025-06-01T12:00:00Z');
const [A, B, C] = [makeKey('alice@example.org'), makeKey('bob@example.org'), makeKey('carol@example.org')];

function envelope(type: string, payload: Record<string, unknown>, signers: SignerKey[]): Uint8Array {
  return canonicalEnvelopeBytes(signEnvelope(type, payload, signers.map((k) => k.signer)));
}

function keys(seq: number, members: SignerKey[], threshold: number, signers: SignerKey[], extra = {}): Uint8Array {
  return envelope(KEYS_TYPE, { project: P, keys: members.map((k) => k.verifierKey), threshold, seq, ...extra }, signers);
}

function release(version: string, sha: string, signers: SignerKey[], created: string): Uint8Array {
  const files = [{ filename: `twin_panels-${version}.tar.gz`, sha256: sha.repeat(64), size: 1234 }];
  return envelope(RELEASE_TYPE, { project: P, version, files, created }, signers);
}

interface ProjectReply {
  project: string;
  keys: { seq: number; threshold: number; keys: string[]; revoked: { keyid: string; since: string }[] };
  releases: { version: string; status: string; manifest: { files: { filename: string; sha256: string }[]; entries: number[] } }[];
}

test('two maintainers, threshold 2: sign, refuse, rotate, remove, revoke with since; look up', async () => {
  const served = await serveTestLog({ projectRules: { now: () => NOW } });
  try {
    const url = served.url;
    assert.is((await postEntry(url, keys(1, [A, B], 2, [A, B]))).status, 201);
    assert.is((await postEntry(url, release('1.0', 'a', [A, B], '2025-06-01T10:00:00Z'))).status, 201);
    assertErrorReply(await postEntry(url, release('1.1', 'b', [A], '2025-06-01T10:00:00Z')), 403, 'insufficient_signatures', 'one signature');
    assertErrorReply(await postEntry(url, release('1.0', 'c', [A, B], '2025-06-01T10:30:00Z')), 409, 'release_conflict', 'changed hash');
    assertErrorReply(await postEntry(url, keys(3, [A, B], 2, [A, B])), 409, 'wrong_seq', 'skipped seq');
    // Rotation: A and B hand over to B and C; then C is removed and the threshold lowered.
    assert.is((await postEntry(url, keys(2, [B, C], 2, [A, B]))).status, 201);
    assertErrorReply(await postEntry(url, release('2.0', 'd', [A, B], '2025-06-01T11:00:00Z')), 403, 'unknown_signer', 'A after rotation');
    assert.is((await postEntry(url, release('2.0', 'd', [B, C], '2025-06-01T11:00:00Z'))).status, 201);
    assert.is((await postEntry(url, keys(3, [B], 1, [B, C]))).status, 201);
    assert.is((await postEntry(url, release('2.1', 'e', [B], '2025-06-01T11:30:00Z'))).status, 201);
    // B's key leaked at 11:15: revoke it since then, with a new key A back in.
    assert.is((await postEntry(url, keys(4, [A], 1, [B, A], { revoked: [{ keyid: keyidOf(B), since: '2025-06-01T11:15:00Z' }] }))).status, 201);
    assertErrorReply(await postEntry(url, release('3.0', 'f', [B], '2025-06-01T11:50:00Z')), 403, 'revoked_key', 'revoked B');

    const project = jsonOf<ProjectReply>(await request(url, '/api/v1/projects/Twin_Panels'));
    assert.is(project.project, P);
    assert.equal(project.keys.keys, [A.verifierKey]);
    assert.equal(project.keys.revoked.map((r) => r.keyid), [keyidOf(B)]);
    const status = Object.fromEntries(project.releases.map((r) => [r.version, r.status]));
    // 1.0 (A+B, 10:00) and 2.0 (B+C, 11:00) predate since; 2.1 (B alone, 11:30) does not.
    assert.equal(status, { '1.0': 'signed', '2.0': 'signed', '2.1': 'revoked' });

    const version = jsonOf<{ version: string; status: string; alerts: unknown[]; observations: unknown[] }>(await request(url, '/api/v1/projects/twin-panels/1.0'));
    assert.equal([version.version, version.status, version.alerts, version.observations], ['1.0', 'signed', [], []]);
    const file = jsonOf<{ project: string; version: string; signedSha256: string; status: string; index: number }>(await request(url, '/api/v1/files/twin_panels-1.0.tar.gz'));
    assert.equal([file.project, file.version, file.signedSha256, file.status, file.index], [P, '1.0', 'a'.repeat(64), 'signed', 1]);
    assert.is(jsonOf<{ status: string }>(await request(url, '/api/v1/files/twin_panels-2.1.tar.gz')).status, 'revoked');

    assertErrorReply(await request(url, '/api/v1/projects/unknown-project'), 404, 'project_not_found', 'unknown project');
    assertErrorReply(await request(url, '/api/v1/projects/twin-panels/9.9'), 404, 'release_not_found', 'unknown version');
    assertErrorReply(await request(url, '/api/v1/files/nothing-1.0.tar.gz'), 404, 'file_not_found', 'unknown file');
    assertErrorReply(await request(url, '/api/v1/projects/tw%D0%B0in'), 400, 'non_ascii_project_name', 'look-alike');
  } finally {
    await served.close();
  }
});

test.run();

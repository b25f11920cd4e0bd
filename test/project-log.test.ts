// Project policies inside a real log (TransparencyLog on level in a temp dir): the key
// directory and admission seams, refusals leaving the log unchanged, racing conflicts, and the
// state rebuilt from the log after a restart.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalEnvelopeBytes, signEnvelope } from '../log/dsse.js';
import { KEYS_TYPE } from '../log/project-policy.js';
import { RELEASE_TYPE } from '../log/release-manifest.js';
import { releaseStatus } from '../log/release-status.js';
import { TransparencyLog } from '../log/transparency-log.js';
import type { SignerKey } from '../log/note.js';
import { removeDir, tempDir } from './support/log-fixture.js';
import { expectCode, settledCode } from './support/expect-code.js';
import { keyidOf, makeKey } from './support/project-harness.js';

const A = makeKey('alice@example.org');
const B = makeKey('bob@example.org');
const NOW = Date.parse('2025-06-01T12:00:00Z');
const P = 'twin-panels';

function entry(type: string, payload: Record<string, unknown>, signers: SignerKey[]): Uint8Array {
  return canonicalEnvelopeBytes(signEnvelope(type, payload, signers.map((k) => k.signer)));
}

function keys(seq: number, members: SignerKey[], threshold: number, signers: SignerKey[], extra: Record<string, unknown> = {}): Uint8Array {
  return entry(KEYS_TYPE, { project: P, keys: members.map((k) => k.verifierKey), threshold, seq, ...extra }, signers);
}

function release(version: string, sha: string, signers: SignerKey[], created = '2025-06-01T11:00:00Z'): Uint8Array {
  return entry(RELEASE_TYPE, { project: P, version, files: [{ filename: `twin_panels-${version}.tar.gz`, sha256: sha.repeat(64), size: 10 }], created }, signers);
}

function open(dir: string): Promise<TransparencyLog> {
  return TransparencyLog.open({ dataDir: dir, cadenceMs: 5, verifyThreads: 1, projectRules: { now: () => NOW } });
}

test('rules apply in the log; refusals leave it unchanged; a restart rebuilds the state from the log', async () => {
  const dir = await tempDir('projects');
  try {
    let log = await open(dir);
    await expectCode(log.submit(release('1.0', 'a', [A])), 'no_key_policy');
    assert.is((await log.submit(keys(1, [A, B], 2, [A, B]))).index, 0);
    await expectCode(log.submit(release('1.0', 'a', [A])), 'insufficient_signatures');
    await expectCode(log.submit(release('1.0', 'a', [A, B], '2025-01-01T00:00:00Z')), 'created_out_of_range');
    const tampered = JSON.parse(new TextDecoder().decode(release('1.0', 'a', [A, B]))) as { signatures: { sig: string }[] };
    tampered.signatures[0]!.sig = tampered.signatures[1]!.sig;
    await expectCode(log.submit(new TextEncoder().encode(JSON.stringify(tampered))), 'invalid_signature');
    assert.is((await log.submit(release('1.0', 'a', [A, B]))).index, 1);
    // Two conflicting manifests race: the sequencer admits exactly one.
    const outcomes = await Promise.all([log.submit(release('2.0', 'b', [A, B])), log.submit(release('2.0', 'c', [A, B]))].map(settledCode));
    assert.equal(outcomes.sort(), ['ok', 'release_conflict']);
    assert.is(log.sequencer.size, 3);
    await log.close();

    log = await open(dir);
    const policy = log.projects.policy(P)!;
    assert.is(policy.seq, 1);
    assert.is(log.projects.releasesOf(P).length, 2);
    await expectCode(log.submit(keys(1, [A], 1, [A])), 'wrong_seq');
    await expectCode(log.submit(release('2.0', 'd', [A, B])), 'release_conflict');
    // Revoke B since before 1.0 was created: 1.0 no longer counts.
    await log.submit(keys(2, [A], 1, [A, B], { revoked: [{ keyid: keyidOf(B), since: '2025-06-01T00:00:00Z' }] }));
    await log.close();

    log = await open(dir);
    const revoked = log.projects.policy(P)!.revoked;
    assert.is(releaseStatus(log.projects.release(P, '1.0')!, revoked), 'revoked');
    await expectCode(log.submit(release('3.0', 'e', [B])), 'revoked_key');
    assert.is((await log.submit(release('3.0', 'e', [A]))).index, 4);
    await log.close();
  } finally {
    await removeDir(dir);
  }
});

test.run();

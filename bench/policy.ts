// Signature verification and policy evaluation of release entries, on one thread: what the log
// does for every manifest before sequencing it (parse, resolve keys from the project's policy,
// verify each signature, apply the threshold and conflict rules). Reported as signatures per
// second, against raw Ed25519 verification on one core.
import { randomBytes } from 'node:crypto';
import { canonicalEnvelopeBytes, signEnvelope } from '../log/dsse.js';
import { EntryValidator, chainKeys } from '../log/entry-validator.js';
import { createNodeCrypto, nodeEd25519Signer } from '../log/node-crypto.js';
import { generateSignerKey, parseSignerKey, type SignerKey } from '../log/note.js';
import { ProjectAdmission, projectKeyDirectory } from '../log/project-admission.js';
import { ProjectState } from '../log/project-state.js';
import { KEYS_TYPE } from '../log/project-policy.js';
import { RELEASE_TYPE } from '../log/release-manifest.js';
import { selfNamedKeys } from '../log/entry-validator.js';
import { formatTimestamp } from '../log/timestamp.js';
import { inlineVerifier, workerVerifier, type SignatureVerifier } from '../log/verify-pool.js';

const PROJECT = 'bench-project';

function entry(type: string, payload: Record<string, unknown>, signers: readonly SignerKey[]): Uint8Array {
  return canonicalEnvelopeBytes(signEnvelope(type, payload, signers.map((s) => s.signer)));
}

/** `count` release manifests for one project, each with three files, signed by both keys. */
function releases(count: number, maintainers: readonly SignerKey[], now: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => {
    const version = `1.${i}`;
    const files = ['tar.gz', 'py3-none-any.whl'].map((ext, j) => ({
      filename: ext === 'tar.gz' ? `bench_project-${version}.tar.gz` : `bench_project-${version}-${ext}`,
      sha256: randomBytes(32).toString('hex'),
      size: 1000 + j,
    }));
    return entry(RELEASE_TYPE, { project: PROJECT, version, files, created: formatTimestamp(now) }, maintainers);
  });
}

/**
 * Throughput with signatures verified on this thread (`threads` 0), or on a worker pool as the
 * server does: entries validated concurrently, then admitted in log order.
 */
export async function policyThroughput(count: number, threads = 0): Promise<{ signaturesPerSecond: number }> {
  const crypto = createNodeCrypto();
  const verifier: SignatureVerifier = threads === 0 ? inlineVerifier(crypto) : workerVerifier(threads);
  try {
    return await measure(count, crypto, verifier);
  } finally {
    await verifier.close();
  }
}

async function measure(count: number, crypto: ReturnType<typeof createNodeCrypto>, verifier: SignatureVerifier): Promise<{ signaturesPerSecond: number }> {
  const maintainers = ['alice', 'bob'].map((n) => parseSignerKey(generateSignerKey(`${n}@example.org`, randomBytes(32)).signerKey, nodeEd25519Signer, crypto));
  const now = Date.now();
  const state = new ProjectState();
  const admission = new ProjectAdmission(state, { now: () => now });
  const validator = new EntryValidator(chainKeys(projectKeyDirectory(state), selfNamedKeys(crypto)), verifier, crypto);
  const policy = entry(KEYS_TYPE, { project: PROJECT, keys: maintainers.map((m) => m.verifierKey), threshold: 2, seq: 1 }, maintainers);
  const first = admission.begin();
  first.admit(policy, 0, await validator.validate(policy));
  first.commit();
  const manifests = releases(count, maintainers, now);
  const start = performance.now();
  const validated = await Promise.all(manifests.map((m) => validator.validate(m)));
  const batch = admission.begin();
  manifests.forEach((m, i) => batch.admit(m, i + 1, validated[i]!));
  batch.commit();
  const elapsed = performance.now() - start;
  if (state.policy(PROJECT) === undefined) throw new Error('benchmark sanity check failed: no policy');
  return { signaturesPerSecond: ((count * maintainers.length) / elapsed) * 1000 };
}

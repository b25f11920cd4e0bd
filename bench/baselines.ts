// The baselines every ratio is measured against, in the same run: raw SHA-256 leaf hashing with
// node:crypto on the benchmark's own entries, and raw Ed25519 verification with the verifier the
// log uses (libsodium where its addon loads, else OpenSSL through node:crypto).
import { createHash, randomBytes } from 'node:crypto';
import { createNodeCrypto, nodeEd25519Signer, type Ed25519Verifier } from '../log/node-crypto.js';
import { opsPerSecond } from './measure.js';

const LEAF_PREFIX = Uint8Array.of(0);

/** RFC 6962 leaf hashes per second over the given entries, straight node:crypto. */
export function sha256LeafRate(entries: readonly Uint8Array[], ms: number): number {
  return opsPerSecond(ms, entries.length, () => {
    for (const e of entries) createHash('sha256').update(LEAF_PREFIX).update(e).digest();
  });
}

/** Ed25519 verifications per second on one core (OpenSSL: with its key object cached). */
export function ed25519VerifyRate(ms: number, ed25519?: Ed25519Verifier): number {
  const signer = nodeEd25519Signer(randomBytes(32));
  const message = randomBytes(300);
  const signature = signer.sign(message);
  const crypto = createNodeCrypto({ ed25519 });
  return opsPerSecond(ms, 100, () => {
    for (let i = 0; i < 100; i++) crypto.verifyEd25519(signer.publicKey, message, signature);
  });
}

// Realistic entries for the benchmarks: self-signed `keys` entries (the log verifies their
// signatures, as it will for every first key policy of a project), each about 400 bytes.
import { randomBytes } from 'node:crypto';
import { canonicalEnvelopeBytes, signEnvelope } from '../log/dsse.js';
import { ed25519NoteSigner, formatVerifierKey, ED25519_TYPE } from '../log/note.js';
import { nodeEd25519Signer, createNodeCrypto } from '../log/node-crypto.js';

export const KEYS_TYPE = 'application/vnd.diptych.keys+json';

/** `count` distinct, validly signed entries, signed by a handful of keys. */
export function makeEntries(count: number, seedTag = randomBytes(4).toString('hex')): Uint8Array[] {
  const crypto = createNodeCrypto();
  const signers = Array.from({ length: 16 }, (_, i) => ed25519NoteSigner(`maintainer${i}@example.org`, nodeEd25519Signer(randomBytes(32)), crypto));
  const vkeys = signers.map((s) => formatVerifierKey(s.name, ED25519_TYPE, s.publicKey, crypto));
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const k = i % signers.length;
    const payload = { project: `bench-${seedTag}-${i}`, keys: [vkeys[k]!], threshold: 1, seq: 1 };
    out.push(canonicalEnvelopeBytes(signEnvelope(KEYS_TYPE, payload, [signers[k]!])));
  }
  return out;
}

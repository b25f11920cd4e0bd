// Realistic entries for the benchmarks: self-signed `keys` entries (the log verifies their
// signatures, as it will for every first key policy of a project), each about 400 bytes.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { canonicalEnvelopeBytes, signEnvelope } from '../log/dsse.js';
import { ed25519NoteSigner, formatVerifierKey, ED25519_TYPE, type NoteSigner } from '../log/note.js';
import { createNodeCrypto } from '../log/node-crypto.js';
import type { Crypto, Ed25519Signer } from '../log/crypto.js';

export const KEYS_TYPE = 'application/vnd.diptych.keys+json';

export interface EntryOptions {
  /** Names the projects apart from other runs' (random by default). */
  readonly seedTag?: string;
  /**
   * A new key for every entry, as every new project brings its own: the log then parses and
   * imports a key for each append, which is what it does in service. Without it, sixteen keys
   * sign everything, and the log's key cache hides that cost.
   */
  readonly distinctKeys?: boolean;
}

/** `count` distinct, validly signed entries. */
export function makeEntries(count: number, options: EntryOptions = {}): Uint8Array[] {
  const { seedTag = randomBytes(4).toString('hex'), distinctKeys = false } = options;
  const crypto = createNodeCrypto();
  const shared = distinctKeys ? [] : Array.from({ length: 16 }, (_, i) => benchSigner(`maintainer${i}@example.org`, crypto));
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const { signer, vkey } = distinctKeys ? benchSigner(`maintainer${i}@example.org`, crypto) : shared[i % shared.length]!;
    const payload = { project: `bench-${seedTag}-${i}`, keys: [vkey], threshold: 1, seq: 1 };
    out.push(canonicalEnvelopeBytes(signEnvelope(KEYS_TYPE, payload, [signer])));
  }
  return out;
}

/**
 * A random key, made the quickest way node:crypto has: generated, not imported from a seed
 * (a PKCS#8 import is 350 µs here, a generated pair 40), and its public half exported as DER.
 */
function benchSigner(name: string, crypto: Crypto): { signer: NoteSigner; vkey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(-32));
  const ed25519: Ed25519Signer = { publicKey: raw, sign: (message) => new Uint8Array(sign(null, message, privateKey)) };
  return { signer: ed25519NoteSigner(name, ed25519, crypto), vkey: formatVerifierKey(name, ED25519_TYPE, raw, crypto) };
}

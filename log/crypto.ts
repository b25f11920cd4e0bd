// The hash and signature primitives behind every verifier, behind one small interface so that
// browsers use @noble while Node swaps in node:crypto (several times faster). Browser-safe.
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { ed25519 } from '@noble/curves/ed25519.js';

export interface Crypto {
  /** SHA-256 of the concatenation of the parts. */
  sha256(...parts: Uint8Array[]): Uint8Array;
  /**
   * Optional: SHA-256 of `input` written into out[offset, offset + 32), allocating no digest
   * buffer (hot loops such as a full audit use it when present).
   */
  sha256Into?(out: Uint8Array, offset: number, input: Uint8Array): void;
  /** Ed25519 (RFC 8032, pure) verification; false on any malformed input, never throws. */
  verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

export const nobleCrypto: Crypto = {
  sha256(...parts) {
    const h = nobleSha256.create();
    for (const p of parts) h.update(p);
    return h.digest();
  },
  verifyEd25519(publicKey, message, signature) {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    try {
      // zip215: false: RFC 8032's strict rules, as libsodium (node-crypto.ts) applies them.
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
};

/** A raw Ed25519 signing key. Kept apart from Crypto so that verifiers never hold secrets. */
export interface Ed25519Signer {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/** Ed25519 signing with @noble (browser, tests). Node code uses nodeEd25519Signer instead. */
export function nobleEd25519Signer(seed: Uint8Array): Ed25519Signer {
  if (seed.length !== 32) throw new RangeError('Ed25519 seed must be 32 bytes');
  const secret = Uint8Array.from(seed);
  return {
    publicKey: ed25519.getPublicKey(secret),
    sign: (message) => ed25519.sign(message, secret),
  };
}

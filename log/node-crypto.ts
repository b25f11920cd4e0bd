// node:crypto implementations of the Crypto and Ed25519Signer interfaces, with libsodium's
// Ed25519 verification when its prebuilt addon loads: the fast path for servers and the CLI.
// Node-only; the browser-safe code never imports this file.
import { hash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Crypto, Ed25519Signer } from './crypto.js';

// DER prefix of an Ed25519 PKCS#8 private key (RFC 8410); the raw 32-byte seed follows.
// Importing from a seed avoids the JWK export hang seen on Node 20.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const latin1Write = (Buffer.prototype as unknown as { latin1Write(this: Uint8Array, s: string, offset: number, length: number): number }).latin1Write;

/** Which library verifies Ed25519 signatures for a createNodeCrypto backend. */
export type Ed25519Verifier = 'libsodium' | 'openssl';

interface Sodium {
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

/**
 * libsodium (sodium-native), when its prebuilt addon loads on this platform: it verifies in
 * 44 µs where OpenSSL 3 through node:crypto takes 73, and from the raw key, where node:crypto
 * must first import each key into a KeyObject (8 µs more, for the many keys seen once). It
 * also agrees with the browser-safe verifier (@noble, RFC 8032's strict rules) where OpenSSL
 * does not: OpenSSL accepts signatures by small-order keys, such as the identity key that
 * "signs" every message (test/node-crypto.test.ts).
 */
function loadSodium(): Sodium | undefined {
  try {
    return createRequire(import.meta.url)('sodium-native') as Sodium;
  } catch {
    return undefined;
  }
}

/** The Ed25519 verifier createNodeCrypto uses here by default. */
export function defaultEd25519Verifier(): Ed25519Verifier {
  return loadSodium() === undefined ? 'openssl' : 'libsodium';
}

export interface NodeCryptoOptions {
  /** OpenSSL keys kept parsed, for keys that sign again (default 4096). */
  readonly maxCachedKeys?: number;
  /** Default: libsodium where it loads, else OpenSSL. */
  readonly ed25519?: Ed25519Verifier;
}

/** Returns a node:crypto backend; OpenSSL verification keeps its own bounded cache of parsed keys. */
export function createNodeCrypto(options: NodeCryptoOptions = {}): Crypto {
  const { maxCachedKeys = 4096, ed25519 } = options;
  const sodium = ed25519 === 'openssl' ? undefined : loadSodium();
  if (ed25519 === 'libsodium' && sodium === undefined) throw new Error('libsodium (sodium-native) does not load on this platform');
  const keys = new Map<string, KeyObject | null>();
  let scratch = new Uint8Array(1024);
  const keyObject = (publicKey: Uint8Array): KeyObject | null => {
    const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.length).toString('latin1');
    let key = keys.get(id);
    if (key === undefined) {
      try {
        // JWK, not SPKI DER: OpenSSL 3's DER decoders took 75 µs a key here, as long as the
        // verification itself, and most keys a log sees are new (a first key for each project).
        key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.length).toString('base64url') }, format: 'jwk' });
      } catch {
        key = null;
      }
      if (keys.size >= maxCachedKeys) keys.delete(keys.keys().next().value!);
      keys.set(id, key);
    }
    return key;
  };
  return {
    sha256(...parts) {
      // One-shot crypto.hash over a reused scratch buffer: ~1.7x faster than createHash for
      // the 65-byte inputs of Merkle nodes.
      let input: Uint8Array;
      if (parts.length === 1) input = parts[0]!;
      else {
        let length = 0;
        for (const p of parts) length += p.length;
        if (scratch.length < length) scratch = new Uint8Array(Math.max(length, 2 * scratch.length));
        let at = 0;
        for (const p of parts) {
          scratch.set(p, at);
          at += p.length;
        }
        input = scratch.subarray(0, length);
      }
      // The digest as a 'binary' (latin1) string copied into a fresh 32-byte array: V8 keeps
      // arrays this small on its own heap, where a 'buffer' digest is a Buffer with a backing
      // store of its own (and a second view here), costlier to make and to collect.
      const digest = hash('sha256', input, 'binary');
      const out = new Uint8Array(32);
      for (let i = 0; i < 32; i++) out[i] = digest.charCodeAt(i);
      return out;
    },
    sha256Into(out, offset, input) {
      // A 'binary' (latin1) digest is a string on the V8 heap, not a Buffer with a backing
      // store of its own: 1.8x (774-byte entries) to 3x (65-byte nodes) the rate of a 'buffer'
      // digest here, mostly less garbage collection.
      latin1Write.call(out, hash('sha256', input, 'binary'), offset, 32);
    },
    verifyEd25519(publicKey, message, signature) {
      if (publicKey.length !== 32 || signature.length !== 64) return false;
      if (sodium !== undefined) return sodium.crypto_sign_verify_detached(signature, message, publicKey);
      const key = keyObject(publicKey);
      if (key === null) return false;
      try {
        return verify(null, message, key, signature);
      } catch {
        return false;
      }
    },
  };
}

export function nodeEd25519Signer(seed: Uint8Array): Ed25519Signer {
  if (seed.length !== 32) throw new RangeError('Ed25519 seed must be 32 bytes');
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicKey = new Uint8Array(spki.subarray(spki.length - 32));
  return {
    publicKey,
    sign: (message) => new Uint8Array(sign(null, message, privateKey)),
  };
}

// log/node-crypto.ts against @noble (the browser-safe backend) as the reference: the server's
// verifier must accept and refuse what an auditor's does, for keys it has seen and for keys it
// imports on the spot (the common case: most keys a log sees are new), with libsodium (the fast
// path) and with OpenSSL (where libsodium's addon does not load).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { nobleCrypto, nobleEd25519Signer } from '../log/crypto.js';
import { createNodeCrypto, defaultEd25519Verifier, nodeEd25519Signer, type Ed25519Verifier } from '../log/node-crypto.js';

const flip = (bytes: Uint8Array, at: number): Uint8Array => {
  const copy = new Uint8Array(bytes); // a copy: a Buffer's slice() would share the bytes
  copy[at]! ^= 1;
  return copy;
};

test('libsodium loads here (the fast path; without it the log falls back to OpenSSL)', () => {
  assert.is(defaultEd25519Verifier(), 'libsodium');
});

const VERIFIERS: Ed25519Verifier[] = ['libsodium', 'openssl'];

for (const verifier of VERIFIERS) {
  test(`${verifier}: fresh keys agree with noble on valid and tampered signatures`, () => {
    const node = createNodeCrypto({ ed25519: verifier, maxCachedKeys: 8 }); // most keys below are imported again
    for (let i = 0; i < 40; i++) {
      const signer = nodeEd25519Signer(randomBytes(32));
      const message = randomBytes(1 + i * 7);
      const signature = signer.sign(message);
      const cases: Array<[Uint8Array, Uint8Array, Uint8Array]> = [
        [signer.publicKey, message, signature],
        [signer.publicKey, flip(message, i % message.length), signature],
        [signer.publicKey, message, flip(signature, i % 64)],
        [flip(signer.publicKey, i % 32), message, signature],
      ];
      for (const [publicKey, m, s] of cases) assert.is(node.verifyEd25519(publicKey, m, s), nobleCrypto.verifyEd25519(publicKey, m, s));
      assert.ok(node.verifyEd25519(signer.publicKey, message, signature), `fresh key ${i}`);
    }
  });

  test(`${verifier}: keys and signatures of the wrong length, and keys off the curve, are refused`, () => {
    const node = createNodeCrypto({ ed25519: verifier });
    const signer = nodeEd25519Signer(randomBytes(32));
    const message = randomBytes(64);
    const signature = signer.sign(message);
    assert.not.ok(node.verifyEd25519(signer.publicKey.subarray(0, 31), message, signature));
    assert.not.ok(node.verifyEd25519(new Uint8Array([...signer.publicKey, 0]), message, signature));
    assert.not.ok(node.verifyEd25519(signer.publicKey, message, signature.subarray(0, 63)));
    assert.not.ok(node.verifyEd25519(signer.publicKey, message, new Uint8Array([...signature, 0])));
    // 2^255 - 1 is no point's y coordinate in canonical form; all zeros is a small-order point.
    for (const publicKey of [new Uint8Array(32).fill(0xff), new Uint8Array(32)]) {
      assert.not.ok(node.verifyEd25519(publicKey, message, signature));
      assert.not.ok(nobleCrypto.verifyEd25519(publicKey, message, signature));
    }
    // A key refused once is refused again (OpenSSL caches the refusal), and a good key still verifies.
    assert.not.ok(node.verifyEd25519(new Uint8Array(32).fill(0xff), message, signature));
    assert.ok(node.verifyEd25519(signer.publicKey, message, signature));
    // Views into a larger buffer, as the verification threads get them.
    const packed = new Uint8Array(200);
    packed.set(signer.publicKey, 3);
    packed.set(signature, 40);
    packed.set(message, 110);
    assert.ok(node.verifyEd25519(packed.subarray(3, 35), packed.subarray(110, 174), packed.subarray(40, 104)));
  });
}

test('the identity key "signs" every message for OpenSSL; libsodium and noble refuse it', () => {
  // A = the neutral point (y = 1), so [k]A vanishes and R = [S]B verifies for any message:
  // here S = 1 and R = B. The browser-safe verifier (noble, RFC 8032 strict) refuses it, so a
  // log verifying with OpenSSL could admit what auditors then call invalid; libsodium agrees
  // with them.
  const identity = new Uint8Array(32);
  identity[0] = 1;
  const signature = new Uint8Array(64);
  signature[0] = 0x58;
  signature.fill(0x66, 1, 32);
  signature[32] = 1;
  const message = new TextEncoder().encode('any message at all');
  assert.ok(createNodeCrypto({ ed25519: 'openssl' }).verifyEd25519(identity, message, signature));
  assert.not.ok(nobleCrypto.verifyEd25519(identity, message, signature));
  assert.not.ok(createNodeCrypto({ ed25519: 'libsodium' }).verifyEd25519(identity, message, signature));
});

test('a seed gives the same key and signatures in the node and noble backends', () => {
  const seed = randomBytes(32);
  const node = nodeEd25519Signer(seed);
  const noble = nobleEd25519Signer(seed);
  assert.equal(node.publicKey, noble.publicKey);
  const message = randomBytes(100);
  assert.equal(node.sign(message), noble.sign(message)); // Ed25519 signing is deterministic
});

test.run();

// log/node-crypto.ts against @noble (the browser-safe backend) as the reference: the server's
// verifier must accept and refuse exactly what an auditor's does, for keys it has seen and for
// keys it imports on the spot (the common case: most keys a log sees are new).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { nobleCrypto, nobleEd25519Signer } from '../log/crypto.js';
import { createNodeCrypto, nodeEd25519Signer } from '../log/node-crypto.js';

const flip = (bytes: Uint8Array, at: number): Uint8Array => {
  const copy = new Uint8Array(bytes); // a copy: a Buffer's slice() would share the bytes
  copy[at]! ^= 1;
  return copy;
};

test('verifyEd25519: fresh keys agree with noble on valid and tampered signatures', () => {
  const node = createNodeCrypto(8); // a small cache, so most keys below are imported again
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
    for (const [publicKey, m, s] of cases) {
      assert.is(node.verifyEd25519(publicKey, m, s), nobleCrypto.verifyEd25519(publicKey, m, s));
    }
    assert.ok(node.verifyEd25519(signer.publicKey, message, signature), `fresh key ${i}`);
  }
});

test('verifyEd25519: a seed gives the same key in both backends', () => {
  const seed = randomBytes(32);
  const node = nodeEd25519Signer(seed);
  const noble = nobleEd25519Signer(seed);
  assert.equal(node.publicKey, noble.publicKey);
  const message = randomBytes(100);
  assert.equal(node.sign(message), noble.sign(message)); // Ed25519 signing is deterministic
});

test('verifyEd25519: keys and signatures of the wrong length, and keys off the curve, are refused', () => {
  const node = createNodeCrypto();
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
  // A key refused once is refused from the cache too, and a good key still verifies after it.
  assert.not.ok(node.verifyEd25519(new Uint8Array(32).fill(0xff), message, signature));
  assert.ok(node.verifyEd25519(signer.publicKey, message, signature));
});

test.run();

// DSSE envelopes as log entries (log/dsse.ts): PAE, signing, the strict entry parser with
// each of its rejection codes, and tampering with signatures and payloads.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fromBase64, fromHex, toBase64, toHex, utf8 } from '../log/bytes.js';
import { nobleCrypto, nobleEd25519Signer, type Crypto } from '../log/crypto.js';
import { createNodeCrypto, nodeEd25519Signer } from '../log/node-crypto.js';
import {
  MAX_ENTRY_BYTES,
  addSignature,
  canonicalEnvelopeBytes,
  checkEnvelope,
  pae,
  parseEnvelope,
  parseKeyid,
  signEnvelope,
  verifyEnvelopeSignatures,
  type Envelope,
  type KeyResolver,
} from '../log/dsse.js';
import { createCosigner, cosignatureNoteSigner } from '../log/cosignature.js';
import { ed25519NoteSigner, generateSignerKey, keyHandle, parseVerifierKey, type NoteSigner } from '../log/note.js';
import { assertCode, outcome } from './support/assert-code.js';

const BACKENDS: [string, Crypto][] = [['noble', nobleCrypto], ['node', createNodeCrypto()]];
const TYPE = 'application/vnd.diptych.release+json';
const MANIFEST = {
  project: 'sampleproject',
  version: '4.0.0',
  files: [{ filename: 'sampleproject-4.0.0.tar.gz', sha256: 'ab'.repeat(32), size: 12345 }],
  created: '2025-01-01T00:00:00Z',
};

function signer(name: string, byte: number): NoteSigner {
  return ed25519NoteSigner(name, nobleEd25519Signer(new Uint8Array(32).fill(byte)));
}
const alice = signer('example.com/alice', 0xa1);
const bob = signer('example.com/bob', 0xb2);

function resolverFor(...signers: NoteSigner[]): KeyResolver {
  const keys = new Map(signers.map((s) => [keyHandle(s.name, s.keyId), s.publicKey]));
  return (keyid) => keys.get(keyid);
}

/** Envelope JSON text with a replacement for some fields, in canonical key order. */
function entry(fields: Record<string, unknown>): Uint8Array {
  return utf8(JSON.stringify(Object.fromEntries(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1)))));
}

const test = suite('dsse');

test('PAE: the DSSE protocol example and edge cases, by hand', () => {
  const hello = pae('http://example.com/HelloWorld', utf8('hello world'));
  assert.is(new TextDecoder().decode(hello), 'DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  assert.is(new TextDecoder().decode(pae('', new Uint8Array(0))), 'DSSEv1 0  0 ');
  // Lengths count bytes, not characters: "é" is 2 bytes, "€" 3.
  assert.is(new TextDecoder().decode(pae('é', utf8('€'))), 'DSSEv1 2 é 3 €');
  const binary = pae('t', new Uint8Array([0, 255]));
  assert.equal(binary, new Uint8Array([...utf8('DSSEv1 1 t 2 '), 0, 255]));
  assert.is(toHex(pae('a', utf8('b'))), toHex(utf8('DSSEv1 1 a 1 b')));
});

test('sign, serialise, parse and verify round trip', () => {
  const env = signEnvelope(TYPE, MANIFEST, [alice, bob]);
  const bytes = canonicalEnvelopeBytes(env);
  const parsed = parseEnvelope(bytes);
  assert.equal(parsed.envelope, env);
  assert.equal(parsed.payload, MANIFEST);
  assert.is(new TextDecoder().decode(parsed.payloadBytes), '{"created":"2025-01-01T00:00:00Z","files":[{"filename":"sampleproject-4.0.0.tar.gz","sha256":"' + 'ab'.repeat(32) + '","size":12345}],"project":"sampleproject","version":"4.0.0"}');
  for (const [, crypto] of BACKENDS) {
    assert.equal(verifyEnvelopeSignatures(env, resolverFor(alice, bob), crypto), [keyHandle(alice.name, alice.keyId), keyHandle(bob.name, bob.keyId)]);
    assert.equal(verifyEnvelopeSignatures(env, resolverFor(bob), crypto), [keyHandle(bob.name, bob.keyId)]);
    assert.equal(verifyEnvelopeSignatures(env, resolverFor(), crypto), []);
  }
  // Signature = Ed25519 over PAE(type, JCS payload), the keyid the signer's vkey handle.
  const sig = env.signatures.find((s) => s.keyid.startsWith('example.com/alice+'))!;
  assert.equal(fromBase64(sig.sig), alice.sign(pae(TYPE, parsed.payloadBytes)));
  const vkey = generateSignerKey(alice.name, new Uint8Array(32).fill(0xa1)).verifierKey;
  assert.ok(vkey.startsWith(sig.keyid + '+'));
  assert.equal(parseVerifierKey(vkey).keyId, parseKeyid(sig.keyid).keyId);
});

test('signature order does not depend on signing order; addSignature is idempotent', () => {
  const ab = signEnvelope(TYPE, MANIFEST, [alice, bob]);
  const ba = addSignature(signEnvelope(TYPE, MANIFEST, [bob]), alice);
  assert.equal(canonicalEnvelopeBytes(ab), canonicalEnvelopeBytes(ba));
  assert.equal(addSignature(ab, alice), ab);
  const nodeAlice = ed25519NoteSigner('example.com/alice', nodeEd25519Signer(new Uint8Array(32).fill(0xa1)));
  assert.equal(addSignature(ab, nodeAlice), ab);
  // Same name and key ID, another signature: refuse rather than replace.
  const forged: NoteSigner = { ...alice, sign: () => new Uint8Array(64) };
  assertCode(() => addSignature(ab, forged), 'invalid_envelope');
});

test('signing refuses what the log would refuse', () => {
  const cosigner = createCosigner('example.com/w', nobleEd25519Signer(new Uint8Array(32).fill(3)));
  assertCode(() => signEnvelope(TYPE, MANIFEST, [cosignatureNoteSigner(cosigner, 1)]), 'unsupported_key_type');
  assertCode(() => signEnvelope(TYPE, MANIFEST, []), 'invalid_envelope');
  assertCode(() => signEnvelope('', MANIFEST, [alice]), 'invalid_envelope');
  assertCode(() => signEnvelope(TYPE, { n: 1.5 }, [alice]), 'invalid_json');
  assertCode(() => signEnvelope(TYPE, { big: 'x'.repeat(MAX_ENTRY_BYTES) }, [alice]), 'entry_too_large');
  const many = Array.from({ length: 101 }, (_, i) => signer(`example.com/s${i}`, i + 1));
  assertCode(() => signEnvelope(TYPE, MANIFEST, many), 'too_many_signatures');
  assert.is(signEnvelope(TYPE, MANIFEST, many.slice(0, 100)).signatures.length, 100);
});

test('every rejection code of parseEnvelope', () => {
  const env = signEnvelope(TYPE, MANIFEST, [alice]);
  const good = canonicalEnvelopeBytes(env);
  assert.is(outcome(() => parseEnvelope(good)), 'ok');
  const sig = env.signatures[0]!;
  const payload = (value: unknown): string => toBase64(utf8(typeof value === 'string' ? value : JSON.stringify(value)));
  const cases: [string, Uint8Array, string][] = [
    ['65536 bytes', new Uint8Array(MAX_ENTRY_BYTES + 1).fill(0x20), 'entry_too_large'],
    ['not UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), 'invalid_json'],
    ['not JSON', utf8('{"payload":'), 'invalid_json'],
    ['BOM', new Uint8Array([0xef, 0xbb, 0xbf, ...good]), 'invalid_json'],
    ['an array', utf8('[]'), 'invalid_envelope'],
    ['null', utf8('null'), 'invalid_envelope'],
    ['extra field', entry({ ...env, extra: 1 }), 'invalid_envelope'],
    ['missing payloadType', entry({ payload: env.payload, signatures: env.signatures }), 'invalid_envelope'],
    ['payload not a string', entry({ ...env, payload: 5 }), 'invalid_envelope'],
    ['empty payloadType', entry({ ...env, payloadType: '' }), 'invalid_envelope'],
    ['no signatures', entry({ ...env, signatures: [] }), 'invalid_envelope'],
    ['signatures not an array', entry({ ...env, signatures: sig }), 'invalid_envelope'],
    ['keyid missing', entry({ ...env, signatures: [{ sig: sig.sig }] }), 'invalid_envelope'],
    ['signature extra field', entry({ ...env, signatures: [{ ...sig, x: 1 }] }), 'invalid_envelope'],
    ['keyid without hex', entry({ ...env, signatures: [{ keyid: 'example.com/alice', sig: sig.sig }] }), 'invalid_envelope'],
    ['keyid upper hex', entry({ ...env, signatures: [{ keyid: sig.keyid.toUpperCase(), sig: sig.sig }] }), 'invalid_envelope'],
    ['keyid full vkey', entry({ ...env, signatures: [{ keyid: sig.keyid + '+AAAA', sig: sig.sig }] }), 'invalid_envelope'],
    ['keyid with space', entry({ ...env, signatures: [{ keyid: 'a b+0011aabb', sig: sig.sig }] }), 'invalid_envelope'],
    ['duplicate keyid', entry({ ...env, signatures: [sig, sig] }), 'invalid_envelope'],
    ['empty sig', entry({ ...env, signatures: [{ keyid: sig.keyid, sig: '' }] }), 'invalid_envelope'],
    ['101 signatures', entry({ ...env, signatures: Array.from({ length: 101 }, (_, i) => ({ keyid: `k${i}+00000000`, sig: sig.sig })) }), 'too_many_signatures'],
    ['URL-safe sig', entry({ ...env, signatures: [{ keyid: sig.keyid, sig: '-_' + sig.sig.slice(2) }] }), 'invalid_base64'],
    ['unpadded payload', entry({ ...env, payload: toBase64(utf8('{"a":1}')).replace(/=+$/, '') }), 'invalid_base64'],
    ['payload not JSON', entry({ ...env, payload: payload('hello') }), 'invalid_payload'],
    ['payload an array', entry({ ...env, payload: payload([1]) }), 'invalid_payload'],
    ['payload with a float', entry({ ...env, payload: payload('{"a":1.5}') }), 'invalid_payload'],
    ['payload with a lone surrogate', entry({ ...env, payload: payload('{"a":"\\ud800"}') }), 'invalid_payload'],
    ['payload with spaces', entry({ ...env, payload: payload('{"a": 1}') }), 'non_canonical_json'],
    ['payload keys unsorted', entry({ ...env, payload: payload('{"b":1,"a":2}') }), 'non_canonical_json'],
    ['envelope with spaces', utf8(new TextDecoder().decode(good).replace(',', ', ')), 'non_canonical_json'],
    ['envelope keys unsorted', utf8(JSON.stringify({ signatures: env.signatures, payload: env.payload, payloadType: env.payloadType })), 'non_canonical_json'],
    ['duplicate field', utf8(new TextDecoder().decode(good).replace('{"payload":', `{"payload":"${env.payload}","payload":`)), 'non_canonical_json'],
    ['escaped character', utf8(new TextDecoder().decode(good).replace('"payloadType"', '"payload\\u0054ype"')), 'non_canonical_json'],
  ];
  for (const [label, bytes, code] of cases) assertCode(() => parseEnvelope(bytes), code, label);
});

for (const [backend, crypto] of BACKENDS) {
  test(`flipping any byte of a signature fails verification (${backend})`, () => {
    const env = signEnvelope(TYPE, MANIFEST, [alice, bob]);
    const resolve = resolverFor(alice, bob);
    for (let s = 0; s < env.signatures.length; s++) {
      const raw = fromBase64(env.signatures[s]!.sig);
      assert.is(raw.length, 64);
      for (let i = 0; i < raw.length; i++) {
        const bad = raw.slice();
        bad[i]! ^= 0x01;
        const signatures = env.signatures.map((x, j) => (j === s ? { ...x, sig: toBase64(bad) } : x));
        assertCode(() => verifyEnvelopeSignatures({ ...env, signatures }, resolve, crypto), 'invalid_signature', `sig ${s} byte ${i}`);
      }
    }
    const truncated = env.signatures.map((x) => ({ ...x, sig: toBase64(fromBase64(x.sig).slice(0, 63)) }));
    assertCode(() => verifyEnvelopeSignatures({ ...env, signatures: truncated }, resolve, crypto), 'invalid_signature');
  });

  test(`flipping any byte of the payload never passes parse and verify (${backend})`, () => {
    const env = signEnvelope(TYPE, MANIFEST, [alice]);
    const resolve = resolverFor(alice);
    const payload = fromBase64(env.payload);
    const seen = new Set<string>();
    for (let i = 0; i < payload.length; i++) {
      for (const mask of [0x01, 0x20]) {
        const bad = payload.slice();
        bad[i]! ^= mask;
        const tampered = canonicalEnvelopeBytesLoose({ ...env, payload: toBase64(bad) });
        const result = outcome(() => verifyEnvelopeSignatures(parseEnvelope(tampered).envelope, resolve, crypto));
        assert.is.not(result, 'ok', `payload byte ${i} ^ ${mask}`);
        seen.add(result);
      }
    }
    // Most flips leave valid canonical JSON, so the signature check is what catches them.
    assert.ok(seen.has('invalid_signature'));
  });

  test(`payloadType is signed too (${backend})`, () => {
    const env = signEnvelope(TYPE, MANIFEST, [alice]);
    const other = { ...env, payloadType: 'application/vnd.diptych.keys+json' };
    assertCode(() => verifyEnvelopeSignatures(other, resolverFor(alice), crypto), 'invalid_signature');
  });
}

// The envelope's JCS bytes without checkEnvelope, so tampered payloads reach parseEnvelope.
function canonicalEnvelopeBytesLoose(env: Envelope): Uint8Array {
  return entry({ payload: env.payload, payloadType: env.payloadType, signatures: env.signatures.map((s) => ({ keyid: s.keyid, sig: s.sig })) });
}

test('a resolver key that does not match the keyid is a failure, not a pass', () => {
  const env = signEnvelope(TYPE, MANIFEST, [alice]);
  assertCode(() => verifyEnvelopeSignatures(env, () => bob.publicKey), 'invalid_signature');
  assertCode(() => verifyEnvelopeSignatures(env, () => new Uint8Array(31)), 'invalid_signature');
});

test('checkEnvelope validates objects built in code', () => {
  const env = signEnvelope(TYPE, MANIFEST, [alice]);
  assert.equal(checkEnvelope(env).payload, MANIFEST);
  assertCode(() => checkEnvelope({ ...env, extra: true }), 'invalid_envelope');
  assertCode(() => checkEnvelope({ ...env, payloadType: 'a\ud800' }), 'invalid_envelope');
  assertCode(() => canonicalEnvelopeBytes({ ...env, signatures: [] }), 'invalid_envelope');
  assertCode(() => verifyEnvelopeSignatures({ ...env, payload: env.payload.slice(1) }, resolverFor(alice)), 'invalid_base64');
});

test('parseKeyid splits name and 4-byte key ID', () => {
  const { name, keyId } = parseKeyid('example.com/alice+0a1b2c3d');
  assert.is(name, 'example.com/alice');
  assert.equal(keyId, fromHex('0a1b2c3d'));
  for (const bad of ['', '+0a1b2c3d', 'a+0a1b2c3', 'a+0a1b2c3d0', 'a+b+0a1b2c3d', 'a+0A1B2C3D', 'a+0a1b2c3g']) {
    assertCode(() => parseKeyid(bad), 'invalid_envelope', bad);
  }
});

test.run();

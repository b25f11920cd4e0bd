// tlog-cosignature v1 (log/cosignature.ts) against every case of the cosignature vectors,
// with both crypto backends: key ID derivation (including type-0x01 published keys), exact
// re-signing where the seed is known, timestamps, and tampering.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fromHex, toHex, utf8 } from '../log/bytes.js';
import { nobleCrypto, nobleEd25519Signer, type Crypto } from '../log/crypto.js';
import { createNodeCrypto, nodeEd25519Signer } from '../log/node-crypto.js';
import { formatCheckpoint, openCheckpoint } from '../log/checkpoint.js';
import {
  COSIGNATURE_LENGTH,
  MAX_COSIGNATURE_TIMESTAMP,
  cosign,
  cosignatureNoteSigner,
  cosignatureTimestamp,
  cosignatureVerifier,
  cosignatureVerifierFromKey,
  cosignedMessage,
  createCosigner,
  verifiedCosignatures,
} from '../log/cosignature.js';
import {
  COSIGNATURE_TYPE,
  ed25519NoteSigner,
  ed25519Verifier,
  formatNote,
  formatVerifierKey,
  noteVerifier,
  openNote,
  parseNote,
  parseVerifierKey,
  signNote,
} from '../log/note.js';
import { assertCode, outcome } from './support/assert-code.js';
import { loadVector, REASON_CODES } from './support/vectors.js';

interface Cosigner {
  name: string;
  publishedVerifierKey: string;
  publishedKeyType: number;
  cosignatureKeyId: string;
  cosignatureVerifierKey: string;
  signerSeedHex?: string;
}
interface Expected { name: string; result: 'accept' | 'reject'; reason?: string; keyId?: string; timestamp?: string; signedMessage?: string; reproducible?: boolean }
interface CosignatureCase {
  id: string;
  note: string;
  cosigners: Cosigner[];
  logVerifierKeys: string[];
  expect: { cosignatures: Expected[] };
  logSignature?: { name: string; result: string };
}

const BACKENDS: [string, Crypto][] = [['noble', nobleCrypto], ['node', createNodeCrypto()]];
const cases = (): CosignatureCase[] => loadVector<{ cases: CosignatureCase[] }>('cosignature/cosignatures.json').cases;

const test = suite('cosignature');

test('13 cases holding 15 cosignature expectations', () => {
  assert.is(cases().length, 13);
  assert.is(cases().reduce((n, c) => n + c.expect.cosignatures.length, 0), 15);
});

test('cosigner key IDs derive from name and key, whatever type the key was published with', () => {
  for (const c of cases()) {
    for (const cs of c.cosigners) {
      const published = parseVerifierKey(cs.publishedVerifierKey);
      assert.is(published.type, cs.publishedKeyType, `${c.id} ${cs.name}`);
      for (const vkey of [cs.publishedVerifierKey, cs.cosignatureVerifierKey]) {
        const v = cosignatureVerifierFromKey(vkey);
        assert.is(toHex(v.keyId), cs.cosignatureKeyId, `${c.id} ${cs.name}`);
        assert.is(v.type, COSIGNATURE_TYPE);
      }
      assert.is(formatVerifierKey(cs.name, COSIGNATURE_TYPE, published.publicKey), cs.cosignatureVerifierKey);
      if (cs.signerSeedHex !== undefined) {
        assert.equal(nobleEd25519Signer(fromHex(cs.signerSeedHex)).publicKey, published.publicKey, `${c.id}: seed`);
      }
    }
  }
});

for (const [backend, crypto] of BACKENDS) {
  test(`every cosignature expectation (${backend})`, () => {
    let checked = 0;
    for (const c of cases()) {
      for (const e of c.expect.cosignatures) {
        const cs = c.cosigners.find((x) => x.name === e.name)!;
        const verifier = cosignatureVerifierFromKey(cs.cosignatureVerifierKey, crypto);
        const label = `${c.id} ${e.name}`;
        checked++;
        if (e.result === 'reject') {
          assertCode(() => openNote(utf8(c.note), [verifier]), REASON_CODES[e.reason!]!, label);
          continue;
        }
        const opened = openNote(utf8(c.note), [verifier]);
        const [cosig, ...rest] = verifiedCosignatures(opened);
        assert.is(rest.length, 0, label);
        assert.is(cosig!.name, e.name);
        assert.is(toHex(cosig!.keyId), e.keyId);
        assert.is(cosig!.timestamp.toString(), e.timestamp);
        assert.equal(cosignedMessage(opened.text, cosig!.timestamp), utf8(e.signedMessage!), `${label}: signed message`);
        // The type-0x01 vkey these witnesses publish works just as well.
        const fromPublished = cosignatureVerifierFromKey(cs.publishedVerifierKey, crypto);
        assert.is(verifiedCosignatures(openNote(utf8(c.note), [fromPublished])).length, 1, label);
      }
    }
    assert.is(checked, 15);
  });

  test(`log signatures next to the cosignatures (${backend})`, () => {
    for (const c of cases().filter((x) => x.logSignature !== undefined)) {
      const logKeys = c.logVerifierKeys.filter((k) => outcome(() => noteVerifier(k)) === 'ok');
      // pixel-611's log key is ECDSA (type 0x02), which diptych does not verify.
      if (logKeys.length === 0) {
        assert.is(c.id, 'pixel-611');
        continue;
      }
      const cosigners = c.cosigners.map((cs) => cosignatureVerifierFromKey(cs.publishedVerifierKey, crypto));
      const opened = openCheckpoint(utf8(c.note), noteVerifier(logKeys[0]!, crypto), { cosigners });
      assert.ok(opened.note.verified.some((v) => v.name === c.logSignature!.name));
      assert.equal(verifiedCosignatures(opened.note).map((x) => x.name), c.cosigners.map((x) => x.name));
    }
  });
}

test('reproducible cosignatures re-sign byte for byte with both signers', () => {
  let count = 0;
  for (const c of cases()) {
    const parsed = parseNote(utf8(c.note));
    for (const e of c.expect.cosignatures.filter((x) => x.reproducible === true)) {
      const cs = c.cosigners.find((x) => x.name === e.name)!;
      const line = parsed.signatures.find((s) => s.name === e.name)!;
      for (const makeSigner of [nobleEd25519Signer, nodeEd25519Signer]) {
        const cosigner = createCosigner(cs.name, makeSigner(fromHex(cs.signerSeedHex!)));
        assert.equal(cosigner.sign(parsed.text, BigInt(e.timestamp!)), line.signature, c.id);
        assert.ok(c.note.endsWith(cosign(parsed.text, cosigner, BigInt(e.timestamp!))), c.id);
      }
      count++;
    }
  }
  assert.is(count, 4);
});

test('no cosignature verifies as a plain Ed25519 note signature', () => {
  for (const c of cases()) {
    const parsed = parseNote(utf8(c.note));
    for (const e of c.expect.cosignatures.filter((x) => x.result === 'accept')) {
      const cs = c.cosigners.find((x) => x.name === e.name)!;
      const pub = parseVerifierKey(cs.cosignatureVerifierKey).publicKey;
      const line = parsed.signatures.find((s) => s.name === e.name && toHex(s.keyId) === e.keyId)!;
      for (const [, crypto] of BACKENDS) {
        assert.not.ok(crypto.verifyEd25519(pub, utf8(parsed.text), line.signature.subarray(8)), c.id);
        // Under a type-0x01 verifier for the same name and key the line is an unknown key...
        const plain = ed25519Verifier(cs.name, pub, crypto);
        assert.is(outcome(() => openNote(utf8(c.note), [plain])), 'no_verifiable_signature', c.id);
        // ...and even forced to match, it does not verify.
        const forced = { ...plain, keyId: line.keyId };
        assert.is(outcome(() => openNote(utf8(c.note), [forced])), 'invalid_signature', c.id);
      }
    }
  }
});

function witnessedFixture(): { text: string; note: string; logSeed: Uint8Array; witnessSeed: Uint8Array } {
  const logSeed = fromHex('11'.repeat(32));
  const witnessSeed = fromHex('22'.repeat(32));
  const text = formatCheckpoint({ origin: 'example.com/diptych', size: 3, root: new Uint8Array(32).fill(7), extensions: ['x: y'] });
  const log = ed25519NoteSigner('example.com/diptych', nobleEd25519Signer(logSeed));
  const witness = createCosigner('example.com/witness', nobleEd25519Signer(witnessSeed));
  const note = signNote(text, [log, cosignatureNoteSigner(witness, 1767225600)]);
  return { text, note, logSeed, witnessSeed };
}

for (const [backend, crypto] of BACKENDS) {
  test(`flipping any byte of a cosignature or of the checkpoint fails (${backend})`, () => {
    const { note } = witnessedFixture();
    const witness = cosignatureVerifier('example.com/witness', nobleEd25519Signer(fromHex('22'.repeat(32))).publicKey, crypto);
    const parsed = parseNote(utf8(note));
    assert.is(verifiedCosignatures(openNote(utf8(note), [witness]))[0]!.timestamp, 1767225600n);
    const line = parsed.signatures[1]!;
    const raw = new Uint8Array([...line.keyId, ...line.signature]);
    assert.is(raw.length, 4 + COSIGNATURE_LENGTH);
    for (let i = 0; i < raw.length; i++) {
      for (const mask of [0x01, 0x80]) {
        const bad = raw.slice();
        bad[i]! ^= mask;
        const sigs = [parsed.signatures[0]!, { name: line.name, keyId: bad.slice(0, 4), signature: bad.slice(4) }];
        const result = outcome(() => openNote(utf8(formatNote(parsed.text, sigs)), [witness]));
        assert.is(result, i < 4 ? 'no_verifiable_signature' : 'invalid_signature', `byte ${i} ^ ${mask}`);
      }
    }
    const bytes = utf8(note);
    for (let i = 0; i < utf8(parsed.text).length; i++) {
      const bad = bytes.slice();
      bad[i]! ^= 0x01;
      assert.is.not(outcome(() => openNote(bad, [witness])), 'ok', `text byte ${i}`);
    }
  });
}

test('log signature plus cosignature through openCheckpoint', () => {
  const { note, logSeed, witnessSeed } = witnessedFixture();
  const log = ed25519Verifier('example.com/diptych', nobleEd25519Signer(logSeed).publicKey);
  const witness = cosignatureVerifier('example.com/witness', nobleEd25519Signer(witnessSeed).publicKey);
  const opened = openCheckpoint(utf8(note), log, { origin: 'example.com/diptych', cosigners: [witness] });
  assert.is(opened.checkpoint.size, 3);
  assert.equal(opened.checkpoint.extensions, ['x: y']);
  assert.equal(verifiedCosignatures(opened.note).map((c) => [c.name, c.timestamp]), [['example.com/witness', 1767225600n]]);
  // A cosigner key is never a log key.
  assertCode(() => openCheckpoint(utf8(note), witness, {}), 'unsupported_key_type');
});

test('timestamps: 0..2^63-1 sign and verify; anything else is refused', () => {
  const { text, witnessSeed } = witnessedFixture();
  const cosigner = createCosigner('example.com/witness', nobleEd25519Signer(witnessSeed));
  const verifier = cosignatureVerifier('example.com/witness', cosigner.publicKey);
  for (const t of [0n, 1n, MAX_COSIGNATURE_TIMESTAMP]) {
    const sig = cosigner.sign(text, t);
    assert.is(cosignatureTimestamp(sig), t);
    assert.ok(verifier.verify(utf8(text), sig));
    assert.is(new TextDecoder().decode(cosignedMessage(text, t)).split('\n')[1], `time ${t}`);
  }
  for (const t of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, MAX_COSIGNATURE_TIMESTAMP + 1n, -1n]) {
    assertCode(() => cosigner.sign(text, t), 'malformed_cosignature', String(t));
  }
  // A cosignature claiming 2^63 never verifies, even with a genuine signature over it.
  const tooHigh = MAX_COSIGNATURE_TIMESTAMP + 1n;
  const high = new Uint8Array(COSIGNATURE_LENGTH);
  new DataView(high.buffer).setBigUint64(0, tooHigh);
  high.set(nobleEd25519Signer(witnessSeed).sign(utf8(`cosignature/v1\ntime ${tooHigh}\n${text}`)), 8);
  assert.not.ok(verifier.verify(utf8(text), high));
  const sig = cosigner.sign(text, 5);
  assert.not.ok(verifier.verify(utf8(text), sig.subarray(0, 71)));
  assertCode(() => cosignatureTimestamp(sig.subarray(0, 71)), 'malformed_cosignature');
});

test('witnesses refuse to cosign anything but a checkpoint', () => {
  const cosigner = createCosigner('example.com/witness', nobleEd25519Signer(fromHex('22'.repeat(32))));
  assertCode(() => cosign('not a checkpoint\n', cosigner, 1), 'malformed_checkpoint');
  assertCode(() => createCosigner('bad name', nobleEd25519Signer(fromHex('22'.repeat(32)))), 'malformed_key');
  assertCode(() => cosignatureVerifierFromKey('x+00000000+AQ' + 'A'.repeat(42)), 'malformed_key');
});

test.run();

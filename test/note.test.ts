// C2SP signed notes (log/note.ts) against every note vector: key parsing, the exact published
// signed messages, every open() case with both crypto backends, and single-byte tampering.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fromBase64, fromHex, toBase64, toHex, utf8 } from '../log/bytes.js';
import { nobleCrypto, nobleEd25519Signer, type Crypto } from '../log/crypto.js';
import { createNodeCrypto, nodeEd25519Signer } from '../log/node-crypto.js';
import {
  COSIGNATURE_TYPE,
  ED25519_TYPE,
  MAX_SIGNATURES,
  ed25519NoteSigner,
  formatNote,
  formatVerifierKey,
  generateSignerKey,
  isValidKeyName,
  keyId,
  noteVerifier,
  openNote,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  signatureLine,
  type NoteVerifier,
} from '../log/note.js';
import { assertCode, outcome } from './support/assert-code.js';
import { loadVector, REASON_CODES } from './support/vectors.js';

interface NoteKey { name: string; keyId: string; verifierKey: string; signerKey?: string; seedHex?: string }
interface Expect {
  result: 'accept' | 'reject';
  reason?: string;
  verified?: string[];
  ignoredCount?: number;
  parse?: { text: string; signatures: { name: string; keyId: string; signatureBytes: number }[] };
}
interface NoteCase { id: string; msg?: string; msgBase64: string; verifierKeys: string[]; expect: Expect }
interface NoteFile {
  keys?: NoteKey[];
  signing?: { description: string; signerKey: string; text: string; signedNote: string }[];
  badVerifierKeys?: { verifierKey: string; reason: string }[];
  cases: NoteCase[];
}

const FILES = ['note/xmod-note-test.json', 'note/c2sp-signed-note.json', 'note/generated.json'];
const BACKENDS: [string, Crypto][] = [['noble', nobleCrypto], ['node', createNodeCrypto()]];

/** Distinct verified key names, in note order: the vectors' `verified`. */
function verifiedNames(verified: readonly { name: string }[]): string[] {
  return [...new Set(verified.map((v) => v.name))];
}

const test = suite('note');

test('vector keys parse with their key IDs; signer keys match verifier keys', () => {
  let count = 0;
  for (const file of FILES) {
    for (const k of loadVector<NoteFile>(file).keys ?? []) {
      const v = parseVerifierKey(k.verifierKey);
      assert.is(v.name, k.name);
      assert.is(toHex(v.keyId), k.keyId);
      assert.is(v.type, ED25519_TYPE);
      assert.is(formatVerifierKey(v.name, v.type, v.publicKey), k.verifierKey);
      if (k.signerKey !== undefined) {
        const s = parseSignerKey(k.signerKey);
        assert.is(s.verifierKey, k.verifierKey, `${k.name}: signer key matches verifier key`);
        if (k.seedHex !== undefined) {
          const generated = generateSignerKey(k.name, fromHex(k.seedHex));
          assert.equal(generated, { signerKey: k.signerKey, verifierKey: k.verifierKey }, `${k.name}: seed`);
          assert.equal(s.ed25519.publicKey, v.publicKey);
        }
      }
      count++;
    }
  }
  assert.is(count, 22, 'keys in the three note files');
});

test('x/mod bad verifier keys are rejected', () => {
  const bad = loadVector<NoteFile>('note/xmod-note-test.json').badVerifierKeys ?? [];
  assert.is(bad.length, 6);
  for (const b of bad) {
    const code = b.reason.includes('unknown algorithm') ? 'unsupported_key_type' : 'malformed_key';
    assertCode(() => parseVerifierKey(b.verifierKey), code, b.reason);
  }
});

test('signing reproduces the published signed messages byte for byte', () => {
  const signing = loadVector<NoteFile>('note/xmod-note-test.json').signing ?? [];
  assert.is(signing.length, 2);
  const [peter, enoch] = signing.map((s) => parseSignerKey(s.signerKey).signer);
  const text = signing[0]!.text;
  assert.is(signNote(text, [peter!]), signing[0]!.signedNote);
  assert.is(signNote(text, [peter!, enoch!]), signing[1]!.signedNote);
  // The node:crypto signer gives the same deterministic signature.
  const nodePeter = parseSignerKey(signing[0]!.signerKey, nodeEd25519Signer, createNodeCrypto()).signer;
  assert.is(signatureLine(text, nodePeter), signatureLine(text, peter!));
});

for (const file of FILES) {
  for (const [backend, crypto] of BACKENDS) {
    test(`${file}: every case (${backend})`, () => {
      for (const c of loadVector<NoteFile>(file).cases) {
        const msg = fromBase64(c.msgBase64);
        if (c.msg !== undefined) assert.equal(utf8(c.msg), msg, `${c.id}: msg and msgBase64 agree`);
        const verifiers = c.verifierKeys.map((k) => noteVerifier(k, crypto));
        const label = `${file} ${c.id}`;
        if (c.expect.result === 'accept') {
          const opened = openNote(msg, verifiers);
          assert.equal(verifiedNames(opened.verified), c.expect.verified, `${label}: verified`);
          assert.is(opened.ignoredCount, c.expect.ignoredCount, `${label}: ignoredCount`);
        } else {
          assertCode(() => openNote(msg, verifiers), REASON_CODES[c.expect.reason!]!, label);
        }
        if (c.expect.parse !== undefined) {
          const parsed = parseNote(msg);
          assert.is(parsed.text, c.expect.parse.text);
          const sigs = parsed.signatures.map((s) => ({ name: s.name, keyId: toHex(s.keyId), signatureBytes: s.signature.length }));
          assert.equal(sigs, c.expect.parse.signatures);
        }
      }
    });
  }
}

test('every note file case is accounted for', () => {
  const counts = FILES.map((f) => loadVector<NoteFile>(f).cases.length);
  assert.equal(counts, [16, 2, 35]);
});

test('parse then format gives back the same bytes', () => {
  for (const file of FILES) {
    for (const c of loadVector<NoteFile>(file).cases) {
      if (c.expect.result !== 'accept') continue;
      const msg = fromBase64(c.msgBase64);
      const parsed = parseNote(msg);
      assert.equal(utf8(formatNote(parsed.text, parsed.signatures)), msg, c.id);
    }
  }
});

// Every single-byte change to a signature line's bytes (key ID or signature) or to the text
// must make the note fail, with both backends.
function tamperCases(): { id: string; msg: Uint8Array; verifiers: string[] }[] {
  const xmod = loadVector<NoteFile>('note/xmod-note-test.json').cases.find((c) => c.id === 'open-both')!;
  const c2sp = loadVector<NoteFile>('note/c2sp-signed-note.json').cases[0]!;
  const gen = loadVector<NoteFile>('note/generated.json').cases.find((c) => c.id === 'valid-unicode-text')!;
  return [xmod, c2sp, gen].map((c) => ({ id: c.id, msg: fromBase64(c.msgBase64), verifiers: c.verifierKeys }));
}

for (const [backend, crypto] of BACKENDS) {
  test(`flipping any byte of any signature fails the note (${backend})`, () => {
    for (const t of tamperCases()) {
      const verifiers = t.verifiers.map((k) => noteVerifier(k, crypto));
      const parsed = parseNote(t.msg);
      assert.is(outcome(() => openNote(t.msg, verifiers)), 'ok');
      let checked = 0;
      for (let s = 0; s < parsed.signatures.length; s++) {
        const sig = parsed.signatures[s]!;
        const raw = new Uint8Array([...sig.keyId, ...sig.signature]);
        for (let i = 0; i < raw.length; i++) {
          for (const mask of [0x01, 0x80]) {
            const bad = raw.slice();
            bad[i]! ^= mask;
            const sigs = parsed.signatures.map((x, j) => (j === s ? { name: x.name, keyId: bad.slice(0, 4), signature: bad.slice(4) } : x));
            const note = utf8(formatNote(parsed.text, sigs));
            const result = outcome(() => openNote(note, verifiers));
            // A changed key ID turns a trusted line into an unknown one; with another trusted
            // line left the note may still verify, but only by that other line.
            if (result === 'ok') {
              assert.ok(i < 4 && parsed.signatures.length > 1, `${t.id}: signature ${s} byte ${i} ^ ${mask} accepted`);
              const opened = openNote(note, verifiers);
              assert.not.ok(opened.verified.some((v) => v.name === sig.name), `${t.id}: tampered line verified`);
            }
            checked++;
          }
        }
      }
      assert.ok(checked >= 136);
    }
  });

  test(`flipping any byte of the text fails the note (${backend})`, () => {
    for (const t of tamperCases()) {
      const verifiers = t.verifiers.map((k) => noteVerifier(k, crypto));
      const textLength = utf8(parseNote(t.msg).text).length;
      for (let i = 0; i < textLength; i++) {
        for (const mask of [0x01, 0x20, 0x80]) {
          const bad = t.msg.slice();
          bad[i]! ^= mask;
          assert.is.not(outcome(() => openNote(bad, verifiers)), 'ok', `${t.id}: text byte ${i} ^ ${mask} accepted`);
        }
      }
    }
  });
}

test('a single-key note needs its own signature; dropping the signed key ID fails', () => {
  const seed = fromHex('42'.repeat(32));
  const signer = ed25519NoteSigner('example.com/test', nobleEd25519Signer(seed));
  const note = signNote('hello\n', [signer]);
  const verifier = noteVerifier(generateSignerKey('example.com/test', seed).verifierKey);
  assert.is(openNote(utf8(note), [verifier]).text, 'hello\n');
  const other = noteVerifier(generateSignerKey('example.com/other', seed).verifierKey);
  assertCode(() => openNote(utf8(note), [other]), 'no_verifiable_signature');
});

test('at most 100 signature lines, counted before anything else', () => {
  const seed = fromHex('07'.repeat(32));
  const signer = ed25519NoteSigner('example.com/many', nobleEd25519Signer(seed));
  const verifier = noteVerifier(generateSignerKey('example.com/many', seed).verifierKey);
  const line = signatureLine('text\n', signer);
  const note = (n: number): Uint8Array => utf8('text\n\n' + line.repeat(n));
  const opened = openNote(note(MAX_SIGNATURES), [verifier]);
  assert.is(opened.verified.length, 1, 'identical lines collapse');
  assertCode(() => openNote(note(MAX_SIGNATURES + 1), [verifier]), 'too_many_signatures');
  assertCode(() => signNote('text\n', Array.from({ length: MAX_SIGNATURES + 1 }, () => signer)), 'too_many_signatures');
});

test('signNote refuses texts a note cannot carry', () => {
  const signer = ed25519NoteSigner('example.com/t', nobleEd25519Signer(fromHex('01'.repeat(32))));
  for (const text of ['', 'no newline', 'tab\there\n', 'cr\r\n', 'nul\u0000\n', 'lone \ud800\n']) {
    assertCode(() => signNote(text, [signer]), 'malformed_note', JSON.stringify(text));
  }
  assertCode(() => signNote('ok\n', []), 'malformed_note');
  // Blank lines inside the text are fine: the signature block starts after the last one.
  const note = signNote('a\n\nb\n\n', [signer]);
  assert.is(parseNote(utf8(note)).text, 'a\n\nb\n\n');
});

test('key names: non-empty, no Unicode white space, no plus, well-formed', () => {
  for (const name of ['example.com/foo', 'PeterNeumann', 'ünïcödé/κλειδί', 'a-b_c.d~e']) assert.ok(isValidKeyName(name), name);
  for (const name of ['', 'a b', 'a\tb', 'a\u00a0b', 'a\u0085b', 'a\u2003b', 'a\u3000b', 'a+b', 'a\ud800']) {
    assert.not.ok(isValidKeyName(name), JSON.stringify(name));
  }
  assertCode(() => ed25519NoteSigner('bad name', nobleEd25519Signer(fromHex('01'.repeat(32)))), 'malformed_key');
});

test('verifier and signer key formats: malformed and unsupported keys', () => {
  const { verifierKey, signerKey } = generateSignerKey('example.com/k', fromHex('05'.repeat(32)));
  const pub = parseVerifierKey(verifierKey).publicKey;
  const [name, id, material] = verifierKey.split('+') as [string, string, string];
  const cases: [string, string][] = [
    ['', 'malformed_key'],
    [`${name}+${id}`, 'malformed_key'],
    [`${name}+${id.toUpperCase()}+${material}`, 'malformed_key'],
    [`${name}+${id}+${material.slice(0, -1)}`, 'malformed_key'],
    [`${name}+${id}+${material} `, 'malformed_key'],
    [`${name}+${id}+${material.replace(/\+/g, '-').replace(/\//g, '_')}x`, 'malformed_key'],
    [`+${id}+${material}`, 'malformed_key'],
    [`${name}+${id}+AQ==`, 'malformed_key'],
    [`${name}+${id}+${toBase64(new Uint8Array([1, ...pub, 0]))}`, 'malformed_key'],
    [`${name}+${id}+${toBase64(new Uint8Array([2, ...pub]))}`, 'unsupported_key_type'],
  ];
  for (const [vkey, code] of cases) assertCode(() => parseVerifierKey(vkey), code, vkey);
  const cosignerKey = formatVerifierKey(name, COSIGNATURE_TYPE, pub);
  assert.is(parseVerifierKey(cosignerKey).type, COSIGNATURE_TYPE);
  assertCode(() => noteVerifier(cosignerKey), 'unsupported_key_type');
  const skeyCases: [string, string][] = [
    [signerKey.replace('PRIVATE+KEY+', ''), 'malformed_key'],
    [signerKey.replace(/\+[0-9a-f]{8}\+/, '+00000000+'), 'malformed_key'],
    [signerKey.slice(0, -4), 'malformed_key'],
    [signerKey.replace(/\+A([^+]*)$/, '+B$1'), 'unsupported_key_type'],
  ];
  for (const [skey, code] of skeyCases) assertCode(() => parseSignerKey(skey), code, skey);
});

test('key IDs agree between backends and with the vectors', () => {
  const k = parseVerifierKey('PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW');
  for (const [, crypto] of BACKENDS) assert.is(toHex(keyId('PeterNeumann', ED25519_TYPE, k.publicKey, crypto)), 'c74f20a3');
});

test('a verifier of one type never matches lines of the other', () => {
  const seed = fromHex('0c'.repeat(32));
  const signer = ed25519NoteSigner('example.com/dual', nobleEd25519Signer(seed));
  const note = utf8(signNote('t\n', [signer]));
  const asCosigner: NoteVerifier = { ...noteVerifier(generateSignerKey('example.com/dual', seed).verifierKey) };
  const cosignerId = keyId('example.com/dual', COSIGNATURE_TYPE, signer.publicKey);
  assert.is.not(toHex(cosignerId), toHex(signer.keyId));
  assertCode(() => openNote(note, [{ ...asCosigner, keyId: cosignerId, type: COSIGNATURE_TYPE }]), 'no_verifiable_signature');
});

test.run();

// C2SP checkpoints (log/checkpoint.ts) against every checkpoint vector.
//
// Parse-only cases: diptych verifies Ed25519 (type 0x01) note signatures only. The real.json
// checkpoints signed with ECDSA (type 0x02: rekor-*, pixel6-10, pixel-611-log-key-only) or
// RFC 6962 TreeHeadSignatures (type 0x05: sunlight-rome2024h1, skylight-rome2026h1-test-log)
// have vkeys parseVerifierKey refuses with unsupported_key_type, so for them the log key is
// unknown. For those cases the test asserts what does not depend on the signature (origin,
// size, root, extension lines, the signature line's name) and that, with no usable key, the
// note is rejected as no_verifiable_signature; where the vectors expect that rejection anyway
// (rekor-798034-wrong-key-name, rekor-798034-invalid-signature) the outcome matches exactly.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fromBase64, toHex, utf8 } from '../log/bytes.js';
import { nobleCrypto, type Crypto } from '../log/crypto.js';
import { createNodeCrypto } from '../log/node-crypto.js';
import { formatCheckpoint, openCheckpoint, parseCheckpoint, type Checkpoint } from '../log/checkpoint.js';
import { cosignatureTimestamp, cosignedMessage, MAX_COSIGNATURE_TIMESTAMP } from '../log/cosignature.js';
import { ed25519Verifier, noteVerifier, openNote, parseNote, parseSignerKey, parseVerifierKey, signNote, type NoteVerifier } from '../log/note.js';
import { DiptychError } from '../log/errors.js';
import { assertCode, outcome } from './support/assert-code.js';
import { loadVector, REASON_CODES } from './support/vectors.js';

interface CheckpointExpect {
  result: 'accept' | 'reject';
  reason?: string;
  origin?: string;
  size?: string;
  rootHex?: string;
  extensionLines?: string[];
  verified?: string[];
  ignoredCount?: number;
}
interface CheckpointCase { id: string; note: string; verifierKeys: string[]; expect: CheckpointExpect }
interface CheckpointFile { keys?: { name: string; seedHex: string; signerKey: string; verifierKey: string }[]; cases: CheckpointCase[] }

const BACKENDS: [string, Crypto][] = [['noble', nobleCrypto], ['node', createNodeCrypto()]];
const PARSE_ONLY = [
  'rekor-21428036-extension-line',
  'rekor-798034',
  'pixel6-10',
  'rekor-798034-wrong-key-name',
  'rekor-798034-invalid-signature',
  'pixel-611-log-key-only',
  'sunlight-rome2024h1',
  'skylight-rome2026h1-test-log',
];

/** The vectors' reason for a DiptychError: checkpoint-<details.reason> or the note reason. */
function reasonOf(fn: () => unknown): string {
  try {
    fn();
    return 'accept';
  } catch (e) {
    if (!(e instanceof DiptychError)) throw e;
    if (e.code === 'malformed_checkpoint') return `checkpoint-${String(e.details?.['reason'])}`;
    const reason = Object.entries(REASON_CODES).find(([, code]) => code === e.code);
    return reason === undefined ? e.code : reason[0];
  }
}

function assertBody(cp: Checkpoint, e: CheckpointExpect, label: string): void {
  assert.is(cp.origin, e.origin, `${label}: origin`);
  assert.is(cp.sizeBig.toString(), e.size, `${label}: size`);
  assert.is(toHex(cp.root), e.rootHex, `${label}: root`);
  assert.equal([...cp.extensions], e.extensionLines, `${label}: extension lines`);
  if (cp.sizeBig <= BigInt(Number.MAX_SAFE_INTEGER)) assert.is(cp.size, Number(e.size), `${label}: size as a number`);
  else assertCode(() => cp.size, 'size_out_of_range', label);
}

/** Supported verifiers for the case's keys; unsupported key types are left out. */
function usableVerifiers(vkeys: string[], crypto: Crypto): NoteVerifier[] {
  const out: NoteVerifier[] = [];
  for (const vkey of vkeys) {
    const result = outcome(() => noteVerifier(vkey, crypto));
    if (result === 'ok') out.push(noteVerifier(vkey, crypto));
    else assert.is(result, 'unsupported_key_type', vkey);
  }
  return out;
}

function checkCase(c: CheckpointCase, crypto: Crypto, label: string): void {
  const note = utf8(c.note);
  const verifiers = usableVerifiers(c.verifierKeys, crypto);
  const open = (): Checkpoint => {
    const [log, ...others] = verifiers;
    if (log === undefined) return parseCheckpoint(openNote(note, []).text);
    return openCheckpoint(note, log, { cosigners: others }).checkpoint;
  };
  if (PARSE_ONLY.includes(c.id)) {
    assert.is(verifiers.length, 0, `${label}: parse-only cases have no usable key`);
    assert.is(reasonOf(open), 'no-verifiable-signature', label);
    if (c.expect.result === 'accept') assertBody(parseCheckpoint(parseNote(note).text), c.expect, label);
    return;
  }
  assert.is(verifiers.length, c.verifierKeys.length, `${label}: every key is usable`);
  assert.is(reasonOf(open), c.expect.result === 'accept' ? 'accept' : c.expect.reason, label);
  if (c.expect.result !== 'accept') return;
  const opened = openCheckpoint(note, verifiers[0]!, { cosigners: verifiers.slice(1), origin: c.expect.origin! });
  assertBody(opened.checkpoint, c.expect, label);
  assert.equal([...new Set(opened.note.verified.map((v) => v.name))], c.expect.verified, `${label}: verified`);
  if (c.expect.ignoredCount !== undefined) assert.is(opened.note.ignoredCount, c.expect.ignoredCount, `${label}: ignored`);
}

const test = suite('checkpoint');

for (const [backend, crypto] of BACKENDS) {
  test(`parse.generated.json: all 24 cases (${backend})`, () => {
    const file = loadVector<CheckpointFile>('checkpoint/parse.generated.json');
    assert.is(file.cases.length, 24);
    assert.is(file.cases.filter((c) => c.expect.result === 'accept').length, 7);
    for (const c of file.cases) checkCase(c, crypto, c.id);
  });

  test(`real.json: all 28 cases, Ed25519 verified, others parse-only (${backend})`, () => {
    const file = loadVector<CheckpointFile>('checkpoint/real.json');
    assert.is(file.cases.length, 28);
    for (const c of file.cases) checkCase(c, crypto, c.id);
    assert.is(file.cases.filter((c) => PARSE_ONLY.includes(c.id)).length, PARSE_ONLY.length);
  });
}

test('unsupported log keys are ECDSA (0x02) or RFC 6962 (0x05), not malformed', () => {
  const file = loadVector<CheckpointFile>('checkpoint/real.json');
  for (const c of file.cases.filter((x) => PARSE_ONLY.includes(x.id))) {
    for (const vkey of c.verifierKeys) {
      const type = fromBase64(vkey.split('+').slice(2).join('+'))[0];
      assert.ok(type === 0x02 || type === 0x05, `${c.id}: type ${type}`);
      assertCode(() => parseVerifierKey(vkey), 'unsupported_key_type', c.id);
    }
  }
});

test('generated checkpoints re-sign byte for byte and re-format exactly', () => {
  const file = loadVector<CheckpointFile>('checkpoint/parse.generated.json');
  const key = parseSignerKey(file.keys![0]!.signerKey);
  assert.is(key.verifierKey, file.keys![0]!.verifierKey);
  for (const c of file.cases) {
    const { text } = parseNote(utf8(c.note));
    assert.is(signNote(text, [key.signer]), c.note, c.id);
    if (c.expect.result !== 'accept') continue;
    const cp = parseCheckpoint(text);
    assert.is(formatCheckpoint({ origin: cp.origin, size: cp.sizeBig, root: cp.root, extensions: cp.extensions }), text, c.id);
  }
});

test('C2SP examples: parse-level facts and the sum.golang.org finding', () => {
  interface Examples {
    checkpointExample: { note: string; sumdbVerifierKey: string; goSumText: string; expect: CheckpointExpect & { signatures: { name: string; keyId: string; signatureBytes: number }[]; signatureVerifiesOverPrintedText: boolean; signatureVerifiesOverGoSumText: boolean } };
    cosignatureExample: { note: string; signedMessageForWitness: string; expect: { witnessSignature: { name: string; keyId: string; timestamp: string; ed25519SignatureBytes: number } } };
    witnessAddCheckpointResponse: { body: string; expect: { name: string; keyId: string; timestamp: string; timestampWithinLimit: boolean; totalBytes: number }[] };
  }
  const ex = loadVector<Examples>('checkpoint/c2sp-examples.json');
  const ce = ex.checkpointExample;
  const parsed = parseNote(utf8(ce.note));
  assertBody(parseCheckpoint(parsed.text), ce.expect, 'tlog-checkpoint example');
  assert.equal(parsed.signatures.map((s) => ({ name: s.name, keyId: toHex(s.keyId), signatureBytes: s.signature.length })), ce.expect.signatures);
  assertCode(() => openNote(utf8(ce.note), []), 'no_verifiable_signature');
  const sum = parseVerifierKey(ce.sumdbVerifierKey);
  for (const [, crypto] of BACKENDS) {
    const v = ed25519Verifier(sum.name, sum.publicKey, crypto);
    assert.is(v.verify(utf8(parsed.text), parsed.signatures[0]!.signature), ce.expect.signatureVerifiesOverPrintedText);
    assert.is(v.verify(utf8(ce.goSumText), parsed.signatures[0]!.signature), ce.expect.signatureVerifiesOverGoSumText);
  }

  const co = ex.cosignatureExample;
  const cosigned = parseNote(utf8(co.note));
  const w = cosigned.signatures.find((s) => s.name === co.expect.witnessSignature.name)!;
  assert.is(toHex(w.keyId), co.expect.witnessSignature.keyId);
  assert.is(cosignatureTimestamp(w.signature).toString(), co.expect.witnessSignature.timestamp);
  assert.is(w.signature.length - 8, co.expect.witnessSignature.ed25519SignatureBytes);
  assert.equal(cosignedMessage(cosigned.text, cosignatureTimestamp(w.signature)), utf8(co.signedMessageForWitness));

  // The tlog-witness response lines, read as signature lines under the example checkpoint.
  const rs = ex.witnessAddCheckpointResponse;
  const lines = parseNote(utf8(parsed.text + '\n' + rs.body)).signatures;
  assert.equal(
    lines.map((s) => {
      const t = cosignatureTimestamp(s.signature);
      return { name: s.name, keyId: toHex(s.keyId), timestamp: t.toString(), timestampWithinLimit: t <= MAX_COSIGNATURE_TIMESTAMP, totalBytes: s.signature.length + 4 };
    }),
    rs.expect,
  );
});

test('openCheckpoint requires the log signature and the expected origin', () => {
  const file = loadVector<CheckpointFile>('checkpoint/parse.generated.json');
  const c = file.cases.find((x) => x.id === 'minimal')!;
  const log = noteVerifier(c.verifierKeys[0]!);
  assert.is(openCheckpoint(utf8(c.note), log, { origin: 'example.com/vectors/log' }).checkpoint.size, 5);
  assertCode(() => openCheckpoint(utf8(c.note), log, { origin: 'example.com/other' }), 'origin_mismatch');
  // A note verified only by a cosigner is not a checkpoint of this log.
  const other = noteVerifier('example.com/vectors/alice+066c6e9c+Aec06mwrYlfecjVeRyqgWkxIfmtGPAKe0wbfLwG1Y2tY');
  assertCode(() => openCheckpoint(utf8(c.note), other, { cosigners: [log] }), 'no_verifiable_signature');
});

test('formatCheckpoint refuses bodies parseCheckpoint would reject', () => {
  const root = new Uint8Array(32);
  const ok = { origin: 'example.com/log', size: 1, root };
  assert.is(formatCheckpoint(ok), 'example.com/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n');
  assert.is(formatCheckpoint({ ...ok, size: (1n << 64n) - 1n, extensions: ['a b'] }).split('\n')[1], '18446744073709551615');
  const bad: [object, string][] = [
    [{ ...ok, origin: '' }, 'origin'],
    [{ ...ok, origin: 'a\nb' }, 'origin'],
    [{ ...ok, origin: 'tab\there' }, 'lines'],
    [{ ...ok, size: -1 }, 'size'],
    [{ ...ok, size: 1.5 }, 'size'],
    [{ ...ok, size: Number.MAX_SAFE_INTEGER + 1 }, 'size'],
    [{ ...ok, size: 1n << 64n }, 'size'],
    [{ ...ok, root: new Uint8Array(31) }, 'root'],
    [{ ...ok, extensions: [''] }, 'extension'],
    [{ ...ok, extensions: ['a\nb'] }, 'extension'],
  ];
  for (const [fields, reason] of bad) {
    const e = assertCode(() => formatCheckpoint(fields as Parameters<typeof formatCheckpoint>[0]), 'malformed_checkpoint', reason);
    assert.is(e.details?.['reason'], reason);
  }
});

test('parseCheckpoint: sizes are exact up to 2^64-1; the number form is guarded', () => {
  const root = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
  const at = (size: string): Checkpoint => parseCheckpoint(`o\n${size}\n${root}\n`);
  assert.is(at('9007199254740991').size, Number.MAX_SAFE_INTEGER);
  assert.is(at('9007199254740993').sizeBig, 9007199254740993n);
  assertCode(() => at('9007199254740992').size, 'size_out_of_range');
  assert.is(at('18446744073709551615').sizeBig, (1n << 64n) - 1n);
  assert.is(reasonOf(() => at('18446744073709551616')), 'checkpoint-size');
  assert.is(reasonOf(() => parseCheckpoint(`o\n1\n${root}`)), 'checkpoint-lines');
  assert.is(reasonOf(() => parseCheckpoint(`o\n1\n${root}\n\n`)), 'checkpoint-extension');
  assert.is(reasonOf(() => parseCheckpoint(`o\n１\n${root}\n`)), 'checkpoint-size');
});

test.run();

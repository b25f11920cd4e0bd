// Property/fuzz tests of the log's formats (issue 8): signed notes, checkpoints, cosignatures,
// tile paths, entry bundles, DSSE envelopes, JCS, vkeys and signer keys, keys and release
// payloads, timestamps, log policy files and tlog-witness request bodies. For each:
//   - any input: only a DiptychError with a code from the one table (log/errors.ts) escapes;
//   - what is accepted round-trips (formatting it again gives the same bytes), so nothing
//     accepted is outside the strict grammar;
//   - any one-byte edit of a valid signed object is refused.
// Run counts: test/support/fuzz.ts (bounded here, FUZZ_RUNS in `npm run fuzz`).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesEqual, toBase64, utf8 } from '../../log/bytes.js';
import { decodeBundle, encodeBundle } from '../../log/bundle.js';
import { formatCheckpoint, openCheckpoint, parseCheckpoint } from '../../log/checkpoint.js';
import { cosign, cosignatureVerifier, createCosigner } from '../../log/cosignature.js';
import { nobleEd25519Signer } from '../../log/crypto.js';
import { canonicalEnvelopeBytes, parseEnvelope, signEnvelope, verifyEnvelopeSignatures, parseKeyid } from '../../log/dsse.js';
import { canonicalBytes, canonicalJson, isWellFormed, parseCanonical } from '../../log/jcs.js';
import { formatNote, generateSignerKey, noteVerifier, openNote, parseNote, parseSignerKey, parseVerifierKey, signNote } from '../../log/note.js';
import { parsePolicy } from '../../log/policy.js';
import { parseKeysPayload } from '../../log/project-policy.js';
import { parseReleasePayload } from '../../log/release-manifest.js';
import { entriesPath, parseTilePath, tilePath } from '../../log/tile-path.js';
import { parseTimestamp, formatTimestamp } from '../../log/timestamp.js';
import { formatAddCheckpoint, parseAddCheckpoint } from '../../witness/add-checkpoint.js';
import { normalizeVersion } from '../../log/pep440.js';
import { checkDistFilename } from '../../log/dist-filename.js';
import { normalizeProjectName } from '../../log/project-name.js';
import { check, fc, looseBytes, mutate, mutation, typed } from '../support/fuzz.js';

const seedOf = (n: number): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => (n * 31 + i * 7) & 255);
const logKey = parseSignerKey(generateSignerKey('fuzz.example/log', seedOf(1)).signerKey);
const otherKey = parseSignerKey(generateSignerKey('fuzz.example/other', seedOf(2)).signerKey);
const logVerifier = noteVerifier(logKey.verifierKey);
const decoder = new TextDecoder();

/** Note text lines: printable, no newline, sometimes non-ASCII. */
const line = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !/[\x00-\x1f]/.test(s) && isWellFormed(s));
const noteText = fc.array(line, { minLength: 1, maxLength: 5 }).map((lines) => lines.join('\n') + '\n');
const root = fc.uint8Array({ minLength: 32, maxLength: 32 });
const size = fc.oneof(fc.nat(), fc.constant(0), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }));

// --- signed notes -------------------------------------------------------------------------------

test('notes: any bytes parse or fail with a typed error', () => {
  check('note: parseNote(any bytes)', looseBytes(400), (bytes) => {
    typed(() => parseNote(bytes));
    typed(() => openNote(bytes, [logVerifier]));
  }, 1000);
  // Bytes shaped like a note, so that the parser gets past its first checks.
  const noteLike = fc.tuple(noteText, fc.array(fc.tuple(fc.oneof(line, fc.constant(logKey.name)), looseBytes(80)), { maxLength: 4 })).map(
    ([text, sigs]) => utf8(text + '\n' + sigs.map(([name, sig]) => `\u2014 ${name} ${toBase64(sig)}\n`).join('')),
  );
  check('note: parseNote(note-shaped)', noteLike, (bytes) => {
    const r = typed(() => parseNote(bytes));
    if (r.ok) assert.is(formatNote(r.value.text, r.value.signatures), decoder.decode(bytes), 'an accepted note re-formats to its bytes');
    typed(() => openNote(bytes, [logVerifier]));
  }, 1000);
});

test('notes: signed text round-trips; any one-byte edit is refused', () => {
  check('note: sign/open round trip and mutation', fc.tuple(noteText, mutation()), ([text, m]) => {
    const note = utf8(signNote(text, [logKey.signer]));
    const opened = openNote(note, [logVerifier]);
    assert.is(opened.text, text);
    assert.is(opened.verified.length, 1);
    const edited = mutate(note, m);
    const r = typed(() => openNote(edited, [logVerifier]));
    assert.is.not(r.code, 'ok', `an edited note opened: ${JSON.stringify(decoder.decode(edited))}`);
  }, 400);
});

// --- checkpoints ---------------------------------------------------------------------------------

test('checkpoints: format/parse round trip; any text is typed; edits of signed ones refused', () => {
  const origin = line.filter((s) => s.length > 0);
  const extensions = fc.array(line, { maxLength: 3 });
  check('checkpoint: format/parse round trip', fc.record({ origin, size, root, extensions }), (fields) => {
    const r = typed(() => formatCheckpoint(fields));
    if (!r.ok) return;
    const cp = parseCheckpoint(r.value);
    assert.is(cp.origin, fields.origin);
    assert.is(cp.sizeBig, BigInt(fields.size));
    assert.ok(bytesEqual(cp.root, fields.root));
    assert.equal([...cp.extensions], fields.extensions);
  }, 500);
  check('checkpoint: parseCheckpoint(any text)', fc.oneof(fc.string({ maxLength: 200 }), fc.string({ maxLength: 200, unit: 'binary' })), (text) => {
    const r = typed(() => parseCheckpoint(text));
    if (r.ok) {
      // Accepted means canonical: formatting the parsed fields gives the same text back.
      const again = typed(() => formatCheckpoint({ origin: r.value.origin, size: r.value.sizeBig, root: r.value.root, extensions: r.value.extensions }));
      if (again.ok) assert.is(again.value, text);
      else assert.is(again.code, 'malformed_checkpoint'); // only control characters, which a note cannot carry
    }
  }, 1000);
  check('checkpoint: parse(checkpoint-shaped)', fc.tuple(fc.oneof(line, fc.constant('')), fc.oneof(fc.bigInt({ min: -5n, max: 1n << 70n }).map(String), fc.constant('00'), fc.constant('+1'), fc.constant('1e3')), fc.oneof(root.map(toBase64), looseBytes(40).map(toBase64), fc.string({ maxLength: 50 }))), ([o, s, r]) => {
    const text = `${o}\n${s}\n${r}\n`;
    const parsed = typed(() => parseCheckpoint(text));
    if (parsed.ok) {
      assert.is(String(parsed.value.sizeBig), s);
      assert.is(toBase64(parsed.value.root), r);
      if (parsed.value.sizeBig > BigInt(Number.MAX_SAFE_INTEGER)) assert.is(typed(() => parsed.value.size).code, 'size_out_of_range');
    }
  }, 1000);
  check('checkpoint: signed, then one byte edited', fc.tuple(fc.record({ origin, size: fc.nat(), root }), mutation()), ([fields, m]) => {
    const note = utf8(signNote(formatCheckpoint(fields), [logKey.signer]));
    assert.is(openCheckpoint(note, logVerifier).checkpoint.size, fields.size);
    const edited = mutate(note, m);
    assert.is.not(typed(() => openCheckpoint(edited, logVerifier)).code, 'ok', 'an edited checkpoint opened');
  }, 400);
});

test('cosignatures: a cosigned checkpoint with one byte edited is refused', () => {
  const witness = parseSignerKey(generateSignerKey('fuzz.example/witness', seedOf(3)).signerKey);
  const cosigner = createCosigner(witness.name, nobleEd25519Signer(seedOf(3)));
  const cosignerVerifier = cosignatureVerifier(cosigner.name, cosigner.publicKey);
  check('cosignature: edited cosigned checkpoint', fc.tuple(fc.nat(), root, fc.nat(), mutation()), ([n, r, timestamp, m]) => {
    const text = formatCheckpoint({ origin: 'fuzz.example/log', size: n, root: r });
    const note = utf8(signNote(text, [logKey.signer]) + cosign(text, cosigner, timestamp));
    const opened = openCheckpoint(note, logVerifier, { cosigners: [cosignerVerifier] });
    assert.is(opened.note.verified.length, 2);
    const edited = mutate(note, m);
    const again = typed(() => openCheckpoint(edited, logVerifier, { cosigners: [cosignerVerifier] }));
    // An edit may only turn the cosignature line into one by an unknown key (ignored); the
    // log's signature and the text are then untouched. Nothing edited verifies twice.
    if (again.ok) {
      assert.is(again.value.note.text, text);
      assert.is(again.value.note.verified.length, 1, 'an edited cosignature still verified');
    }
  }, 300);
});

// --- tiles and bundles ----------------------------------------------------------------------------

test('tile paths: only the canonical grammar is accepted, and it round-trips', () => {
  const tile = fc.record({ level: fc.integer({ min: 0, max: 63 }), index: fc.oneof(fc.nat(1000), fc.maxSafeNat()), width: fc.integer({ min: 1, max: 256 }) });
  check('tile path: tilePath/parseTilePath round trip', tile, (t) => {
    const parsed = parseTilePath(tilePath(t));
    assert.equal(parsed, { kind: 'hash', ...t });
    const e = parseTilePath(entriesPath(t.index, t.width));
    assert.equal(e, { kind: 'entries', index: t.index, width: t.width });
  }, 1000);
  const pathLike = fc.array(fc.oneof(fc.constantFrom('tile', 'entries', 'x', '/', '.p', '0', '00', '000', 'x000', 'x001', '256', '255', '%2f', '..', '1', '9', '63', '64'), fc.string({ maxLength: 4 })), { maxLength: 12 }).map((parts) => parts.join(''));
  check('tile path: parseTilePath(any path)', fc.oneof(pathLike, fc.constant('tile/').chain((p) => pathLike.map((s) => p + s)), fc.string({ maxLength: 60 })), (path) => {
    const r = typed(() => parseTilePath(path), ['invalid_tile_path']);
    if (r.ok) {
      const p = r.value;
      assert.is(p.kind === 'hash' ? tilePath(p) : entriesPath(p.index, p.width), path, 'an accepted path is the canonical one');
    }
  }, 3000);
});

test('entry bundles: any bytes decode or fail typed; accepted bundles re-encode to themselves', () => {
  check('bundle: decodeBundle(any bytes)', fc.tuple(looseBytes(600), fc.option(fc.nat(10))), ([bytes, count]) => {
    const r = typed(() => decodeBundle(bytes, count ?? undefined), ['malformed_bundle']);
    if (r.ok && r.value.every((e) => e.length > 0)) assert.ok(bytesEqual(encodeBundle(r.value), bytes));
  }, 1000);
  check('bundle: encode/decode round trip', fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 20 }), (entries) => {
    const decoded = decodeBundle(encodeBundle(entries), entries.length);
    assert.is(decoded.length, entries.length);
    decoded.forEach((e, i) => assert.ok(bytesEqual(e, entries[i]!)));
  }, 500);
});

// --- JCS and DSSE ---------------------------------------------------------------------------------

const jsonValue = fc.jsonValue({ maxDepth: 4 });

test('JCS: canonical bytes parse back to the value; anything else is refused typed', () => {
  check('jcs: canonical round trip', jsonValue, (value) => {
    const r = typed(() => canonicalBytes(value));
    if (!r.ok) return; // floats and unsafe integers are outside the accepted model
    const back = parseCanonical(r.value);
    assert.is(canonicalJson(back), decoder.decode(r.value));
  }, 1000);
  check('jcs: parseCanonical(any bytes)', fc.oneof(looseBytes(200), jsonValue.map((v) => utf8(JSON.stringify(v, null, Math.random() < 0.5 ? 1 : 0)))), (bytes) => {
    const r = typed(() => parseCanonical(bytes));
    if (r.ok) assert.ok(bytesEqual(canonicalBytes(r.value), bytes), 'an accepted text is exactly its canonical form');
  }, 1000);
  check('jcs: deep nesting is refused, not a stack overflow', fc.integer({ min: 60, max: 20000 }), (depth) => {
    const text = '['.repeat(depth) + ']'.repeat(depth);
    const r = typed(() => parseCanonical(utf8(text)));
    assert.is(r.code, depth > 65 ? 'invalid_json' : 'ok');
  }, 50);
});

test('DSSE: any entry bytes are typed; accepted entries are canonical; edits of signed envelopes are refused', () => {
  const keyid = fc.oneof(fc.constant(`${logKey.name}+${toHex8(logKey.keyId)}`), fc.string({ maxLength: 30 }), line.map((n) => `${n}+0badc0de`));
  const envelopeLike = fc.record({
    payload: fc.oneof(jsonValue.map((v) => toBase64(utf8(JSON.stringify(v)))), fc.string({ maxLength: 40 }), looseBytes(60).map(toBase64)),
    payloadType: fc.oneof(fc.constantFrom('application/vnd.diptych.keys+json', 'application/vnd.diptych.release+json', ''), fc.string({ maxLength: 20 })),
    signatures: fc.oneof(fc.array(fc.record({ keyid, sig: fc.oneof(looseBytes(64).map(toBase64), fc.string({ maxLength: 10 })) }), { maxLength: 3 }), jsonValue),
  }, { requiredKeys: [] });
  check('dsse: parseEnvelope(envelope-shaped and any bytes)', fc.oneof(envelopeLike.map((e) => utf8(JSON.stringify(e))), envelopeLike.map((e) => utf8(canonicalJsonLoose(e))), looseBytes(300)), (bytes) => {
    const r = typed(() => parseEnvelope(bytes));
    if (r.ok) {
      assert.ok(bytesEqual(canonicalEnvelopeBytes(r.value.envelope), bytes), 'an accepted entry is its own canonical form');
      typed(() => verifyEnvelopeSignatures(r.value.envelope, () => logKey.signer.publicKey));
    }
  }, 1500);
  check('dsse: keyids', fc.string({ maxLength: 40 }), (k) => {
    typed(() => parseKeyid(k), ['invalid_envelope', 'invalid_hex']);
  }, 1000);
  const resolve = (k: string): Uint8Array | undefined => (k === `${logKey.name}+${toHex8(logKey.keyId)}` ? logKey.signer.publicKey : undefined);
  check('dsse: signed envelope, one byte edited', fc.tuple(fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 20 }), fc.nat()), { maxKeys: 4 }), mutation()), ([payload, m]) => {
    const entry = canonicalEnvelopeBytes(signEnvelope('application/x.fuzz+json', payload, [logKey.signer]));
    assert.equal(verifyEnvelopeSignatures(parseEnvelope(entry).envelope, resolve).length, 1);
    const edited = mutate(entry, m);
    const r = typed(() => parseEnvelope(edited));
    if (!r.ok) return;
    // Still a canonical envelope: then the edit hit the payload, its type, a keyid or a
    // signature, and the known key's signature must no longer count.
    const verified = typed(() => verifyEnvelopeSignatures(r.value.envelope, resolve));
    assert.ok(!verified.ok || verified.value.length === 0, `an edited envelope still verifies: ${decoder.decode(edited)}`);
  }, 600);
});

function toHex8(id: Uint8Array): string {
  return Array.from(id, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Canonical JSON when the value is in the model, else plain JSON (so both reach the parser). */
function canonicalJsonLoose(value: unknown): string {
  try {
    return canonicalJson(value);
  } catch {
    return JSON.stringify(value);
  }
}

// --- keys, payloads, policy files -----------------------------------------------------------------

test('vkeys and signer keys: any text is typed; generated keys round-trip', () => {
  const keyText = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 10 }), looseBytes(40)).map(([n, h, k]) => `${n}+${h}+${toBase64(k)}`),
    fc.tuple(line, fc.uint8Array({ minLength: 33, maxLength: 33 })).map(([n, k]) => `${n}+00000000+${toBase64(k)}`),
  );
  check('keys: parseVerifierKey / parseSignerKey(any text)', keyText, (text) => {
    typed(() => parseVerifierKey(text), ['malformed_key', 'unsupported_key_type', 'invalid_base64']);
    typed(() => parseSignerKey(`PRIVATE+KEY+${text}`), ['malformed_key', 'unsupported_key_type', 'invalid_base64']);
  }, 1000);
  check('keys: generated keys round-trip', fc.tuple(line.filter((n) => !/[\s+]/u.test(n)), fc.uint8Array({ minLength: 32, maxLength: 32 })), ([name, seed]) => {
    const r = typed(() => generateSignerKey(name, seed));
    if (!r.ok) return;
    const signer = parseSignerKey(r.value.signerKey);
    assert.is(signer.verifierKey, r.value.verifierKey);
    assert.is(parseVerifierKey(r.value.verifierKey).name, name);
  }, 300);
});

test('keys and release payloads: any JSON is typed; valid ones are accepted', () => {
  const vkey = fc.constantFrom(logKey.verifierKey, otherKey.verifierKey);
  const keysLike = fc.record({
    project: fc.oneof(fc.constantFrom('twin-panels', 'Twin_Panels', 'a', '', 'é'), fc.string({ maxLength: 10 })),
    keys: fc.oneof(fc.array(fc.oneof(vkey, fc.string({ maxLength: 20 })), { maxLength: 3 }), jsonValue),
    threshold: fc.oneof(fc.integer({ min: -1, max: 3 }), jsonValue),
    seq: fc.oneof(fc.integer({ min: -1, max: 3 }), fc.double(), jsonValue),
    revoked: fc.oneof(fc.array(fc.record({ keyid: fc.oneof(fc.string({ maxLength: 20 }), fc.constant('a+0badc0de')), since: fc.oneof(fc.constant('2025-01-01T00:00:00Z'), fc.string({ maxLength: 22 })) }), { maxLength: 2 }), jsonValue),
  }, { requiredKeys: [] });
  check('payload: parseKeysPayload(any)', fc.oneof(keysLike, jsonValue), (p) => {
    typed(() => parseKeysPayload(p));
  }, 1500);
  check('payload: valid keys payloads accepted', fc.tuple(fc.subarray([logKey.verifierKey, otherKey.verifierKey], { minLength: 1 }), fc.nat(5), fc.integer({ min: 1, max: 1000 })), ([keys, t, seq]) => {
    const threshold = 1 + (t % keys.length);
    const parsed = parseKeysPayload({ project: 'twin-panels', keys, threshold, seq });
    assert.is(parsed.threshold, threshold);
    assert.is(parsed.keys.length, keys.length);
  }, 200);
  const sha = fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex8), fc.string({ maxLength: 64 }));
  const releaseLike = fc.record({
    project: fc.oneof(fc.constant('twin-panels'), fc.string({ maxLength: 10 })),
    version: fc.oneof(fc.constantFrom('1.0', '1.0.0', '2!1.0rc1.post2.dev3+local.1', 'v1', '1..0', ''), fc.string({ maxLength: 12 })),
    files: fc.oneof(fc.array(fc.record({
      filename: fc.oneof(fc.constantFrom('twin_panels-1.0.tar.gz', 'twin_panels-1.0-py3-none-any.whl', 'twin-panels-1.0.zip', '../x', 'twin_panels-1.0-1-py3-none-any.whl'), fc.string({ maxLength: 30 })),
      sha256: sha,
      size: fc.oneof(fc.nat(), fc.integer(), jsonValue),
    }, { requiredKeys: [] }), { maxLength: 3 }), jsonValue),
    created: fc.oneof(fc.constantFrom('2025-01-01T00:00:00Z', '2025-02-30T00:00:00Z', '2025-01-01T00:00:00.123456789Z', '0000-01-01T00:00:00Z'), fc.string({ maxLength: 25 })),
  }, { requiredKeys: [] });
  check('payload: parseReleasePayload(any)', fc.oneof(releaseLike, jsonValue), (p) => {
    typed(() => parseReleasePayload(p));
  }, 1500);
});

test('timestamps, versions, filenames and project names: typed on any text', () => {
  check('timestamp: parseTimestamp(any)', fc.oneof(fc.string({ maxLength: 40 }), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.date({ noInvalidDate: true }).map((d) => d.toISOString().replace(/\.\d+Z$/, 'Z'))), (text) => {
    const r = typed(() => parseTimestamp(text, 't'), ['invalid_timestamp']);
    if (r.ok && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(text)) assert.is(formatTimestamp(r.value), text, 'whole seconds round-trip');
  }, 1000);
  check('pep440/dist filename/project name (any text)', fc.tuple(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 })), ([a, b]) => {
    const v = normalizeVersion(a);
    if (v !== undefined) assert.is(normalizeVersion(v), v, 'normal form is a fixed point');
    typed(() => checkDistFilename(a, 'twin-panels', b));
    typed(() => normalizeProjectName(a));
  }, 1000);
});

test('log policy files: any text is typed (invalid_policy); accepted policies are consistent', () => {
  const policyLike = fc.record({
    witnesses: fc.oneof(fc.array(fc.record({ vkey: fc.oneof(fc.constant(logKey.verifierKey), fc.string({ maxLength: 20 })), url: fc.oneof(fc.constant('http://127.0.0.1:1/'), fc.string({ maxLength: 10 }), fc.nat()) }, { requiredKeys: ['vkey'] }), { maxLength: 3 }), jsonValue),
    cosignatureQuorum: fc.oneof(fc.integer({ min: -1, max: 4 }), jsonValue),
    trustedParties: fc.oneof(fc.array(fc.oneof(fc.constant(otherKey.verifierKey), fc.string({ maxLength: 10 })), { maxLength: 3 }), jsonValue),
    escalationQuorum: fc.oneof(fc.integer({ min: -1, max: 4 }), fc.double(), jsonValue),
    extra: jsonValue,
  }, { requiredKeys: [] });
  check('policy: parsePolicy(any)', fc.oneof(policyLike.map((p) => JSON.stringify(p)), fc.string({ maxLength: 100 }), jsonValue.map((v) => JSON.stringify(v))), (text) => {
    const r = typed(() => parsePolicy(text), ['invalid_policy']);
    if (r.ok) {
      const p = r.value;
      assert.ok(p.cosignatureQuorum >= 0 && p.cosignatureQuorum <= p.witnesses.filter((w) => w.url !== undefined).length);
      assert.ok(p.trustedParties.length === 0 ? p.escalationQuorum === 0 : p.escalationQuorum >= 1 && p.escalationQuorum <= p.trustedParties.length);
    }
  }, 1500);
});

test('tlog-witness add-checkpoint bodies: typed on any bytes; formatted requests round-trip', () => {
  check('add-checkpoint: parseAddCheckpoint(any)', fc.oneof(looseBytes(300), fc.tuple(fc.oneof(fc.nat().map(String), fc.string({ maxLength: 5 })), fc.array(fc.oneof(root.map(toBase64), fc.string({ maxLength: 8 })), { maxLength: 4 }), looseBytes(50)).map(([o, proof, note]) => {
    const head = utf8(`old ${o}\n${proof.map((p) => p + '\n').join('')}\n`);
    const out = new Uint8Array(head.length + note.length);
    out.set(head);
    out.set(note, head.length);
    return out;
  })), (body) => {
    typed(() => parseAddCheckpoint(body), ['malformed_witness_request']);
  }, 1500);
  check('add-checkpoint: round trip', fc.tuple(fc.nat(), fc.array(root, { maxLength: 63 }), noteText), ([old, proof, text]) => {
    const note = signNote(text, [logKey.signer]);
    const parsed = parseAddCheckpoint(utf8(formatAddCheckpoint(old, proof, note)));
    assert.is(parsed.oldSize, old);
    assert.is(parsed.proof.length, proof.length);
    parsed.proof.forEach((h, i) => assert.ok(bytesEqual(h, proof[i]!)));
    assert.is(decoder.decode(parsed.note), note);
  }, 300);
});

test('regular expressions on input: the worst cases for each pattern finish in one pass', () => {
  // Every pattern applied to outside input (docs/robustness.md lists them), on 100k-character
  // strings built to make a backtracking engine retry: runs of the characters two adjacent
  // quantifiers share, followed by a character that fails the match. A quadratic pattern takes
  // minutes on these; all of them take milliseconds.
  const n = 100_000;
  const nasty = [
    'tile/0/' + 'x000/'.repeat(n / 5) + 'x',
    'tile/entries/' + 'x001/'.repeat(n / 5) + '001.p/',
    ' '.repeat(n) + '1' + ' '.repeat(n) + 'x',
    '1' + '.1'.repeat(n / 2) + '-',
    '1+' + 'a.'.repeat(n / 2) + '!',
    '1' + '0'.repeat(n) + 'x',
    'a' + '-'.repeat(n) + '!',
    'a' + '._-'.repeat(n / 3) + '_',
    '2025-01-01T00:00:00.' + '1'.repeat(n) + 'Z',
    '\uD800'.repeat(n),
    'a'.repeat(n) + ' ',
  ];
  for (const text of nasty) {
    typed(() => parseTilePath(text), ['invalid_tile_path']);
    normalizeVersion(text);
    typed(() => normalizeProjectName(text));
    typed(() => parseTimestamp(text, 't'), ['invalid_timestamp']);
    typed(() => checkDistFilename(text, 'a', '1'));
    typed(() => parseCheckpoint(`o\n${text}\n${text}\n`));
    typed(() => parseVerifierKey(`${text}+00000000+AA==`));
    isWellFormed(text);
  }
});

test.run();

// Offline proof bundles (issue 7) and witness trust for clients: GET /api/v1/entries/<i>?bundle=1
// and proofBundle() on a real log, bundles cosigned by witnesses, every way a bundle can be
// wrong (each with its code), single-bit flips anywhere in a bundle, `submit` receipts checked
// by `verify --bundle` with no network, and `verify`/`verify-lock --witnesses FILE --quorum K`.
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fromBase64, toBase64, utf8 } from '../log/bytes.js';
import { createCosigner, type Cosigner } from '../log/cosignature.js';
import { canonicalEnvelopeBytes, signEnvelope } from '../log/dsse.js';
import { DiptychError } from '../log/errors.js';
import { createNodeCrypto, nodeEd25519Signer } from '../log/node-crypto.js';
import { COSIGNATURE_TYPE, ED25519_TYPE, formatVerifierKey } from '../log/note.js';
import { makeProofBundle, verifyProofBundle, type ProofBundle } from '../log/proof-bundle.js';
import { RELEASE_TYPE } from '../log/release-manifest.js';
import { formatTimestamp } from '../log/timestamp.js';
import { inclusionProof, memoryHashReader, merkleHasher } from '../log/tree.js';
import { proofBundle } from '../api/proof-bundle.js';
import { fetchTrustedCheckpoint } from '../cli/log-reader.js';
import { parseWitnessFile } from '../cli/witness-file.js';
import { assertCode } from './support/assert-code.js';
import { runCli } from './support/child-server.js';
import { expectCode } from './support/expect-code.js';
import { assertErrorReply, jsonOf, keysEntry, mixedEntries, newKeyPair, newSignerKey, postEntry, removeDir, request, serveTestLog, tempDir } from './support/log-fixture.js';
import { prng } from './support/prng.js';
import { arraySource, served, signedCheckpoint, StaticLogServer, StaticTree } from './support/static-log.js';

const crypto = createNodeCrypto();
const h = merkleHasher(crypto);

function witness(name: string, type = COSIGNATURE_TYPE): { cosigner: Cosigner; vkey: string } {
  const signer = nodeEd25519Signer(randomBytes(32));
  return { cosigner: createCosigner(name, signer), vkey: formatVerifierKey(name, type, signer.publicKey) };
}

/** A bundle of `indexes` from a tree of `entries`, cosigned by `witnesses`, built by hand. */
async function handmade(entries: Uint8Array[], indexes: number[], witnesses: Cosigner[], origin?: string) {
  const logKey = newSignerKey('log.test/bundles');
  const tree = StaticTree.build(h, arraySource(entries));
  const note = await signedCheckpoint(tree, entries.length, { logKey, witnesses }, origin);
  const reader = memoryHashReader(h, entries.map((e) => h.leaf(e)));
  const parts = await Promise.all(indexes.map(async (index) => ({ index, entry: entries[index]!, proof: await inclusionProof(h, index, entries.length, reader) })));
  return { logKey, bundle: makeProofBundle(note, parts) };
}

const test = suite('proof-bundle');

test('GET /api/v1/entries/<i>?bundle=1 and proofBundle() verify, one entry or several', async () => {
  const log = await serveTestLog();
  try {
    const entries = mixedEntries('bundle', 9, newSignerKey('m@example.org'));
    for (const e of entries) await postEntry(log.url, e);
    const reply = await request(log.url, '/api/v1/entries/4?bundle=1');
    assert.is(reply.status, 200);
    const bundle = jsonOf<ProofBundle>(reply);
    assert.equal(Object.keys(bundle).sort(), ['checkpoint', 'entries']);
    const trust = { logKey: log.log.key.verifierKey };
    const one = verifyProofBundle(bundle, trust);
    assert.is(one.entries[0]!.index, 4);
    assert.equal(one.entries[0]!.bytes, entries[4]);
    const several = verifyProofBundle(JSON.parse(JSON.stringify(await proofBundle(log.log, [8, 0, 3]))), trust, crypto);
    assert.equal(several.entries.map((e) => e.index), [8, 0, 3]);
    assertErrorReply(await request(log.url, '/api/v1/entries/9?bundle=1'), 404, 'entry_not_found', 'beyond the log');
  } finally {
    await log.close();
  }
});

test('a bundle cosigned by witnesses verifies with a quorum, and fails below it', async () => {
  const [one, two, three] = [witness('w1.test/a'), witness('w2.test/b', ED25519_TYPE), witness('w3.test/c')];
  const entries = mixedEntries('witnessed', 21, newSignerKey('m@example.org'));
  const { logKey, bundle } = await handmade(entries, [3, 20], [one.cosigner, two.cosigner]);
  const witnessKeys = [one.vkey, two.vkey, three.vkey];
  const ok = verifyProofBundle(bundle, { logKey: logKey.verifierKey, witnessKeys, quorum: 2 }, crypto);
  assert.is(ok.cosignatures.length, 2);
  const e = assertCode(() => verifyProofBundle(bundle, { logKey: logKey.verifierKey, witnessKeys, quorum: 3 }, crypto), 'insufficient_cosignatures');
  assert.match(e.message, /2 valid cosignatures.*3 required/);
  // The same cosignature line twice counts once.
  const lines = bundle.checkpoint.split('\n');
  const doubled = { ...bundle, checkpoint: [...lines.slice(0, -1), lines[lines.length - 2], ''].join('\n') };
  assertCode(() => verifyProofBundle(doubled, { logKey: logKey.verifierKey, witnessKeys: [two.vkey, three.vkey], quorum: 2 }, crypto), 'insufficient_cosignatures');
});

test('each way a bundle can be wrong has its code', async () => {
  const entries = mixedEntries('wrong', 12, newSignerKey('m@example.org'));
  const { logKey, bundle } = await handmade(entries, [2, 7], []);
  const trust = { logKey: logKey.verifierKey };
  const check = (value: unknown, code: string, label: string) => assertCode(() => verifyProofBundle(value, trust, crypto), code, label);
  check({ ...bundle, entries: [] }, 'malformed_proof_bundle', 'no entries');
  check({ entries: bundle.entries }, 'malformed_proof_bundle', 'no checkpoint');
  check({ ...bundle, entries: [{ ...bundle.entries[0]!, extra: 1 }] }, 'malformed_proof_bundle', 'extra field');
  check({ ...bundle, entries: [{ ...bundle.entries[0]!, index: -1 }] }, 'malformed_proof_bundle', 'negative index');
  const swapped = check({ ...bundle, entries: [{ ...bundle.entries[0]!, inclusionProof: bundle.entries[1]!.inclusionProof }] }, 'invalid_proof', 'proof of another entry');
  assert.match(swapped.message, /entries\[0\] \(entry 2\)/);
  check({ ...bundle, entries: [{ ...bundle.entries[0]!, index: 12 }] }, 'invalid_proof', 'index beyond the checkpoint');
  check({ ...bundle, entries: [{ ...bundle.entries[0]!, entry: toBase64(entries[3]!) }] }, 'invalid_proof', 'another entry');
  assertCode(() => verifyProofBundle(bundle, { logKey: newSignerKey('log.test/bundles').verifierKey }, crypto), 'no_verifiable_signature', 'another log key of the same name');
  const elsewhere = await handmade(entries, [2], [], 'elsewhere.test/log');
  assertCode(() => verifyProofBundle(elsewhere.bundle, { logKey: elsewhere.logKey.verifierKey }, crypto), 'origin_mismatch', 'origin');
});

test('every single-bit flip of a witnessed bundle is refused', async () => {
  const [one, two] = [witness('w1.test/a'), witness('w2.test/b')];
  const entries = mixedEntries('flips', 5, newSignerKey('m@example.org'));
  const { logKey, bundle } = await handmade(entries, [1, 4], [one.cosigner, two.cosigner]);
  const trust = { logKey: logKey.verifierKey, witnessKeys: [one.vkey, two.vkey], quorum: 2 };
  const bytes = utf8(JSON.stringify(bundle));
  verifyProofBundle(JSON.parse(new TextDecoder().decode(bytes)), trust, crypto);
  const random = prng(7);
  const decoder = new TextDecoder();
  for (let n = 0; n < 3000; n++) {
    const bit = Math.floor(random() * bytes.length * 8);
    const flipped = Uint8Array.from(bytes);
    flipped[bit >> 3] = flipped[bit >> 3]! ^ (1 << (bit & 7));
    let value: unknown;
    try {
      value = JSON.parse(decoder.decode(flipped));
    } catch {
      continue; // not JSON any more: nothing to verify
    }
    try {
      verifyProofBundle(value, trust, crypto);
    } catch (e) {
      assert.instance(e, DiptychError, `bit ${bit}: ${String(e)}`);
      continue;
    }
    assert.unreachable(`flipping bit ${bit} (byte ${bit >> 3}) still verified`);
  }
});

test('a submit receipt is a bundle that verify --bundle checks offline', async () => {
  const log = await serveTestLog();
  const dir = await tempDir('bundle-cli');
  try {
    const { key } = newKeyPair('maintainer@example.org');
    const envelope = signEnvelope('application/vnd.diptych.keys+json', { project: 'offline', keys: [key.verifierKey], threshold: 1, seq: 1 }, [key.signer]);
    await writeFile(join(dir, 'keys.json'), JSON.stringify(envelope));
    const vkey = log.log.key.verifierKey;
    const submit = await runCli(['submit', join(dir, 'keys.json'), '--log', log.url, '--log-key', vkey]);
    assert.is(submit.code, 0, submit.stderr);
    const receiptFile = join(dir, 'keys.receipt.json');
    const receipt = JSON.parse(await readFile(receiptFile, 'utf8')) as ProofBundle & { index: number };
    assert.is(receipt.index, 0);
    await log.close();
    // The log is gone: verification needs nothing but the file and the keys.
    const ok = await runCli(['verify', '--bundle', receiptFile, '--log-key', vkey, '--json']);
    assert.is(ok.code, 0, ok.stderr);
    assert.is((JSON.parse(ok.stdout) as { entries: { index: number }[] }).entries[0]!.index, 0);
    await writeFile(join(dir, 'witnesses.txt'), `# the witnesses we trust\n${witness('w1.test/a').vkey}\n`);
    const unwitnessed = await runCli(['verify', '--bundle', receiptFile, '--log-key', vkey, '--witnesses', join(dir, 'witnesses.txt')]);
    assert.is(unwitnessed.code, 1);
    assert.match(unwitnessed.stderr, /insufficient_cosignatures/);
    const entry = fromBase64(receipt.entries[0]!.entry);
    entry[entry.length - 3] = entry[entry.length - 3]! ^ 1;
    await writeFile(join(dir, 'tampered.json'), JSON.stringify({ ...receipt, entries: [{ ...receipt.entries[0]!, entry: toBase64(entry) }] }));
    const tampered = await runCli(['verify', '--bundle', join(dir, 'tampered.json'), '--log-key', vkey]);
    assert.is(tampered.code, 1);
    assert.match(tampered.stderr, /invalid_proof/);
    assert.is((await runCli(['verify', '--bundle', receiptFile])).code, 2, 'no --log-key');
  } finally {
    await log.close().catch(() => undefined);
    await removeDir(dir);
  }
});

test('witness files: one vkey a line or a policy file; the fetched checkpoint must carry the quorum', async () => {
  const [one, two] = [witness('w1.test/a'), witness('w2.test/b')];
  assert.equal(parseWitnessFile(`# ours\n\n${one.vkey}  # first\n${two.vkey}\n`, 'f'), { witnessKeys: [one.vkey, two.vkey], defaultQuorum: 2 });
  const policy = JSON.stringify({ witnesses: [{ vkey: one.vkey, url: 'https://w1.test/' }, { vkey: two.vkey, url: 'https://w2.test/' }], cosignatureQuorum: 1 });
  assert.equal(parseWitnessFile(policy, 'p'), { witnessKeys: [one.vkey, two.vkey], defaultQuorum: 1 });
  assertCode(() => parseWitnessFile('not a key\n', 'f'), 'malformed_key');
  const logKey = newSignerKey('log.test/witnessed');
  const tree = StaticTree.build(h, arraySource(mixedEntries('w', 10, logKey)));
  const server = await StaticLogServer.start(await served(tree, 10, { logKey, witnesses: [one.cosigner] }), logKey.verifierKey);
  try {
    const trust = (quorum: number) => ({ logKey: logKey.verifierKey, witnesses: { witnessKeys: [one.vkey, two.vkey], quorum } });
    assert.is((await fetchTrustedCheckpoint(server.url, trust(1), () => undefined)).cosigned, 1);
    await expectCode(fetchTrustedCheckpoint(server.url, trust(2), () => undefined), 'insufficient_cosignatures');
  } finally {
    await server.close();
  }
});

test('verify and verify-lock --witnesses refuse a checkpoint nobody cosigned', async () => {
  const log = await serveTestLog();
  const dir = await tempDir('witness-cli');
  try {
    const key = newSignerKey('maintainer@example.org');
    await postEntry(log.url, keysEntry(key, 'witnessed-pkg'));
    const content = 'sdist bytes\n';
    const sha256 = createHash('sha256').update(content).digest('hex');
    const files = [{ filename: 'witnessed_pkg-1.0.tar.gz', sha256, size: content.length }];
    const manifest = signEnvelope(RELEASE_TYPE, { project: 'witnessed-pkg', version: '1.0', files, created: formatTimestamp(Date.now()) }, [key.signer]);
    assert.is((await postEntry(log.url, canonicalEnvelopeBytes(manifest))).status, 201);
    await writeFile(join(dir, 'witnessed_pkg-1.0.tar.gz'), content);
    await writeFile(join(dir, 'requirements.txt'), `witnessed-pkg==1.0 --hash=sha256:${sha256}\n`);
    await writeFile(join(dir, 'witnesses.txt'), `${witness('w1.test/a').vkey}\n`);
    const vkey = log.log.key.verifierKey;
    const plain = await runCli(['verify', join(dir, 'witnessed_pkg-1.0.tar.gz'), '--log', log.url, '--log-key', vkey]);
    assert.is(plain.code, 0, plain.stderr);
    const witnessed = await runCli(['verify', join(dir, 'witnessed_pkg-1.0.tar.gz'), '--log', log.url, '--log-key', vkey, '--witnesses', join(dir, 'witnesses.txt'), '--quorum', '1']);
    assert.is(witnessed.code, 1);
    assert.match(witnessed.stderr, /insufficient_cosignatures/);
    const lock = await runCli(['verify-lock', join(dir, 'requirements.txt'), '--log', log.url, '--log-key', vkey, '--witnesses', join(dir, 'witnesses.txt')]);
    assert.is(lock.code, 1);
    assert.match(lock.stderr, /insufficient_cosignatures/);
    assert.is((await runCli(['verify', join(dir, 'witnessed_pkg-1.0.tar.gz'), '--log', log.url, '--witnesses', join(dir, 'witnesses.txt'), '--quorum', '2'])).code, 2, 'quorum above the witnesses');
  } finally {
    await log.close();
    await removeDir(dir);
  }
});

test.run();

// The log's HTTP API (api/app.ts on api/server.ts) over a real TransparencyLog in a temp dir,
// served on 127.0.0.1 port 0 and spoken to over plain node:http. What a client receives is
// checked with the verification code only: checkpoints with log/checkpoint.ts and log/note.ts,
// proofs with log/proof.ts, leaf hashes with @noble (support clientHasher), bundles with
// log/bundle.ts, and roots against the reference tree in support/log-fixture.ts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesEqual, concatBytes, fromBase64, toBase64, toHex, utf8 } from '../log/bytes.js';
import { decodeBundle } from '../log/bundle.js';
import { canonicalEnvelopeBytes, signEnvelope, type Envelope } from '../log/dsse.js';
import { KEYS_PAYLOAD_TYPE } from '../log/entry-validator.js';
import { canonicalBytes } from '../log/jcs.js';
import { keyHandle, parseVerifierKey, type SignerKey } from '../log/note.js';
import { verifyConsistency, verifyInclusion } from '../log/proof.js';
import { tilesForSize, type Tile } from '../log/tile.js';
import { entriesPath, tilePath } from '../log/tile-path.js';
import type { Hash } from '../log/tree.js';
import {
  assertErrorReply,
  clientHasher,
  jsonOf,
  keysEntry,
  mapConcurrent,
  mixedEntries,
  newKeyPair,
  newSignerKey,
  openLogCheckpoint,
  postEntry,
  referenceRoots,
  request,
  rootFromTileLevels,
  serveTestLog,
  strangerEntry,
  textOf,
  type EntryReceipt,
  type Reply,
  type ServedLog,
} from './support/log-fixture.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const ENTRIES = 600; // two full level-0 tiles, a partial one, and a level-1 tile
const CLIENTS = 30;

interface Context {
  served: ServedLog;
  vkey: string;
  key: SignerKey;
  plainKey: SignerKey;
  /** Every entry the log holds, by index, as the tests posted it. */
  byIndex: Uint8Array[];
  /** Every checkpoint handed out, by size (the API must never give two roots for one size). */
  checkpoints: Map<number, Hash>;
}

const api = suite<Context>('api', {} as Context);

api.before(async (ctx) => {
  // Keys with a '+' in their base64 material, the case that splitting a vkey at its last '+'
  // gets wrong; the keys without one are covered by `plainKey` below.
  ctx.served = await serveTestLog({ cadenceMs: 20, verifyThreads: 1, logKeyText: newKeyPair('api.test/log', true).text });
  ctx.vkey = ctx.served.log.key.verifierKey;
  ctx.key = newSignerKey('developer.example/alice', true);
  ctx.plainKey = newSignerKey('developer.example/bob', false);
  ctx.byIndex = [];
  ctx.checkpoints = new Map();
});

api.after(async (ctx) => {
  await ctx.served?.close();
});

/** Records a checkpoint and checks it against every one seen before with the same size. */
function noteCheckpoint(ctx: Context, text: string, label: string): { size: number; root: Hash } {
  const cp = openLogCheckpoint(text, ctx.vkey);
  const known = ctx.checkpoints.get(cp.size);
  if (known === undefined) ctx.checkpoints.set(cp.size, cp.root);
  else assert.ok(bytesEqual(known, cp.root), `${label}: two roots for size ${cp.size}`);
  return cp;
}

/** Checks a POST receipt as a client would and returns it. */
function checkReceipt(ctx: Context, reply: Reply, entry: Uint8Array, status: number, label: string): EntryReceipt {
  assert.is(reply.status, status, `${label}: status (${textOf(reply).slice(0, 200)})`);
  assert.ok(String(reply.headers['content-type']).startsWith('application/json'), label);
  const receipt = jsonOf<EntryReceipt>(reply);
  assert.equal(Object.keys(receipt).sort(), ['checkpoint', 'inclusionProof', 'index', 'leafHash']);
  const leaf = clientHasher.leaf(entry);
  assert.is(receipt.leafHash, toHex(leaf), `${label}: leaf hash`);
  const cp = noteCheckpoint(ctx, receipt.checkpoint, label);
  verifyInclusion(clientHasher, receipt.index, cp.size, leaf, receipt.inclusionProof.map((p) => fromBase64(p)), cp.root);
  return receipt;
}

async function getJson<T>(ctx: Context, path: string): Promise<T> {
  const reply = await request(ctx.served.url, path);
  assert.is(reply.status, 200, `${path}: ${textOf(reply).slice(0, 200)}`);
  assert.ok(String(reply.headers['content-type']).startsWith('application/json'), path);
  return jsonOf<T>(reply);
}

async function currentCheckpoint(ctx: Context): Promise<{ text: string; size: number; root: Hash }> {
  const reply = await request(ctx.served.url, '/checkpoint');
  assert.is(reply.status, 200);
  const text = textOf(reply);
  return { text, ...noteCheckpoint(ctx, text, 'GET /checkpoint') };
}

/** A valid entry of exactly `target` bytes: payload padding in 3-byte steps, then the type. */
function strangerEntryOfSize(target: number, tag: string): Uint8Array {
  const make = (pad: number, extra: number): Uint8Array => {
    const payload = toBase64(canonicalBytes({ pad: 'p'.repeat(pad), tag }));
    // canonicalBytes, not canonicalEnvelopeBytes: the search steps past the size limit.
    return canonicalBytes({ payload, payloadType: `text/x-pad${'x'.repeat(extra)}`, signatures: [{ keyid: 'pad.example+00000000', sig: toBase64(new Uint8Array(64).fill(9)) }] });
  };
  const base = make(0, 0).length;
  let pad = Math.max(0, Math.floor(((target - base) * 3) / 4) - 30);
  while (make(pad + 3, 0).length <= target) pad += 3;
  const entry = make(pad, target - make(pad, 0).length);
  assert.is(entry.length, target);
  return entry;
}

api('GET /api/v1/log describes an empty log', async (ctx) => {
  const info = await getJson<{ origin: string; verifierKey: string; size: number; witnesses: string[]; cosignatureQuorum: number }>(ctx, '/api/v1/log');
  assert.equal(Object.keys(info).sort(), ['cosignatureQuorum', 'origin', 'size', 'verifierKey', 'witnesses']);
  assert.is(info.size, 0);
  assert.is(info.verifierKey, ctx.vkey);
  assert.is(parseVerifierKey(info.verifierKey).name, info.origin);
  assert.equal(info.witnesses, []);
  assert.is(info.cosignatureQuorum, 0);
  const cp = await currentCheckpoint(ctx);
  assert.is(cp.size, 0);
  assert.ok(bytesEqual(cp.root, clientHasher.emptyRoot));
});

api(`POST ${ENTRIES} entries from ${CLIENTS} concurrent clients: 201 and receipts that verify`, async (ctx) => {
  const entries = mixedEntries('api', ENTRIES, ctx.key);
  const receipts = await mapConcurrent(entries, CLIENTS, async (entry, i) => checkReceipt(ctx, await postEntry(ctx.served.url, entry), entry, 201, `entry ${i}`));
  const indices = receipts.map((r) => r.index).sort((a, b) => a - b);
  assert.equal(indices, entries.map((_, i) => i), 'indices 0..n-1, each once');
  receipts.forEach((r, i) => (ctx.byIndex[r.index] = entries[i]!));
  // Many clients at a short cadence: more than one checkpoint, each covering whole batches.
  assert.ok(ctx.checkpoints.size > 1, `${ctx.checkpoints.size} checkpoints`);
});

api('the same entry again: 200 with the same index, also for concurrent copies of a new one', async (ctx) => {
  const sample = ctx.byIndex.filter((_, i) => i % 10 === 3);
  await mapConcurrent(sample, CLIENTS, async (entry) => {
    const receipt = checkReceipt(ctx, await postEntry(ctx.served.url, entry), entry, 200, 'duplicate');
    assert.ok(bytesEqual(ctx.byIndex[receipt.index]!, entry), 'the index it was first logged at');
  });
  const fresh = strangerEntry('text/x-diptych-test', { copies: 5 });
  const replies = await Promise.all(Array.from({ length: 5 }, () => postEntry(ctx.served.url, fresh)));
  assert.equal(replies.map((r) => r.status).sort(), [200, 200, 200, 200, 201], 'one copy creates it');
  const receipts = replies.map((r) => checkReceipt(ctx, r, fresh, r.status, 'copy'));
  assert.equal(new Set(receipts.map((r) => r.index)), new Set([ENTRIES]));
  ctx.byIndex[ENTRIES] = fresh;
});

api('an entry from an unknown key with a garbage signature is accepted (only known keys are verified)', async (ctx) => {
  const entry = strangerEntry('application/vnd.example.note+json', { witness: 'nobody' }, 'unknown.example+12345678');
  const receipt = checkReceipt(ctx, await postEntry(ctx.served.url, entry), entry, 201, 'unknown key');
  ctx.byIndex[receipt.index] = entry;
  // And a correctly self-signed keys entry by a key without '+' in its material (the
  // concurrent batch above used one with).
  const keys = keysEntry(ctx.plainKey, 'plain-key-project');
  ctx.byIndex[checkReceipt(ctx, await postEntry(ctx.served.url, keys), keys, 201, 'plain key').index] = keys;
});

api('the largest entry, 65535 bytes, is accepted with and without Content-Length', async (ctx) => {
  for (const chunked of [false, true]) {
    const entry = strangerEntryOfSize(65535, chunked ? 'chunked' : 'with length');
    const reply = chunked
      ? await request(ctx.served.url, '/api/v1/entries', { method: 'POST', chunks: [entry.subarray(0, 30000), entry.subarray(30000)] })
      : await postEntry(ctx.served.url, entry);
    const receipt = checkReceipt(ctx, reply, entry, 201, chunked ? 'chunked 65535' : '65535');
    ctx.byIndex[receipt.index] = entry;
  }
});

api('GET /checkpoint: text/plain, signed by the log, the root of everything posted', async (ctx) => {
  const reply = await request(ctx.served.url, '/checkpoint');
  assert.is(reply.headers['content-type'], 'text/plain; charset=utf-8');
  const cp = await currentCheckpoint(ctx);
  assert.is(cp.size, ctx.byIndex.length);
  const roots = referenceRoots(clientHasher, ctx.byIndex.map((e) => clientHasher.leaf(e)));
  assert.ok(bytesEqual(cp.root, roots[cp.size]!), 'root of the posted entries, in index order');
  for (const [size, root] of ctx.checkpoints) assert.ok(bytesEqual(root, roots[size]!), `handed-out checkpoint ${size}`);
  const info = await getJson<{ size: number }>(ctx, '/api/v1/log');
  assert.is(info.size, cp.size);
});

async function fetchTile(ctx: Context, path: string, width: number): Promise<Reply> {
  const reply = await request(ctx.served.url, `/${path}`);
  assert.is(reply.status, 200, `${path}: ${textOf(reply).slice(0, 200)}`);
  assert.is(reply.headers['content-type'], 'application/octet-stream', path);
  const cache = String(reply.headers['cache-control']);
  if (width === 256) assert.is(cache, IMMUTABLE, `${path}: full tiles are immutable`);
  else assert.not.match(cache, /immutable/, `${path}: a partial tile is not immutable`);
  return reply;
}

api('hash tiles over HTTP: exactly the leaf hashes, and they rebuild the checkpoint root', async (ctx) => {
  const cp = await currentCheckpoint(ctx);
  const tiles = tilesForSize(cp.size);
  // The layout this test is meant to cover: full and partial level-0 tiles and a level-1 tile.
  assert.ok(tiles.some((t) => t.level === 0 && t.width === 256));
  assert.ok(tiles.some((t) => t.level === 0 && t.width < 256));
  assert.ok(tiles.some((t) => t.level === 1));
  const levels: Uint8Array[][] = [];
  for (const tile of tiles) {
    const reply = await fetchTile(ctx, tilePath(tile), tile.width);
    assert.is(reply.body.length, tile.width * 32, tilePath(tile));
    (levels[tile.level] ??= []).push(reply.body);
  }
  const level0 = concatBytes(...levels[0]!);
  const leaves = ctx.byIndex.map((e) => clientHasher.leaf(e));
  assert.ok(bytesEqual(level0, concatBytes(...leaves)), 'level 0 holds the leaf hashes in index order');
  const root = rootFromTileLevels(clientHasher, cp.size, levels.map((l) => concatBytes(...l)));
  assert.ok(bytesEqual(root, cp.root), 'the tiles rebuild the signed root');

  // A narrower tile than the widest is its prefix, for full and partial tiles alike.
  const prefix = await fetchTile(ctx, 'tile/0/000.p/5', 5);
  assert.ok(bytesEqual(prefix.body, level0.subarray(0, 5 * 32)));
  const last = tiles.filter((t) => t.level === 0).pop()!;
  const narrower = await fetchTile(ctx, tilePath({ ...last, width: last.width - 1 }), last.width - 1);
  assert.ok(bytesEqual(narrower.body, level0.subarray(last.index * 256 * 32, (last.index * 256 + last.width - 1) * 32)));
});

api('entry bundles over HTTP hold the posted entries', async (ctx) => {
  const size = (await currentCheckpoint(ctx)).size;
  for (const tile of tilesForSize(size).filter((t: Tile) => t.level === 0)) {
    const reply = await fetchTile(ctx, entriesPath(tile.index, tile.width), tile.width);
    const entries = decodeBundle(reply.body, tile.width);
    entries.forEach((e, i) => assert.ok(bytesEqual(e, ctx.byIndex[tile.index * 256 + i]!), `bundle ${tile.index} entry ${i}`));
  }
  const first = decodeBundle((await fetchTile(ctx, 'tile/entries/000.p/3', 3)).body, 3);
  assert.ok(bytesEqual(first[2]!, ctx.byIndex[2]!));
});

api('GET /api/v1/entries/<i> returns every entry as posted', async (ctx) => {
  await mapConcurrent(ctx.byIndex, CLIENTS, async (entry, index) => {
    const got = await getJson<{ index: number; leafHash: string; payloadType: string; envelope: Envelope }>(ctx, `/api/v1/entries/${index}`);
    assert.equal(Object.keys(got).sort(), ['envelope', 'index', 'leafHash', 'payloadType']);
    assert.is(got.index, index);
    assert.is(got.leafHash, toHex(clientHasher.leaf(entry)));
    assert.equal(got.envelope, JSON.parse(new TextDecoder().decode(entry)));
    assert.is(got.payloadType, got.envelope.payloadType);
    assert.ok(bytesEqual(canonicalEnvelopeBytes(got.envelope), entry), 'the envelope re-encodes to the logged bytes');
  });
});

interface InclusionReply {
  index: number;
  size: number;
  proof: string[];
}

api('every entry has an inclusion proof over HTTP that verifies (index and hash forms)', async (ctx) => {
  const cp = await currentCheckpoint(ctx);
  await mapConcurrent(ctx.byIndex, CLIENTS, async (entry, index) => {
    const leaf = clientHasher.leaf(entry);
    const byIndex = await getJson<InclusionReply>(ctx, `/api/v1/proof/inclusion?index=${index}&size=${cp.size}`);
    assert.equal({ index: byIndex.index, size: byIndex.size }, { index, size: cp.size });
    verifyInclusion(clientHasher, index, cp.size, leaf, byIndex.proof.map((p) => fromBase64(p)), cp.root);
    if (index % 7 === 0) {
      const byHash = await getJson<InclusionReply>(ctx, `/api/v1/proof/inclusion?hash=${toHex(leaf)}&size=${cp.size}`);
      assert.equal(byHash, byIndex, 'the hash form finds the same leaf and proof');
    }
  });
  // Against an older checkpoint, and with the size left out (the current tree).
  const [oldSize, oldRoot] = [...ctx.checkpoints].find(([size]) => size > 100 && size < cp.size)!;
  const old = await getJson<InclusionReply>(ctx, `/api/v1/proof/inclusion?index=99&size=${oldSize}`);
  verifyInclusion(clientHasher, 99, oldSize, clientHasher.leaf(ctx.byIndex[99]!), old.proof.map((p) => fromBase64(p)), oldRoot);
  const now = await getJson<InclusionReply>(ctx, '/api/v1/proof/inclusion?index=99');
  assert.is(now.size, cp.size);
});

api('consistency proofs over HTTP from every checkpoint handed out to the current one verify', async (ctx) => {
  const cp = await currentCheckpoint(ctx);
  const all = [...ctx.checkpoints].sort((a, b) => a[0] - b[0]);
  assert.is(all[0]![0], 0, 'the empty checkpoint was seen');
  for (const [size, root] of all) {
    const reply = await getJson<{ from: number; to: number; proof: string[] }>(ctx, `/api/v1/proof/consistency?from=${size}&to=${cp.size}`);
    assert.equal({ from: reply.from, to: reply.to }, { from: size, to: cp.size });
    verifyConsistency(clientHasher, size, cp.size, root, cp.root, reply.proof.map((p) => fromBase64(p)));
  }
  // Between neighbours, with `to` explicit, and with `to` left out.
  for (let i = 1; i < all.length; i++) {
    const [a, ra] = all[i - 1]!;
    const [b, rb] = all[i]!;
    const reply = await getJson<{ proof: string[] }>(ctx, `/api/v1/proof/consistency?from=${a}&to=${b}`);
    verifyConsistency(clientHasher, a, b, ra, rb, reply.proof.map((p) => fromBase64(p)));
  }
  const implicit = await getJson<{ to: number }>(ctx, '/api/v1/proof/consistency?from=1');
  assert.is(implicit.to, cp.size);
});

// ---------------------------------------------------------------------------------------------
// Bad input

interface BadCase {
  label: string;
  path: string;
  method?: string;
  body?: Uint8Array | string;
  chunks?: Uint8Array[];
  status: number;
  code: string;
}

interface EnvelopeJson {
  payload: string;
  payloadType: string;
  signatures: Array<{ keyid: string; sig: string }>;
}

function envelopeObject(): EnvelopeJson {
  return JSON.parse(new TextDecoder().decode(strangerEntry('text/x-bad', { bad: true }))) as EnvelopeJson;
}

function badEntryCases(ctx: Context): BadCase[] {
  const post = (label: string, body: Uint8Array | string, status: number, code: string): BadCase => ({ label, path: '/api/v1/entries', method: 'POST', body, status, code });
  const canon = (value: unknown): Uint8Array => canonicalBytes(value);
  const good = envelopeObject();
  const goodText = new TextDecoder().decode(canon(good));
  const sig64 = toBase64(new Uint8Array(64).fill(7));

  // A keys entry whose own (named) key's signature does not verify: one bit flipped.
  const flipped = (key: SignerKey): Envelope => {
    const signed = signEnvelope(KEYS_PAYLOAD_TYPE, { project: 'badsig', keys: [key.verifierKey], threshold: 1, seq: 1 }, [key.signer]);
    const sigBytes = fromBase64(signed.signatures[0]!.sig);
    sigBytes[10] = sigBytes[10]! ^ 1;
    return { ...signed, signatures: [{ keyid: signed.signatures[0]!.keyid, sig: toBase64(sigBytes) }] };
  };
  // A keys entry signed by another key (same name) under the named key's keyid.
  const impostor = (key: SignerKey): Envelope => {
    const other = newSignerKey(key.name);
    const signed = signEnvelope(KEYS_PAYLOAD_TYPE, { project: 'impostor', keys: [key.verifierKey], threshold: 1, seq: 1 }, [other.signer]);
    return { ...signed, signatures: [{ keyid: keyHandle(key.name, key.keyId), sig: signed.signatures[0]!.sig }] };
  };
  // A garbage signature under the log's own keyid: the log knows its key, so it is verified.
  const logKey = parseVerifierKey(ctx.vkey);
  const asLog = { ...good, signatures: [{ keyid: keyHandle(logKey.name, logKey.keyId), sig: sig64 }] };

  const tooBig = new Uint8Array(65536).fill(0x20);
  return [
    post('malformed JSON', '{"payload":', 400, 'invalid_json'),
    post('empty body', '', 400, 'invalid_json'),
    post('not UTF-8', Uint8Array.of(0x7b, 0xff, 0x7d), 400, 'invalid_json'),
    post('extra whitespace', JSON.stringify(good, null, 1), 400, 'non_canonical_json'),
    post('trailing newline', goodText + '\n', 400, 'non_canonical_json'),
    post('keys reordered', JSON.stringify({ signatures: good.signatures, payloadType: good.payloadType, payload: good.payload }), 400, 'non_canonical_json'),
    post('escaped slash', goodText.replace('text/x-bad', 'text\\/x-bad'), 400, 'non_canonical_json'),
    post('a JSON array', '[]', 400, 'invalid_envelope'),
    post('JSON null', 'null', 400, 'invalid_envelope'),
    post('an extra field', canon({ ...good, extra: 1 }), 400, 'invalid_envelope'),
    post('no signatures field', canon({ payload: good.payload, payloadType: good.payloadType }), 400, 'invalid_envelope'),
    post('empty signatures', canon({ ...good, signatures: [] }), 400, 'invalid_envelope'),
    post('a signature with an extra field', canon({ ...good, signatures: [{ ...good.signatures[0]!, x: 1 }] }), 400, 'invalid_envelope'),
    post('a keyid without key ID', canon({ ...good, signatures: [{ keyid: 'alice', sig: sig64 }] }), 400, 'invalid_envelope'),
    post('a keyid with uppercase hex', canon({ ...good, signatures: [{ keyid: 'alice+ABCDEF01', sig: sig64 }] }), 400, 'invalid_envelope'),
    post('one keyid twice', canon({ ...good, signatures: [{ keyid: 'a+00000000', sig: sig64 }, { keyid: 'a+00000000', sig: sig64 }] }), 400, 'invalid_envelope'),
    post('empty payloadType', canon({ ...good, payloadType: '' }), 400, 'invalid_envelope'),
    post('payload not a string', canon({ ...good, payload: 5 }), 400, 'invalid_envelope'),
    post('payload not base64', canon({ ...good, payload: '@@@@' }), 400, 'invalid_base64'),
    post('payload unpadded base64', canon({ ...good, payload: 'e30' }), 400, 'invalid_base64'),
    post('payload URL-safe base64', canon({ ...good, payload: 'e30_-_-_' }), 400, 'invalid_base64'),
    post('signature not base64', canon({ ...good, signatures: [{ keyid: good.signatures[0]!.keyid, sig: 'not base64!' }] }), 400, 'invalid_base64'),
    post('payload not JSON', canon({ ...good, payload: toBase64(utf8('hello')) }), 400, 'invalid_payload'),
    post('payload a JSON array', canon({ ...good, payload: toBase64(utf8('[1]')) }), 400, 'invalid_payload'),
    post('payload not canonical', canon({ ...good, payload: toBase64(utf8('{"b":1,"a":2}')) }), 400, 'non_canonical_json'),
    post('101 signatures', canon({ ...good, signatures: Array.from({ length: 101 }, (_, i) => ({ keyid: `k${String(i).padStart(3, '0')}+00000000`, sig: sig64 })) }), 400, 'too_many_signatures'),
    post("keys entry, its own key's signature bad ('+' in key)", canon(flipped(ctx.key)), 403, 'invalid_signature'),
    post("keys entry, its own key's signature bad (no '+' in key)", canon(flipped(ctx.plainKey)), 403, 'invalid_signature'),
    post("keys entry signed by an impostor ('+' in key)", canon(impostor(ctx.key)), 403, 'invalid_signature'),
    post("keys entry signed by an impostor (no '+' in key)", canon(impostor(ctx.plainKey)), 403, 'invalid_signature'),
    post("garbage signature under the log's keyid", canon(asLog), 403, 'invalid_signature'),
    post('65536 bytes', tooBig, 413, 'entry_too_large'),
    { label: '65536 bytes chunked', path: '/api/v1/entries', method: 'POST', chunks: [tooBig.subarray(0, 65535), tooBig.subarray(65535)], status: 413, code: 'entry_too_large' },
    { label: '1 MB chunked', path: '/api/v1/entries', method: 'POST', chunks: Array.from({ length: 64 }, () => new Uint8Array(16384).fill(0x20)), status: 413, code: 'entry_too_large' },
    post('1 MB', new Uint8Array(1 << 20).fill(0x20), 413, 'entry_too_large'),
  ];
}

function badReadCases(size: number, someLeaf: string): BadCase[] {
  const get = (path: string, status: number, code: string): BadCase => ({ label: `GET ${path}`, path, status, code });
  const badNumbers = ['-1', '1.5', '01', '00', '1e3', '0x10', '+1', '%2B1', '%201', '', 'one', '99999999999999999999', '9007199254740992', '1%00'];
  return [
    // proofs
    get(`/api/v1/proof/inclusion?index=0&size=${size + 1}`, 400, 'size_beyond_tree'),
    get(`/api/v1/proof/inclusion?hash=${someLeaf}&size=${size + 1}`, 400, 'size_beyond_tree'),
    get(`/api/v1/proof/consistency?from=1&to=${size + 1}`, 400, 'size_beyond_tree'),
    get(`/api/v1/proof/consistency?from=0&to=${size + 1000}`, 400, 'size_beyond_tree'),
    get(`/api/v1/proof/consistency?from=${size + 1}`, 400, 'invalid_parameter'),
    get('/api/v1/proof/consistency?from=5&to=4', 400, 'invalid_parameter'),
    get('/api/v1/proof/consistency', 400, 'invalid_parameter'),
    get(`/api/v1/proof/inclusion?index=${size}&size=${size}`, 400, 'index_beyond_size'),
    get(`/api/v1/proof/inclusion?index=${size}`, 400, 'index_beyond_size'),
    get('/api/v1/proof/inclusion?index=3&size=3', 400, 'index_beyond_size'),
    get('/api/v1/proof/inclusion?index=0&size=0', 400, 'index_beyond_size'),
    get('/api/v1/proof/inclusion', 400, 'invalid_parameter'),
    get(`/api/v1/proof/inclusion?index=0&hash=${someLeaf}`, 400, 'invalid_parameter'),
    get(`/api/v1/proof/inclusion?hash=${someLeaf.toUpperCase()}`, 400, 'invalid_parameter'),
    get(`/api/v1/proof/inclusion?hash=${someLeaf.slice(2)}`, 400, 'invalid_parameter'),
    get(`/api/v1/proof/inclusion?hash=${'ab'.repeat(32)}`, 404, 'entry_not_found'),
    get(`/api/v1/proof/inclusion?hash=${someLeaf}&size=0`, 404, 'entry_not_found'),
    ...badNumbers.flatMap((n) => [
      get(`/api/v1/proof/inclusion?index=${n}&size=10`, 400, 'invalid_parameter'),
      get(`/api/v1/proof/inclusion?index=0&size=${n}`, 400, 'invalid_parameter'),
      get(`/api/v1/proof/consistency?from=${n}&to=10`, 400, 'invalid_parameter'),
      get(`/api/v1/proof/consistency?from=1&to=${n}`, 400, 'invalid_parameter'),
    ]),
    // entries
    get(`/api/v1/entries/${size}`, 404, 'entry_not_found'),
    get('/api/v1/entries/9007199254740991', 404, 'entry_not_found'),
    ...['abc', '-1', '01', '1.0', '1e2', '%ff', '9007199254740992', '99999999999999999999'].map((n) => get(`/api/v1/entries/${n}`, 400, 'invalid_parameter')),
    // tile paths the grammar refuses
    ...[
      '/tile/0/1000', '/tile/0/x1/000', '/tile/0/000.p/0', '/tile/0/000.p/256', '/tile/0/000.p/01', '/tile/0/000.p/',
      '/tile/0/00', '/tile/0/0000', '/tile/0/x000/001', '/tile/00/000', '/tile/01/000', '/tile/64/000', '/tile/-1/000',
      '/tile/0/000/', '/tile/0/', '/tile/', '/tile/0', '/tile/entries/000.p/0', '/tile/entries/000.p/256', '/tile/entries/x000/000',
      '/tile/Entries/000', '/tile/0/%30%30%30', '/tile/0%2F000', '/tile/0/..%2f..%2fcheckpoint', '/tile/0/000.P/1', '/tile/0/000;x',
      '/tile/0/000%00', '/tile/0/000/..', '/tile/0/x001/..', '/tile/0/abc', '/tile/0/x999/x999/x999/x999/x999/999',
    ].map((p) => get(p, 400, 'invalid_tile_path')),
    // dot segments are resolved before routing (WHATWG URL), so they can only reach other routes
    // ('/tile/..' is '/', the dashboard)
    ...['/tile/../nope', '/tile/../../etc/passwd', '/tile/%2e%2e/%2E%2E/etc/passwd', '/tile/0/../../../x'].map((p) => get(p, 404, 'not_found')),
    // well-formed tiles beyond the tree
    ...[
      '/tile/0/002', '/tile/0/003', '/tile/0/002.p/255', '/tile/1/001', '/tile/1/000', '/tile/2/000', '/tile/2/000.p/1', '/tile/63/x999/999',
      '/tile/entries/002', '/tile/entries/003.p/1', '/tile/0/x009/x007/x199/x254/x740/991',
    ].map((p) => get(p, 404, 'tile_not_found')),
    // no such route or method
    get('/nope', 404, 'not_found'),
    get('/api/v1/nope', 404, 'not_found'),
    get('/api/v2/log', 404, 'not_found'),
    get('/api/v1/entries', 404, 'not_found'),
    get('/checkpoint/', 404, 'not_found'),
    { label: 'POST /checkpoint', path: '/checkpoint', method: 'POST', body: 'x', status: 404, code: 'not_found' },
    { label: 'DELETE /api/v1/entries/0', path: '/api/v1/entries/0', method: 'DELETE', status: 404, code: 'not_found' },
    { label: 'PUT /tile/0/000', path: '/tile/0/000', method: 'PUT', body: 'x', status: 404, code: 'not_found' },
  ];
}

api('bad requests: exact status and code, no stack trace, the same answer twice, and the log unchanged', async (ctx) => {
  const before = await currentCheckpoint(ctx);
  // 600 < 601 < 768: tile 0/002 exists only as a partial tile, tile 1/000 only as .p/2.
  assert.ok(before.size > 512 && before.size < 768, `size ${before.size}`);
  const cases = [...badEntryCases(ctx), ...badReadCases(before.size, toHex(clientHasher.leaf(ctx.byIndex[5]!)))];
  for (const c of cases) {
    for (const attempt of [1, 2]) {
      const reply = await request(ctx.served.url, c.path, { method: c.method ?? 'GET', body: c.body, chunks: c.chunks }).catch((e: Error) => {
        throw new Error(`${c.label} (attempt ${attempt}): ${e.message}`);
      });
      assertErrorReply(reply, c.status, c.code, `${c.label} (attempt ${attempt})`);
      // A refused large body leaves the connection unusable; the answer must say it closes.
      if (c.status === 413) assert.is(reply.headers['connection'], 'close', `${c.label}: Connection`);
    }
  }
  const after = await currentCheckpoint(ctx);
  assert.is(after.text, before.text, 'the checkpoint is unchanged');
  assert.is((await getJson<{ size: number }>(ctx, '/api/v1/log')).size, before.size);
});

api.run();

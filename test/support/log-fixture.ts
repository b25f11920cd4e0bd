// Real parts for the log-server tests: temporary data directories, a TransparencyLog served on
// 127.0.0.1 port 0, signed entries, a plain node:http client, raw access to a closed level
// database (to tamper with it), and a reference Merkle tree computed independently of
// log/tree.ts and log/tile.ts so that tests do not check the product against itself.
// Nothing here keeps state between calls: every helper returns what it creates.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import * as assert from 'uvu/assert';
import { bytesEqual, concatBytes, toBase64, toHex, utf8 } from '../../log/bytes.js';
import { nobleCrypto } from '../../log/crypto.js';
import { canonicalEnvelopeBytes, signEnvelope } from '../../log/dsse.js';
import { KEYS_PAYLOAD_TYPE } from '../../log/entry-validator.js';
import { canonicalBytes } from '../../log/jcs.js';
import { nodeEd25519Signer } from '../../log/node-crypto.js';
import { generateSignerKey, noteVerifier, parseSignerKey, type SignerKey } from '../../log/note.js';
import { openCheckpoint } from '../../log/checkpoint.js';
import { TransparencyLog, type LogOptions } from '../../log/transparency-log.js';
import { parsePolicy, type LogPolicy } from '../../log/policy.js';
import { merkleHasher, type Hash, type MerkleHasher } from '../../log/tree.js';
import { createLogServer, type AppOptions } from '../../api/app.js';
import { listen, type DirectRoute, type ListenOptions, type RunningServer } from '../../api/server.js';

// ---------------------------------------------------------------------------------------------
// Directories

/** A fresh directory under the OS temp dir; the caller removes it with removeDir. */
export function tempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `diptych-${label}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// Keys and entries

/**
 * A signer key made the way a user's would be: its text form, parsed back. About half of all
 * vkeys have a '+' inside their base64 key material, which code splitting a vkey at '+' can
 * trip over; `plusInKey` picks a key with (true) or without (false) one, for repeatable tests.
 */
export function newSignerKey(name: string, plusInKey?: boolean): SignerKey {
  return newKeyPair(name, plusInKey).key;
}

/** newSignerKey, with the signer key text (what a key file holds). */
export function newKeyPair(name: string, plusInKey?: boolean): { key: SignerKey; text: string } {
  for (;;) {
    const { signerKey } = generateSignerKey(name, randomBytes(32));
    const key = parseSignerKey(signerKey, nodeEd25519Signer);
    const material = key.verifierKey.slice(key.verifierKey.indexOf('+', name.length + 1) + 1);
    if (plusInKey === undefined || material.includes('+') === plusInKey) return { key, text: signerKey };
  }
}

/**
 * A first keys entry for a project, signed by the one key it names (TOFU, SPEC §3). The log
 * refuses project names that are not PEP 503-normalised, so labels such as "crash-round 0"
 * become "crash-round-0".
 */
export function keysEntry(key: SignerKey, project: string, seq = 1): Uint8Array {
  const name = project.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'project';
  const envelope = signEnvelope(KEYS_PAYLOAD_TYPE, { project: name, keys: [key.verifierKey], threshold: 1, seq }, [key.signer]);
  return canonicalEnvelopeBytes(envelope);
}

/** A keyid no log configuration names. */
export const STRANGER_KEYID = 'stranger.example+0badc0de';

/**
 * An entry signed (in form only) by a key the log does not know: 64 random bytes as the
 * signature. SPEC §3 verifies only known keys when an entry arrives, so these are accepted.
 */
export function strangerEntry(payloadType: string, payload: Record<string, unknown>, keyid = STRANGER_KEYID): Uint8Array {
  const envelope = { payload: toBase64(canonicalBytes(payload)), payloadType, signatures: [{ keyid, sig: toBase64(randomBytes(64)) }] };
  return canonicalEnvelopeBytes(envelope);
}

// Not observation or alert: the log takes those only from its policy's witnesses (SPEC §8).
const STRANGER_TYPES = ['application/vnd.example.other+json', 'application/vnd.example.note+json', 'text/x-diptych-test'];

/**
 * `count` distinct, valid entries: every third a self-signed keys entry (so the log verifies a
 * signature for it), the others from unknown signers with assorted payload types.
 */
export function mixedEntries(prefix: string, count: number, key: SignerKey): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 3 === 0) out.push(keysEntry(key, `${prefix}-project-${i}`));
    else out.push(strangerEntry(STRANGER_TYPES[i % STRANGER_TYPES.length]!, { test: prefix, n: i }));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// A served log

/** A log policy naming these witness keys (no URLs: none is asked to cosign). */
export function witnessPolicy(...vkeys: string[]): LogPolicy {
  return parsePolicy(JSON.stringify({ witnesses: vkeys.map((vkey) => ({ vkey })) }));
}

export interface ServedLog {
  readonly dir: string;
  readonly log: TransparencyLog;
  readonly server: RunningServer;
  readonly url: string;
  /** Requests the direct append route took (api/append-route.ts); the others went to hono. */
  directTaken(): number;
  /** Stops the server, closes the log and removes the directory. */
  close(): Promise<void>;
}

export interface ServeTestLogOptions extends Omit<LogOptions, 'dataDir'> {
  logKeyText?: string;
  /** For createLogServer (onInternalError is the fixture's own). */
  app?: Omit<AppOptions, 'onInternalError'>;
  /** For listen (host, port and the direct route are the fixture's own). */
  listen?: Pick<ListenOptions, 'timeouts'>;
}

/**
 * Opens a TransparencyLog in a new temp dir and serves it on 127.0.0.1, port 0. With
 * `logKeyText`, that signer key is the log's (written as <dir>/log.key, mode 0600); otherwise
 * the log makes one.
 */
export async function serveTestLog(options: ServeTestLogOptions = {}): Promise<ServedLog> {
  const dir = await tempDir('api');
  const internalErrors: unknown[] = [];
  try {
    if (options.logKeyText !== undefined) await writeFile(join(dir, 'log.key'), options.logKeyText + '\n', { mode: 0o600 });
    const { logKeyText: _key, app: appOptions, listen: listenOptions, ...logOptions } = options;
    const log = await TransparencyLog.open({ dataDir: dir, cadenceMs: 20, ...logOptions });
    // Unexpected failures would be 500s; a test that sees one fails with the cause at hand.
    const { app, direct } = createLogServer(log, { ...appOptions, onInternalError: (e) => internalErrors.push(e) });
    let taken = 0;
    const counted: DirectRoute = (req, res) => {
      const took = direct(req, res);
      if (took) taken++;
      return took;
    };
    const server = await listen(app, { ...listenOptions, host: '127.0.0.1', port: 0, direct: counted });
    return {
      dir,
      log,
      server,
      url: server.url,
      directTaken: () => taken,
      async close() {
        await server.close();
        await log.close();
        await removeDir(dir);
        assert.equal(internalErrors.map(String), [], 'internal errors during the test');
      },
    };
  } catch (e) {
    await removeDir(dir);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP client (node:http, so that paths go out byte for byte and bodies can be chunked)

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Uint8Array;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Sent with a Content-Length. */
  body?: Uint8Array | string;
  /** Sent with Transfer-Encoding: chunked, one chunk each, no Content-Length. */
  chunks?: readonly Uint8Array[];
}

/** One HTTP request to a loopback base URL; `path` is sent exactly as given. */
export function request(base: string, path: string, options: RequestOptions = {}): Promise<Reply> {
  const url = new URL(base);
  // The tests talk only to servers they started on this machine.
  if (url.hostname !== '127.0.0.1') throw new Error(`refusing a non-loopback address: ${base}`);
  const body = typeof options.body === 'string' ? utf8(options.body) : options.body;
  const headers: Record<string, string> = { ...options.headers };
  if (body !== undefined) headers['content-length'] = String(body.length);
  return new Promise<Reply>((resolve, reject) => {
    let responded = false;
    let failure: Error | undefined;
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: options.method ?? 'GET', headers }, (res) => {
      responded = true;
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const all = Buffer.concat(parts);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: new Uint8Array(all.buffer, all.byteOffset, all.length) });
      });
    });
    // A server that refuses a large body answers before reading it and closes; writing the rest
    // then fails (EPIPE, ECONNRESET). That is not a failure of the request if the answer came:
    // only a connection that closes without one is.
    req.on('error', (e) => (failure ??= e));
    req.on('close', () => {
      if (!responded) reject(failure ?? new Error('the connection closed without a response'));
    });
    if (options.chunks !== undefined) {
      for (const chunk of options.chunks) req.write(chunk);
      req.end();
    } else req.end(body);
  });
}

export function textOf(reply: Reply): string {
  return new TextDecoder().decode(reply.body);
}

/** The JSON body of a reply; the caller names the shape it relies on. */
export function jsonOf<T>(reply: Reply): T {
  return JSON.parse(textOf(reply)) as T;
}

export function postEntry(base: string, entry: Uint8Array): Promise<Reply> {
  return request(base, '/api/v1/entries', { method: 'POST', body: entry, headers: { 'content-type': 'application/json' } });
}

/** POST /api/v1/entries' answer (SPEC §5). */
export interface EntryReceipt {
  index: number;
  leafHash: string;
  checkpoint: string;
  inclusionProof: string[];
}

/**
 * Asserts SPEC §5's error shape: exactly {"error": {code, message}}, JSON, the expected status
 * and code, and nothing that looks like a stack trace or a source path.
 */
export function assertErrorReply(reply: Reply, status: number, code: string, label: string): void {
  const text = textOf(reply);
  assert.is(reply.status, status, `${label}: status (body ${text.slice(0, 200)})`);
  assert.ok(String(reply.headers['content-type']).startsWith('application/json'), `${label}: content-type ${reply.headers['content-type']}`);
  const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
  assert.equal(Object.keys(body), ['error'], `${label}: top-level keys`);
  assert.equal(Object.keys(body.error ?? {}).sort(), ['code', 'message'], `${label}: error keys`);
  assert.is(body.error?.code, code, `${label}: code (message: ${String(body.error?.message)})`);
  assert.type(body.error?.message, 'string', `${label}: message`);
  assert.not.match(text, /\n\s+at |\.[jt]s:\d+|node_modules|Error:/, `${label}: stack trace in body`);
}

export { mapConcurrent } from '../../log/concurrent.js';

// ---------------------------------------------------------------------------------------------
// Client-side verification: only the browser-safe verification code, with @noble hashes.

/** The hasher a client would use: no node:crypto. */
export const clientHasher: MerkleHasher = merkleHasher(nobleCrypto);

/** Opens a checkpoint note with the log's vkey, as a client would. */
export function openLogCheckpoint(note: string | Uint8Array, vkey: string): { size: number; root: Hash } {
  const bytes = typeof note === 'string' ? utf8(note) : note;
  const verifier = noteVerifier(vkey);
  const { checkpoint } = openCheckpoint(bytes, verifier, { origin: verifier.name });
  return { size: checkpoint.size, root: checkpoint.root };
}

// ---------------------------------------------------------------------------------------------
// Reference tree: RFC 6962 MTH by a compact range (a stack of perfect subtrees, merged as they
// pair up, folded right to left at the end). Deliberately not the product's algorithm.

export class CompactRange {
  private readonly stack: Array<{ height: number; hash: Hash }> = [];

  constructor(private readonly h: MerkleHasher) {}

  /** Appends a perfect subtree of 2^height leaves; it must not be taller than the last one. */
  push(height: number, hash: Hash): void {
    const last = this.stack[this.stack.length - 1];
    if (last !== undefined && last.height < height) throw new Error(`subtree of height ${height} after one of ${last.height}`);
    let item = { height, hash };
    for (let top = this.stack[this.stack.length - 1]; top !== undefined && top.height === item.height; top = this.stack[this.stack.length - 1]) {
      this.stack.pop();
      item = { height: item.height + 1, hash: this.h.node(top.hash, item.hash) };
    }
    this.stack.push(item);
  }

  root(): Hash {
    if (this.stack.length === 0) return this.h.emptyRoot;
    let acc = this.stack[this.stack.length - 1]!.hash;
    for (let i = this.stack.length - 2; i >= 0; i--) acc = this.h.node(this.stack[i]!.hash, acc);
    return acc;
  }
}

/** Roots of every prefix of the leaves: out[s] is the root of the tree of size s. */
export function referenceRoots(h: MerkleHasher, leafHashes: readonly Hash[]): Hash[] {
  const range = new CompactRange(h);
  const out = [range.root()];
  for (const leaf of leafHashes) {
    range.push(0, leaf);
    out.push(range.root());
  }
  return out;
}

/** RFC 6962 §2.1 MTH written as the recursion itself, for cross-checking small trees. */
export function recursiveRoot(h: MerkleHasher, leaves: readonly Hash[]): Hash {
  if (leaves.length === 0) return h.emptyRoot;
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return h.node(recursiveRoot(h, leaves.slice(0, k)), recursiveRoot(h, leaves.slice(k)));
}

/**
 * The root of a tree of `size` leaves from its hash tiles, given as the concatenated hashes of
 * each tile level (levels[k] = every node at tree height 8k, left to right). Takes the complete
 * level-k nodes not covered by level k+1 and feeds them to a compact range, top level first.
 */
export function rootFromTileLevels(h: MerkleHasher, size: number, levels: readonly Uint8Array[]): Hash {
  const range = new CompactRange(h);
  let covered = 0; // leaves already accounted for by higher levels
  for (let k = levels.length - 1; k >= 0; k--) {
    const span = 256 ** k;
    const nodes = Math.floor(size / span);
    const bytes = levels[k]!;
    assert.ok(bytes.length >= nodes * 32, `tile level ${k} has ${bytes.length / 32} hashes, needs ${nodes}`);
    for (let i = covered / span; i < nodes; i++) range.push(8 * k, bytes.subarray(i * 32, (i + 1) * 32));
    covered = nodes * span;
  }
  assert.is(covered, size, 'the tile levels cover the tree');
  return range.root();
}

export function hashesEqual(a: readonly Hash[], b: readonly Hash[]): boolean {
  return a.length === b.length && a.every((x, i) => bytesEqual(x, b[i]!));
}

// ---------------------------------------------------------------------------------------------
// Raw access to a closed level database, to corrupt it the way a disk or an operator might.
// Values are found by their contents, not by key names, so the tests do not depend on how
// LevelStorage lays out its keys.

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * Replaces `needle` by `replacement` in every stored value that contains it (each value once);
 * returns the keys changed. The database must be closed by its owner.
 */
export async function replaceInDb(dbDir: string, needle: Uint8Array, replacement: (found: Uint8Array) => Uint8Array): Promise<string[]> {
  // Keys as raw bytes: LevelStorage's keys are binary, and must be written back unchanged.
  const db = new Level<Uint8Array, Uint8Array>(dbDir, { keyEncoding: 'view', valueEncoding: 'view', createIfMissing: false });
  await db.open();
  const changed: string[] = [];
  try {
    for await (const [key, value] of db.iterator()) {
      const at = indexOf(value, needle);
      if (at < 0) continue;
      const updated = concatBytes(value.subarray(0, at), replacement(value.subarray(at, at + needle.length)), value.subarray(at + needle.length));
      await db.put(key, updated, { sync: true });
      changed.push(toHex(key));
    }
  } finally {
    await db.close();
  }
  return changed;
}

/** The same bytes with one bit flipped in the middle. */
export function flipMiddle(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  const at = Math.floor(out.length / 2);
  out[at] = out[at]! ^ 0x01;
  return out;
}

// Project key policies (SPEC §3 `keys` entries) as a pure state machine. Browser-safe.
//
// - The first keys entry of a project is trusted on first use: seq 1, signed by `threshold`
//   of the keys it names.
// - Every later one has seq = previous + 1 and is signed by `threshold` of the CURRENT keys
//   (the previous entry's); keys it newly names may sign along but do not count.
// - A policy can never lock everybody out: 1 <= threshold <= number of keys, no duplicates.
// - A keyid (`name+hex8`, only 32 bits of key ID) stays bound to the first key material the
//   project used it for, so a look-alike key with a colliding ID can never be counted as the
//   original, whichever key directory verified its signature.
// - `revoked: [{keyid, since}]` revokes a key the project has used: it leaves `keys` and can
//   never come back. Revocations accumulate (an entry need not repeat earlier ones); naming a
//   key again keeps the earliest `since`. What a revocation does to past releases is decided
//   by release-status.ts; keys entries themselves are never re-evaluated, so the sequence of
//   policies stays a simple function of the log.
import { DiptychError } from './errors.js';
import { parseKeyid } from './dsse.js';
import { ED25519_TYPE, parseVerifierKey } from './note.js';
import type { Crypto } from './crypto.js';
import { requireNormalizedProject } from './project-name.js';
import { parseTimestamp } from './timestamp.js';
import { checkArray, checkFields } from './payload-fields.js';
import { countSignatures, type EntrySignatures } from './policy-signatures.js';

export const KEYS_TYPE = 'application/vnd.diptych.keys+json';
/** As many keys as an envelope may carry signatures. */
export const MAX_PROJECT_KEYS = 100;

export interface ProjectKey {
  readonly keyid: string;
  readonly vkey: string;
  readonly publicKey: Uint8Array;
}

export interface Revocation {
  readonly keyid: string;
  readonly since: string;
  readonly sinceMs: number;
  /** Leaf index of the keys entry that (first) revoked the key. */
  readonly index: number;
}

export interface KeyPolicy {
  readonly project: string;
  readonly seq: number;
  readonly threshold: number;
  readonly keys: readonly ProjectKey[];
  /** Every revocation so far, by keyid. */
  readonly revoked: ReadonlyMap<string, Revocation>;
  /** Every key the project ever named, keyid → vkey. */
  readonly known: ReadonlyMap<string, string>;
  /** Leaf index of the keys entry that set this policy. */
  readonly index: number;
}

export interface KeysPayload {
  readonly project: string;
  readonly keys: readonly ProjectKey[];
  readonly threshold: number;
  readonly seq: number;
  readonly revoked: readonly { keyid: string; since: string; sinceMs: number }[];
}

/** The keyid of a vkey: `name+hex8`, up to its second '+'. */
export function keyidOfVkey(vkey: string): string {
  const first = vkey.indexOf('+');
  return vkey.slice(0, vkey.indexOf('+', first + 1));
}

function parseProjectKey(value: unknown, crypto?: Crypto): ProjectKey {
  if (typeof value !== 'string') throw new DiptychError('malformed_key', 'keys are vkey strings');
  const parsed = parseVerifierKey(value, crypto);
  if (parsed.type !== ED25519_TYPE) throw new DiptychError('unsupported_key_type', `${keyidOfVkey(value)}: project keys are Ed25519 (type 0x01) keys`);
  return { keyid: keyidOfVkey(value), vkey: value, publicKey: parsed.publicKey };
}

function parseRevocations(value: unknown): KeysPayload['revoked'] {
  if (value === undefined) return [];
  const seen = new Set<string>();
  return checkArray(value, 'revoked', MAX_PROJECT_KEYS).map((item) => {
    const r = checkFields(item, 'a revocation', ['keyid', 'since']);
    if (typeof r['keyid'] !== 'string') throw new DiptychError('invalid_revocation', 'a revocation names a keyid');
    parseKeyid(r['keyid']);
    if (seen.has(r['keyid'])) throw new DiptychError('invalid_revocation', `${r['keyid']} is revoked twice in one entry`);
    seen.add(r['keyid']);
    return { keyid: r['keyid'], since: r['since'] as string, sinceMs: parseTimestamp(r['since'], 'since') };
  });
}

/**
 * Checks a keys payload on its own; every rule that needs no state. `crypto` hashes the key IDs
 * (node:crypto on the server; @noble by default).
 */
export function parseKeysPayload(payload: unknown, crypto?: Crypto): KeysPayload {
  const p = checkFields(payload, 'a keys payload', ['project', 'keys', 'threshold', 'seq'], ['revoked']);
  const project = requireNormalizedProject(p['project']);
  const keys = checkArray(p['keys'], 'keys', MAX_PROJECT_KEYS).map((key) => parseProjectKey(key, crypto));
  if (keys.length === 0) throw new DiptychError('no_keys', 'a key policy with no keys would lock everybody out');
  const ids = new Set(keys.map((k) => k.keyid));
  if (ids.size !== keys.length) throw new DiptychError('duplicate_key', 'a key is named twice');
  const { threshold, seq } = p;
  if (typeof threshold !== 'number' || !Number.isSafeInteger(threshold) || threshold < 1 || threshold > keys.length) {
    throw new DiptychError('invalid_threshold', `threshold must be an integer from 1 to the number of keys (${keys.length}); anything else locks everybody out`);
  }
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) throw new DiptychError('invalid_payload', 'seq is a positive integer');
  const revoked = parseRevocations(p['revoked']);
  const relisted = revoked.find((r) => ids.has(r.keyid));
  if (relisted) throw new DiptychError('invalid_revocation', `${relisted.keyid} is both revoked and listed in keys`);
  return { project, keys, threshold, seq, revoked };
}

/** Keys named now must have the material the project first used their keyid for. */
function checkBindings(prev: KeyPolicy, next: KeysPayload): void {
  for (const key of next.keys) {
    const bound = prev.known.get(key.keyid);
    if (bound !== undefined && bound !== key.vkey) {
      throw new DiptychError('key_id_collision', `${key.keyid} was another key in ${prev.project}'s history; pick another key name`);
    }
    if (prev.revoked.has(key.keyid)) throw new DiptychError('revoked_key', `${key.keyid} was revoked and cannot be added again`);
  }
  for (const r of next.revoked) {
    if (!prev.known.has(r.keyid)) throw new DiptychError('invalid_revocation', `${r.keyid} is not a key ${prev.project} has used`);
  }
}

/**
 * The revocations of a project that has none, shared: most projects never revoke a key, and an
 * empty Map and its table were a fifth of the memory a project's policy takes. Policies are
 * never changed in place (the next one is built anew), so sharing it is safe.
 */
export const NO_REVOCATIONS: ReadonlyMap<string, Revocation> = new Map();

function mergeRevocations(prev: KeyPolicy | undefined, next: KeysPayload, index: number): ReadonlyMap<string, Revocation> {
  if (next.revoked.length === 0) return prev?.revoked ?? NO_REVOCATIONS;
  const revoked = new Map(prev?.revoked);
  for (const r of next.revoked) {
    const old = revoked.get(r.keyid);
    if (old === undefined || r.sinceMs < old.sinceMs) revoked.set(r.keyid, { ...r, index: old?.index ?? index });
  }
  return revoked;
}

/**
 * The policy after a keys entry at leaf `index`, or the error refusing it. `prev` is the
 * project's current policy (undefined for the first entry).
 */
export function applyKeysEntry(prev: KeyPolicy | undefined, payload: KeysPayload, signatures: EntrySignatures, index: number): KeyPolicy {
  const expected = prev ? prev.seq + 1 : 1;
  if (payload.seq !== expected) {
    throw new DiptychError('wrong_seq', `${payload.project}: seq must be ${expected}${prev ? ` (the current policy has seq ${prev.seq})` : ' for a first key policy'}, not ${payload.seq}`);
  }
  if (prev === undefined) {
    if (payload.revoked.length > 0) throw new DiptychError('invalid_revocation', 'a first key policy has nothing to revoke');
    countSignatures(signatures, { keys: payload.keys, threshold: payload.threshold, revoked: new Map(), what: `first key policy of ${payload.project}` });
  } else {
    checkBindings(prev, payload);
    const newlyNamed = new Set(payload.keys.map((k) => k.keyid));
    countSignatures(signatures, { keys: prev.keys, threshold: prev.threshold, revoked: prev.revoked, alsoAllowed: newlyNamed, what: `${payload.project} key policy seq ${payload.seq}` });
  }
  const known = new Map(prev?.known);
  for (const k of payload.keys) known.set(k.keyid, k.vkey);
  return {
    project: payload.project,
    seq: payload.seq,
    threshold: payload.threshold,
    keys: payload.keys,
    revoked: mergeRevocations(prev, payload, index),
    known,
    index,
  };
}

// Offline proof bundles (issue 7): one or more log entries with their inclusion proofs, all
// against one signed (and possibly cosigned) checkpoint, as one JSON document that needs no
// network to check: only the log's key and, if wanted, the witnesses' keys. Browser-safe.
//
//   {"checkpoint": "<signed note text, cosignature lines included>",
//    "entries": [{"index": 7, "entry": "<base64 entry bytes>", "inclusionProof": ["<base64>", …]}]}
//
// Other top-level fields are ignored (a `diptych submit` receipt is a bundle with a few more),
// so that a bundle can travel inside other documents; the fields above are checked strictly.
import { fromBase64, toBase64, utf8 } from './bytes.js';
import { nobleCrypto, type Crypto } from './crypto.js';
import { checkpointVerifiers, openTrustedCheckpoint, type CheckpointTrust } from './checkpoint-trust.js';
import type { Checkpoint } from './checkpoint.js';
import type { Cosignature } from './cosignature.js';
import { parseEnvelope, type ParsedEnvelope } from './dsse.js';
import { DiptychError } from './errors.js';
import { verifyInclusion } from './proof.js';
import { merkleHasher, type Hash } from './tree.js';

export interface ProofBundleEntry {
  readonly index: number;
  /** Standard padded base64 of the entry bytes (the JCS envelope). */
  readonly entry: string;
  /** Base64 hashes of the RFC 9162 inclusion proof in the checkpoint's tree. */
  readonly inclusionProof: readonly string[];
}

export interface ProofBundle {
  /** The signed checkpoint note, with any witness cosignature lines. */
  readonly checkpoint: string;
  readonly entries: readonly ProofBundleEntry[];
}

export type BundleTrust = CheckpointTrust;

export interface VerifiedBundleEntry {
  readonly index: number;
  readonly bytes: Uint8Array;
  readonly leafHash: Hash;
  readonly envelope: ParsedEnvelope;
}

export interface VerifiedBundle {
  readonly checkpoint: Checkpoint;
  /** The trusted witnesses' verified cosignatures on it. */
  readonly cosignatures: readonly Cosignature[];
  /** The bundle's entries, in bundle order, each proven and parsed. */
  readonly entries: readonly VerifiedBundleEntry[];
}

/** The most entries one bundle may hold: bundles are evidence, not log mirrors. */
export const MAX_BUNDLE_ENTRIES = 1000;

function malformed(message: string): never {
  throw new DiptychError('malformed_proof_bundle', message);
}

/** A bundle from its parts (the server side builds it from the log's tiles). */
export function makeProofBundle(checkpointNote: string, entries: readonly { index: number; entry: Uint8Array; proof: readonly Hash[] }[]): ProofBundle {
  return {
    checkpoint: checkpointNote,
    entries: entries.map((e) => ({ index: e.index, entry: toBase64(e.entry), inclusionProof: e.proof.map(toBase64) })),
  };
}

/** Checks a parsed JSON value's shape; returns it typed. Never trusts the values themselves. */
export function checkProofBundle(value: unknown): ProofBundle {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) malformed('a proof bundle is a JSON object');
  const { checkpoint, entries } = value as Record<string, unknown>;
  if (typeof checkpoint !== 'string' || checkpoint.length === 0) malformed('checkpoint must be the signed note text');
  if (!Array.isArray(entries) || entries.length === 0) malformed('entries must be a non-empty list');
  if (entries.length > MAX_BUNDLE_ENTRIES) malformed(`more than ${MAX_BUNDLE_ENTRIES} entries`);
  return { checkpoint, entries: entries.map(checkBundleEntry) };
}

function checkBundleEntry(value: unknown, i: number): ProofBundleEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) malformed(`entries[${i}] is an object`);
  const e = value as Record<string, unknown>;
  const keys = Object.keys(e).sort().join(',');
  if (keys !== 'entry,inclusionProof,index') malformed(`entries[${i}] is exactly {index, entry, inclusionProof}`);
  if (typeof e.index !== 'number' || !Number.isSafeInteger(e.index) || e.index < 0) malformed(`entries[${i}].index is a non-negative integer`);
  if (typeof e.entry !== 'string') malformed(`entries[${i}].entry is a base64 string`);
  if (!Array.isArray(e.inclusionProof) || !e.inclusionProof.every((p) => typeof p === 'string')) {
    malformed(`entries[${i}].inclusionProof is a list of base64 strings`);
  }
  return { index: e.index, entry: e.entry, inclusionProof: e.inclusionProof as string[] };
}

/**
 * Verifies a proof bundle (a parsed JSON value or a ProofBundle) with no network: the checkpoint
 * is signed by `trust.logKey` under its own name as origin and cosigned by `trust.quorum` of
 * `trust.witnessKeys`; each entry is a valid DSSE log entry whose inclusion proof leads to the
 * checkpoint's root. Throws DiptychError: malformed_proof_bundle, the checkpoint's codes (see
 * openTrustedCheckpoint), invalid_base64, invalid_proof (naming the entry), or an entry's parse code.
 */
export function verifyProofBundle(bundle: unknown, trust: BundleTrust, crypto: Crypto = nobleCrypto): VerifiedBundle {
  const checked = checkProofBundle(bundle);
  const verifiers = checkpointVerifiers(trust, crypto);
  const { checkpoint, cosignatures } = openTrustedCheckpoint(utf8(checked.checkpoint), verifiers);
  const h = merkleHasher(crypto);
  const size = checkpoint.size;
  const entries = checked.entries.map((e, i): VerifiedBundleEntry => {
    const bytes = fromBase64(e.entry);
    const leafHash = h.leaf(bytes);
    const proof = e.inclusionProof.map((p) => fromBase64(p, 'malformed_proof_bundle'));
    if (e.index >= size) throw new DiptychError('invalid_proof', `entries[${i}]: entry ${e.index} is not in the checkpoint of size ${size}`);
    try {
      verifyInclusion(h, e.index, size, leafHash, proof, checkpoint.root);
    } catch (err) {
      if (err instanceof DiptychError) throw new DiptychError(err.code, `entries[${i}] (entry ${e.index}): ${err.message}`);
      throw err;
    }
    return { index: e.index, bytes, leafHash, envelope: parseEnvelope(bytes) };
  });
  return { checkpoint, cosignatures, entries };
}

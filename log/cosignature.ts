// C2SP tlog-cosignature v1 (c2sp.org/tlog-cosignature), Ed25519 flavour: a witness's
// timestamped signature over a checkpoint, carried as a signed-note line of type 0x04.
// Browser-safe.
//
//   key ID    = SHA-256(name ‖ 0x0A ‖ 0x04 ‖ Ed25519 public key)[:4]
//   signature = key ID ‖ uint64be(timestamp) ‖ Ed25519(message)
//   message   = "cosignature/v1\ntime <timestamp>\n" ‖ checkpoint text (with extension lines)
//
// Timestamps are POSIX seconds and must not exceed 2^63-1. Some witnesses (the Armored
// Witness devices) publish their key as a type-0x01 vkey; the cosignature key ID is still
// derived with 0x04, so cosignatureVerifierFromKey re-derives it from name and key.
import { concatBytes, utf8 } from './bytes.js';
import { nobleCrypto, type Crypto, type Ed25519Signer } from './crypto.js';
import { DiptychError } from './errors.js';
import { parseCheckpoint } from './checkpoint.js';
import {
  COSIGNATURE_TYPE,
  ED25519_TYPE,
  formatSignatureLine,
  isValidKeyName,
  keyId,
  parseVerifierKey,
  type NoteSigner,
  type NoteVerifier,
  type OpenedNote,
} from './note.js';

export const MAX_COSIGNATURE_TIMESTAMP = (1n << 63n) - 1n;
// Keeps a leading U+FEFF, so that text → bytes → text is exact.
const exactDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Timestamp (8) plus Ed25519 signature (64): the signature bytes after the key ID. */
export const COSIGNATURE_LENGTH = 72;

export interface Cosigner {
  readonly name: string;
  /** The type-0x04 key ID. */
  readonly keyId: Uint8Array;
  readonly publicKey: Uint8Array;
  /** Cosigns a checkpoint text at the given time; returns timestamp ‖ signature (72 bytes). */
  sign(checkpointText: string, timestamp: number | bigint): Uint8Array;
}

/** A verified cosignature, as read from an opened note. */
export interface Cosignature {
  readonly name: string;
  readonly keyId: Uint8Array;
  readonly timestamp: bigint;
}

function checkedTimestamp(timestamp: number | bigint): bigint {
  if (typeof timestamp === 'number' && !Number.isSafeInteger(timestamp)) {
    throw new DiptychError('malformed_cosignature', 'timestamp must be an integer');
  }
  const t = BigInt(timestamp);
  if (t < 0n || t > MAX_COSIGNATURE_TIMESTAMP) {
    throw new DiptychError('malformed_cosignature', 'timestamp must be in 0..2^63-1');
  }
  return t;
}

/** The bytes an Ed25519 cosigner signs for a checkpoint text at a timestamp. */
export function cosignedMessage(checkpointText: string, timestamp: number | bigint): Uint8Array {
  const t = checkedTimestamp(timestamp);
  return utf8(`cosignature/v1\ntime ${t}\n${checkpointText}`);
}

export function createCosigner(name: string, signer: Ed25519Signer, crypto: Crypto = nobleCrypto): Cosigner {
  if (!isValidKeyName(name)) throw new DiptychError('malformed_key', 'invalid key name');
  return {
    name,
    keyId: keyId(name, COSIGNATURE_TYPE, signer.publicKey, crypto),
    publicKey: signer.publicKey,
    sign(checkpointText, timestamp) {
      // Witnesses vouch for checkpoints only; refuse to sign anything else.
      parseCheckpoint(checkpointText);
      const t = checkedTimestamp(timestamp);
      const stamp = new Uint8Array(8);
      new DataView(stamp.buffer).setBigUint64(0, t);
      return concatBytes(stamp, signer.sign(cosignedMessage(checkpointText, t)));
    },
  };
}

/** The cosignature line "— name base64(keyId ‖ timestamp ‖ signature)\n". */
export function cosign(checkpointText: string, cosigner: Cosigner, timestamp: number | bigint): string {
  const signature = cosigner.sign(checkpointText, timestamp);
  return formatSignatureLine({ name: cosigner.name, keyId: cosigner.keyId, signature });
}

/** Adapts a cosigner at a fixed timestamp to the NoteSigner interface (for signNote). */
export function cosignatureNoteSigner(cosigner: Cosigner, timestamp: number | bigint): NoteSigner {
  const t = checkedTimestamp(timestamp);
  return {
    name: cosigner.name,
    keyId: cosigner.keyId,
    type: COSIGNATURE_TYPE,
    publicKey: cosigner.publicKey,
    sign: (message) => cosigner.sign(exactDecoder.decode(message), t),
  };
}

/** The timestamp inside a cosignature's bytes (after the key ID). */
export function cosignatureTimestamp(signature: Uint8Array): bigint {
  if (signature.length !== COSIGNATURE_LENGTH) {
    throw new DiptychError('malformed_cosignature', `cosignatures are ${COSIGNATURE_LENGTH} bytes after the key ID`);
  }
  return new DataView(signature.buffer, signature.byteOffset, 8).getBigUint64(0);
}

/** A note verifier for Ed25519 cosignatures by this cosigner (type 0x04 key ID). */
export function cosignatureVerifier(name: string, publicKey: Uint8Array, crypto: Crypto = nobleCrypto): NoteVerifier {
  if (!isValidKeyName(name)) throw new DiptychError('malformed_key', 'invalid key name');
  if (publicKey.length !== 32) throw new DiptychError('malformed_key', 'Ed25519 keys are 32 bytes');
  const key = Uint8Array.from(publicKey);
  return {
    name,
    keyId: keyId(name, COSIGNATURE_TYPE, key, crypto),
    type: COSIGNATURE_TYPE,
    publicKey: key,
    verify(message, signature) {
      if (signature.length !== COSIGNATURE_LENGTH) return false;
      const t = cosignatureTimestamp(signature);
      if (t > MAX_COSIGNATURE_TIMESTAMP) return false;
      const signed = concatBytes(utf8(`cosignature/v1\ntime ${t}\n`), message);
      return crypto.verifyEd25519(key, signed, signature.subarray(8));
    },
  };
}

/**
 * A cosignature verifier from a witness vkey of type 0x04, or of type 0x01 as the Armored
 * Witnesses publish theirs: either way the line's key ID is the 0x04 one.
 */
export function cosignatureVerifierFromKey(vkey: string, crypto: Crypto = nobleCrypto): NoteVerifier {
  const key = parseVerifierKey(vkey, crypto);
  if (key.type !== COSIGNATURE_TYPE && key.type !== ED25519_TYPE) {
    throw new DiptychError('unsupported_key_type', 'cosigner keys are Ed25519');
  }
  return cosignatureVerifier(key.name, key.publicKey, crypto);
}

/** The cosignatures among a note's verified signatures, with their timestamps. */
export function verifiedCosignatures(opened: OpenedNote): Cosignature[] {
  return opened.verified
    .filter((v) => v.verifier.type === COSIGNATURE_TYPE)
    .map((v) => ({ name: v.name, keyId: v.keyId, timestamp: cosignatureTimestamp(v.signature) }));
}

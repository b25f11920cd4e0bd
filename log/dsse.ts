// DSSE v1 envelopes (github.com/secure-systems-lab/dsse) as diptych logs them (SPEC §3): the
// log entry is the JCS serialisation of {payload, payloadType, signatures:[{keyid, sig}]},
// the payload is JCS JSON, and each keyid is the signer's `name+hex8` (its vkey without the
// key material; the key ID is the signed-note type-0x01 one). Signatures are Ed25519 over
// PAE(payloadType, payload). Browser-safe.
//
// Profile, stricter than DSSE itself so that one statement has exactly one entry encoding:
// standard padded base64 only (DSSE verifiers also accept URL-safe), keyid required and
// unique, 1..100 signatures, no extra fields, at most 65535 bytes, and signEnvelope /
// addSignature keep signatures sorted by keyid.
import { bytesEqual, concatBytes, fromBase64, fromHex, toBase64, utf8 } from './bytes.js';
import { nobleCrypto, type Crypto } from './crypto.js';
import { DiptychError } from './errors.js';
import { assertCanonicalText, canonicalBytes, isWellFormed, parseCanonical, type JsonValue } from './jcs.js';
import { ED25519_TYPE, isValidKeyName, keyHandle, keyId, type NoteSigner } from './note.js';

/** The largest log entry (C2SP tlog-tiles entry bundles use 16-bit lengths). */
export const MAX_ENTRY_BYTES = 65535;
export const MAX_ENVELOPE_SIGNATURES = 100;
// A leading BOM stays in the text, so JSON.parse rejects it instead of it vanishing.
const entryDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export interface DsseSignature {
  readonly keyid: string;
  /** Standard padded base64 of the Ed25519 signature. */
  readonly sig: string;
}

export interface Envelope {
  /** Standard padded base64 of the JCS payload bytes. */
  readonly payload: string;
  readonly payloadType: string;
  readonly signatures: readonly DsseSignature[];
}

export interface ParsedEnvelope {
  readonly envelope: Envelope;
  /** The decoded payload bytes (JCS JSON). */
  readonly payloadBytes: Uint8Array;
  /** The payload as a JSON object. */
  readonly payload: { readonly [key: string]: JsonValue };
}

/** Returns the public key for a keyid, or undefined when the key is not trusted here. */
export type KeyResolver = (keyid: string) => Uint8Array | undefined;

/** PAE(type, body) = "DSSEv1" SP len(type) SP type SP len(body) SP body, lengths in bytes. */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = utf8(payloadType);
  return concatBytes(utf8(`DSSEv1 ${type.length} `), type, utf8(` ${payload.length} `), payload);
}

/** Splits a `name+hex8` keyid; invalid_envelope when it is not one. */
export function parseKeyid(keyid: string): { name: string; keyId: Uint8Array } {
  const plus = keyid.lastIndexOf('+');
  const name = keyid.slice(0, plus);
  const hex = keyid.slice(plus + 1);
  if (plus < 0 || !isValidKeyName(name) || !/^[0-9a-f]{8}$/.test(hex)) {
    throw new DiptychError('invalid_envelope', 'keyid must be a key name, "+" and 8 lowercase hex digits');
  }
  return { name, keyId: fromHex(hex) };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasExactly(value: Record<string, unknown>, keys: readonly string[]): boolean {
  const own = Object.keys(value);
  return own.length === keys.length && keys.every((k) => Object.hasOwn(value, k));
}

function checkSignatures(value: unknown): DsseSignature[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new DiptychError('invalid_envelope', 'signatures must be a non-empty array');
  }
  if (value.length > MAX_ENVELOPE_SIGNATURES) {
    throw new DiptychError('too_many_signatures', `more than ${MAX_ENVELOPE_SIGNATURES} signatures`);
  }
  const keyids: string[] = [];
  return value.map((item: unknown) => {
    if (!isPlainObject(item) || !hasExactly(item, ['keyid', 'sig'])) {
      throw new DiptychError('invalid_envelope', 'each signature is exactly {keyid, sig}');
    }
    const { keyid, sig } = item;
    if (typeof keyid !== 'string' || typeof sig !== 'string') {
      throw new DiptychError('invalid_envelope', 'keyid and sig are strings');
    }
    parseKeyid(keyid);
    // A list, not a Set: envelopes carry one or two signatures, and at most 100.
    if (keyids.includes(keyid)) throw new DiptychError('invalid_envelope', `keyid ${keyid} signs twice`);
    keyids.push(keyid);
    if (fromBase64(sig).length === 0) throw new DiptychError('invalid_envelope', 'empty signature');
    return { keyid, sig };
  });
}

/**
 * Checks an envelope's structure (no extra fields, valid keyids and base64, a payload that
 * is a JCS JSON object) and decodes its payload. Signatures are not verified.
 */
export function checkEnvelope(value: unknown, canonicalPayload = true): ParsedEnvelope {
  if (!isPlainObject(value) || !hasExactly(value, ['payload', 'payloadType', 'signatures'])) {
    throw new DiptychError('invalid_envelope', 'envelope is exactly {payload, payloadType, signatures}');
  }
  const { payload, payloadType } = value;
  if (typeof payload !== 'string') throw new DiptychError('invalid_envelope', 'payload is a base64 string');
  if (typeof payloadType !== 'string' || payloadType.length === 0 || !isWellFormed(payloadType)) {
    throw new DiptychError('invalid_envelope', 'payloadType is a non-empty, well-formed string');
  }
  const signatures = checkSignatures(value.signatures);
  const payloadBytes = fromBase64(payload);
  const decoded = canonicalPayload ? parseCanonical(payloadBytes, 'invalid_payload') : (parseJson(payloadBytes, 'invalid_payload') as JsonValue);
  if (!isPlainObject(decoded)) throw new DiptychError('invalid_payload', 'payload is a JSON object');
  return { envelope: { payload, payloadType, signatures }, payloadBytes, payload: decoded };
}

/** Parses a log entry: exactly the JCS bytes of a valid envelope, at most 65535 bytes. */
export function parseEnvelope(bytes: Uint8Array): ParsedEnvelope {
  checkEntrySize(bytes);
  let value: unknown;
  let text: string;
  try {
    text = entryDecoder.decode(bytes);
    value = JSON.parse(text);
  } catch {
    throw new DiptychError('invalid_json', 'envelope is not UTF-8 JSON');
  }
  const parsed = checkEnvelope(value);
  // Structure first, so a wrong field is reported as such; then the exact-bytes rule.
  assertCanonicalText(value, text, 'invalid_json');
  return parsed;
}

function parseJson(bytes: Uint8Array, code: string): unknown {
  try {
    return JSON.parse(entryDecoder.decode(bytes));
  } catch {
    throw new DiptychError(code, 'not UTF-8 JSON');
  }
}

/**
 * Parses an entry read back from a log that admitted it (a witness's monitor, an auditor's
 * replay): the log checked the exact-bytes rules on arrival and the tree binds those bytes, so
 * only the structure is checked again. About a third of the cost of parseEnvelope; never for
 * entries that have not been through a log's admission.
 */
export function parseLoggedEntry(bytes: Uint8Array): ParsedEnvelope {
  checkEntrySize(bytes);
  return checkEnvelope(parseJson(bytes, 'invalid_json'), false);
}

/** The log entry bytes of an envelope: its JCS serialisation. */
export function canonicalEnvelopeBytes(envelope: Envelope): Uint8Array {
  const { envelope: checked } = checkEnvelope(envelope);
  return checkEntrySize(canonicalBytes(checked));
}

function checkEntrySize(bytes: Uint8Array): Uint8Array {
  if (bytes.length > MAX_ENTRY_BYTES) {
    throw new DiptychError('entry_too_large', `entries are at most ${MAX_ENTRY_BYTES} bytes`);
  }
  return bytes;
}

function dsseSignature(payloadType: string, payloadBytes: Uint8Array, signer: NoteSigner): DsseSignature {
  if (signer.type !== ED25519_TYPE) {
    throw new DiptychError('unsupported_key_type', 'DSSE signers are Ed25519 (type 0x01) keys');
  }
  const sig = signer.sign(pae(payloadType, payloadBytes));
  return { keyid: keyHandle(signer.name, signer.keyId), sig: toBase64(sig) };
}

// Sorted signatures make the same set of signers give the same entry bytes, whatever the
// order in which they signed (SPEC §3: a resubmitted envelope gets the same index).
function withSignature(envelope: Envelope, added: DsseSignature): Envelope {
  const existing = envelope.signatures.find((s) => s.keyid === added.keyid);
  if (existing !== undefined) {
    if (existing.sig === added.sig) return envelope;
    throw new DiptychError('invalid_envelope', `${added.keyid} already signed with another signature`);
  }
  if (envelope.signatures.length >= MAX_ENVELOPE_SIGNATURES) {
    throw new DiptychError('too_many_signatures', `more than ${MAX_ENVELOPE_SIGNATURES} signatures`);
  }
  const byKeyid = (a: DsseSignature, b: DsseSignature): number => (a.keyid < b.keyid ? -1 : a.keyid > b.keyid ? 1 : 0);
  const signatures = [...envelope.signatures, added].sort(byKeyid);
  return { ...envelope, signatures };
}

/** A new envelope over the JCS form of payload, signed by every signer. */
export function signEnvelope(
  payloadType: string,
  payload: { readonly [key: string]: unknown },
  signers: readonly NoteSigner[],
): Envelope {
  if (signers.length === 0) throw new DiptychError('invalid_envelope', 'an envelope needs at least one signature');
  if (!isPlainObject(payload)) throw new DiptychError('invalid_payload', 'payload is a JSON object');
  if (payloadType.length === 0) throw new DiptychError('invalid_envelope', 'payloadType is a non-empty string');
  const payloadBytes = canonicalBytes(payload);
  let envelope: Envelope = { payload: toBase64(payloadBytes), payloadType, signatures: [] };
  for (const signer of signers) envelope = withSignature(envelope, dsseSignature(payloadType, payloadBytes, signer));
  canonicalEnvelopeBytes(envelope); // refuse now what the log would refuse later
  return envelope;
}

/** The envelope with one more signature (m-of-n signing); unchanged if signer already signed. */
export function addSignature(envelope: Envelope, signer: NoteSigner): Envelope {
  const { envelope: checked, payloadBytes } = checkEnvelope(envelope);
  const signed = withSignature(checked, dsseSignature(checked.payloadType, payloadBytes, signer));
  canonicalEnvelopeBytes(signed);
  return signed;
}

/**
 * Verifies every signature whose keyid the resolver knows; any failure is invalid_signature.
 * Returns the keyids that verified (possibly none: thresholds are the caller's policy).
 */
export function verifyEnvelopeSignatures(
  envelope: Envelope,
  resolveKey: KeyResolver,
  crypto: Crypto = nobleCrypto,
): string[] {
  const { envelope: checked, payloadBytes } = checkEnvelope(envelope);
  const message = pae(checked.payloadType, payloadBytes);
  const verified: string[] = [];
  for (const { keyid, sig } of checked.signatures) {
    const publicKey = resolveKey(keyid);
    if (publicKey === undefined) continue;
    const { name, keyId: id } = parseKeyid(keyid);
    if (publicKey.length !== 32 || !bytesEqual(keyId(name, ED25519_TYPE, publicKey, crypto), id)) {
      throw new DiptychError('invalid_signature', `the key resolved for ${keyid} does not have that key ID`);
    }
    if (!crypto.verifyEd25519(publicKey, message, fromBase64(sig))) {
      throw new DiptychError('invalid_signature', `signature by ${keyid} does not verify`);
    }
    verified.push(keyid);
  }
  return verified;
}

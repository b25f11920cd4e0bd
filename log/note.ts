// C2SP signed-note (c2sp.org/signed-note): keys, key IDs, signing and strict verification.
// Browser-safe: hashing and signature checks come in through a Crypto (default @noble).
//
// Verification rules (shared/vectors/README.md, "Note verification"): the note must be
// valid UTF-8 without control characters other than newline; the text runs to the last
// blank line; each signature line is "— name base64" with standard padded base64 of at least
// 5 bytes; at most MAX_SIGNATURES lines. Lines whose (name, key ID) match no known key are
// ignored, every line that matches must verify (not just the first per key, unlike x/mod
// 0.7.0), and at least one must.
import { bytesEqual, concatBytes, fromBase64, toBase64, toHex, utf8 } from './bytes.js';
import { nobleCrypto, nobleEd25519Signer, type Crypto, type Ed25519Signer } from './crypto.js';
import { DiptychError } from './errors.js';
import { isWellFormed } from './jcs.js';

/** Signature type byte of plain Ed25519 note signatures. */
export const ED25519_TYPE = 0x01;
/** Signature type byte of tlog-cosignature/v1 Ed25519 cosignatures. */
export const COSIGNATURE_TYPE = 0x04;
/** The most signature lines a note may carry (x/mod's limit; C2SP requires at least 16). */
export const MAX_SIGNATURES = 100;

const EM_DASH_SPACE = '\u2014 ';
const SIGNER_KEY_PREFIX = 'PRIVATE+KEY+';
const KEY_NAME_FORBIDDEN = /[\p{White_Space}+]/u;
// Unlike bytes.fromUtf8 this keeps a leading U+FEFF: a BOM is part of the signed text.
const noteDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export interface NoteSigner {
  readonly name: string;
  /** The 4-byte key ID that prefixes each signature. */
  readonly keyId: Uint8Array;
  readonly type: number;
  readonly publicKey: Uint8Array;
  /** Signs the note text bytes; returns the signature without the key ID. */
  sign(message: Uint8Array): Uint8Array;
}

export interface NoteVerifier {
  readonly name: string;
  readonly keyId: Uint8Array;
  /** ED25519_TYPE for log keys, COSIGNATURE_TYPE for witness cosigners. */
  readonly type: number;
  readonly publicKey: Uint8Array;
  /** Checks a signature (without its key ID) over the note text bytes. Never throws. */
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

/** One parsed signature line. */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: Uint8Array;
  /** The signature bytes after the key ID. */
  readonly signature: Uint8Array;
}

export interface VerifiedSignature extends NoteSignature {
  readonly verifier: NoteVerifier;
}

export interface ParsedNote {
  /** The signed text, including its final newline. */
  readonly text: string;
  readonly signatures: NoteSignature[];
}

export interface OpenedNote {
  readonly text: string;
  /** One entry per distinct signature line by a known key, in note order. */
  readonly verified: VerifiedSignature[];
  /** Distinct signature lines whose (name, key ID) matched no known key. */
  readonly ignoredCount: number;
}

/** A parsed vkey: `name+hex8+base64(type‖key)`. */
export interface VerifierKey {
  readonly name: string;
  readonly keyId: Uint8Array;
  readonly type: number;
  readonly publicKey: Uint8Array;
}

/** A parsed signer key. The seed itself is not kept: signing goes through the signers. */
export interface SignerKey {
  readonly name: string;
  readonly keyId: Uint8Array;
  /** The type-0x01 note signer (log checkpoints, DSSE statements). */
  readonly signer: NoteSigner;
  /** The raw key, e.g. for a witness's cosigner (cosignature.ts createCosigner). */
  readonly ed25519: Ed25519Signer;
  /** The matching vkey text. */
  readonly verifierKey: string;
}

/** Key names are non-empty, well-formed, without Unicode white space or '+'. */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && isWellFormed(name) && !KEY_NAME_FORBIDDEN.test(name);
}

/** SHA-256(name ‖ 0x0A ‖ type ‖ publicKey)[:4], the C2SP key ID. */
export function keyId(name: string, type: number, publicKey: Uint8Array, crypto: Crypto = nobleCrypto): Uint8Array {
  return crypto.sha256(utf8(name + '\n'), Uint8Array.of(type), publicKey).slice(0, 4);
}

/** `name+hex8`: the vkey without its key material, also the DSSE keyid of SPEC §3. */
export function keyHandle(name: string, id: Uint8Array): string {
  return `${name}+${toHex(id)}`;
}

export function formatVerifierKey(
  name: string,
  type: number,
  publicKey: Uint8Array,
  crypto: Crypto = nobleCrypto,
): string {
  if (!isValidKeyName(name)) throw new DiptychError('malformed_key', 'invalid key name');
  const id = keyId(name, type, publicKey, crypto);
  return `${keyHandle(name, id)}+${toBase64(concatBytes(Uint8Array.of(type), publicKey))}`;
}

/**
 * Parses a vkey of an Ed25519 type (0x01 note key or 0x04 cosigner key) and checks that its
 * key ID is the one derived from name, type and key. Other types (ECDSA 0x02, RFC 6962 0x05,
 * ...) are not supported: unsupported_key_type. Anything malformed: malformed_key.
 */
export function parseVerifierKey(vkey: string, crypto: Crypto = nobleCrypto): VerifierKey {
  const [name, hex, material] = splitKey(vkey);
  const raw = fromBase64(material, 'malformed_key');
  if (raw.length < 2) throw new DiptychError('malformed_key', 'vkey has no key material');
  const type = raw[0]!;
  if (type !== ED25519_TYPE && type !== COSIGNATURE_TYPE) {
    const typeHex = type.toString(16).padStart(2, '0');
    throw new DiptychError('unsupported_key_type', `signature type 0x${typeHex} is not supported`);
  }
  const publicKey = raw.slice(1);
  if (publicKey.length !== 32) throw new DiptychError('malformed_key', 'Ed25519 keys are 32 bytes');
  const id = keyId(name, type, publicKey, crypto);
  if (toHex(id) !== hex) throw new DiptychError('malformed_key', 'key ID does not match the key');
  return { name, keyId: id, type, publicKey };
}

// Splits `name+hex8+rest` on its first two '+' (base64 may itself contain '+').
function splitKey(text: string): [string, string, string] {
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (second < 0) throw new DiptychError('malformed_key', 'expected name+keyid+key');
  const name = text.slice(0, first);
  const hex = text.slice(first + 1, second);
  if (!isValidKeyName(name)) throw new DiptychError('malformed_key', 'invalid key name');
  if (!/^[0-9a-f]{8}$/.test(hex)) throw new DiptychError('malformed_key', 'key ID must be 8 lowercase hex digits');
  return [name, hex, text.slice(second + 1)];
}

/** A plain Ed25519 (type 0x01) note verifier. */
export function ed25519Verifier(name: string, publicKey: Uint8Array, crypto: Crypto = nobleCrypto): NoteVerifier {
  if (!isValidKeyName(name)) throw new DiptychError('malformed_key', 'invalid key name');
  if (publicKey.length !== 32) throw new DiptychError('malformed_key', 'Ed25519 keys are 32 bytes');
  const key = Uint8Array.from(publicKey);
  return {
    name,
    keyId: keyId(name, ED25519_TYPE, key, crypto),
    type: ED25519_TYPE,
    publicKey: key,
    verify: (message, signature) => crypto.verifyEd25519(key, message, signature),
  };
}

/**
 * The note verifier for a type-0x01 vkey. Cosigner (0x04) vkeys are rejected here with
 * unsupported_key_type: build those with cosignature.ts, which knows their message format.
 */
export function noteVerifier(vkey: string, crypto: Crypto = nobleCrypto): NoteVerifier {
  const key = parseVerifierKey(vkey, crypto);
  if (key.type !== ED25519_TYPE) {
    throw new DiptychError('unsupported_key_type', 'a cosigner key cannot verify plain note signatures');
  }
  return ed25519Verifier(key.name, key.publicKey, crypto);
}

/** A type-0x01 NoteSigner around a raw Ed25519 key. */
export function ed25519NoteSigner(name: string, signer: Ed25519Signer, crypto: Crypto = nobleCrypto): NoteSigner {
  if (!isValidKeyName(name)) throw new DiptychError('malformed_key', 'invalid key name');
  return {
    name,
    keyId: keyId(name, ED25519_TYPE, signer.publicKey, crypto),
    type: ED25519_TYPE,
    publicKey: signer.publicKey,
    sign: (message) => signer.sign(message),
  };
}

export function formatSignerKey(name: string, seed: Uint8Array, crypto: Crypto = nobleCrypto): string {
  if (seed.length !== 32) throw new DiptychError('malformed_key', 'Ed25519 seeds are 32 bytes');
  const signer = ed25519NoteSigner(name, nobleEd25519Signer(seed), crypto);
  const material = toBase64(concatBytes(Uint8Array.of(ED25519_TYPE), seed));
  return `${SIGNER_KEY_PREFIX}${keyHandle(name, signer.keyId)}+${material}`;
}

/** Both text forms of an Ed25519 key. The caller supplies the 32 random seed bytes. */
export function generateSignerKey(
  name: string,
  seed: Uint8Array,
  crypto: Crypto = nobleCrypto,
): { signerKey: string; verifierKey: string } {
  const signerKey = formatSignerKey(name, seed, crypto);
  const verifierKey = formatVerifierKey(name, ED25519_TYPE, nobleEd25519Signer(seed).publicKey, crypto);
  return { signerKey, verifierKey };
}

/**
 * Parses `PRIVATE+KEY+name+hex8+base64(0x01‖seed)`. The key ID must match the public key
 * derived from the seed. `makeSigner` lets Node callers use node:crypto for signing.
 */
export function parseSignerKey(
  skey: string,
  makeSigner: (seed: Uint8Array) => Ed25519Signer = nobleEd25519Signer,
  crypto: Crypto = nobleCrypto,
): SignerKey {
  if (!skey.startsWith(SIGNER_KEY_PREFIX)) {
    throw new DiptychError('malformed_key', 'signer keys start with PRIVATE+KEY+');
  }
  const [name, hex, material] = splitKey(skey.slice(SIGNER_KEY_PREFIX.length));
  const raw = fromBase64(material, 'malformed_key');
  if (raw.length === 0) throw new DiptychError('malformed_key', 'signer key has no key material');
  if (raw[0] !== ED25519_TYPE) {
    throw new DiptychError('unsupported_key_type', 'only Ed25519 signer keys are supported');
  }
  if (raw.length !== 33) throw new DiptychError('malformed_key', 'Ed25519 seeds are 32 bytes');
  const ed25519 = makeSigner(raw.slice(1));
  const signer = ed25519NoteSigner(name, ed25519, crypto);
  if (toHex(signer.keyId) !== hex) throw new DiptychError('malformed_key', 'key ID does not match the key');
  const verifierKey = formatVerifierKey(name, ED25519_TYPE, signer.publicKey, crypto);
  return { name, keyId: signer.keyId, signer, ed25519, verifierKey };
}

/** Checks that text can be the text of a signed note: non-empty, newline-terminated, clean. */
export function checkNoteText(text: string): void {
  if (text.length === 0 || !text.endsWith('\n')) malformed('note text must end in a newline');
  if (!isWellFormed(text)) malformed('note text is not well-formed Unicode');
  if (hasControlCharacter(text)) malformed('note text holds a control character');
}

/** One signature line, "— name base64(keyId ‖ signature)\n", by the signer over text. */
export function signatureLine(text: string, signer: NoteSigner): string {
  checkNoteText(text);
  const signature = signer.sign(utf8(text));
  return formatSignatureLine({ name: signer.name, keyId: signer.keyId, signature });
}

export function formatSignatureLine(sig: NoteSignature): string {
  if (!isValidKeyName(sig.name)) throw new DiptychError('malformed_key', 'invalid key name');
  if (sig.keyId.length !== 4) throw new DiptychError('malformed_key', 'key IDs are 4 bytes');
  return `${EM_DASH_SPACE}${sig.name} ${toBase64(concatBytes(sig.keyId, sig.signature))}\n`;
}

/** The signed note: text, a blank line, one signature line per signer. */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  checkSignatureCount(signers.length);
  return text + '\n' + signers.map((s) => signatureLine(text, s)).join('');
}

/** Reassembles a note from its text and signatures (e.g. after adding cosignatures). */
export function formatNote(text: string, signatures: readonly NoteSignature[]): string {
  checkNoteText(text);
  checkSignatureCount(signatures.length);
  return text + '\n' + signatures.map(formatSignatureLine).join('');
}

function malformed(message: string): never {
  throw new DiptychError('malformed_note', message);
}

function checkSignatureCount(count: number): void {
  if (count === 0) malformed('a note needs at least one signature');
  if (count > MAX_SIGNATURES) {
    throw new DiptychError('too_many_signatures', `more than ${MAX_SIGNATURES} signature lines`);
  }
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return true;
  }
  return false;
}

/** Parses a signed note's structure without checking any signature. */
export function parseNote(note: Uint8Array): ParsedNote {
  let s: string;
  try {
    s = noteDecoder.decode(note);
  } catch {
    malformed('note is not valid UTF-8');
  }
  if (hasControlCharacter(s)) malformed('note holds a control character');
  const split = s.lastIndexOf('\n\n');
  if (split < 0) malformed('note has no blank line before its signatures');
  const text = s.slice(0, split + 1);
  const block = s.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n')) malformed('signature block must end in a newline');
  // Count before parsing lines, so an oversized note costs no base64 decoding.
  const lines = block.slice(0, -1).split('\n');
  checkSignatureCount(lines.length);
  return { text, signatures: lines.map(parseSignatureLine) };
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(EM_DASH_SPACE)) malformed('signature lines start with an em dash and a space');
  const rest = line.slice(EM_DASH_SPACE.length);
  const space = rest.indexOf(' ');
  if (space < 0) malformed('signature line has no signature');
  const name = rest.slice(0, space);
  if (!isValidKeyName(name)) malformed('invalid key name in signature line');
  const raw = fromBase64(rest.slice(space + 1), 'malformed_note');
  if (raw.length < 5) malformed('signature shorter than a key ID plus one byte');
  return { name, keyId: raw.slice(0, 4), signature: raw.slice(4) };
}

/**
 * Parses and verifies a signed note against the known keys. Throws malformed_note,
 * too_many_signatures, invalid_signature (a known key's line fails) or
 * no_verifiable_signature (no line from a known key).
 */
export function openNote(note: Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const parsed = parseNote(note);
  const message = utf8(parsed.text);
  const verified: VerifiedSignature[] = [];
  const seen = new Set<string>();
  let ignoredCount = 0;
  for (const sig of parsed.signatures) {
    // Identical lines say nothing new; count and report each once.
    const line = `${sig.name} ${toHex(sig.keyId)}${toHex(sig.signature)}`;
    if (seen.has(line)) continue;
    seen.add(line);
    const verifier = verifiers.find((v) => v.name === sig.name && bytesEqual(v.keyId, sig.keyId));
    if (verifier === undefined) {
      ignoredCount++;
      continue;
    }
    if (!verifier.verify(message, sig.signature)) {
      throw new DiptychError('invalid_signature', `signature by ${keyHandle(sig.name, sig.keyId)} does not verify`);
    }
    verified.push({ ...sig, verifier });
  }
  if (verified.length === 0) throw new DiptychError('no_verifiable_signature', 'no signature by a known key');
  return { text: parsed.text, verified, ignoredCount };
}

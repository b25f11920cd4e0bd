// Stateless checks of a submitted entry, done before it reaches the sequencer: the entry is the
// JCS form of a well-formed DSSE envelope of at most 65535 bytes, and every signature by a key
// the log knows verifies. Which keys count for what (thresholds, TOFU, revocation) is policy,
// checked later in log order by an AdmissionPolicy.
import { DiptychError } from './errors.js';
import { bytesEqual, fromBase64 } from './bytes.js';
import { pae, parseEnvelope, parseKeyid, type ParsedEnvelope } from './dsse.js';
import { ED25519_TYPE, keyId, parseVerifierKey } from './note.js';
import type { Crypto } from './crypto.js';
import type { SignatureVerifier } from './verify-pool.js';

export const KEYS_PAYLOAD_TYPE = 'application/vnd.diptych.keys+json';

/** Public keys the log knows, by DSSE keyid (`name+hex8`). */
export interface KeyDirectory {
  publicKey(keyid: string, entry: ParsedEnvelope): Uint8Array | undefined;
  /**
   * True when every key it answers was parsed from a vkey whose key ID matched the key
   * (parseVerifierKey checks that): the validator then does not hash the key again to check
   * the keyid it was found under. Absent or false: it does.
   */
  readonly keyIdsChecked?: boolean;
}

export interface ValidatedEntry {
  readonly parsed: ParsedEnvelope;
  /** The keyids whose signatures verified. */
  readonly verifiedKeyids: readonly string[];
}

/**
 * The keyid (`name+hex8`) of a vkey `name+hex8+base64`. Names never hold '+', but the base64
 * key material often does, so the keyid ends at the second '+', not the last.
 */
function keyidOf(vkey: string): string {
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  return second < 0 ? vkey : vkey.slice(0, second);
}

/** Keys fixed by configuration (the log's own key, witnesses, trusted parties). */
export function staticKeys(vkeys: readonly string[], crypto?: Crypto): KeyDirectory {
  const byKeyid = new Map<string, Uint8Array>();
  for (const vkey of vkeys) {
    const key = parseVerifierKey(vkey, crypto);
    byKeyid.set(keyidOf(vkey), key.publicKey);
  }
  return { publicKey: (keyid) => byKeyid.get(keyid), keyIdsChecked: true };
}

/**
 * A keys entry names its own keys, and the first one for a project must be signed by them
 * (trust on first use), so its signatures are checked against the keys it names.
 */
export function selfNamedKeys(crypto?: Crypto): KeyDirectory {
  // selfNamedKey answers only a key whose vkey is named under exactly this keyid.
  return { publicKey: (keyid, entry) => selfNamedKey(keyid, entry, crypto), keyIdsChecked: true };
}

function selfNamedKey(keyid: string, entry: ParsedEnvelope, crypto: Crypto | undefined): Uint8Array | undefined {
  if (entry.envelope.payloadType !== KEYS_PAYLOAD_TYPE) return undefined;
  const keys = entry.payload['keys'];
  if (!Array.isArray(keys)) return undefined;
  for (const vkey of keys) {
    if (typeof vkey === 'string' && keyidOf(vkey) === keyid) {
      try {
        return parseVerifierKey(vkey, crypto).publicKey;
      } catch {
        throw new DiptychError('invalid_payload', `keys entry names a malformed key ${keyid}`);
      }
    }
  }
  return undefined;
}

/** The first directory that knows a keyid answers. */
export function chainKeys(...directories: readonly KeyDirectory[]): KeyDirectory {
  return {
    keyIdsChecked: directories.every((d) => d.keyIdsChecked === true),
    publicKey(keyid, entry) {
      for (const d of directories) {
        const key = d.publicKey(keyid, entry);
        if (key !== undefined) return key;
      }
      return undefined;
    },
  };
}

export class EntryValidator {
  constructor(
    private readonly keys: KeyDirectory,
    private readonly verifier: SignatureVerifier,
    private readonly crypto: Crypto,
  ) {}

  async validate(entry: Uint8Array): Promise<ValidatedEntry> {
    const parsed = parseEnvelope(entry);
    const message = pae(parsed.envelope.payloadType, parsed.payloadBytes);
    const known: Array<{ keyid: string; publicKey: Uint8Array; signature: Uint8Array }> = [];
    for (const { keyid, sig } of parsed.envelope.signatures) {
      const publicKey = this.keys.publicKey(keyid, parsed);
      if (publicKey === undefined) continue;
      if (this.keys.keyIdsChecked !== true) {
        const { name, keyId: id } = parseKeyid(keyid);
        if (!bytesEqual(keyId(name, ED25519_TYPE, publicKey, this.crypto), id)) {
          throw new DiptychError('invalid_signature', `the key known as ${keyid} has another key ID`);
        }
      }
      known.push({ keyid, publicKey, signature: fromBase64(sig) });
    }
    const results = await this.verifier.verifyEd25519(known.map((k) => ({ publicKey: k.publicKey, message, signature: k.signature })));
    const failed = known.find((_, i) => !results[i]);
    if (failed) throw new DiptychError('invalid_signature', `the signature by ${failed.keyid} does not verify`);
    return { parsed, verifiedKeyids: known.map((k) => k.keyid) };
  }
}

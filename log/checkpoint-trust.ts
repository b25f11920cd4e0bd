// What a client that trusts a log key and a set of witnesses accepts as a checkpoint: signed by
// the log key, with the log key's name as origin, and cosigned by at least `quorum` of the
// witnesses (C2SP tlog-cosignature/v1). Shared by proof bundles, `diptych verify` and
// `diptych audit`. Browser-safe.
import { nobleCrypto, type Crypto } from './crypto.js';
import { openCheckpoint, type Checkpoint } from './checkpoint.js';
import { cosignatureTimestamp, cosignatureVerifierFromKey, type Cosignature } from './cosignature.js';
import { DiptychError } from './errors.js';
import { COSIGNATURE_TYPE, noteVerifier, type NoteVerifier } from './note.js';

export interface CheckpointTrust {
  /** The log's verifier key (type 0x01); its name is the origin the checkpoint must carry. */
  readonly logKey: string;
  /** Witness vkeys (type 0x01 or 0x04) whose cosignatures count. */
  readonly witnessKeys?: readonly string[];
  /** How many distinct witnesses must have cosigned; default 0 (none required). */
  readonly quorum?: number;
}

export interface TrustedCheckpointNote {
  readonly checkpoint: Checkpoint;
  /** Verified cosignatures by the trusted witnesses, one per witness. */
  readonly cosignatures: readonly Cosignature[];
}

/** The verifiers of a trust configuration, parsed once (a bad key fails here, before any I/O). */
export interface CheckpointVerifiers {
  readonly log: NoteVerifier;
  readonly witnesses: readonly NoteVerifier[];
  readonly quorum: number;
}

export function checkpointVerifiers(trust: CheckpointTrust, crypto: Crypto = nobleCrypto): CheckpointVerifiers {
  const log = noteVerifier(trust.logKey, crypto);
  const witnesses = (trust.witnessKeys ?? []).map((k) => cosignatureVerifierFromKey(k, crypto));
  const quorum = trust.quorum ?? 0;
  if (!Number.isSafeInteger(quorum) || quorum < 0 || quorum > witnesses.length) {
    throw new DiptychError('invalid_parameter', `quorum ${quorum} must be from 0 to the ${witnesses.length} witness keys given`);
  }
  return { log, witnesses, quorum };
}

/**
 * Opens a signed checkpoint under the trust configuration. Throws the note and checkpoint codes
 * (malformed_note, invalid_signature when a known key's line fails, no_verifiable_signature
 * when the log did not sign it), origin_mismatch, or insufficient_cosignatures.
 */
export function openTrustedCheckpoint(note: Uint8Array, verifiers: CheckpointVerifiers): TrustedCheckpointNote {
  const opened = openCheckpoint(note, verifiers.log, { origin: verifiers.log.name, cosigners: verifiers.witnesses });
  // openNote reports each distinct line once; a witness counts once however many lines it has.
  const byWitness = new Map<NoteVerifier, Cosignature>();
  for (const v of opened.note.verified) {
    if (v.verifier.type !== COSIGNATURE_TYPE || byWitness.has(v.verifier)) continue;
    byWitness.set(v.verifier, { name: v.name, keyId: v.keyId, timestamp: cosignatureTimestamp(v.signature) });
  }
  if (byWitness.size < verifiers.quorum) {
    throw new DiptychError(
      'insufficient_cosignatures',
      `checkpoint of size ${opened.checkpoint.sizeBig} carries ${byWitness.size} valid cosignatures from the trusted witnesses, ${verifiers.quorum} required`,
    );
  }
  return { checkpoint: opened.checkpoint, cosignatures: [...byWitness.values()] };
}

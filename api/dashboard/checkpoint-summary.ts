// What the overview says about the checkpoint the log serves: its size and root, and which of
// the policy's witnesses cosigned it, read from the cosignature lines and verified (a line that
// merely names a witness proves nothing), with each cosignature's timestamp.
import { toBase64, toHex } from '../../log/bytes.js';
import { checkpointVerifiers, openTrustedCheckpoint } from '../../log/checkpoint-trust.js';
import { cosignatureVerifierFromKey } from '../../log/cosignature.js';
import { bytesEqual } from '../../log/bytes.js';
import type { Crypto } from '../../log/crypto.js';

export interface Cosigner {
  /** The policy witness's vkey. */
  readonly vkey: string;
  readonly name: string;
  /** When it cosigned (RFC 3339, from the cosignature's timestamp). */
  readonly at: string;
}

export interface CheckpointSummary {
  readonly origin: string;
  readonly size: number;
  readonly rootHex: string;
  readonly rootBase64: string;
  readonly cosigners: readonly Cosigner[];
  /** The note as served, signature lines included. */
  readonly text: string;
}

export function checkpointSummary(note: Uint8Array, logKey: string, witnessKeys: readonly string[], crypto: Crypto): CheckpointSummary {
  const { checkpoint, cosignatures } = openTrustedCheckpoint(note, checkpointVerifiers({ logKey, witnessKeys, quorum: 0 }, crypto));
  const witnesses = witnessKeys.map((vkey) => ({ vkey, verifier: cosignatureVerifierFromKey(vkey, crypto) }));
  const cosigners = cosignatures.flatMap((c) => {
    const w = witnesses.find((x) => x.verifier.name === c.name && bytesEqual(x.verifier.keyId, c.keyId));
    return w === undefined ? [] : [{ vkey: w.vkey, name: c.name, at: new Date(Number(c.timestamp) * 1000).toISOString() }];
  });
  return {
    origin: checkpoint.origin,
    size: checkpoint.size,
    rootHex: toHex(checkpoint.root),
    rootBase64: toBase64(checkpoint.root),
    cosigners,
    text: new TextDecoder().decode(note),
  };
}

// SPEC §8: the log accepts `observation` and `alert` entries only from the policy's witnesses.
// A stateless rule, checked when an entry arrives, after its signatures by known keys verified:
// the policy is fixed for the life of the process, so log order does not matter to it. Entries
// logged before a policy named their signer are not re-judged at replay (the log is history).
// Browser-safe.
import { DiptychError } from './errors.js';
import { DIPTYCH_TYPE_PREFIX } from './project-entry.js';
import { keyHandle, parseVerifierKey } from './note.js';
import type { ValidatedEntry } from './entry-validator.js';
import type { LogPolicy } from './policy.js';

export const WITNESS_ONLY_TYPES: ReadonlySet<string> = new Set(['observation', 'alert'].map((k) => `${DIPTYCH_TYPE_PREFIX}${k}+json`));
const OBSERVATION_TYPE = `${DIPTYCH_TYPE_PREFIX}observation+json`;

/** A check that throws unknown_witness (403) unless a policy witness's signature verified. */
export function witnessEntryRule(policy: LogPolicy): (entry: ValidatedEntry) => void {
  const witnessKeyids = new Map(policy.witnesses.map((w) => {
    const key = parseVerifierKey(w.vkey);
    return [keyHandle(key.name, key.keyId), w.vkey];
  }));
  return (entry) => {
    const type = entry.parsed.envelope.payloadType;
    if (!WITNESS_ONLY_TYPES.has(type)) return;
    // verifiedKeyids holds only keyids whose signature verified with a configured key, so a
    // forged signature under a witness's keyid has already been refused (invalid_signature).
    const signers = entry.verifiedKeyids.flatMap((k) => witnessKeyids.get(k) ?? []);
    if (signers.length === 0) throw new DiptychError('unknown_witness', `${type} entries must be signed by a witness in the log policy`);
    // An observation names its witness: one witness must not log views in another's name.
    const named = entry.parsed.payload['witness'];
    if (type === OBSERVATION_TYPE && !signers.includes(named as string)) {
      throw new DiptychError('witness_mismatch', 'an observation\'s witness field is the vkey of the policy witness that signs it');
    }
  };
}

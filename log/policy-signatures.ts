// Counting an envelope's signatures against a project's key policy. Browser-safe.
//
// Signatures were verified before the sequencer (entry-validator.ts) for every keyid a key
// directory knew; here, in log order, we decide which of them count. Rules:
// - a signature by a revoked key refuses the entry (revoked_key): it is a key the maintainers
//   said is compromised, and silently ignoring it would hide that someone still uses it;
// - a signature by a key outside the policy refuses it too (unknown_signer), so that nothing
//   unverified ever sits in a policy-governed entry;
// - a policy key whose signature was not verified means the policy changed between the check
//   and now (policy_changed, 409): resubmitting re-checks against the new keys. This keeps the
//   invariant that replaying the log may treat every policy-key signature as verified.
import { DiptychError } from './errors.js';

export interface EntrySignatures {
  /** Every keyid that signed the envelope. */
  readonly keyids: readonly string[];
  /** Those whose signature verified. */
  readonly verified: ReadonlySet<string>;
}

export interface SigningRule {
  readonly keys: readonly { readonly keyid: string }[];
  readonly threshold: number;
  readonly revoked: ReadonlyMap<string, unknown>;
  /** Keyids that may sign along without counting (new keys in a keys entry). */
  readonly alsoAllowed?: ReadonlySet<string>;
  /** For messages, e.g. "release foo 1.0". */
  readonly what: string;
}

/** The counting keyids, or the DiptychError refusing the entry. */
export function countSignatures(signatures: EntrySignatures, rule: SigningRule): string[] {
  const policyKeys = new Set(rule.keys.map((k) => k.keyid));
  const counted: string[] = [];
  for (const keyid of signatures.keyids) {
    if (rule.revoked.has(keyid)) throw new DiptychError('revoked_key', `${rule.what}: ${keyid} is revoked`);
    if (policyKeys.has(keyid)) {
      if (!signatures.verified.has(keyid)) {
        throw new DiptychError('policy_changed', `${rule.what}: the key policy changed while the entry was being checked; submit it again`);
      }
      counted.push(keyid);
    } else if (!rule.alsoAllowed?.has(keyid)) {
      throw new DiptychError('unknown_signer', `${rule.what}: ${keyid} is not one of the project's keys`);
    }
  }
  if (counted.length < rule.threshold) {
    throw new DiptychError(
      'insufficient_signatures',
      `${rule.what} needs ${rule.threshold} signature(s) by the project's keys, has ${counted.length}; add more with 'diptych sign'`,
    );
  }
  return counted;
}

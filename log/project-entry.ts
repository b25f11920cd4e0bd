// Dispatch of one log entry to the developer-side rules, by payloadType. Browser-safe.
//
// These rules own `keys` and `release` entries. The monitor's kinds (observation, alert,
// escalation, ack, policy, suspension) are judged by monitor/log-state.ts and governance.ts and
// pass here unchanged. Any other type in the diptych namespace is refused
// (unknown_payload_type); types outside it are refused only when `foreignTypes` is 'reject' (see
// TransparencyLog for the default).
import { DiptychError } from './errors.js';
import type { ParsedEnvelope } from './dsse.js';
import type { Crypto } from './crypto.js';
import { KEYS_TYPE, applyKeysEntry, parseKeysPayload } from './project-policy.js';
import { RELEASE_TYPE, applyReleaseEntry, parseReleasePayload, type Freshness } from './release-manifest.js';
import type { EntrySignatures } from './policy-signatures.js';
import type { StateChange, StateView } from './project-state.js';

export const DIPTYCH_TYPE_PREFIX = 'application/vnd.diptych.';

/** Kinds SPEC §3 defines whose rules are the monitor's (monitor/log-state.ts). */
export const MONITOR_TYPES: ReadonlySet<string> = new Set(
  ['observation', 'alert', 'escalation', 'ack', 'policy', 'suspension'].map((k) => `${DIPTYCH_TYPE_PREFIX}${k}+json`),
);

export interface EntryRuleOptions {
  /** Checks `created` of manifests against the log's clock; absent when replaying. */
  readonly freshness?: Freshness;
  readonly foreignTypes: 'accept' | 'reject';
  /** Hashes key IDs (node:crypto on the server); @noble when absent. */
  readonly crypto?: Crypto;
}

export function signaturesOf(parsed: ParsedEnvelope, verified: readonly string[] | 'all'): EntrySignatures {
  const keyids = parsed.envelope.signatures.map((s) => s.keyid);
  return { keyids, verified: new Set(verified === 'all' ? keyids : verified) };
}

/** The state change an entry at `index` makes, undefined for none, or the refusal. */
export function evaluateEntry(
  view: StateView,
  parsed: ParsedEnvelope,
  signatures: EntrySignatures,
  index: number,
  options: EntryRuleOptions,
): StateChange | undefined {
  const type = parsed.envelope.payloadType;
  if (type === KEYS_TYPE) {
    const payload = parseKeysPayload(parsed.payload, options.crypto);
    return { kind: 'keys', policy: applyKeysEntry(view.policy(payload.project), payload, signatures, index) };
  }
  if (type === RELEASE_TYPE) {
    const payload = parseReleasePayload(parsed.payload);
    const prev = view.release(payload.project, payload.versionKey);
    return { kind: 'release', release: applyReleaseEntry(view.policy(payload.project), prev, payload, signatures, index, options.freshness) };
  }
  if (MONITOR_TYPES.has(type)) return undefined;
  if (type.startsWith(DIPTYCH_TYPE_PREFIX) || options.foreignTypes === 'reject') {
    throw new DiptychError('unknown_payload_type', `payloadType ${JSON.stringify(type)} is not a diptych entry kind`);
  }
  return undefined;
}

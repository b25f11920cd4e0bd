// The alert a witness's cosigner raises itself (SPEC §3 alert entry, §4 kinds): log-fork, from the
// evidence the cosigner stored when a log showed two checkpoints that cannot both be true. Both
// signed checkpoints go into the alert (`expected` = the one cosigned before, `observed` = the
// conflicting one), so anyone can check the fork offline with the log's key. Pure.
import { nobleCrypto, type Crypto } from '../log/crypto.js';
import { alertId } from '../monitor/kinds.js';
import { ALERT_TYPE, type AlertPayload } from '../monitor/alert-payload.js';
import { canonicalEnvelopeBytes, signEnvelope } from '../log/dsse.js';
import type { NoteSigner } from '../log/note.js';
import type { ForkEvidence } from './state.js';

export { ALERT_TYPE };

export interface LogForkAlert {
  readonly id: string;
  readonly kind: 'log-fork';
  /** Two checkpoints signed by the log are proof, not a hiccup: no "suspect" stage (SPEC §4). */
  readonly severity: 'critical';
  readonly origin: string;
  readonly expected: string;
  readonly observed: string;
  readonly reason: ForkEvidence['reason'];
  /** Log leaf indexes; a fork's evidence is the checkpoints themselves, not entries. */
  readonly evidence: readonly number[];
  readonly raisedAt: string;
}

export function logForkAlert(evidence: ForkEvidence, crypto: Crypto = nobleCrypto): LogForkAlert {
  return {
    // Stable id: the hash of kind and subject (the log and the conflicting checkpoint).
    id: alertId({ kind: 'log-fork', origin: evidence.origin, observed: evidence.conflicting }, crypto),
    kind: 'log-fork',
    severity: 'critical',
    origin: evidence.origin,
    expected: evidence.cosigned,
    observed: evidence.conflicting,
    reason: evidence.reason,
    evidence: [],
    raisedAt: new Date(evidence.at).toISOString(),
  };
}

/** The log entry of an alert signed by the witness key (throws entry_too_large if it is). */
export function alertEntry(alert: LogForkAlert | AlertPayload, signer: NoteSigner): Uint8Array {
  return canonicalEnvelopeBytes(signEnvelope(ALERT_TYPE, { ...alert }, [signer]));
}

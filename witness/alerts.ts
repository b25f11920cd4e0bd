// Alerts a witness raises itself (SPEC §3 alert entry, §4 kinds). For now: log-fork, from the
// evidence the cosigner stored when a log showed two checkpoints that cannot both be true. Both
// signed checkpoints go into the alert (`expected` = the one cosigned before, `observed` = the
// conflicting one), so anyone can check the fork offline with the log's key. Pure.
import { toHex, utf8 } from '../log/bytes.js';
import { nobleCrypto, type Crypto } from '../log/crypto.js';
import { canonicalEnvelopeBytes, signEnvelope } from '../log/dsse.js';
import type { NoteSigner } from '../log/note.js';
import type { ForkEvidence } from './state.js';

export const ALERT_TYPE = 'application/vnd.diptych.alert+json';

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

/** Stable id: the hash of kind and subject (the log and the conflicting checkpoint). */
export function alertId(kind: string, subject: string, crypto: Crypto = nobleCrypto): string {
  return toHex(crypto.sha256(utf8(`${kind}\n${subject}`)));
}

export function logForkAlert(evidence: ForkEvidence, crypto: Crypto = nobleCrypto): LogForkAlert {
  return {
    id: alertId('log-fork', `${evidence.origin}\n${evidence.conflicting}`, crypto),
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
export function alertEntry(alert: LogForkAlert, signer: NoteSigner): Uint8Array {
  return canonicalEnvelopeBytes(signEnvelope(ALERT_TYPE, { ...alert }, [signer]));
}

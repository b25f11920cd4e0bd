// The log's own statements: the policy in force (SPEC §8: appended whenever the loaded policy
// differs from the last one logged) and the suspensions that escalation quorums call for. Both
// go through the log's normal submit path, signed by the log key, so they are checked by the
// same rules as anything else. A suspension owed but not yet published (the log stopped in
// between) is found again at start: pendingSuspensions is a function of the log.
import { canonicalBytes } from '../log/jcs.js';
import { canonicalEnvelopeBytes, signEnvelope } from '../log/dsse.js';
import { bytesEqual } from '../log/bytes.js';
import { formatTimestamp } from '../log/timestamp.js';
import type { NoteSigner } from '../log/note.js';
import type { LogPolicy } from '../log/policy.js';
import { POLICY_TYPE, SUSPENSION_TYPE, scopeOf, type SuspensionPayload } from './governance-payloads.js';
import type { GovernanceState, PendingSuspension } from './governance.js';

const RETRY_MS = 1000;

/** The JSON form of a policy that is logged and compared (optional fields only when set). */
export function policyPayload(p: LogPolicy): Record<string, unknown> {
  return {
    witnesses: p.witnesses.map((w) => (w.url === undefined ? { vkey: w.vkey } : { vkey: w.vkey, url: w.url })),
    cosignatureQuorum: p.cosignatureQuorum,
    trustedParties: [...p.trustedParties],
    escalationQuorum: p.escalationQuorum,
  };
}

export function suspensionPayload(pending: PendingSuspension, nowMs: number): SuspensionPayload {
  const scope = scopeOf(pending.action);
  const base = { scope, alert: pending.alert.alert.id, escalations: pending.escalations.map((e) => e.index), effectiveAt: formatTimestamp(nowMs) };
  return scope === 'project' ? { ...base, project: pending.alert.alert.project! } : base;
}

export class SuspensionPublisher {
  private running: Promise<void> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly governance: GovernanceState,
    private readonly signer: NoteSigner,
    private readonly submit: (entry: Uint8Array) => Promise<unknown>,
    private readonly onError: ((error: unknown) => void) | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Logs the policy if it is not the one in force; resolves once it is. */
  async recordPolicy(policy: LogPolicy): Promise<void> {
    const wanted = policyPayload(policy);
    if (bytesEqual(canonicalBytes(wanted), canonicalBytes(policyPayload(this.governance.policy())))) return;
    await this.submit(this.entry(POLICY_TYPE, wanted));
  }

  /** Publishes every suspension owed, soon and off the caller's stack. */
  wake(): void {
    if (this.closed || this.running) return;
    this.running = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.publishOwed())
      .finally(() => (this.running = undefined));
  }

  private async publishOwed(): Promise<void> {
    const published = new Set<string>();
    for (let owed = this.governance.pendingSuspensions(); owed.length > 0 && !this.closed; owed = this.governance.pendingSuspensions()) {
      const next = owed.find((p) => !published.has(`${p.alert.alert.id} ${p.action}`));
      if (!next) return; // published and still owed: the rules refused it; reported below
      published.add(`${next.alert.alert.id} ${next.action}`);
      try {
        await this.submit(this.entry(SUSPENSION_TYPE, { ...suspensionPayload(next, this.now()) }));
      } catch (e) {
        this.onError?.(e);
        if (!this.closed) this.retry = setTimeout(() => this.wake(), RETRY_MS);
        return;
      }
    }
  }

  private entry(type: string, payload: Record<string, unknown>): Uint8Array {
    return canonicalEnvelopeBytes(signEnvelope(type, payload, [this.signer]));
  }

  /** Resolves once nothing is being published (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.idle();
  }
}

// Findings: the discrepancies the monitor has seen so far, each with the observations that show
// it. A finding is `suspect` until two of them are independent (SPEC §4): from two witnesses,
// from two indexes (vantage points, mirrors), or from one witness at least `confirmAfterMs`
// apart (a re-fetch over a fresh connection). Browser-safe.
import { nobleCrypto, type Crypto } from '../log/crypto.js';
import { alertId, kindSeverity, type AlertSubject, type Severity } from './kinds.js';

export interface Supporter {
  /** Leaf index of the observation. */
  readonly index: number;
  readonly witness: string;
  readonly indexUrl: string;
  readonly observedAtMs: number;
  /** The observation series (witness, index, source, release) it is the view of. */
  readonly series: string;
}

export interface Finding extends AlertSubject {
  readonly id: string;
  /** Leaf indexes of every entry that shows it: manifests, earlier and current observations. */
  readonly evidence: Set<number>;
  readonly supporters: Supporter[];
}

export function independent(a: Supporter, b: Supporter, confirmAfterMs: number): boolean {
  return a.witness !== b.witness || a.indexUrl !== b.indexUrl || Math.abs(a.observedAtMs - b.observedAtMs) >= confirmAfterMs;
}

export function findingSeverity(f: Finding, confirmAfterMs: number): Severity {
  const s = f.supporters;
  for (let i = 0; i < s.length; i++) {
    for (let j = i + 1; j < s.length; j++) if (independent(s[i]!, s[j]!, confirmAfterMs)) return kindSeverity(f.kind);
  }
  return 'suspect';
}

export class FindingSet {
  private readonly byId = new Map<string, Finding>();

  constructor(private readonly crypto: Crypto = nobleCrypto) {}

  /** Records that `supporters` show the discrepancy; `evidence` adds the other entries it rests on. */
  add(subject: AlertSubject, evidence: readonly number[], supporters: readonly Supporter[]): Finding {
    const id = alertId(subject, this.crypto);
    let f = this.byId.get(id);
    if (!f) {
      f = { ...subject, id, evidence: new Set(), supporters: [] };
      this.byId.set(id, f);
    }
    for (const i of evidence) f.evidence.add(i);
    for (const s of supporters) {
      f.evidence.add(s.index);
      if (!f.supporters.some((t) => t.index === s.index)) f.supporters.push(s);
    }
    return f;
  }

  get(id: string): Finding | undefined {
    return this.byId.get(id);
  }

  all(): IterableIterator<Finding> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }
}

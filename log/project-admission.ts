// The seams through which project policies reach the log (SPEC §3):
// - a KeyDirectory that knows each project's current keys, so their signatures are verified
//   before the sequencer, on the verify workers;
// - an AdmissionPolicy that applies the rules in log order, one batch at a time, and makes the
//   batch part of the state only when the sequencer says it is durable (commit);
// The replay that rebuilds the state from the log at start is monitor/log-state.ts's, which
// applies these rules and the monitor's together.
import type { AdmissionBatch, AdmissionPolicy } from './sequencer.js';
import type { Crypto } from './crypto.js';
import type { KeyDirectory, ValidatedEntry } from './entry-validator.js';
import { KEYS_TYPE } from './project-policy.js';
import { RELEASE_TYPE } from './release-manifest.js';
import { evaluateEntry, signaturesOf, type EntryRuleOptions } from './project-entry.js';
import { StateOverlay, type ProjectState } from './project-state.js';

const GOVERNED_TYPES: ReadonlySet<string> = new Set([KEYS_TYPE, RELEASE_TYPE]);

/** Current project keys, for entries a project's keys sign. Reads only committed state. */
export function projectKeyDirectory(state: ProjectState): KeyDirectory {
  return {
    publicKey(keyid, entry) {
      if (!GOVERNED_TYPES.has(entry.envelope.payloadType)) return undefined;
      const project = entry.payload['project'];
      if (typeof project !== 'string') return undefined;
      return state.policy(project)?.keys.find((k) => k.keyid === keyid)?.publicKey;
    },
    // Project keys are parsed from their vkeys (parseProjectKey, and the snapshot's restore).
    keyIdsChecked: true,
  };
}

export interface AdmissionOptions {
  /** The log's clock, for the freshness of manifests' `created`. */
  readonly now?: () => number;
  readonly maxManifestAgeMs?: number;
  readonly maxClockSkewMs?: number;
  readonly foreignTypes?: 'accept' | 'reject';
  /** Hashes key IDs (the log passes node:crypto); @noble when absent. */
  readonly crypto?: Crypto;
}

export const DEFAULT_MAX_MANIFEST_AGE_MS = 7 * 24 * 3600 * 1000;
export const DEFAULT_MAX_CLOCK_SKEW_MS = 10 * 60 * 1000;

export class ProjectAdmission implements AdmissionPolicy<ValidatedEntry> {
  constructor(
    private readonly state: ProjectState,
    private readonly options: AdmissionOptions = {},
  ) {}

  begin(): AdmissionBatch<ValidatedEntry> {
    const overlay = new StateOverlay(this.state);
    const now = (this.options.now ?? Date.now)();
    const rules: EntryRuleOptions = {
      foreignTypes: this.options.foreignTypes ?? 'accept',
      crypto: this.options.crypto,
      freshness: {
        nowMs: now,
        maxAgeMs: this.options.maxManifestAgeMs ?? DEFAULT_MAX_MANIFEST_AGE_MS,
        maxSkewMs: this.options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS,
      },
    };
    return {
      admit: (_entry, index, context) => {
        const change = evaluateEntry(overlay, context.parsed, signaturesOf(context.parsed, context.verifiedKeyids), index, rules);
        if (change) overlay.add(change);
      },
      commit: () => {
        for (const change of overlay.changes) this.state.apply(change);
      },
    };
  }
}

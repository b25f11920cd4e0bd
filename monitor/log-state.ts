// Everything the log derives from its entries besides the tree: the developers' key policies
// and releases (log/project-*.ts), what the witnesses observed (observation-index.ts), and the
// alerts with their escalations, acknowledgements and suspensions (governance.ts). One
// admission policy applies the rules of all three in log order, and one replay rebuilds them
// at start: the log is the source of truth. Browser-safe.
import { DiptychError } from '../log/errors.js';
import { parseLoggedEntry } from '../log/dsse.js';
import type { AdmissionBatch, AdmissionPolicy } from '../log/sequencer.js';
import type { KeyDirectory, ValidatedEntry } from '../log/entry-validator.js';
import { ProjectState } from '../log/project-state.js';
import { ProjectAdmission, type AdmissionOptions } from '../log/project-admission.js';
import { evaluateEntry, signaturesOf } from '../log/project-entry.js';
import { ObservationIndex, type LoggedObservation } from './observation-index.js';
import { OBSERVATION_TYPE, parseObservationPayload } from './observation-payload.js';
import { ACK_TYPE } from './governance-payloads.js';
import { GovernanceOverlay, GovernanceState, evaluateGovernanceEntry, type GovernanceContext, type Signatures } from './governance.js';

export class LogState {
  readonly projects = new ProjectState();
  readonly governance = new GovernanceState();
  /** Views only: the log serves what was observed; finding discrepancies is the witnesses' job. */
  readonly observations = new ObservationIndex();

  /** The rules' context: the log's keyid and the committed project policies. */
  context(logKeyid: string): GovernanceContext {
    return { logKeyid, projectPolicy: (p) => this.projects.policy(p) };
  }
}

/** Keys of the project an acknowledged alert is about, so maintainers' signatures are verified. */
export function ackKeyDirectory(state: LogState): KeyDirectory {
  return {
    publicKey(keyid, entry) {
      if (entry.envelope.payloadType !== ACK_TYPE) return undefined;
      const alert = entry.payload['alert'];
      const project = typeof alert === 'string' ? state.governance.alert(alert)?.alert.project : undefined;
      return project === undefined ? undefined : state.projects.policy(project)?.keys.find((k) => k.keyid === keyid)?.publicKey;
    },
    // A project's keys, parsed from their vkeys.
    keyIdsChecked: true,
  };
}

function parseLoggedObservation(payload: unknown, index: number): LoggedObservation {
  return { ...parseObservationPayload(payload), index };
}

export class LogAdmission implements AdmissionPolicy<ValidatedEntry> {
  private readonly projectRules: ProjectAdmission;

  constructor(
    private readonly state: LogState,
    private readonly logKeyid: string,
    options: AdmissionOptions = {},
    /** Told after each committed batch (the log publishes owed suspensions then). */
    private readonly onCommit?: () => void,
  ) {
    this.projectRules = new ProjectAdmission(state.projects, options);
  }

  begin(): AdmissionBatch<ValidatedEntry> {
    const projects = this.projectRules.begin();
    const governance = new GovernanceOverlay(this.state.governance);
    const observations: LoggedObservation[] = [];
    const ctx = this.state.context(this.logKeyid);
    return {
      admit: (entry, index, context) => {
        const { parsed } = context;
        if (parsed.envelope.payloadType === OBSERVATION_TYPE) {
          observations.push(parseLoggedObservation(parsed.payload, index));
          return;
        }
        projects.admit(entry, index, context);
        const change = evaluateGovernanceEntry(governance, parsed, signaturesOf(parsed, context.verifiedKeyids), index, ctx);
        if (change) governance.add(change);
      },
      commit: () => {
        projects.commit();
        for (const c of governance.changes) this.state.governance.apply(c);
        for (const o of observations) this.state.observations.ingest(o);
        this.onCommit?.();
      },
    };
  }
}

export interface ReplayReport {
  readonly applied: number;
  /** Entries the rules refuse today (logged by an older version, or before a rule existed). */
  readonly skipped: readonly { index: number; code: string }[];
}

/**
 * Rebuilds the state from entries [0, size). Stored entries were verified on arrival and the
 * start-up self-check ties them to the signed tree, so every signature counts as verified, and
 * manifests' freshness (a rule about the clock at arrival) is not checked again.
 */
export async function replayLogState(
  state: LogState,
  read: (start: number, end: number) => Promise<Uint8Array[]>,
  size: number,
  logKeyid: string,
  foreignTypes: 'accept' | 'reject' = 'accept',
  chunk = 1024,
  /** Entries before this are already in the state (restored from a snapshot). */
  from = 0,
): Promise<ReplayReport> {
  let applied = 0;
  const skipped: { index: number; code: string }[] = [];
  const ctx = state.context(logKeyid);
  for (let start = from; start < size; start += chunk) {
    const entries = await read(start, Math.min(size, start + chunk));
    entries.forEach((bytes, i) => {
      const index = start + i;
      try {
        if (replayEntry(state, bytes, index, ctx, foreignTypes)) applied++;
      } catch (e) {
        if (!(e instanceof DiptychError)) throw e;
        skipped.push({ index, code: e.code });
      }
    });
  }
  return { applied, skipped };
}

function replayEntry(state: LogState, bytes: Uint8Array, index: number, ctx: GovernanceContext, foreignTypes: 'accept' | 'reject'): boolean {
  // The log's own entries, admitted with their JCS bytes checked: the structure is enough.
  const parsed = parseLoggedEntry(bytes);
  if (parsed.envelope.payloadType === OBSERVATION_TYPE) {
    state.observations.ingest(parseLoggedObservation(parsed.payload, index));
    return true;
  }
  const sigs: Signatures = signaturesOf(parsed, 'all');
  const change = evaluateEntry(state.projects, parsed, sigs, index, { foreignTypes });
  if (change) {
    state.projects.apply(change);
    return true;
  }
  const governed = evaluateGovernanceEntry(state.governance, parsed, sigs, index, ctx);
  if (governed) state.governance.apply(governed);
  return governed !== undefined;
}

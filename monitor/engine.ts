// The comparison engine: reads the log in order and keeps the two panels side by side, what the
// developers signed (key policies and manifests, the same rules the log applies) and what the
// witnesses saw (observation-index.ts), turning every divergence into a finding (findings.ts).
// A pure function of the log's entries: the same log gives the same findings anywhere.
//
// Timing. Kinds that depend on time compare two times the log itself holds, never a wall
// clock: a manifest's `created` or a file's upload time, against the `observedAt` of the
// observation that lacks it. A release is withheld when a view made `graceMs` after its
// manifest was created still lacks it; a release or file is unsigned when a view made `graceMs`
// after its upload still shows no manifest for it. Witnesses log views only when they change,
// so they re-log an unchanged view once when a grace deadline has passed (refreshDue).
//
// Unsigned releases count only from the moment a project started signing (its earliest
// manifest's `created`): a project adopting diptych does not raise an alert for every release
// it made before. Browser-safe.
import { parseLoggedEntry, type ParsedEnvelope } from '../log/dsse.js';
import { DiptychError } from '../log/errors.js';
import { nobleCrypto, type Crypto } from '../log/crypto.js';
import { versionKey } from '../log/pep440.js';
import { evaluateEntry, signaturesOf } from '../log/project-entry.js';
import { ProjectState } from '../log/project-state.js';
import { signedFiles } from '../log/release-status.js';
import { KEYS_TYPE } from '../log/project-policy.js';
import { RELEASE_TYPE, type ReleaseState } from '../log/release-manifest.js';
import { ALERT_TYPE, parseAlertPayload, MAX_EVIDENCE, type AlertPayload } from './alert-payload.js';
import { FindingSet, findingSeverity, type Finding, type Supporter } from './findings.js';
import { severityStage, type Severity } from './kinds.js';
import { OBSERVATION_TYPE, parseObservationPayload } from './observation-payload.js';
import { ACK_TYPE, parseAckPayload } from './governance-payloads.js';
import { ObservationIndex, type LoggedObservation } from './observation-index.js';

export const DEFAULT_GRACE_MS = 3600_000;
export const DEFAULT_CONFIRM_AFTER_MS = 30_000;
const MIN_CONFIRM_AFTER_MS = 1000;

export interface MonitorOptions {
  /** How long after a manifest or an upload the other panel may lag (default one hour). */
  readonly graceMs?: number;
  /** How far apart two views of one witness and index must be to confirm each other. */
  readonly confirmAfterMs?: number;
  readonly crypto?: Crypto;
}

export interface RaisedFinding {
  readonly finding: Finding;
  readonly severity: Severity;
}

export class Monitor {
  readonly projects = new ProjectState();
  readonly findings: FindingSet;
  readonly observations: ObservationIndex;
  private readonly graceMs: number;
  private readonly confirmAfterMs: number;
  /** alert id → highest stage logged (0 suspect, 1 confirmed). */
  private readonly logged = new Map<string, 0 | 1>();
  /** project → earliest `created` of any of its manifests. */
  private readonly signingSince = new Map<string, number>();
  private entriesRead = 0;
  /** Alert ids the maintainers acknowledged (the log checked the signatures). */
  readonly acknowledged = new Set<string>();

  constructor(options: MonitorOptions = {}) {
    this.graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    // Two views of one sweep are never independent: at least a second apart.
    this.confirmAfterMs = Math.max(MIN_CONFIRM_AFTER_MS, options.confirmAfterMs ?? DEFAULT_CONFIRM_AFTER_MS);
    this.findings = new FindingSet(options.crypto ?? nobleCrypto);
    this.observations = new ObservationIndex(this.findings);
  }

  /** Entries read so far: the next one to ingest is this index. */
  get size(): number {
    return this.entriesRead;
  }

  /**
   * Reads the next log entry. Entries the log admitted are trusted to satisfy its signature
   * rules; one the rules refuse (an older log, a foreign type) is skipped, as the log's replay does.
   */
  ingest(bytes: Uint8Array): void {
    const index = this.entriesRead++;
    try {
      // The witness reads entries the log admitted: the structure is checked, not the JCS bytes.
      const parsed = parseLoggedEntry(bytes);
      const type = parsed.envelope.payloadType;
      if (type === OBSERVATION_TYPE) this.ingestObservation({ ...parseObservationPayload(parsed.payload), index });
      else if (type === ALERT_TYPE) this.ingestAlert(parseAlertPayload(parsed.payload));
      else if (type === ACK_TYPE) this.acknowledged.add(parseAckPayload(parsed.payload).alert);
      else if (type === KEYS_TYPE || type === RELEASE_TYPE) this.ingestProjectEntry(parsed, index);
    } catch (e) {
      if (!(e instanceof DiptychError)) throw e;
    }
  }

  private ingestProjectEntry(parsed: ParsedEnvelope, index: number): void {
    const change = evaluateEntry(this.projects, parsed, signaturesOf(parsed, 'all'), index, { foreignTypes: 'accept' });
    if (!change) return;
    this.projects.apply(change);
    if (change.kind === 'release') {
      const r = change.release;
      const created = r.manifests[r.manifests.length - 1]!.createdMs;
      this.signingSince.set(r.project, Math.min(created, this.signingSince.get(r.project) ?? Infinity));
      this.compareRelease(r.project, r.version);
    } else {
      // A revocation may void manifests: compare every release of the project again.
      for (const r of this.projects.releasesOf(change.policy.project)) this.compareRelease(r.project, r.version);
    }
  }

  private ingestObservation(o: LoggedObservation): void {
    this.observations.ingest(o);
    this.compareRelease(o.project, o.version);
  }

  private ingestAlert(alert: AlertPayload): void {
    const stage = severityStage(alert.severity);
    if ((this.logged.get(alert.id) ?? -1) < stage) this.logged.set(alert.id, stage);
  }

  /** Compares every current view of a release with what its manifests sign. */
  private compareRelease(project: string, version: string): void {
    const release = this.projects.release(project, versionKey(version));
    const policy = this.projects.policy(project);
    const views = this.observations.currentViews(project, version);
    if (views.length === 0 || policy === undefined) return;
    const signed = release ? signedFiles(release, policy.revoked) : [];
    for (const { view, supporter } of views) {
      if (signed.length > 0) this.compareSigned(release!, signed, view, supporter);
      else this.checkUnsignedRelease(view, supporter);
    }
  }

  private compareSigned(release: ReleaseState, signed: ReturnType<typeof signedFiles>, o: LoggedObservation, supporter: Supporter): void {
    const bySigned = new Map(signed.map((f) => [f.filename, f]));
    const base = { project: o.project, version: release.version };
    for (const f of o.files) {
      const s = bySigned.get(f.filename);
      if (s !== undefined) {
        if (s.sha256 !== f.sha256) this.findings.add({ kind: 'hash-mismatch', ...base, filename: f.filename, expected: s.sha256, observed: f.sha256 }, [s.index], [supporter]);
        continue;
      }
      const since = f.uploadMs ?? this.observations.firstSeen(supporter.series, f.filename) ?? o.observedAtMs;
      if (o.observedAtMs - since >= this.graceMs) this.findings.add({ kind: 'unsigned-file', ...base, filename: f.filename, observed: f.sha256 }, [], [supporter]);
    }
    const served = new Set(o.files.map((f) => f.filename));
    const missing = signed.filter((s) => !served.has(s.filename) && o.observedAtMs - this.createdOf(release, s.index) >= this.graceMs);
    if (missing.length === 0) return;
    if (o.files.length === 0) {
      this.findings.add({ kind: 'withheld-release', ...base }, missing.map((s) => s.index), [supporter]);
      return;
    }
    for (const s of missing) this.findings.add({ kind: 'withheld-file', ...base, filename: s.filename, expected: s.sha256 }, [s.index], [supporter]);
  }

  private createdOf(release: ReleaseState, manifestIndex: number): number {
    return release.manifests.find((m) => m.index === manifestIndex)!.createdMs;
  }

  private checkUnsignedRelease(o: LoggedObservation, supporter: Supporter): void {
    const since = this.signingSince.get(o.project);
    if (since === undefined || o.files.length === 0) return;
    const uploaded = Math.min(...o.files.map((f) => f.uploadMs ?? this.observations.firstSeen(supporter.series, f.filename) ?? o.observedAtMs));
    if (uploaded < since || o.observedAtMs - uploaded < this.graceMs) return;
    this.findings.add({ kind: 'unsigned-release', project: o.project, version: o.version }, [], [supporter]);
  }

  severity(f: Finding): Severity {
    return findingSeverity(f, this.confirmAfterMs);
  }

  /**
   * What a witness's current views still show: findings one of its latest views supports,
   * not acknowledged, and more than informational. `witness once` exits 1 when there are any.
   */
  openDiscrepancies(witness: string): RaisedFinding[] {
    const out: RaisedFinding[] = [];
    for (const f of this.findings.all()) {
      if (this.acknowledged.has(f.id) || !f.supporters.some((s) => s.witness === witness && this.observations.isLatest(s))) continue;
      const severity = this.severity(f);
      if (severity !== 'info') out.push({ finding: f, severity });
    }
    return out;
  }

  /** The stage the log holds for an alert id: -1 none, 0 suspect, 1 confirmed. */
  loggedStage(id: string): -1 | 0 | 1 {
    return this.logged.get(id) ?? -1;
  }

  /**
   * What `witness` should log now: findings its own views show, at a stage the log does not
   * hold yet. Another witness's views may be what confirms it.
   */
  toRaise(witness: string): RaisedFinding[] {
    const out: RaisedFinding[] = [];
    for (const f of this.findings.all()) {
      if (!f.supporters.some((s) => s.witness === witness)) continue;
      const severity = this.severity(f);
      if (severityStage(severity) > this.loggedStage(f.id)) out.push({ finding: f, severity });
    }
    return out;
  }

  /** The alert payload for a finding (evidence capped at the newest MAX_EVIDENCE entries). */
  alertPayload(raised: RaisedFinding, raisedAtMs: number): AlertPayload {
    const { finding: f, severity } = raised;
    const evidence = [...f.evidence].sort((a, b) => a - b).slice(-MAX_EVIDENCE);
    const { evidence: _e, supporters: _s, ...subject } = f;
    return { ...subject, severity, evidence, raisedAt: new Date(raisedAtMs).toISOString() };
  }

  /** Versions with a signed manifest: a witness logs their absence from a view too. */
  signedVersions(project: string): string[] {
    return this.projects.releasesOf(project).map((r) => r.version);
  }

  /**
   * Whether an unchanged view should be logged again: a grace deadline of its release passed
   * between the last logged view (at `previousMs`) and this one, so only a fresh entry can show it.
   */
  refreshDue(o: { project: string; version: string; files: readonly { uploadMs: number | null }[]; observedAtMs: number }, previousMs: number): boolean {
    const passed = (start: number) => previousMs < start + this.graceMs && start + this.graceMs <= o.observedAtMs;
    const release = this.projects.release(o.project, versionKey(o.version));
    if (release) return release.manifests.some((m) => passed(m.createdMs)) || o.files.some((f) => f.uploadMs !== null && passed(f.uploadMs));
    if (!this.signingSince.has(o.project)) return false;
    return o.files.some((f) => f.uploadMs !== null && passed(f.uploadMs)) || (o.files.length > 0 && passed(previousMs));
  }
}

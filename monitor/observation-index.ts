// What the witnesses have seen, from the observation entries in log order: per series (one
// witness watching one release through one index API) the latest view and what it showed
// before, per file the current view of every series, per project series the highest serial.
// Ingesting an observation reports the discrepancies visible from history alone (file-changed,
// file-removed, yanked, serial-regression, split-view); the comparison with manifests is the
// engine's. The log's lookups use it too (who saw which hash when). Browser-safe.
import { versionKey } from '../log/pep440.js';
import type { FindingSet, Supporter } from './findings.js';
import type { ObservedFileRecord, ParsedObservation } from './observation-payload.js';

export interface LoggedObservation extends ParsedObservation {
  readonly index: number;
}

interface SeenFile {
  /** The first hash this series saw for the filename (PyPI filenames are immutable). */
  readonly sha256: string;
  readonly index: number;
  readonly firstAtMs: number;
}

interface Series {
  readonly key: string;
  latest: LoggedObservation;
  /** The latest view as a finding's supporter. */
  supporter: Supporter;
  readonly seen: Map<string, SeenFile>;
}

interface FileView {
  readonly sha256: string;
  readonly supporter: Supporter;
}

const key = (...parts: readonly string[]): string => parts.join('\u0000');

export function releaseSeriesKey(project: string, version: string): string {
  return key(project, versionKey(version));
}

export class ObservationIndex {
  private readonly series = new Map<string, Series>();
  /** release key → series keys watching it. */
  private readonly byRelease = new Map<string, Set<string>>();
  /** filename → series key → the hash that series shows now. */
  private readonly files = new Map<string, Map<string, FileView>>();
  /** filename → hash → when any series first showed it. */
  private readonly hashFirstSeen = new Map<string, Map<string, number>>();
  /** (witness, index, source, project) → highest serial seen, and where. */
  private readonly serials = new Map<string, { serial: number; index: number }>();
  /** witness → observations it logged (the dashboard's witnesses page). */
  private readonly perWitness = new Map<string, number>();

  /**
   * Without a FindingSet the index only keeps the views (what the log's lookups serve): no
   * history per series, no discrepancies, a fraction of the memory.
   */
  constructor(private readonly findings?: FindingSet) {}

  /** The latest observation of every series watching a release. */
  latestOf(project: string, version: string): LoggedObservation[] {
    return this.currentViews(project, version).map((v) => v.view);
  }

  /** The latest view of every series watching a release, with its supporter record. */
  currentViews(project: string, version: string): { view: LoggedObservation; supporter: Supporter }[] {
    const keys = this.byRelease.get(releaseSeriesKey(project, version)) ?? new Set<string>();
    return [...keys].map((k) => {
      const s = this.series.get(k)!;
      return { view: s.latest, supporter: s.supporter };
    });
  }

  /** The hash each series shows now for a filename, with who saw it when. */
  viewsOf(filename: string): { sha256: string; supporter: Supporter }[] {
    return [...(this.files.get(filename)?.values() ?? [])];
  }

  /** When a series first saw a file, for files the index gives no upload time. */
  firstSeen(seriesKey: string, filename: string): number | undefined {
    return this.series.get(seriesKey)?.seen.get(filename)?.firstAtMs;
  }

  isLatest(s: Supporter): boolean {
    return this.series.get(s.series)?.latest.index === s.index;
  }

  private readonly interned = new Map<string, string>();

  private intern(text: string): string {
    const known = this.interned.get(text);
    if (known !== undefined) return known;
    this.interned.set(text, text);
    return text;
  }

  /** The latest view of every series, in log order (what a views-only index is rebuilt from). */
  latestViews(): LoggedObservation[] {
    return [...this.series.values()].map((s) => s.latest).sort((a, b) => a.index - b.index);
  }

  /** Observations per witness, for snapshots. */
  witnessCounts(): [string, number][] {
    return [...this.perWitness];
  }

  /** A views-only index as a snapshot held it: its latest views and the per-witness counts. */
  restore(latest: readonly LoggedObservation[], counts: readonly [string, number][]): void {
    for (const o of latest) this.ingest(o);
    this.perWitness.clear();
    for (const [w, n] of counts) this.perWitness.set(w, n);
  }

  /** How many observations a witness (by vkey) has logged. */
  observationCount(witness: string): number {
    return this.perWitness.get(witness) ?? 0;
  }

  get seriesCount(): number {
    return this.series.size;
  }

  /** Adds an observation logged at `index`; returns the supporter record it makes. */
  ingest(logged: LoggedObservation): Supporter {
    // A log holds a handful of witnesses and indexes, and each parse makes fresh copies of their
    // strings: keep one of each (and one series key per series) for what is held.
    const o: LoggedObservation = { ...logged, witness: this.intern(logged.witness), indexUrl: this.intern(logged.indexUrl) };
    const fresh = key(o.witness, o.indexUrl, o.source, o.project, versionKey(o.version));
    let s = this.series.get(fresh);
    const sk = s?.key ?? fresh;
    const supporter: Supporter = { index: o.index, witness: o.witness, indexUrl: o.indexUrl, observedAtMs: o.observedAtMs, series: sk };
    this.perWitness.set(o.witness, (this.perWitness.get(o.witness) ?? 0) + 1);
    if (!s) {
      s = { key: sk, latest: o, supporter, seen: new Map() };
      this.series.set(sk, s);
      const rk = releaseSeriesKey(o.project, o.version);
      let set = this.byRelease.get(rk);
      if (!set) this.byRelease.set(rk, (set = new Set()));
      set.add(sk);
    } else if (this.findings) {
      this.compareWithPrevious(s.latest, o, supporter, this.findings);
    }
    if (this.findings) {
      this.compareWithSeen(s, o, supporter, this.findings);
      this.checkSerial(o, supporter, this.findings);
    }
    this.updateFileViews(s.latest === o ? undefined : s.latest, o, supporter);
    s.latest = o;
    s.supporter = supporter;
    return supporter;
  }

  private compareWithPrevious(prev: LoggedObservation, o: LoggedObservation, supporter: Supporter, findings: FindingSet): void {
    const now = new Map(o.files.map((f) => [f.filename, f]));
    for (const p of prev.files) {
      const f = now.get(p.filename);
      const base = { project: o.project, version: o.version, indexUrl: o.indexUrl, filename: p.filename };
      if (f === undefined) findings.add({ kind: 'file-removed', ...base, expected: p.sha256 }, [prev.index], [supporter]);
      else if (f.yanked && !p.yanked) findings.add({ kind: 'yanked', ...base }, [prev.index], [supporter]);
    }
  }

  private compareWithSeen(s: Series, o: LoggedObservation, supporter: Supporter, findings: FindingSet): void {
    for (const f of o.files) {
      const seen = s.seen.get(f.filename);
      if (seen === undefined) {
        s.seen.set(f.filename, { sha256: f.sha256, index: o.index, firstAtMs: o.observedAtMs });
      } else if (seen.sha256 !== f.sha256) {
        const subject = { kind: 'file-changed' as const, project: o.project, version: o.version, indexUrl: o.indexUrl, filename: f.filename, expected: seen.sha256, observed: f.sha256 };
        findings.add(subject, [seen.index], [supporter]);
      }
    }
  }

  private checkSerial(o: LoggedObservation, supporter: Supporter, findings: FindingSet): void {
    if (o.lastSerial === null) return;
    const k = key(o.witness, o.indexUrl, o.source, o.project);
    const max = this.serials.get(k);
    if (max === undefined || o.lastSerial > max.serial) {
      this.serials.set(k, { serial: o.lastSerial, index: o.index });
    } else if (o.lastSerial < max.serial) {
      const subject = { kind: 'serial-regression' as const, project: o.project, indexUrl: o.indexUrl, expected: String(max.serial), observed: String(o.lastSerial) };
      findings.add(subject, [max.index], [supporter]);
    }
  }

  /**
   * Two series showing one filename with two hashes: a split view (a missing file is not).
   * Views are not simultaneous, so a series that has not looked since the file changed is not
   * split from one that has: the later view's hash must have been seen by the time of the
   * earlier view, i.e. both hashes were being served at once.
   */
  private updateFileViews(prev: LoggedObservation | undefined, o: LoggedObservation, supporter: Supporter): void {
    const listed = new Set(o.files.map((f) => f.filename));
    for (const p of prev?.files ?? []) if (!listed.has(p.filename)) this.files.get(p.filename)?.delete(supporter.series);
    for (const f of o.files) this.updateFileView(f, o, supporter);
  }

  private updateFileView(f: ObservedFileRecord, o: LoggedObservation, supporter: Supporter): void {
    let views = this.files.get(f.filename);
    if (!views) this.files.set(f.filename, (views = new Map()));
    views.set(supporter.series, { sha256: f.sha256, supporter });
    if (!this.findings) return;
    let seen = this.hashFirstSeen.get(f.filename);
    if (!seen) this.hashFirstSeen.set(f.filename, (seen = new Map()));
    if ((seen.get(f.sha256) ?? Infinity) > o.observedAtMs) seen.set(f.sha256, o.observedAtMs);
    if (views.size === 1) return;
    for (const v of views.values()) {
      if (v.sha256 === f.sha256) continue;
      const [earlier, later] = v.supporter.observedAtMs <= o.observedAtMs ? [v.supporter.observedAtMs, f.sha256] : [o.observedAtMs, v.sha256];
      if (seen.get(later)! > earlier) continue;
      const pair = [v.sha256, f.sha256].sort();
      const subject = { kind: 'split-view' as const, project: o.project, version: o.version, filename: f.filename, expected: pair[0], observed: pair.join(' ') };
      this.findings.add(subject, [], [v.supporter, supporter]);
    }
  }
}

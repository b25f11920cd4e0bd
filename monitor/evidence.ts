// Checking an alert against its evidence, offline: given the entries of a proof bundle (already
// proven to be in the log), does what the alert claims follow from the signed entries it cites?
// The checks are the monitor's rules restricted to what the evidence alone can show: that the
// manifest signed one hash and a witness saw another, that one series saw a file change, that
// two views disagreed, that a serial went backwards. What needs the whole log (that no other
// manifest lists a file, the grace period of the log's witnesses) is not claimed here; an
// auditor replays the log for that. Browser-safe.
import { DiptychError } from '../log/errors.js';
import type { ParsedEnvelope } from '../log/dsse.js';
import { sameVersion } from '../log/pep440.js';
import { RELEASE_TYPE, parseReleasePayload } from '../log/release-manifest.js';
import { openCheckpoint } from '../log/checkpoint.js';
import { noteVerifier } from '../log/note.js';
import { bytesEqual, utf8 } from '../log/bytes.js';
import { ALERT_TYPE, parseAlertPayload, type AlertPayload } from './alert-payload.js';
import { OBSERVATION_TYPE, parseObservationPayload, type ParsedObservation } from './observation-payload.js';

export interface EvidenceEntry {
  readonly index: number;
  readonly envelope: ParsedEnvelope;
}

export interface CheckedAlert {
  readonly id: string;
  readonly kind: string;
  readonly severity: string;
  /** What the evidence was found to show, one line each. */
  readonly shown: string[];
}

function fail(alert: AlertPayload, message: string): never {
  throw new DiptychError('evidence_mismatch', `alert ${alert.id.slice(0, 16)}… (${alert.kind}): ${message}`);
}

interface Evidence {
  readonly observations: (ParsedObservation & { index: number })[];
  readonly manifests: { index: number; files: readonly { filename: string; sha256: string }[]; project: string; version: string }[];
}

function collect(alert: AlertPayload, byIndex: Map<number, EvidenceEntry>): Evidence {
  const ev: { observations: Evidence['observations']; manifests: Evidence['manifests'] } = { observations: [], manifests: [] };
  for (const i of alert.evidence) {
    const e = byIndex.get(i) ?? fail(alert, `evidence entry ${i} is not in the bundle`);
    const type = e.envelope.envelope.payloadType;
    if (type === OBSERVATION_TYPE) ev.observations.push({ ...parseObservationPayload(e.envelope.payload), index: i });
    else if (type === RELEASE_TYPE) ev.manifests.push({ ...parseReleasePayload(e.envelope.payload), index: i });
  }
  return ev;
}

const hashOf = (o: ParsedObservation, filename: string): string | undefined => o.files.find((f) => f.filename === filename)?.sha256;

function sameRelease(alert: AlertPayload, o: { project: string; version: string }): boolean {
  return o.project === alert.project && (alert.version === undefined || sameVersion(o.version, alert.version));
}

/** The kind-specific claim, checked against the evidence; returns what was shown. */
function checkKind(alert: AlertPayload, ev: Evidence): string[] {
  const { filename, expected, observed } = alert;
  const seen = (sha: string | undefined) => ev.observations.filter((o) => sha !== undefined && filename !== undefined && hashOf(o, filename) === sha);
  const signed = ev.manifests.filter((m) => sameRelease(alert, m) && m.files.some((f) => f.filename === filename && f.sha256 === expected));
  switch (alert.kind) {
    case 'hash-mismatch':
      if (signed.length === 0) fail(alert, `no cited manifest signs ${filename} with ${expected}`);
      if (seen(observed).length === 0) fail(alert, `no cited observation shows ${filename} with ${observed}`);
      return [`manifest ${signed[0]!.index} signs ${expected}`, `observation(s) ${seen(observed).map((o) => o.index).join(', ')} show ${observed}`];
    case 'file-changed':
    case 'split-view': {
      const [a, b] = alert.kind === 'split-view' ? observed!.split(' ') : [expected, observed];
      if (seen(a).length === 0 || seen(b).length === 0) fail(alert, `the cited observations do not show ${filename} with both ${a} and ${b}`);
      return [`observation(s) ${seen(a).map((o) => o.index).join(', ')} show ${a}`, `observation(s) ${seen(b).map((o) => o.index).join(', ')} show ${b}`];
    }
    case 'withheld-file':
    case 'withheld-release': {
      const missing = ev.observations.filter((o) => sameRelease(alert, o) && (alert.kind === 'withheld-release' ? o.files.length === 0 : !o.files.some((f) => f.filename === filename)));
      if (ev.manifests.length === 0 || missing.length === 0) fail(alert, 'the evidence does not show a signed file missing from a view');
      return [`manifest(s) ${ev.manifests.map((m) => m.index).join(', ')}`, `view(s) ${missing.map((o) => o.index).join(', ')} lack it`];
    }
    case 'serial-regression': {
      const serials = ev.observations.filter((o) => o.project === alert.project).map((o) => o.lastSerial);
      if (!serials.includes(Number(expected)) || !serials.includes(Number(observed))) fail(alert, `the cited observations do not show serial ${expected} then ${observed}`);
      return [`serial ${expected} then ${observed}`];
    }
    default:
      // unsigned-file, unsigned-release, file-removed, yanked: a view shows the subject.
      if (!ev.observations.some((o) => sameRelease(alert, o))) fail(alert, 'no cited observation is of the release');
      return [`observation(s) ${ev.observations.map((o) => o.index).join(', ')} of the release`];
  }
}

/** A log fork's evidence is two checkpoints the log signed that cannot both be true. */
function checkFork(alert: AlertPayload, logKey: string): string[] {
  const verifier = noteVerifier(logKey);
  const open = (note: string) => openCheckpoint(utf8(note.endsWith('\n') ? note : `${note}\n`), verifier, { origin: verifier.name }).checkpoint;
  const [a, b] = [open(alert.expected!), open(alert.observed!)];
  if (a.size === b.size && bytesEqual(a.root, b.root)) fail(alert, 'the two checkpoints are the same tree');
  return [`checkpoints of sizes ${a.size} and ${b.size}, both signed by ${verifier.name}`];
}

/** Every alert entry in the bundle, checked against the evidence the bundle carries. */
export function checkAlertEvidence(entries: readonly EvidenceEntry[], logKey: string): CheckedAlert[] {
  const byIndex = new Map(entries.map((e) => [e.index, e]));
  return entries
    .filter((e) => e.envelope.envelope.payloadType === ALERT_TYPE)
    .map((e) => {
      const alert = parseAlertPayload(e.envelope.payload);
      const shown = alert.kind === 'log-fork' ? checkFork(alert, logKey) : checkKind(alert, collect(alert, byIndex));
      return { id: alert.id, kind: alert.kind, severity: alert.severity, shown };
    });
}

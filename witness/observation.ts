// Observation entries (SPEC §3): what one index served for one release, signed by the witness.
//
//   {witness, indexUrl, project, version, lastSerial, observedAt, source, files:[{filename,
//    sha256, size, yanked, uploadTime}]}
//
// `witness` is the witness's vkey (what the log policy lists). Files are sorted by filename so
// that the same view always gives the same payload. Browser-safe apart from nothing: pure.
import { toHex } from '../log/bytes.js';
import { nobleCrypto, type Crypto } from '../log/crypto.js';
import { canonicalBytes } from '../log/jcs.js';
import { canonicalEnvelopeBytes, signEnvelope, type Envelope } from '../log/dsse.js';
import type { NoteSigner } from '../log/note.js';
import type { IndexView, ViewSource } from './index-view.js';

export const OBSERVATION_TYPE = 'application/vnd.diptych.observation+json';

export interface ObservedFile {
  readonly filename: string;
  readonly sha256: string;
  /** null when the source does not give sizes (PEP 503 HTML). */
  readonly size: number | null;
  readonly yanked: boolean;
  readonly uploadTime: string | null;
}

export interface ObservationPayload {
  readonly witness: string;
  readonly indexUrl: string;
  readonly project: string;
  readonly version: string;
  readonly lastSerial: number | null;
  /** ISO 8601 UTC, milliseconds. */
  readonly observedAt: string;
  readonly source: ViewSource;
  readonly files: readonly ObservedFile[];
}

export interface ObservationContext {
  /** The witness's vkey. */
  readonly witness: string;
  readonly indexUrl: string;
  /** Milliseconds since the epoch. */
  readonly observedAt: number;
}

const byFilename = (a: ObservedFile, b: ObservedFile): number => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0);

/**
 * One payload per release in the view (releases without files included: an emptied release is
 * news). Files whose release the view cannot name (see filename-version.ts) are left out.
 */
export function observationsFromView(view: IndexView, ctx: ObservationContext): ObservationPayload[] {
  const byVersion = new Map<string, ObservedFile[]>(view.versions.map((v) => [v, []]));
  for (const f of view.files) {
    if (f.version === null) continue;
    const list = byVersion.get(f.version) ?? [];
    list.push({ filename: f.filename, sha256: f.sha256, size: f.size, yanked: f.yanked, uploadTime: f.uploadTime });
    byVersion.set(f.version, list);
  }
  const observedAt = new Date(ctx.observedAt).toISOString();
  return [...byVersion].map(([version, files]) => ({
    witness: ctx.witness,
    indexUrl: ctx.indexUrl,
    project: view.project,
    version,
    lastSerial: view.serial,
    observedAt,
    source: view.source,
    files: files.sort(byFilename),
  }));
}

/** The signed envelope for an observation (throws entry_too_large past 65535 bytes). */
export function signObservation(payload: ObservationPayload, signer: NoteSigner): Envelope {
  return signEnvelope(OBSERVATION_TYPE, { ...payload }, [signer]);
}

/** The log entry bytes of a signed observation. */
export function observationEntry(payload: ObservationPayload, signer: NoteSigner): Uint8Array {
  return canonicalEnvelopeBytes(signObservation(payload, signer));
}

/** The identity of a (witness, index, project, version, source) series of observations. */
export function observationSubject(p: Pick<ObservationPayload, 'witness' | 'indexUrl' | 'project' | 'version' | 'source'>): string {
  return JSON.stringify([p.witness, p.indexUrl, p.project, p.version, p.source]);
}

/** Hex SHA-256 of what an observation says about the files (not when, not the serial). */
export function observationFingerprint(p: ObservationPayload, crypto: Crypto = nobleCrypto): string {
  return toHex(crypto.sha256(canonicalBytes({ files: p.files })));
}

/** What the witness remembers of the last observation it logged for a subject. */
export interface LastObservation {
  readonly fingerprint: string;
  readonly lastSerial: number | null;
  /** When it was observed (absent in records of older versions). */
  readonly observedAtMs?: number;
}

export type ObservationChange = 'new' | 'files-changed' | 'serial-regressed' | 'unchanged';

/**
 * Whether an observation is news. A serial moving forward with the same files is not (any event
 * in the project bumps it), so an idle index costs no log growth; a serial moving backwards is
 * (a stale or frozen view, SPEC §4 serial-regression), and so is any change to the files.
 */
export function compareObservation(previous: LastObservation | undefined, next: ObservationPayload, crypto: Crypto = nobleCrypto): ObservationChange {
  if (previous === undefined) return 'new';
  if (previous.fingerprint !== observationFingerprint(next, crypto)) return 'files-changed';
  if (previous.lastSerial !== null && next.lastSerial !== null && next.lastSerial < previous.lastSerial) return 'serial-regressed';
  return 'unchanged';
}

// Release manifests (SPEC §3 `release` entries) as a pure state transition. Browser-safe.
//
// A manifest {project, version, files:[{filename, sha256, size}], created} is accepted when
// signed by `threshold` of the project's keys at that point of the log. A later manifest for
// the same (project, version) may add files but never change a file a still-valid manifest
// lists (PyPI filenames are immutable): release_conflict. Files must be wheels or sdists of
// that project and version.
import { DiptychError } from './errors.js';
import { checkDistFilename } from './dist-filename.js';
import { requireNormalizedProject } from './project-name.js';
import { versionKey } from './pep440.js';
import { parseTimestamp } from './timestamp.js';
import { checkArray, checkFields } from './payload-fields.js';
import { countSignatures, type EntrySignatures } from './policy-signatures.js';
import type { KeyPolicy } from './project-policy.js';
import { validManifests } from './release-status.js';

export const RELEASE_TYPE = 'application/vnd.diptych.release+json';
// A 65535-byte entry holds about 400 files; numpy's biggest releases have ~70.
export const MAX_MANIFEST_FILES = 1000;

export interface ManifestFile {
  readonly filename: string;
  readonly sha256: string;
  readonly size: number;
}

export interface ReleasePayload {
  readonly project: string;
  readonly version: string;
  readonly versionKey: string;
  readonly files: readonly ManifestFile[];
  readonly created: string;
  readonly createdMs: number;
}

export interface ManifestRecord {
  /** Leaf index of the release entry. */
  readonly index: number;
  readonly files: readonly ManifestFile[];
  readonly created: string;
  readonly createdMs: number;
  /** The keyids whose signatures counted when it was logged. */
  readonly signers: readonly string[];
  /** The project's threshold when it was logged. */
  readonly threshold: number;
}

export interface ReleaseState {
  readonly project: string;
  /** The version as the first manifest spelled it. */
  readonly version: string;
  readonly versionKey: string;
  readonly manifests: readonly ManifestRecord[];
}

/** When the log checks `created` against its clock (not when replaying the log). */
export interface Freshness {
  readonly nowMs: number;
  /** How far in the past `created` may be. */
  readonly maxAgeMs: number;
  /** How far in the future (clock skew). */
  readonly maxSkewMs: number;
}

function checkVersion(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 128 || !/^[A-Za-z0-9](?:[A-Za-z0-9._+!-]*[A-Za-z0-9])?$/.test(value)) {
    throw new DiptychError('invalid_version', 'version is 1 to 128 ASCII letters, digits and . _ + ! -, as on PyPI');
  }
  return value;
}

function parseFile(value: unknown, project: string, version: string): ManifestFile {
  const f = checkFields(value, 'a manifest file', ['filename', 'sha256', 'size']);
  const { filename, sha256, size } = f;
  if (typeof filename !== 'string') throw new DiptychError('invalid_filename', 'filename is a string');
  checkDistFilename(filename, project, version);
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) {
    throw new DiptychError('invalid_sha256', `${filename}: sha256 must be 64 lowercase hex digits`);
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new DiptychError('invalid_size', `${filename}: size must be a non-negative integer number of bytes`);
  }
  return { filename, sha256, size };
}

/** Checks a release payload on its own; every rule that needs no state. */
export function parseReleasePayload(payload: unknown): ReleasePayload {
  const p = checkFields(payload, 'a release payload', ['project', 'version', 'files', 'created']);
  const project = requireNormalizedProject(p['project']);
  const version = checkVersion(p['version']);
  const createdMs = parseTimestamp(p['created'], 'created');
  const list = checkArray(p['files'], 'files', MAX_MANIFEST_FILES);
  if (list.length === 0) throw new DiptychError('invalid_payload', 'a release manifest lists at least one file');
  const files = list.map((f) => parseFile(f, project, version));
  const seen = new Set<string>();
  for (const { filename } of files) {
    if (seen.has(filename)) throw new DiptychError('duplicate_filename', `${filename} is listed twice`);
    seen.add(filename);
  }
  return { project, version, versionKey: versionKey(version), files, created: p['created'] as string, createdMs };
}

function checkFresh(payload: ReleasePayload, freshness: Freshness | undefined): void {
  if (!freshness) return;
  const { nowMs, maxAgeMs, maxSkewMs } = freshness;
  if (payload.createdMs > nowMs + maxSkewMs || payload.createdMs < nowMs - maxAgeMs) {
    throw new DiptychError(
      'created_out_of_range',
      `created ${payload.created} is too far from the log's clock (${new Date(nowMs).toISOString()}); create and sign the manifest again`,
    );
  }
}

/** No still-valid manifest of the release lists one of these files with another hash or size. */
function checkNoConflict(policy: KeyPolicy, prev: ReleaseState | undefined, payload: ReleasePayload): void {
  if (!prev) return;
  const listed = new Map<string, ManifestFile & { index: number }>();
  for (const m of validManifests(prev, policy.revoked)) for (const f of m.files) listed.set(f.filename, { ...f, index: m.index });
  for (const f of payload.files) {
    const old = listed.get(f.filename);
    if (old && (old.sha256 !== f.sha256 || old.size !== f.size)) {
      throw new DiptychError(
        'release_conflict',
        `${f.filename} is already signed with sha256 ${old.sha256} and size ${old.size} (entry ${old.index}); filenames are immutable, so a changed file needs a new filename`,
      );
    }
  }
}

/** The release after a manifest at leaf `index`, or the error refusing it. */
export function applyReleaseEntry(
  policy: KeyPolicy | undefined,
  prev: ReleaseState | undefined,
  payload: ReleasePayload,
  signatures: EntrySignatures,
  index: number,
  freshness?: Freshness,
): ReleaseState {
  if (!policy) {
    throw new DiptychError('no_key_policy', `${payload.project} has no key policy in the log; submit one with 'diptych keys init' first`);
  }
  const what = `release ${payload.project} ${payload.version}`;
  const signers = countSignatures(signatures, { keys: policy.keys, threshold: policy.threshold, revoked: policy.revoked, what });
  checkFresh(payload, freshness);
  checkNoConflict(policy, prev, payload);
  const record: ManifestRecord = { index, files: payload.files, created: payload.created, createdMs: payload.createdMs, signers, threshold: policy.threshold };
  return {
    project: payload.project,
    version: prev?.version ?? payload.version,
    versionKey: payload.versionKey,
    manifests: [...(prev?.manifests ?? []), record],
  };
}

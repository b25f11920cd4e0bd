// The JSON shapes of SPEC §5's project, release and file lookups, computed from ProjectState,
// with what the witnesses observed and the alerts joined in by the caller (ViewJoins). Pure.
// Browser-safe.
import { DiptychError } from './errors.js';
import { normalizeProjectName } from './project-name.js';
import { versionKey } from './pep440.js';
import { releaseStatus, signedFiles, type ReleaseStatus, type SignedFile } from './release-status.js';
import type { KeyPolicy } from './project-policy.js';
import type { ReleaseState } from './release-manifest.js';
import type { ProjectState } from './project-state.js';

export interface ManifestView {
  /** The files the still-valid manifests sign. */
  readonly files: readonly SignedFile[];
  /** Leaf indexes of every manifest logged for the release, valid or not. */
  readonly entries: readonly number[];
}

export interface ReleaseView {
  readonly version: string;
  readonly manifest: ManifestView;
  readonly observations: readonly unknown[];
  readonly status: ReleaseStatus;
}

function policyView(p: KeyPolicy) {
  return {
    seq: p.seq,
    threshold: p.threshold,
    keys: p.keys.map((k) => k.vkey),
    revoked: [...p.revoked.values()].map((r) => ({ keyid: r.keyid, since: r.since, index: r.index })),
    index: p.index,
  };
}

/** The other panel and the alerts, from the monitor's state (none when absent). */
export interface ViewJoins {
  observations(project: string, version: string): readonly unknown[];
  alerts(project: string, version: string): readonly unknown[];
  observed(filename: string): readonly unknown[];
}

const NO_JOINS: ViewJoins = { observations: () => [], alerts: () => [], observed: () => [] };

function releaseView(r: ReleaseState, p: KeyPolicy, joins: ViewJoins): ReleaseView {
  return {
    version: r.version,
    manifest: { files: signedFiles(r, p.revoked), entries: r.manifests.map((m) => m.index) },
    observations: joins.observations(r.project, r.version),
    status: releaseStatus(r, p.revoked),
  };
}

function projectPolicy(state: ProjectState, name: string): { project: string; policy: KeyPolicy } {
  const project = normalizeProjectName(name);
  const policy = state.policy(project);
  if (!policy) throw new DiptychError('project_not_found', `no key policy for ${project} in the log`);
  return { project, policy };
}

export function projectView(state: ProjectState, name: string, joins: ViewJoins = NO_JOINS) {
  const { project, policy } = projectPolicy(state, name);
  return { project, keys: policyView(policy), releases: state.releasesOf(project).map((r) => releaseView(r, policy, joins)) };
}

export function versionView(state: ProjectState, name: string, version: string, joins: ViewJoins = NO_JOINS) {
  const { project, policy } = projectPolicy(state, name);
  const release = state.release(project, versionKey(version));
  if (!release) throw new DiptychError('release_not_found', `no signed manifest for ${project} ${version} in the log`);
  return { project, ...releaseView(release, policy, joins), alerts: joins.alerts(project, release.version) };
}

export function fileView(state: ProjectState, filename: string, joins: ViewJoins = NO_JOINS) {
  const ref = state.fileRelease(filename);
  const policy = ref && state.policy(ref.project);
  const release = ref && state.release(ref.project, ref.versionKey);
  if (!ref || !policy || !release) throw new DiptychError('file_not_found', `no manifest in the log lists ${filename}`);
  const signed = signedFiles(release, policy.revoked).find((f) => f.filename === filename);
  // A file whose manifests were all voided by a revocation is still shown, with what was signed.
  const listed = [...release.manifests].reverse().find((m) => m.files.some((f) => f.filename === filename))!;
  const file = signed ?? { ...listed.files.find((f) => f.filename === filename)!, index: listed.index };
  return {
    project: ref.project,
    version: release.version,
    filename,
    signedSha256: file.sha256,
    size: file.size,
    index: file.index,
    observed: joins.observed(filename),
    status: signed ? 'signed' : 'revoked',
  };
}

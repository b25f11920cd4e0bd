// The developer-side state derived from the log: each project's current key policy, its
// releases, and lookups by filename and sha256. Everything here is a function of the log's
// entries in order (see project-entry.ts); it lives in memory and is rebuilt by replaying the
// log at start (project-replay.ts). Browser-safe.
import type { KeyPolicy } from './project-policy.js';
import type { ReleaseState } from './release-manifest.js';

/** One admitted entry's effect on the state. */
export type StateChange =
  | { readonly kind: 'keys'; readonly policy: KeyPolicy }
  | { readonly kind: 'release'; readonly release: ReleaseState };

/** What the rules read: the committed state, or the committed state plus a batch. */
export interface StateView {
  policy(project: string): KeyPolicy | undefined;
  release(project: string, versionKey: string): ReleaseState | undefined;
}

export interface FileRef {
  readonly project: string;
  readonly versionKey: string;
}

export function releaseKey(project: string, versionKey: string): string {
  return `${project} ${versionKey}`;
}

export class ProjectState implements StateView {
  private readonly policies = new Map<string, KeyPolicy>();
  /** project → versionKey → release, versions in first-logged order. */
  private readonly releases = new Map<string, Map<string, ReleaseState>>();
  private readonly files = new Map<string, FileRef>();
  private readonly hashes = new Map<string, Set<string>>();

  policy(project: string): KeyPolicy | undefined {
    return this.policies.get(project);
  }

  release(project: string, versionKey: string): ReleaseState | undefined {
    return this.releases.get(project)?.get(versionKey);
  }

  releasesOf(project: string): ReleaseState[] {
    return [...(this.releases.get(project)?.values() ?? [])];
  }

  /** The release a filename was ever signed in (filenames embed project and version). */
  fileRelease(filename: string): FileRef | undefined {
    return this.files.get(filename);
  }

  /** Every filename some manifest signed with this sha256. */
  filesWithHash(sha256: string): string[] {
    return [...(this.hashes.get(sha256) ?? [])];
  }

  get projectCount(): number {
    return this.policies.size;
  }

  /** Every project with a key policy, sorted. */
  projectNames(): string[] {
    return [...this.policies.keys()].sort();
  }

  /** Every key policy, in the order projects were first seen (for snapshots). */
  allPolicies(): KeyPolicy[] {
    return [...this.policies.values()];
  }

  /** Every release of every project, each project's in first-logged order (for snapshots). */
  allReleases(): ReleaseState[] {
    return [...this.releases.values()].flatMap((versions) => [...versions.values()]);
  }

  /**
   * Rebuilds the state a snapshot holds: the same maps the changes built, with the files of
   * every manifest indexed (replay indexes each manifest's files when it is applied).
   */
  restore(policies: readonly KeyPolicy[], releases: readonly ReleaseState[]): void {
    for (const p of policies) this.policies.set(p.project, p);
    for (const r of releases) {
      for (const m of r.manifests) this.apply({ kind: 'release', release: { ...r, manifests: [m] } });
      this.releases.get(r.project)!.set(r.versionKey, r);
    }
  }

  apply(change: StateChange): void {
    if (change.kind === 'keys') {
      this.policies.set(change.policy.project, change.policy);
      return;
    }
    const { release } = change;
    let versions = this.releases.get(release.project);
    if (!versions) this.releases.set(release.project, (versions = new Map()));
    versions.set(release.versionKey, release);
    const latest = release.manifests[release.manifests.length - 1];
    for (const f of latest?.files ?? []) {
      this.files.set(f.filename, { project: release.project, versionKey: release.versionKey });
      let names = this.hashes.get(f.sha256);
      if (!names) this.hashes.set(f.sha256, (names = new Set()));
      names.add(f.filename);
    }
  }
}

/** A batch's changes over the committed state, visible to later entries of the same batch. */
export class StateOverlay implements StateView {
  private readonly policies = new Map<string, KeyPolicy>();
  private readonly releases = new Map<string, ReleaseState>();
  readonly changes: StateChange[] = [];

  constructor(private readonly base: StateView) {}

  policy(project: string): KeyPolicy | undefined {
    return this.policies.get(project) ?? this.base.policy(project);
  }

  release(project: string, versionKey: string): ReleaseState | undefined {
    return this.releases.get(releaseKey(project, versionKey)) ?? this.base.release(project, versionKey);
  }

  add(change: StateChange): void {
    if (change.kind === 'keys') this.policies.set(change.policy.project, change.policy);
    else this.releases.set(releaseKey(change.release.project, change.release.versionKey), change.release);
    this.changes.push(change);
  }
}

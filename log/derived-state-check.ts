// Compares the key policies and releases an auditor derived from the entries of a checkpoint's
// tree with what the log's API serves for each project (GET /api/v1/projects/<name>, SPEC §5).
// Browser-safe; the fetching is the caller's.
//
// Compared: the key policy (seq, threshold, keys, revocations, entry index) and, per release,
// version, signed files, manifest entries and status. Observations are not derived from the
// entries yet, so they are not compared. The API answers for its current tree, which may be
// newer than the audited checkpoint: a project whose view cites an entry at or beyond the
// audited size is counted as newer, and left to the next audit.
import { canonicalJson } from './jcs.js';
import { mapConcurrent } from './concurrent.js';
import { DiptychError } from './errors.js';
import { projectView } from './project-views.js';
import type { ProjectState } from './project-state.js';

/** The part of a /api/v1/projects/<name> answer an auditor relies on. */
export interface ServedProjectView {
  readonly project: string;
  readonly keys: { readonly index: number; readonly revoked: readonly { readonly index: number }[] };
  readonly releases: readonly { readonly version: string; readonly manifest: { readonly files: readonly { readonly index: number }[]; readonly entries: readonly number[] }; readonly status: string }[];
}

export interface ServedState {
  /** Every project the log lists (GET /api/v1/projects). */
  projectNames(): Promise<readonly string[]>;
  /** The served view, or undefined when the log has no such project (404). */
  project(name: string): Promise<ServedProjectView | undefined>;
}

export interface DerivedStateReport {
  /** Projects whose served view equals the derived one. */
  readonly compared: number;
  /** Projects changed after the audited checkpoint, not compared this time. */
  readonly newer: number;
}

/** The compared fields of a project view, as canonical JSON. */
function comparable(view: ServedProjectView): string {
  const releases = view.releases.map((r) => ({ version: r.version, manifest: r.manifest, status: r.status }));
  return canonicalJson({ project: view.project, keys: view.keys, releases });
}

function citedIndexes(view: ServedProjectView): number[] {
  return [
    view.keys.index,
    ...view.keys.revoked.map((r) => r.index),
    ...view.releases.flatMap((r) => [...r.manifest.entries, ...r.manifest.files.map((f) => f.index)]),
  ];
}

/** Checks one project; 'newer' when the served view is of a later tree than `size`. */
export async function checkProject(derived: ProjectState, size: number, name: string, served: ServedState): Promise<'same' | 'newer'> {
  const view = await served.project(name);
  if (view !== undefined && citedIndexes(view).some((i) => i >= size)) return 'newer';
  const ours = derived.policy(name) === undefined ? undefined : (JSON.parse(JSON.stringify(projectView(derived, name))) as ServedProjectView);
  if (ours === undefined && view === undefined) return 'same';
  if (ours === undefined) throw new DiptychError('derived_state_mismatch', `the log serves project ${name}, which no entry below ${size} creates`);
  if (view === undefined) throw new DiptychError('derived_state_mismatch', `the log does not serve project ${name}, whose key policy is entry ${ours.keys.index}`);
  if (comparable(ours) !== comparable(view)) {
    throw new DiptychError('derived_state_mismatch', `project ${name}: the log serves ${comparable(view)}, the entries give ${comparable(ours)}`);
  }
  return 'same';
}

/** Checks every project either side knows of. */
export async function checkDerivedState(derived: ProjectState, size: number, served: ServedState): Promise<DerivedStateReport> {
  const names = [...new Set([...derived.projectNames(), ...(await served.projectNames())])].sort();
  const results = await mapConcurrent(names, 8, (name) => checkProject(derived, size, name, served));
  const newer = results.filter((r) => r === 'newer').length;
  return { compared: results.length - newer, newer };
}

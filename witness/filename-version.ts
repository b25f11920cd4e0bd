// The release version a distribution filename belongs to. The Simple API lists files without
// their version, so observations from it (grouped per release, SPEC §3) need this.
// Wheels name it exactly (PEP 427); sdists, eggs and legacy bdists put it after the project name,
// whose separators may be spelled differently from the normalised name. With the page's list of
// versions (PEP 700) the longest known version that fits wins.
import { pep503Normalize } from '../log/project-name.js';

const EXTENSIONS = ['.tar.gz', '.tar.bz2', '.tar.xz', '.tar.Z', '.tgz', '.tbz', '.zip', '.tar', '.egg', '.exe', '.msi', '.rpm', '.dmg', '.whl'];
const PLATFORM_MARKERS = ['.win32', '.win-', '.linux-', '.macosx-', '.cygwin-', '.freebsd-', '.darwin-', '.solaris-'];

function stripExtension(filename: string): string | undefined {
  const ext = EXTENSIONS.find((e) => filename.endsWith(e));
  return ext === undefined ? undefined : filename.slice(0, -ext.length);
}

// The part of `stem` after the project name and its dash, comparing names normalised: the name
// ends at the first dash where the normalised prefix is the normalised name. One pass, each
// character normalised once (PEP 503: runs of -_. become one -, lower case); the prefix is
// compared as it grows, so a hostile filename (thousands of dashes) costs its length, not its
// length times its dashes.
function afterName(project: string, stem: string): string | undefined {
  const target = pep503Normalize(project);
  if (stem.startsWith('-')) return undefined;
  let n = 0; // length of the normalised stem[0, i), which equals target[0, n) so far
  let inRun = false; // stem[i - 1] is one of -_.
  for (let i = 0; i < stem.length; i++) {
    const c = stem[i]!;
    if (c === '-' && n === target.length) return stem.slice(i + 1);
    if (c === '-' || c === '_' || c === '.') {
      if (inRun) continue;
      inRun = true;
      if (target[n] !== '-') return undefined;
      n++;
    } else {
      inRun = false;
      const lower = c.toLowerCase();
      if (!target.startsWith(lower, n)) return undefined;
      n += lower.length;
    }
  }
  return undefined;
}

// A page's known versions, sorted (UTF-16 code units, as charCodeAt compares), once per list: a
// page's files share its list. Finding a filename's fits is then a walk down its characters,
// narrowing a range of the sorted list by binary search: O(length × log versions) a file, where
// testing every version against every file was O(files × versions) on a hostile page.
const sortedLists = new WeakMap<readonly string[], readonly string[]>();

function sortedVersions(versions: readonly string[]): readonly string[] {
  let sorted = sortedLists.get(versions);
  if (sorted === undefined) {
    sorted = [...versions].sort();
    sortedLists.set(versions, sorted);
  }
  return sorted;
}

/** The code unit at `p`, or -1 past the end: the order of a sorted range sharing its first p units. */
const unitAt = (s: string, p: number): number => (p < s.length ? s.charCodeAt(p) : -1);

/** First index in [lo, hi) whose unit at p is above `unit` (or at least it, with `orEqual`). */
function bound(sorted: readonly string[], lo: number, hi: number, p: number, unit: number, orEqual: boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const u = unitAt(sorted[mid]!, p);
    if (u < unit || (!orEqual && u === unit)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The longest known version v with rest === v or rest starting with `v-` or `v.`. */
function longestKnown(rest: string, versions: readonly string[]): string | undefined {
  const sorted = sortedVersions(versions);
  let lo = 0;
  let hi = sorted.length;
  let best = 0;
  for (let p = 0; p < rest.length && lo < hi; p++) {
    // [lo, hi) holds the versions starting with rest[0, p); keep those going on with rest[p].
    const unit = rest.charCodeAt(p);
    lo = bound(sorted, lo, hi, p, unit, true);
    hi = bound(sorted, lo, hi, p, unit, false);
    // The shortest of them comes first: it is rest[0, p + 1) itself if that is a version.
    if (lo < hi && sorted[lo]!.length === p + 1) {
      const next = rest[p + 1];
      if (next === undefined || next === '-' || next === '.') best = p + 1;
    }
  }
  return best > 0 ? rest.slice(0, best) : undefined;
}

export function versionFromFilename(project: string, filename: string, knownVersions?: readonly string[]): string | null {
  const stem = stripExtension(filename);
  if (stem === undefined) return null;
  if (filename.endsWith('.whl')) {
    const parts = stem.split('-');
    return parts.length === 5 || parts.length === 6 ? (parts[1] ?? null) : null;
  }
  const rest = afterName(project, stem);
  if (rest === undefined || rest === '') return null;
  if (knownVersions !== undefined && knownVersions.length > 0) {
    const known = longestKnown(rest, knownVersions);
    if (known !== undefined) return known;
  }
  let version = rest.split('-')[0] ?? rest;
  // bdist_wininst / bdist_dumb: name-1.0.win32.exe, name-1.0.linux-x86_64.tar.gz
  for (const marker of PLATFORM_MARKERS) {
    const at = rest.indexOf(marker);
    if (at > 0) version = rest.slice(0, at);
  }
  return version === '' ? null : version;
}

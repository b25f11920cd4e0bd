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

// The part of `stem` after the project name and its dash, comparing names normalised.
function afterName(project: string, stem: string): string | undefined {
  const target = pep503Normalize(project);
  // The name ends at some dash; try each dash until the normalised prefix matches.
  for (let dash = stem.indexOf('-'); dash > 0; dash = stem.indexOf('-', dash + 1)) {
    if (pep503Normalize(stem.slice(0, dash)) === target) return stem.slice(dash + 1);
  }
  return undefined;
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
    const fits = knownVersions.filter((v) => rest === v || rest.startsWith(`${v}-`) || rest.startsWith(`${v}.`));
    if (fits.length > 0) return fits.reduce((a, b) => (b.length > a.length ? b : a));
  }
  let version = rest.split('-')[0] ?? rest;
  // bdist_wininst / bdist_dumb: name-1.0.win32.exe, name-1.0.linux-x86_64.tar.gz
  for (const marker of PLATFORM_MARKERS) {
    const at = rest.indexOf(marker);
    if (at > 0) version = rest.slice(0, at);
  }
  return version === '' ? null : version;
}

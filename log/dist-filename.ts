// Distribution filenames: does a filename name a file of this project and version? Wheels per
// PEP 427 (and the binary distribution format spec), sdists per PEP 625, plus the legacy sdist
// forms PyPI still serves for old releases, so that older releases can be backfilled. Other
// legacy types (eggs, .exe installers, bdist_dumb) are refused: a manifest signs sdists and
// wheels only. Browser-safe.
import { DiptychError } from './errors.js';
import { normalizeProjectName } from './project-name.js';
import { sameVersion } from './pep440.js';

export interface DistFilename {
  readonly kind: 'wheel' | 'sdist';
  /** The project name as spelled in the filename. */
  readonly name: string;
  /** The version as spelled in the filename. */
  readonly version: string;
}

// PEP 625 sdists are .tar.gz; the others are legacy formats (PEP 527) seen on PyPI.
const SDIST_EXTENSIONS = ['.tar.gz', '.zip', '.tar.bz2', '.tar.xz', '.tgz', '.tar'] as const;
const MAX_FILENAME_LENGTH = 255;
const TAG = /^[A-Za-z0-9_.]+$/;

/** Filenames are plain ASCII names, never paths. */
function checkPlainName(filename: string): void {
  if (typeof filename !== 'string' || filename.length === 0 || filename.length > MAX_FILENAME_LENGTH) {
    throw new DiptychError('invalid_filename', `a filename is 1 to ${MAX_FILENAME_LENGTH} characters`);
  }
  if (!/^[A-Za-z0-9._+!-]+$/.test(filename) || filename.startsWith('.')) {
    throw new DiptychError('invalid_filename', `${JSON.stringify(filename)} is not a distribution filename (ASCII letters, digits, '.', '_', '-', '+', '!')`);
  }
}

function sameProject(nameInFile: string, project: string): boolean {
  try {
    return normalizeProjectName(nameInFile) === project;
  } catch {
    return false;
  }
}

/** `{name}-{ver}(-{build})?-{py}-{abi}-{plat}.whl`; undefined if the shape is not a wheel's. */
function parseWheel(filename: string): DistFilename | undefined {
  if (!filename.endsWith('.whl')) return undefined;
  const parts = filename.slice(0, -4).split('-');
  if (parts.length !== 5 && parts.length !== 6) {
    throw new DiptychError('invalid_filename', `${filename}: a wheel name has 5 or 6 '-'-separated parts`);
  }
  const [name, version] = parts as [string, string];
  const tags = parts.slice(-3);
  const build = parts.length === 6 ? parts[2]! : undefined;
  if (!/^[A-Za-z0-9_.]+$/.test(name) || version.length === 0 || !tags.every((t) => TAG.test(t))) {
    throw new DiptychError('invalid_filename', `${filename}: malformed wheel name`);
  }
  if (build !== undefined && !/^[0-9][A-Za-z0-9_.]*$/.test(build)) {
    throw new DiptychError('invalid_filename', `${filename}: a wheel build tag starts with a digit`);
  }
  return { kind: 'wheel', name, version };
}

/**
 * Checks that `filename` is a wheel or sdist of `project` (normalised) at `version`:
 * invalid_filename when it is no distribution name at all, filename_mismatch when it is one
 * of another project or version.
 */
export function checkDistFilename(filename: string, project: string, version: string): DistFilename {
  checkPlainName(filename);
  const wheel = parseWheel(filename);
  if (wheel) {
    if (!sameProject(wheel.name, project) || !sameVersion(wheel.version.replace(/_/g, '-'), version)) {
      throw new DiptychError('filename_mismatch', `${filename} is not a wheel of ${project} ${version}`);
    }
    return wheel;
  }
  const ext = SDIST_EXTENSIONS.find((e) => filename.endsWith(e));
  if (ext === undefined) {
    throw new DiptychError('invalid_filename', `${filename} is neither a wheel (.whl) nor an sdist (${SDIST_EXTENSIONS.join(', ')})`);
  }
  const stem = filename.slice(0, -ext.length);
  // Legacy sdist names may hold '-' in the name and the version alike ("xo-gd-3.1.4.1"), so
  // every split point is tried against the known project and version.
  for (let i = stem.indexOf('-'); i > 0; i = stem.indexOf('-', i + 1)) {
    const name = stem.slice(0, i);
    const ver = stem.slice(i + 1);
    if (sameProject(name, project) && ver.length > 0 && sameVersion(ver, version)) return { kind: 'sdist', name, version: ver };
  }
  throw new DiptychError('filename_mismatch', `${filename} is not an sdist of ${project} ${version}`);
}

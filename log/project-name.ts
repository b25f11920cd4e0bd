// Python project names (PEP 508 validity, PEP 503 normalisation). Browser-safe.
//
// Every project in the log is keyed by its normalised name, and signed payloads must carry that
// normalised form: one project, one spelling, so "Django" and "django" cannot be two policies.
// Only ASCII is allowed, which rules out Unicode look-alikes ("dјango" with a Cyrillic je) by
// construction instead of by a confusables table that is never complete.
import { DiptychError } from './errors.js';

/** PEP 508 names: ASCII letters and digits, with '.', '-', '_' inside. */
const VALID_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
// PyPI limits names well below this; the bound keeps log entries and URLs small.
const MAX_NAME_LENGTH = 200;

/** Valid PEP 508 names: ASCII letters and digits, with '.', '-', '_' inside. */
export function isValidProjectName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && VALID_NAME.test(name);
}

/**
 * PEP 503's `re.sub(r"[-_.]+", "-", name).lower()`, for names read from an index, which are
 * compared, never trusted: no validity check.
 */
export function pep503Normalize(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** `re.sub(r"[-_.]+", "-", name).lower()` for a valid name; throws for anything else. */
export function normalizeProjectName(name: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw new DiptychError('invalid_project_name', `a project name is 1 to ${MAX_NAME_LENGTH} characters`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(name)) {
    throw new DiptychError('non_ascii_project_name', `project name ${JSON.stringify(name)} has non-ASCII characters (look-alikes are refused)`);
  }
  if (!VALID_NAME.test(name)) {
    throw new DiptychError(
      'invalid_project_name',
      `project name ${JSON.stringify(name)} is not a valid Python project name (ASCII letters, digits, '.', '-', '_', starting and ending with a letter or digit)`,
    );
  }
  return pep503Normalize(name);
}

/** The name itself when it is already normalised; otherwise why not. For signed payloads. */
export function requireNormalizedProject(name: unknown): string {
  if (typeof name !== 'string') throw new DiptychError('invalid_project_name', 'project must be a string');
  const normalized = normalizeProjectName(name);
  if (normalized !== name) {
    throw new DiptychError('project_name_not_normalized', `project must be the PEP 503 normalised name ${JSON.stringify(normalized)}, not ${JSON.stringify(name)}`);
  }
  return name;
}

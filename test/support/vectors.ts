// Finds the shared conformance vectors from wherever the compiled tests run (dist/test/...).
// CI clones the repository with shared/ beside it, so walk up until some ancestor has a
// sibling shared/vectors directory. DIPTYCH_VECTORS overrides the search.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

function findVectorsDir(): string {
  const override = process.env['DIPTYCH_VECTORS'];
  if (override !== undefined && override !== '') return resolve(override);
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, '..', 'shared', 'vectors');
    if (isDirectory(candidate)) return resolve(candidate);
    if (dirname(dir) === dir) throw new Error('no shared/vectors directory beside any ancestor of the tests');
  }
}

const VECTORS_DIR = findVectorsDir();

/** Absolute path of a file under shared/vectors. */
export function vectorPath(rel: string): string {
  return join(VECTORS_DIR, rel);
}

/** The parsed JSON of a vector file; the caller states the shape it relies on. */
export function loadVector<T>(rel: string): T {
  return JSON.parse(readFileSync(vectorPath(rel), 'utf8')) as T;
}

/** The vectors' note rejection reasons (README "Note verification") and our error codes for them. */
export const REASON_CODES: Readonly<Record<string, string>> = {
  malformed: 'malformed_note',
  'too-many-signatures': 'too_many_signatures',
  'invalid-signature': 'invalid_signature',
  'no-verifiable-signature': 'no_verifiable_signature',
};

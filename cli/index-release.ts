// What an index serves for one release, from its JSON API (GET <index>/pypi/<p>/<v>/json,
// the `urls` list), for backfilling a manifest. Files that are not sdists or wheels of that
// project and version (eggs, .exe installers, misnamed uploads) are returned separately, so the
// caller can list what it left out instead of failing the whole release.
import { checkDistFilename } from '../log/dist-filename.js';
import { DiptychError, isDiptychError } from '../log/errors.js';
import type { ManifestFile } from '../log/release-manifest.js';
import { normalizeProjectName } from '../log/project-name.js';
import { getJson, joinUrl } from './http-json.js';

export interface IndexRelease {
  readonly files: ManifestFile[];
  readonly skipped: { filename: string; reason: string }[];
}

interface JsonApiFile {
  filename?: unknown;
  size?: unknown;
  digests?: { sha256?: unknown };
}

function fileOf(item: JsonApiFile, project: string, version: string): ManifestFile {
  const { filename, size } = item;
  const sha256 = item.digests?.sha256;
  if (typeof filename !== 'string') throw new DiptychError('invalid_filename', 'a file without a filename');
  checkDistFilename(filename, project, version);
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) throw new DiptychError('invalid_sha256', 'no sha256 digest');
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new DiptychError('invalid_size', 'no size');
  return { filename, sha256, size };
}

/** `name` as the user spelled it (the index redirects to its canonical URL); files are checked against its normalised form. */
export async function fetchIndexRelease(indexUrl: string, name: string, version: string): Promise<IndexRelease> {
  const project = normalizeProjectName(name);
  const url = joinUrl(indexUrl, `/pypi/${encodeURIComponent(name)}/${encodeURIComponent(version)}/json`);
  const body = await getJson<{ urls?: unknown }>(url);
  if (!Array.isArray(body.urls)) throw new DiptychError('invalid_response', `${url} has no urls list`);
  const release: IndexRelease = { files: [], skipped: [] };
  for (const item of body.urls as JsonApiFile[]) {
    try {
      release.files.push(fileOf(item, project, version));
    } catch (e) {
      if (!isDiptychError(e)) throw e;
      release.skipped.push({ filename: typeof item.filename === 'string' ? item.filename : '?', reason: `${e.code}: ${e.message}` });
    }
  }
  return release;
}

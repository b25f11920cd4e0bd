// `diptych manifest create|from-index`: a release manifest (SPEC §3) for local dist files or,
// to backfill releases published before the project adopted diptych, for what an index serves.
// Unsigned unless --key is given; sign it with `diptych sign` (once per maintainer).
import { basename } from 'node:path';
import { checkDistFilename } from '../log/dist-filename.js';
import { DiptychError } from '../log/errors.js';
import { normalizeProjectName } from '../log/project-name.js';
import { parseReleasePayload, type ManifestFile } from '../log/release-manifest.js';
import { formatTimestamp } from '../log/timestamp.js';
import { EXIT_OK, UsageError, parseCommand, requireString, urlFlag } from './args.js';
import { emitDocument } from './document-file.js';
import { digestFile } from './file-digest.js';
import { fetchIndexRelease } from './index-release.js';
import { describeDocument, loadSigners, signDocument } from './statement.js';

export const MANIFEST_HELP = `Usage: diptych manifest create     --project P --version V [--key SKEY…] [--out F] FILE…
       diptych manifest from-index --project P --version V --index URL [--key SKEY…] [--out F]

Writes a release manifest (application/vnd.diptych.release+json): {project, version,
files:[{filename, sha256, size}], created}. create hashes local sdists and wheels; each
filename must be one of that project and version (PEP 427 / PEP 625). from-index takes the
files an index serves (its JSON API, <URL>/pypi/P/V/json), e.g. https://pypi.org, to backfill
an older release; files that are not sdists or wheels of the release are left out and listed
on stderr. Check them against your own build before signing.

The log accepts a manifest whose created time is at most 7 days old: submit it soon.

Options:
  --project P     project name (written PEP 503-normalised)
  --version V     release version
  --index URL     index base URL (from-index)
  --key SKEY      signer key file (mode 0600) to sign with at once, repeatable
  --out F         where to write the manifest (default: stdout)
  --json          print {"out", "files", "skipped"} when writing to --out
  -h, --help      this help
`;

const OPTIONS = {
  project: { type: 'string' },
  version: { type: 'string' },
  index: { type: 'string' },
  key: { type: 'string', multiple: true },
  out: { type: 'string' },
} as const;

async function localFiles(paths: readonly string[], project: string, version: string): Promise<ManifestFile[]> {
  if (paths.length === 0) throw new UsageError('manifest create needs at least one FILE');
  const files: ManifestFile[] = [];
  for (const path of paths) {
    const filename = basename(path);
    checkDistFilename(filename, project, version); // before hashing a large file for nothing
    files.push({ filename, ...(await digestFile(path)) });
  }
  return files;
}

async function filesFor(action: string | undefined, rest: string[], v: { index?: string; project?: string }, project: string, version: string) {
  if (action === 'create') return { files: await localFiles(rest, project, version), skipped: [] };
  if (action !== 'from-index') throw new UsageError(`give an action: create or from-index${action ? `, not '${action}'` : ''}`);
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
  const release = await fetchIndexRelease(urlFlag(v.index, '--index'), v.project ?? project, version);
  for (const s of release.skipped) process.stderr.write(`diptych manifest: skipped ${s.filename} (${s.reason})\n`);
  if (release.files.length === 0) throw new DiptychError('no_files', `the index serves no sdist or wheel of ${project} ${version}`);
  return release;
}

export async function manifestCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, OPTIONS, true);
  if (values.help) {
    process.stdout.write(MANIFEST_HELP);
    return EXIT_OK;
  }
  const [action, ...rest] = positionals;
  const project = normalizeProjectName(requireString(values.project, '--project'));
  const version = requireString(values.version, '--version');
  const { files, skipped } = await filesFor(action, rest, values, project, version);
  const payload = { project, version, files: files.map((f) => ({ ...f })), created: formatTimestamp(Date.now()) };
  parseReleasePayload(payload); // refuse now what the log would refuse
  const doc = signDocument(payload, await loadSigners(values.key ?? []));
  await emitDocument(doc, values.out);
  if (values.out === undefined) return EXIT_OK;
  if (values.json) process.stdout.write(JSON.stringify({ out: values.out, files, skipped }) + '\n');
  else process.stdout.write(`wrote ${values.out}: ${project} ${version}, ${files.length} file(s), ${describeDocument(doc)}\n`);
  return EXIT_OK;
}

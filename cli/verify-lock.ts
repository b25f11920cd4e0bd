// `diptych verify-lock`: every file hash a lock file pins must be one a signed manifest lists,
// so an install from the lock gets only files the maintainers signed. Looked up by filename
// when the lock names it (pylock.toml), else by project and version (requirements files).
import { readFile } from 'node:fs/promises';
import { DiptychError, isDiptychError } from '../log/errors.js';
import { normalizeProjectName } from '../log/project-name.js';
import { EXIT_FAILED, EXIT_OK, UsageError, parseCommand, requireString } from './args.js';
import { mapConcurrent } from './concurrent.js';
import { getJson, joinUrl } from './http-json.js';
import { progress } from './progress.js';
import type { PinnedHash } from './pinned-hash.js';
import { parsePylock } from './pylock.js';
import { parseRequirements } from './requirements-lock.js';

export const VERIFY_LOCK_HELP = `Usage: diptych verify-lock requirements.txt|pylock.toml --log URL

Checks that every sha256 a lock file pins is listed by a signed release manifest in the log:
pip requirements files with --hash=sha256: pins (every requirement pinned with ==), and PEP 751
pylock.toml files (a .toml name), whose files are looked up by filename. Exit 0 if all are,
1 with one line per pin that is not (unknown file, other hash, revoked signer).

Options:
  --log URL     the log
  --json        print {"file", "checked", "failures":[{where, project, version, filename, sha256, reason}]}
  -h, --help    this help
`;

interface ReleaseFiles {
  status: string;
  manifest: { files: { filename: string; sha256: string }[] };
}

type Lookup = (pin: PinnedHash) => Promise<void>;

function fail(reason: string): never {
  throw new DiptychError('not_signed', reason);
}

function lookupIn(logUrl: string): Lookup {
  const releases = new Map<string, Promise<ReleaseFiles>>();
  return async (pin) => {
    const project = normalizeProjectName(pin.project);
    if (pin.filename !== undefined) {
      const view = await getJson<{ project: string; signedSha256: string; status: string }>(joinUrl(logUrl, `/api/v1/files/${encodeURIComponent(pin.filename)}`));
      if (view.project !== project) fail(`${pin.filename} is signed for ${view.project}, not ${project}`);
      if (view.signedSha256 !== pin.sha256) fail(`${pin.filename} is signed with sha256 ${view.signedSha256}`);
      if (view.status !== 'signed') fail(`the manifest listing ${pin.filename} no longer counts (${view.status})`);
      return;
    }
    if (pin.version === undefined) fail('no version pinned, so no manifest to look in');
    const key = `${project}/${pin.version}`;
    if (!releases.has(key)) releases.set(key, getJson<ReleaseFiles>(joinUrl(logUrl, `/api/v1/projects/${encodeURIComponent(project)}/${encodeURIComponent(pin.version)}`)));
    const release = await releases.get(key)!;
    if (!release.manifest.files.some((f) => f.sha256 === pin.sha256)) fail('no signed manifest of the release lists this hash');
  };
}

async function readPins(file: string): Promise<PinnedHash[]> {
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new DiptychError('file_unreadable', `cannot read ${file} (${e.code ?? 'error'})`);
  });
  return file.endsWith('.toml') ? parsePylock(text, file) : parseRequirements(text, file);
}

// Lookups overlap (a 500-line lock is 500 round trips); releases are fetched once each.
const CONCURRENT_LOOKUPS = 8;

async function checkPins(lookup: Lookup, pins: readonly PinnedHash[]) {
  const bar = progress('checking pins', pins.length);
  const results = await mapConcurrent(pins, CONCURRENT_LOOKUPS, async (pin) => {
    try {
      await lookup(pin);
      return undefined;
    } catch (e) {
      if (!isDiptychError(e)) throw e;
      return { ...pin, reason: `${e.code}: ${e.message}` };
    } finally {
      bar.tick();
    }
  });
  bar.done();
  return results.filter((r) => r !== undefined);
}

export async function verifyLockCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { log: { type: 'string' } }, true);
  if (values.help) {
    process.stdout.write(VERIFY_LOCK_HELP);
    return EXIT_OK;
  }
  if (positionals.length !== 1) throw new UsageError('give exactly one lock file');
  const logUrl = requireString(values.log, '--log');
  const file = positionals[0]!;
  const pins = await readPins(file);
  const failures = await checkPins(lookupIn(logUrl), pins);
  if (values.json) process.stdout.write(JSON.stringify({ file, checked: pins.length, failures }) + '\n');
  else {
    for (const f of failures) process.stderr.write(`diptych verify-lock: ${f.where}: ${f.project} ${f.version ?? ''} sha256 ${f.sha256.slice(0, 12)}…: ${f.reason}\n`);
    process.stdout.write(failures.length === 0 ? `${file}: all ${pins.length} pinned hashes are signed\n` : `${file}: ${failures.length} of ${pins.length} pinned hashes are not signed\n`);
  }
  return failures.length === 0 ? EXIT_OK : EXIT_FAILED;
}

// `diptych verify-lock`: every file hash a lock file pins must be one a signed manifest lists,
// so an install from the lock gets only files the maintainers signed. Looked up by filename
// when the lock names it (pylock.toml), else by project and version (requirements files).
import { readFile } from 'node:fs/promises';
import { DiptychError, isDiptychError } from '../log/errors.js';
import { normalizeProjectName } from '../log/project-name.js';
import { suspensionCheck } from './suspensions.js';
import type { ReleasePayload } from '../log/release-manifest.js';
import { EXIT_FAILED, EXIT_OK, UsageError, parseCommand, urlFlag } from './args.js';
import { mapConcurrent } from '../log/concurrent.js';
import { getJson, joinUrl } from './http-json.js';
import { fetchTrustedCheckpoint, fetchProvenRelease, type LogTrust, type TrustedCheckpoint } from './log-reader.js';
import { WITNESS_FLAGS, WITNESS_HELP, witnessTrustFlags } from './witness-file.js';
import { progress } from './progress.js';
import type { PinnedHash } from './pinned-hash.js';
import { parsePylock } from './pylock.js';
import { parseRequirements } from './requirements-lock.js';

export const VERIFY_LOCK_HELP = `Usage: diptych verify-lock requirements.txt|pylock.toml --log URL [--log-key VKEY] [--witnesses FILE --quorum K]

Checks that every sha256 a lock file pins is listed by a signed release manifest in the log:
pip requirements files with --hash=sha256: pins (every requirement pinned with ==), and PEP 751
pylock.toml files (a .toml name), whose files are looked up by filename. Exit 0 if all are,
1 with one line per pin that is not (unknown file, other hash, revoked signer). Each manifest
entry found is proven to be in the log's current checkpoint, whose signature is checked with
--log-key (without it, with the key the log names itself, and a warning).

Options:
  --log URL       the log
  --log-key VKEY  the log's verifier key (name+hex8+base64), from a source you trust
${WITNESS_HELP}  --json          print {"file", "checked", "failures":[{where, project, version, filename, sha256, reason}]}
  -h, --help      this help
`;

interface ReleaseFiles {
  status: string;
  manifest: { files: { filename: string; sha256: string; index: number }[] };
}

/** The leaf index of the manifest entry that lists the pin's hash, or the reason there is none. */
type Lookup = (pin: PinnedHash) => Promise<number>;

interface Checked {
  readonly pin: PinnedHash;
  readonly index?: number;
  readonly reason?: string;
}

function fail(reason: string): never {
  throw new DiptychError('not_signed', reason);
}

function lookupIn(logUrl: string): Lookup {
  const releases = new Map<string, Promise<ReleaseFiles>>();
  const notSuspended = suspensionCheck(logUrl);
  return async (pin) => {
    const project = normalizeProjectName(pin.project);
    await notSuspended(project);
    if (pin.filename !== undefined) {
      const view = await getJson<{ project: string; signedSha256: string; status: string; index: number }>(joinUrl(logUrl, `/api/v1/files/${encodeURIComponent(pin.filename)}`));
      if (view.project !== project) fail(`${pin.filename} is signed for ${view.project}, not ${project}`);
      if (view.signedSha256 !== pin.sha256) fail(`${pin.filename} is signed with sha256 ${view.signedSha256}`);
      if (view.status !== 'signed') fail(`the manifest listing ${pin.filename} no longer counts (${view.status})`);
      return view.index;
    }
    if (pin.version === undefined) fail('no version pinned, so no manifest to look in');
    const key = `${project}/${pin.version}`;
    if (!releases.has(key)) releases.set(key, getJson<ReleaseFiles>(joinUrl(logUrl, `/api/v1/projects/${encodeURIComponent(project)}/${encodeURIComponent(pin.version)}`)));
    const release = await releases.get(key)!;
    const listed = release.manifest.files.find((f) => f.sha256 === pin.sha256);
    return listed?.index ?? fail('no signed manifest of the release lists this hash');
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

async function checkPins(lookup: Lookup, pins: readonly PinnedHash[]): Promise<Checked[]> {
  const bar = progress('checking pins', pins.length);
  const checked = await mapConcurrent(pins, CONCURRENT_LOOKUPS, async (pin): Promise<Checked> => {
    try {
      return { pin, index: await lookup(pin) };
    } catch (e) {
      if (!isDiptychError(e)) throw e;
      return { pin, reason: `${e.code}: ${e.message}` };
    } finally {
      bar.tick();
    }
  });
  bar.done();
  return checked;
}

/**
 * Each manifest entry the lookups named, proven to be in the log under a checkpoint signed by
 * the log key, must itself list the pinned hash: the lookups are then not taken on trust.
 */
async function proveEntries(logUrl: string, trust: LogTrust, checked: readonly Checked[]): Promise<Checked[]> {
  const indexes = [...new Set(checked.flatMap((c) => (c.index === undefined ? [] : [c.index])))];
  if (indexes.length === 0) return [...checked];
  const checkpoint = await fetchTrustedCheckpoint(logUrl, trust, (line) => process.stderr.write(line + '\n'));
  const releases = new Map(await mapConcurrent(indexes, CONCURRENT_LOOKUPS, async (i) => [i, await provenOrReason(logUrl, i, checkpoint)] as const));
  return checked.map((c): Checked => {
    if (c.index === undefined) return c;
    const release = releases.get(c.index)!;
    if (typeof release === 'string') return { pin: c.pin, reason: release };
    if (release.files.some((f) => f.sha256 === c.pin.sha256)) return c;
    return { pin: c.pin, reason: `not_signed: entry ${c.index} does not list this hash` };
  });
}

async function provenOrReason(logUrl: string, index: number, checkpoint: TrustedCheckpoint): Promise<ReleasePayload | string> {
  try {
    return await fetchProvenRelease(logUrl, index, checkpoint);
  } catch (e) {
    if (!isDiptychError(e)) throw e;
    return `${e.code}: ${e.message}`;
  }
}

export async function verifyLockCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { log: { type: 'string' }, 'log-key': { type: 'string' }, ...WITNESS_FLAGS }, true);
  if (values.help) {
    process.stdout.write(VERIFY_LOCK_HELP);
    return EXIT_OK;
  }
  if (positionals.length !== 1) throw new UsageError('give exactly one lock file');
  const logUrl = urlFlag(values.log, '--log');
  const witnesses = await witnessTrustFlags(values);
  const file = positionals[0]!;
  const pins = await readPins(file);
  // Nothing pinned would verify vacuously; a lock file that pins nothing is a mistake.
  if (pins.length === 0) throw new DiptychError('no_pins', `${file} pins no file hashes`);
  const checked = await proveEntries(logUrl, { logKey: values['log-key'], witnesses }, await checkPins(lookupIn(logUrl), pins));
  const failures = checked.flatMap((c) => (c.reason === undefined ? [] : [{ ...c.pin, reason: c.reason }]));
  if (values.json) process.stdout.write(JSON.stringify({ file, checked: pins.length, failures }) + '\n');
  else {
    for (const f of failures) process.stderr.write(`diptych verify-lock: ${f.where}: ${f.project} ${f.version ?? ''} sha256 ${f.sha256.slice(0, 12)}…: ${f.reason}\n`);
    process.stdout.write(failures.length === 0 ? `${file}: all ${pins.length} pinned hashes are signed\n` : `${file}: ${failures.length} of ${pins.length} pinned hashes are not signed\n`);
  }
  return failures.length === 0 ? EXIT_OK : EXIT_FAILED;
}

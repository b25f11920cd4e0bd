// `diptych verify FILE…`: is each downloaded file exactly what its maintainers signed? Hashes
// the file, finds the manifest that lists it, and checks that manifest's entry is in the log
// under a checkpoint whose signature verifies. One line per file; exit 1 if any does not match.
import { basename } from 'node:path';
import { DiptychError, isDiptychError } from '../log/errors.js';
import { normalizeProjectName } from '../log/project-name.js';
import { sameVersion } from '../log/pep440.js';
import { EXIT_FAILED, EXIT_OK, UsageError, parseCommand, urlFlag } from './args.js';
import { digestFile } from './file-digest.js';
import { getJson, joinUrl } from './http-json.js';
import { progress } from './progress.js';
import { suspensionCheck } from './suspensions.js';
import { fetchTrustedCheckpoint, fetchProvenRelease, type TrustedCheckpoint } from './log-reader.js';
import { verifyBundleCommand } from './verify-bundle.js';
import { WITNESS_FLAGS, WITNESS_HELP, witnessTrustFlags } from './witness-file.js';

export const VERIFY_HELP = `Usage: diptych verify FILE… --log URL [--log-key VKEY] [--project P --version V] [--witnesses FILE --quorum K]
       diptych verify --bundle BUNDLE --log-key VKEY [--witnesses FILE --quorum K]

For each file: computes its sha256, looks up the signed manifest that lists its filename,
and checks that the hashes match, that the manifest still counts (no revoked signer), and that
its log entry is included in the log's current checkpoint, whose signature is checked with
--log-key (without it, with the key the log names itself, and a warning).
Exit 0 if every file verifies, 1 with a one-line reason per file that does not.

With --bundle, checks an offline proof bundle (a submit receipt, or the answer of
GET /api/v1/entries/<i>?bundle=1) with no network: its checkpoint must be signed by --log-key
(and cosigned by --quorum of --witnesses), and each entry's inclusion proof must lead to its root.

Options:
  --log URL        the log
  --log-key VKEY   the log's verifier key (name+hex8+base64), from a source you trust
  --project P      also require the files to belong to project P
  --version V      ... and to version V
  --bundle BUNDLE  check this proof bundle file instead, offline
${WITNESS_HELP}  --json           print [{file, ok, reason?, project, version, entry, checkpointSize}]
  -h, --help       this help
`;

interface FileView {
  project: string;
  version: string;
  signedSha256: string;
  size: number;
  index: number;
  status: string;
}

interface Expect {
  project?: string;
  version?: string;
}

async function verifyFile(logUrl: string, path: string, expect: Expect, checkpoint: () => Promise<TrustedCheckpoint>, notSuspended: (project: string) => Promise<void>) {
  const filename = basename(path);
  const digest = await digestFile(path);
  const view = await getJson<FileView>(joinUrl(logUrl, `/api/v1/files/${encodeURIComponent(filename)}`));
  const fail = (reason: string): never => {
    throw new DiptychError('verification_failed', reason);
  };
  await notSuspended(view.project);
  if (expect.project !== undefined && view.project !== expect.project) fail(`${filename} is signed for ${view.project}, not ${expect.project}`);
  if (expect.version !== undefined && !sameVersion(view.version, expect.version)) fail(`${filename} is signed for version ${view.version}, not ${expect.version}`);
  if (view.signedSha256 !== digest.sha256) fail(`sha256 ${digest.sha256} is not the signed ${view.signedSha256} (entry ${view.index})`);
  if (view.status !== 'signed') fail(`the manifest listing it no longer counts (${view.status})`);
  const trusted = await checkpoint();
  const release = await fetchProvenRelease(logUrl, view.index, trusted);
  const listed = release.files.find((f) => f.filename === filename);
  if (!listed || listed.sha256 !== digest.sha256 || listed.size !== digest.size) fail(`entry ${view.index} does not list ${filename} with this sha256 and size`);
  return { project: release.project, version: release.version, entry: view.index, checkpointSize: trusted.size };
}

export async function verifyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { log: { type: 'string' }, 'log-key': { type: 'string' }, project: { type: 'string' }, version: { type: 'string' }, bundle: { type: 'string' }, ...WITNESS_FLAGS }, true);
  if (values.help) {
    process.stdout.write(VERIFY_HELP);
    return EXIT_OK;
  }
  const witnesses = await witnessTrustFlags(values);
  if (values.bundle !== undefined) {
    if (positionals.length > 0 || values.log !== undefined) throw new UsageError('--bundle is checked offline: give no FILE and no --log');
    return verifyBundleCommand(values.bundle, values['log-key'], witnesses, values.json ?? false);
  }
  if (positionals.length === 0) throw new UsageError('give at least one FILE');
  const logUrl = urlFlag(values.log, '--log');
  const expect = { project: values.project === undefined ? undefined : normalizeProjectName(values.project), version: values.version };
  let pending: Promise<TrustedCheckpoint> | undefined;
  // Fetched once, after the first lookup, so it covers every entry the lookups name.
  const checkpoint = () => (pending ??= fetchTrustedCheckpoint(logUrl, { logKey: values['log-key'], witnesses }, (l) => process.stderr.write(l + '\n')));
  const notSuspended = suspensionCheck(logUrl);
  const results = [];
  const bar = progress('verifying', positionals.length);
  for (const file of positionals) {
    try {
      results.push({ file, ok: true as const, ...(await verifyFile(logUrl, file, expect, checkpoint, notSuspended)) });
    } catch (e) {
      if (!isDiptychError(e)) throw e;
      results.push({ file, ok: false as const, reason: `${e.code}: ${e.message}` });
    }
    bar.tick();
  }
  bar.done();
  for (const r of results) {
    if (values.json) continue;
    if (r.ok) process.stdout.write(`${r.file}: OK (${r.project} ${r.version}, entry ${r.entry}, checkpoint size ${r.checkpointSize})\n`);
    else process.stderr.write(`diptych verify: ${r.file}: ${r.reason}\n`);
  }
  if (values.json) process.stdout.write(JSON.stringify(results) + '\n');
  return results.every((r) => r.ok) ? EXIT_OK : EXIT_FAILED;
}

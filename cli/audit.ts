// `diptych audit --log URL --state DIR [--full]`: the auditor's command (cli/audit-run.ts does
// the work). Exit 0 when the log checks out, 1 when it does not (a fork or rollback prints both
// signed checkpoints), 2 on a usage error, 3 when the log cannot be reached (SPEC §6).
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DiptychError } from '../log/errors.js';
import { EXIT_OK, UsageError, parseCommand, requireString, urlFlag } from './args.js';
import { runAudit, type AuditReport } from './audit-run.js';
import { progress, type Progress } from './progress.js';
import { WITNESS_FLAGS, WITNESS_HELP, witnessTrustFlags } from './witness-file.js';
import { trimTrailingSlashes } from '../log/trim-slashes.js';

export const AUDIT_HELP = `Usage: diptych audit --log URL [--state DIR] [--log-key VKEY] [--witnesses FILE --quorum K] [--full]

Checks that the log only grows. Fetches its checkpoint, checks the log's signature (and the
witnesses' cosignatures), and proves from the log's hash tiles, fetching only those that changed
since the last run, that the new tree extends the checkpoint kept in DIR; then keeps the new one.
A fork (two trees that cannot both be this log's) or a rollback (a smaller tree) exits 1 and
prints both signed checkpoints. The first run trusts what it sees; every later run checks
against it. DIR holds the audit of one log: another log's state, or a state file that does not
read back, is refused and left as it is.

With --full, also downloads every entry bundle and hash tile, re-hashes every entry, rebuilds
every tile and the root and compares them byte for byte, and recomputes the key policies and
releases from the entries and compares them with what /api/v1/projects serves. Progress is saved
in DIR: an interrupted run resumes, and a later run audits only the entries added since.

Options:
  --log URL        the log
  --state DIR      where the audit is kept between runs; default ~/.diptych/audit/HOST_PORT
  --log-key VKEY   the log's verifier key; default: the one kept in DIR, or on a first run the
                   one the log names itself (with a warning)
${WITNESS_HELP}  --full           re-hash and rebuild the whole log (see above)
  --json           print {origin, size, previousSize, cosigned, tilesFetched, full?}
  -h, --help       this help
`;

function printEvidence(e: DiptychError): void {
  const { kept, served } = (e.details ?? {}) as { kept?: string; served?: string };
  if (kept === undefined || served === undefined) return;
  process.stderr.write(`--- checkpoint kept from the last audit\n${kept}--- checkpoint the log serves now\n${served}`);
}

function summary(r: AuditReport): string {
  const step = r.previousSize === null ? `first audit, size ${r.size}` : r.previousSize === r.size ? `size ${r.size}, unchanged` : `grew from ${r.previousSize} to ${r.size}, consistent`;
  let out = `${r.origin}: OK (${step}; ${r.tilesFetched} tiles fetched${r.cosigned > 0 ? `; ${r.cosigned} witnesses cosigned` : ''})\n`;
  if (r.full !== undefined) {
    const f = r.full;
    const rate = f.seconds > 0 ? Math.round(f.entries / f.seconds) : 0;
    out += `full audit: ${f.entries} entries re-hashed from ${f.resumedFrom} (${rate} entries/s), every tile and the root rebuilt; `;
    out += `${f.projects.compared} projects match the API${f.projects.newer > 0 ? `, ${f.projects.newer} changed after this checkpoint` : ''}\n`;
    out += `${f.alerts.compared} alerts match the API (escalations, acknowledgements, suspensions)${f.alerts.newer > 0 ? `, ${f.alerts.newer} changed after this checkpoint` : ''}; ${f.alerts.suspensions} suspension(s) in force\n`;
  }
  return out;
}

/** The progress bar of a full audit (cli/progress.ts: drawn only on a terminal), per bundle. */
function bundleBar(): (done: number, total: number) => void {
  let bar: Progress | undefined;
  return (done, total) => {
    bar ??= progress('auditing bundles', total);
    bar.tick();
    if (done === total) bar.done();
  };
}

/** One state directory per log URL, under the user's home (SPEC §6 makes --state optional). */
function defaultStateDir(logUrl: string): string {
  const url = new URL(logUrl);
  const name = `${url.hostname}_${url.port || (url.protocol === 'https:' ? '443' : '80')}${trimTrailingSlashes(url.pathname).replace(/[^A-Za-z0-9.-]/g, '_')}`;
  return join(homedir(), '.diptych', 'audit', name);
}

export async function auditCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { log: { type: 'string' }, state: { type: 'string' }, 'log-key': { type: 'string' }, full: { type: 'boolean' }, ...WITNESS_FLAGS });
  if (values.help) {
    process.stdout.write(AUDIT_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError('audit takes no positional arguments');
  const logUrl = urlFlag(values.log, '--log');
  const stateDir = values.state === undefined ? defaultStateDir(logUrl) : requireString(values.state, '--state');
  const witnesses = await witnessTrustFlags(values);
  try {
    const report = await runAudit({ logUrl, stateDir, logKey: values['log-key'], witnesses, full: values.full ?? false, warn: (l) => process.stderr.write(l + '\n'), onBundle: bundleBar() });
    process.stdout.write(values.json ? JSON.stringify(report) + '\n' : summary(report));
    return EXIT_OK;
  } catch (e) {
    if (e instanceof DiptychError) printEvidence(e);
    throw e;
  }
}

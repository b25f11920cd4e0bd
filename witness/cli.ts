// `diptych witness serve|once` (SPEC §6). Exit codes: 0 clean; 1 a discrepancy this witness's
// views show (monitor/engine.ts), or an observation failed for another reason (bad index
// answer, entry refused by the log); 3 the index or the log could not be reached, even after
// retries; 2 usage.
import { EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE, UsageError, parseCommand, reportFailure } from '../cli/args.js';
import type { Clock } from './clock.js';
import { witnessConfig, type WitnessFlags } from './config.js';
import { WitnessNode, type WitnessReport } from './node.js';
import type { SweepReport } from './sweep.js';
import type { AlertPayload } from '../monitor/alert-payload.js';
import { createLogger, logLevelFlag, type Logger } from '../cli/logger.js';

export const WITNESS_HELP = `Usage: diptych witness serve|once --log URL --key SKEY [options]

Observes what a package index serves and logs it, signed by the witness key, when it changed
since the witness last looked. 'once' runs one sweep and exits; 'serve' sweeps on a schedule and
cosigns the log's checkpoints (C2SP tlog-witness POST /add-checkpoint).

Options:
  --log URL             the diptych log
  --index URL           index base URL (default https://pypi.org; repeatable: each is swept)
  --key FILE            the witness's signer key (PRIVATE+KEY+..., mode 0600)
  --data DIR            witness state (default ./witness-data)
  --projects P[,P...]   projects to watch (repeatable)
  --projects-file FILE  more projects, one per line
  --schedule CRON       sweep schedule for serve (default every 5 minutes)
  --grace SECONDS       grace period before withheld/unsigned alerts (default 3600)
  --confirm-after SECONDS
                        re-fetch a discrepancy only this witness saw, over a fresh connection,
                        after this delay: a second view confirms it (default 30; 0: never)
  --log-vkey VKEY       a log key whose checkpoints this witness cosigns (repeatable; serve)
  --host HOST, --port N address of the cosigning endpoint (serve; default 127.0.0.1:8081)
  --concurrency N       index requests in flight (default 4)
  --rate N              index requests per second (default 20)
  --discover            also sweep projects the index's /simple/ list shows as changed
  --webhook URL         POST each alert there as JSON (repeatable); retried with backoff, then
                        written to webhook-dead-letters.jsonl in --data
  --webhook-secret-file FILE
                        HMAC-SHA256 key signing each POST (X-Diptych-Signature over
                        "<X-Diptych-Timestamp>.<body>"); mode 0600. Or set DIPTYCH_WEBHOOK_SECRET
  --log-level LEVEL     trace, debug, info, warn, error, fatal or silent (default: info for
                        serve, error for once); logs go to stderr as JSON lines
                        (human-readable when stderr is a terminal)
  --json                machine-readable output
  -h, --help            this help

serve also answers GET /metrics (Prometheus) on its --host/--port.
`;

export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
}

export interface CommandEnv {
  readonly io?: CommandIo;
  /** Time for sweeps, backoff and timestamps (tests pass a manual clock). */
  readonly clock?: Clock;
  /** The process's logger; default: one on stderr at --log-level. */
  readonly logger?: Logger;
}

const processIo: CommandIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

const UNREACHABLE = new Set(['timeout', 'connection_failed', 'connection_reset', 'rate_limited', 'server_error', 'log_unreachable']);

/** The exit code a sweep report stands for: a discrepancy the witness's views show is 1. */
export function exitCodeOf(report: SweepReport & { discrepancies?: readonly unknown[] }): number {
  if (report.failures.some((f) => UNREACHABLE.has(f.reason))) return EXIT_UNREACHABLE;
  return report.failures.length > 0 || (report.discrepancies?.length ?? 0) > 0 ? EXIT_FAILED : EXIT_OK;
}

function alertLine(a: AlertPayload): string {
  const subject = [a.project, a.version, a.filename].filter((x) => x !== undefined).join(' ');
  const hashes = a.expected !== undefined && a.observed !== undefined && a.kind !== 'log-fork' ? ` (signed/seen ${a.expected.slice(0, 12)}…, now ${a.observed.slice(0, 12)}…)` : '';
  return `  ALERT ${a.severity} ${a.kind} ${subject}${hashes} id ${a.id.slice(0, 16)}`;
}

function summary(report: WitnessReport): string {
  const lines = [
    `fetched ${report.fetched}, unchanged since last time ${report.notModified}, logged ${report.logged}, alerts ${report.alerts.length}, open discrepancies ${report.discrepancies.length}, failures ${report.failures.length}`,
  ];
  for (const a of report.alerts) lines.push(alertLine(a));
  for (const f of report.failures) lines.push(`  ${f.project} (${f.source}): ${f.reason}: ${f.message}`);
  return lines.join('\n') + '\n';
}

export async function witnessCommand(argv: string[], env: CommandEnv = {}): Promise<number> {
  const io = env.io ?? processIo;
  const [mode, ...rest] = argv;
  try {
    const { values } = parseCommand(rest, {
      log: { type: 'string' }, index: { type: 'string', multiple: true }, key: { type: 'string' }, data: { type: 'string' },
      schedule: { type: 'string' }, projects: { type: 'string', multiple: true }, 'projects-file': { type: 'string' },
      grace: { type: 'string' }, 'confirm-after': { type: 'string' }, 'log-vkey': { type: 'string', multiple: true }, host: { type: 'string' },
      port: { type: 'string' }, concurrency: { type: 'string' }, rate: { type: 'string' }, discover: { type: 'boolean' },
      webhook: { type: 'string', multiple: true }, 'webhook-secret-file': { type: 'string' }, 'log-level': { type: 'string' },
    });
    if (values.help || mode === '--help' || mode === '-h') {
      io.out(WITNESS_HELP);
      return EXIT_OK;
    }
    if (mode !== 'once' && mode !== 'serve') throw new UsageError('expected "serve" or "once"');
    // `once` prints its own summary (failures and alerts included): its log adds only errors
    // (webhook alerts given up on) unless asked for more.
    const level = values['log-level'] === undefined && mode === 'once' ? 'error' : logLevelFlag(values['log-level']);
    const config = await witnessConfig(values as WitnessFlags);
    for (const w of config.warnings) io.err(`diptych witness: warning: ${w}\n`);
    const logger = env.logger ?? createLogger({ level, base: { service: 'witness' } });
    const node = await WitnessNode.open(config, env.clock, { logger });
    try {
      return mode === 'once' ? await once(node, values.json === true, io) : await serve(node, values.json === true, io, logger);
    } finally {
      await node.close();
    }
  } catch (e) {
    if (!(e instanceof UsageError)) return reportFailure(e, 'witness');
    io.err(`diptych witness: ${e.message} (see diptych witness --help)\n`);
    return EXIT_USAGE;
  }
}

async function once(node: WitnessNode, json: boolean, io: CommandIo): Promise<number> {
  const report = await node.sweep({ confirmNow: true });
  await node.webhooksIdle();
  io.out(json ? JSON.stringify(report) + '\n' : summary(report));
  return exitCodeOf(report);
}

async function serve(node: WitnessNode, json: boolean, io: CommandIo, logger: Logger): Promise<number> {
  const server = await node.listen();
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  // Each finished sweep is logged by the node itself (witness/node.ts recordSweep).
  node.schedule((r) => {
    if (r instanceof Error) logger.error({ event: 'sweep_failed', error: r.message }, 'sweep failed');
  });
  if (json) io.out(JSON.stringify({ url: server.url, verifierKey: node.key.verifierKey, schedule: node.config.schedule }) + '\n');
  const { projects, schedule } = node.config;
  logger.info({ event: 'listening', url: server.url, verifierKey: node.key.verifierKey, projects: projects.length, schedule }, `cosigning on ${server.url}, sweeping ${projects.length} projects on "${schedule}"`);
  await stopped;
  return EXIT_OK;
}

// `diptych serve`: opens the log in --data and serves it over HTTP until SIGINT/SIGTERM.
import { readFile } from 'node:fs/promises';
import { TransparencyLog } from '../log/transparency-log.js';
import { defaultEd25519Verifier } from '../log/node-crypto.js';
import { parsePolicy } from '../log/policy.js';
import { createLogServer } from '../api/app.js';
import { listen } from '../api/server.js';
import { EXIT_OK, integerFlag, parseCommand } from './args.js';
import { createLogger, logLevelFlag, LOG_LEVEL_HELP } from './logger.js';
import { logEvents } from './log-events.js';

/** After a drain, how long connections still writing their answers get before they are closed. */
const STOP_GRACE_MS = 2000;

export const SERVE_HELP = `Usage: diptych serve [--data DIR] [--host 127.0.0.1] [--port 8080] [--origin NAME] [--policy FILE]

Runs the transparency log: the C2SP checkpoint and tile endpoints and the /api/v1 JSON API.
The log's state lives in a level database in --data; its signing key is --key, or
<data>/log.key, created (mode 0600) on first start with --origin as its name.

Options:
  --data DIR            data directory (default ./data)
  --host HOST           address to listen on (default 127.0.0.1)
  --port PORT           port, 0 for any free one (default 8080)
  --origin NAME         the log's origin, e.g. log.example.org/diptych (default: the key's name,
                        or localhost/diptych for a new log)
  --key FILE            the log's signer key (PRIVATE+KEY+...) instead of <data>/log.key
  --policy FILE         log policy JSON: witnesses, quorums, trusted parties (SPEC §8)
  --cadence MS          milliseconds between checkpoints (default 1000)
  --verify-threads N    signature verification threads (default: one per core; 0: inline)
  --rate-limit N        writes (POST) per second per client address, with bursts of N;
                        more are refused with 429 and Retry-After (default: unlimited)
  --max-pending N       entries waiting for the next checkpoint at most; more are refused
                        with 503 overloaded, nothing of them stored (default 100000)
  --reindex             rebuild the derived state (key policies, releases, observations,
                        alerts, suspensions) from every entry, ignoring the stored snapshot
${LOG_LEVEL_HELP}
  --json                print the listening address as one JSON line
  -h, --help            this help

Serves GET /metrics (Prometheus) and GET /api/v1/openapi.json (OpenAPI 3.1) too.
`;

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, {
    data: { type: 'string', default: './data' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8080' },
    origin: { type: 'string' },
    key: { type: 'string' },
    policy: { type: 'string' },
    cadence: { type: 'string' },
    'verify-threads': { type: 'string' },
    'rate-limit': { type: 'string' },
    'max-pending': { type: 'string' },
    reindex: { type: 'boolean' },
    'log-level': { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(SERVE_HELP);
    return EXIT_OK;
  }
  const port = integerFlag(values.port, '--port', 0, 65535)!;
  const cadenceMs = integerFlag(values.cadence, '--cadence', 1, 60_000);
  const verifyThreads = integerFlag(values['verify-threads'], '--verify-threads', 0, 64);
  const writeRateLimit = integerFlag(values['rate-limit'], '--rate-limit', 1, 1_000_000);
  const maxPending = integerFlag(values['max-pending'], '--max-pending', 1, 10_000_000);
  const level = logLevelFlag(values['log-level']);
  const policy = values.policy === undefined ? undefined : parsePolicy(await readFile(values.policy, 'utf8'), values.policy);
  // The one logger of this process (stderr), handed to the log's hooks and the HTTP app.
  const logger = createLogger({ level, base: { service: 'log' } });
  const events = logEvents(logger);
  const log = await TransparencyLog.open({ dataDir: values.data, keyFile: values.key, origin: values.origin, cadenceMs, verifyThreads, maxPending, policy, reindex: values.reindex === true, ...events.hooks });
  events.attach(log);
  const onInternalError = (e: unknown): void => logger.error({ event: 'internal_error', error: (e as Error)?.message ?? String(e), stack: (e as Error)?.stack }, 'internal error');
  const { app, direct } = createLogServer(log, { writeRateLimit, logger, onInternalError });
  const server = await listen(app, { host: values.host, port, direct }).catch(async (e) => {
    await log.close();
    throw e;
  });
  // The handlers go in before the address is printed: whoever reads it may signal at once.
  // The first signal starts a graceful stop; with both handlers gone, a second one ends the
  // process at once (Node's default), for an operator who will not wait for the drain.
  const stopped = new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  if (values.json) process.stdout.write(JSON.stringify({ url: server.url, origin: log.origin, verifierKey: log.key.verifierKey, size: log.sequencer.size }) + '\n');
  // The verifier key is public; people starting a log copy it from this line (README).
  logger.info({ event: 'listening', url: server.url, origin: log.origin, size: log.sequencer.size, verifierKey: log.key.verifierKey, ed25519: defaultEd25519Verifier() }, `log ${log.origin} (size ${log.sequencer.size}) listening on ${server.url}; verifier key: ${log.key.verifierKey}`);
  await stopped;
  // A graceful stop: appends under way are logged and answered, not refused or cut off.
  server.stopListening();
  await log.drain();
  await server.close(STOP_GRACE_MS);
  await log.close();
  return EXIT_OK;
}

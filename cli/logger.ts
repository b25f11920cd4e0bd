// The structured logger of the long-running commands (`diptych serve`, `diptych witness`): one
// pino logger per process, created here by the command and handed down to whatever logs. Lines go
// to stderr (stdout carries the commands' --json output): JSON, one object per line, or, when
// stderr is a terminal, pino-pretty's human form. Node-only.
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { build as prettyStream } from 'pino-pretty';
import { UsageError } from './args.js';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_LEVEL_HELP = `  --log-level LEVEL     trace, debug, info (default), warn, error, fatal or silent; logs go to
                        stderr as JSON lines (human-readable when stderr is a terminal)`;

/** The --log-level flag's value, checked: a typo must not silently turn logging off. */
export function logLevelFlag(value: string | undefined): LogLevel {
  if (value === undefined) return 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(value)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  return value as LogLevel;
}

/**
 * Field names that hold secrets anywhere diptych could put them; censored even if some code path
 * passes such an object by mistake. Secrets are never logged on purpose: this is a second line.
 */
const REDACT = ['key', 'secret', 'password', 'authorization', 'signerKey', '*.key', '*.secret', '*.password', '*.authorization', '*.signerKey'];

export interface LoggerSetup {
  level?: LogLevel;
  /** Where lines go; default stderr (pretty when it is a TTY). Tests pass a stream to read. */
  destination?: DestinationStream;
  /** Fields on every line, e.g. {service: 'witness'}. */
  base?: Record<string, unknown>;
}

export function createLogger(setup: LoggerSetup = {}): Logger {
  const options: LoggerOptions = {
    level: setup.level ?? 'info',
    base: { pid: process.pid, ...setup.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT, censor: '[redacted]' },
    // Numbers in the JSON keep lines short; the label is what people read.
    formatters: { level: (label) => ({ level: label }) },
  };
  return pino(options, setup.destination ?? stderrDestination());
}

function stderrDestination(): DestinationStream {
  // In-process pretty printing (no transport worker thread): a TTY is a person, not a log shipper.
  if (process.stderr.isTTY) return prettyStream({ destination: 2, colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  // Asynchronous writes: lines logged while a write is in flight go out together in the next one,
  // so a line per request does not cost a system call per request; what is still buffered is
  // flushed when the process exits.
  return pino.destination({ dest: 2, sync: false });
}

/** A logger that writes nothing, for components created without one (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

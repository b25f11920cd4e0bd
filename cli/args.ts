// Shared command-line plumbing: flag parsing (node:util parseArgs), --help, exit codes (SPEC §6).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DiptychError } from '../log/errors.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_UNREACHABLE = 3;

export class UsageError extends Error {}

/** A server could not be reached at all (as opposed to answering with an error): exit 3. */
export class UnreachableError extends Error {}

export type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses argv for one command; --help and --json are always accepted. */
export function parseCommand<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } },
      allowPositionals,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function requireString(value: unknown, flag: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new UsageError(`${flag} is required`);
  return value;
}

/** An http(s) base URL such as http://127.0.0.1:8080 or https://pypi.org. */
export function urlFlag(value: unknown, flag: string): string {
  const text = requireString(value, flag);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${flag} must be a URL such as http://127.0.0.1:8080, not ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${flag} must be an http or https URL`);
  return text;
}

export function integerFlag(value: unknown, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !/^[0-9]+$/.test(value) || n < min || n > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}`);
  }
  return n;
}

/** Maps a failure to its exit code and prints one line: the code and the message, no stack. */
export function reportFailure(e: unknown, command: string): number {
  if (e instanceof UsageError) {
    process.stderr.write(`diptych ${command}: ${e.message} (see diptych ${command} --help)\n`);
    return EXIT_USAGE;
  }
  if (e instanceof DiptychError) {
    process.stderr.write(`diptych ${command}: ${e.code}: ${e.message}\n`);
    return EXIT_FAILED;
  }
  if (e instanceof UnreachableError) {
    process.stderr.write(`diptych ${command}: ${e.message}\n`);
    return EXIT_UNREACHABLE;
  }
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    process.stderr.write(`diptych ${command}: could not reach the server (${code})\n`);
    return EXIT_UNREACHABLE;
  }
  process.stderr.write(`diptych ${command}: ${(e as Error).message ?? String(e)}\n`);
  return EXIT_FAILED;
}

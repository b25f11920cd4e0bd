// The real `diptych` command as a child process: `serve` on 127.0.0.1 port 0 (its --json line
// says where), and one-shot runs of any other command. For tests that kill the server.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** dist/cli/diptych.js, found from this compiled file (dist/test/support/child-server.js). */
export const CLI_PATH = fileURLToPath(new URL('../../cli/diptych.js', import.meta.url));

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** What `diptych serve --json` prints once it listens. */
export interface ServeInfo {
  url: string;
  origin: string;
  verifierKey: string;
  size: number;
}

export interface ChildServer {
  readonly info: ServeInfo;
  readonly url: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>;
  stderr(): string;
  /** Sends a signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

export interface ServeOptions {
  dataDir: string;
  cadenceMs?: number;
  extraArgs?: readonly string[];
  /** Added to the child's environment (e.g. the test-only DIPTYCH_FAULT, see log/fault.ts). */
  env?: Readonly<Record<string, string>>;
  /**
   * Runs the server under `ulimit -f` (KiB): a write past that size fails with EFBIG, as on a
   * full disk, without filling one.
   */
  fileSizeLimitKiB?: number;
}

function exitOf(child: ChildProcess): Promise<Exit> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/**
 * Starts `diptych serve` and resolves once it prints its address. If the process exits first,
 * rejects with an error whose message holds the exit code and everything it wrote.
 */
export function startChildServer(options: ServeOptions): Promise<ChildServer> {
  const args = [
    CLI_PATH, 'serve',
    '--data', options.dataDir,
    '--host', '127.0.0.1',
    '--port', '0',
    '--json',
    '--cadence', String(options.cadenceMs ?? 20),
    ...(options.extraArgs ?? []),
  ];
  const env = { ...process.env, ...options.env };
  const child =
    options.fileSizeLimitKiB === undefined
      ? spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env })
      : spawn('bash', ['-c', `ulimit -f ${options.fileSizeLimitKiB} && exec "$0" "$@"`, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const exited = exitOf(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise<ChildServer>((resolve, reject) => {
    let listening = false;
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      const newline = stdout.indexOf('\n');
      if (listening || newline < 0) return;
      listening = true;
      const info = JSON.parse(stdout.slice(0, newline)) as ServeInfo;
      if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(info.url)) {
        child.kill('SIGKILL');
        reject(new Error(`the server listens on ${info.url}, not on loopback`));
        return;
      }
      resolve({
        info,
        url: info.url,
        child,
        exited,
        stderr: () => stderr,
        async stop(signal: NodeJS.Signals = 'SIGTERM') {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    });
    // 'close' comes after the output streams end, so the error holds everything written.
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      if (!listening) reject(new ChildExitedError({ code, signal }, stdout, stderr));
    });
  });
}

export class ChildExitedError extends Error {
  constructor(
    readonly exit: Exit,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`diptych serve exited (${exit.code ?? exit.signal}) before listening: ${stderr.trim()}`);
  }
}

export interface CliRun extends Exit {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `diptych ...args` to completion. */
export function runCli(args: readonly string[], options: { cwd?: string } = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: options.cwd });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  // 'close' (not 'exit') so that all output has been read.
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

// `diptych witness` flags → a checked configuration. Usage errors are UsageError (exit 2);
// plain-HTTP URLs to non-loopback hosts are allowed but warned about (issue 5).
import { readFile } from 'node:fs/promises';
import { UsageError, integerFlag } from '../cli/args.js';
import { isValidProjectName, pep503Normalize } from '../log/project-name.js';

export const DEFAULT_SCHEDULE = '*/5 * * * *';

export interface WitnessConfig {
  readonly logUrl: string;
  /** Index base URLs; each is swept (PyPI and its mirrors, or PyPI through several paths). */
  readonly indexUrls: readonly string[];
  readonly keyFile: string;
  readonly dataDir: string;
  readonly schedule: string;
  readonly projects: readonly string[];
  readonly graceSeconds: number;
  /** The logs' verifier keys this witness cosigns for (tlog-witness). */
  readonly logVkeys: readonly string[];
  readonly host: string;
  readonly port: number;
  readonly concurrency: number;
  readonly requestsPerSecond: number;
  /** Also sweep projects the index's project list shows as changed since the last sweep. */
  readonly discover: boolean;
  readonly warnings: readonly string[];
}

export interface WitnessFlags {
  log?: string;
  index?: string[];
  key?: string;
  data?: string;
  schedule?: string;
  projects?: string[];
  'projects-file'?: string;
  grace?: string;
  'log-vkey'?: string[];
  host?: string;
  port?: string;
  concurrency?: string;
  rate?: string;
  discover?: boolean;
}

function httpUrl(value: string | undefined, flag: string, warnings: string[]): string {
  if (value === undefined || value === '') throw new UsageError(`${flag} is required`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag} must be a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`${flag} must be an http(s) URL`);
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol === 'http:' && !loopback) warnings.push(`${flag} ${value} is not TLS-protected: anyone on the path can change what the witness sees`);
  return value.replace(/\/+$/, '');
}

async function projectList(flags: WitnessFlags): Promise<string[]> {
  const names = (flags.projects ?? []).flatMap((p) => p.split(/[\s,]+/));
  if (flags['projects-file'] !== undefined) {
    const text = await readFile(flags['projects-file'], 'utf8').catch(() => {
      throw new UsageError(`cannot read ${flags['projects-file']}`);
    });
    names.push(...text.split('\n').map((l) => l.replace(/#.*/, '').trim()));
  }
  const out = names.filter((n) => n !== '');
  const bad = out.find((n) => !isValidProjectName(n));
  if (bad !== undefined) throw new UsageError(`not a valid project name: ${bad}`);
  return [...new Set(out.map(pep503Normalize))];
}

export async function witnessConfig(flags: WitnessFlags): Promise<WitnessConfig> {
  const warnings: string[] = [];
  const logUrl = httpUrl(flags.log, '--log', warnings);
  const indexUrls = [...new Set((flags.index ?? ['https://pypi.org']).map((u) => httpUrl(u, '--index', warnings)))];
  if (flags.key === undefined) throw new UsageError('--key is required');
  return {
    logUrl,
    indexUrls,
    keyFile: flags.key,
    dataDir: flags.data ?? './witness-data',
    schedule: flags.schedule ?? DEFAULT_SCHEDULE,
    projects: await projectList(flags),
    graceSeconds: integerFlag(flags.grace, '--grace', 0, 365 * 86_400) ?? 3600,
    logVkeys: flags['log-vkey'] ?? [],
    host: flags.host ?? '127.0.0.1',
    port: integerFlag(flags.port ?? '8081', '--port', 0, 65_535)!,
    concurrency: integerFlag(flags.concurrency ?? '4', '--concurrency', 1, 1024)!,
    requestsPerSecond: integerFlag(flags.rate ?? '20', '--rate', 1, 100_000)!,
    discover: flags.discover === true,
    warnings,
  };
}

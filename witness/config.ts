// `diptych witness` flags → a checked configuration. Usage errors are UsageError (exit 2);
// plain-HTTP URLs to non-loopback hosts are allowed but warned about (issue 5).
import { readFile } from 'node:fs/promises';
import { UsageError, integerFlag } from '../cli/args.js';
import { utf8 } from '../log/bytes.js';
import { readPrivateFile } from '../log/log-key.js';
import { isValidProjectName, pep503Normalize } from '../log/project-name.js';
import { trimTrailingSlashes } from '../log/trim-slashes.js';
import { MIN_SECRET_BYTES, redactUrl } from './webhooks.js';

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
  /** A suspect discrepancy seen only by this witness is re-fetched afresh after this delay. */
  readonly confirmAfterSeconds: number;
  /** The logs' verifier keys this witness cosigns for (tlog-witness). */
  readonly logVkeys: readonly string[];
  readonly host: string;
  readonly port: number;
  readonly concurrency: number;
  readonly requestsPerSecond: number;
  /** Also sweep projects the index's project list shows as changed since the last sweep. */
  readonly discover: boolean;
  /** Alerts are POSTed to each (witness/webhooks.ts). */
  readonly webhookUrls: readonly string[];
  /** HMAC key for the webhook signature header; never print it. */
  readonly webhookSecret: Uint8Array | undefined;
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
  'confirm-after'?: string;
  'log-vkey'?: string[];
  host?: string;
  port?: string;
  concurrency?: string;
  rate?: string;
  discover?: boolean;
  webhook?: string[];
  'webhook-secret-file'?: string;
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
  return trimTrailingSlashes(value);
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

function webhookUrl(value: string, warnings: string[]): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Not echoed: a webhook URL can carry a token.
    throw new UsageError('--webhook must be a URL such as https://hooks.example.org/diptych');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError('--webhook must be an http(s) URL');
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol === 'http:' && !loopback) warnings.push(`--webhook ${redactUrl(value)} is not TLS-protected: anyone on the path can read the alerts`);
  // Unlike index URLs, kept as given: a webhook's trailing slash can be part of its route.
  return value;
}

/**
 * The webhook secret: --webhook-secret-file (refused if other users can read it, like key files)
 * or else DIPTYCH_WEBHOOK_SECRET; surrounding whitespace is not part of it. Errors name where
 * the secret came from, never the secret.
 */
async function webhookSecret(flags: WitnessFlags, env: NodeJS.ProcessEnv): Promise<Uint8Array | undefined> {
  const file = flags['webhook-secret-file'];
  let text: string;
  let source: string;
  if (file !== undefined) {
    text = (await readPrivateFile(file, 'webhook secret file')).toString('utf8').trim();
    source = file;
  } else if (env.DIPTYCH_WEBHOOK_SECRET !== undefined && env.DIPTYCH_WEBHOOK_SECRET !== '') {
    text = env.DIPTYCH_WEBHOOK_SECRET.trim();
    source = 'DIPTYCH_WEBHOOK_SECRET';
  } else {
    return undefined;
  }
  const secret = utf8(text);
  if (secret.length < MIN_SECRET_BYTES) {
    throw new UsageError(`the webhook secret in ${source} is shorter than ${MIN_SECRET_BYTES} bytes; make one with: openssl rand -hex 32`);
  }
  return secret;
}

export async function witnessConfig(flags: WitnessFlags, env: NodeJS.ProcessEnv = process.env): Promise<WitnessConfig> {
  const warnings: string[] = [];
  const logUrl = httpUrl(flags.log, '--log', warnings);
  const indexUrls = [...new Set((flags.index ?? ['https://pypi.org']).map((u) => httpUrl(u, '--index', warnings)))];
  if (flags.key === undefined) throw new UsageError('--key is required');
  const webhookUrls = [...new Set((flags.webhook ?? []).map((u) => webhookUrl(u, warnings)))];
  const secret = await webhookSecret(flags, env);
  if (webhookUrls.length > 0 && secret === undefined) {
    warnings.push('webhook deliveries are not signed (no --webhook-secret-file or DIPTYCH_WEBHOOK_SECRET): receivers cannot tell them from forgeries');
  }
  return {
    logUrl,
    indexUrls,
    keyFile: flags.key,
    dataDir: flags.data ?? './witness-data',
    schedule: flags.schedule ?? DEFAULT_SCHEDULE,
    projects: await projectList(flags),
    graceSeconds: integerFlag(flags.grace, '--grace', 0, 365 * 86_400) ?? 3600,
    confirmAfterSeconds: integerFlag(flags['confirm-after'], '--confirm-after', 0, 86_400) ?? 30,
    logVkeys: flags['log-vkey'] ?? [],
    host: flags.host ?? '127.0.0.1',
    port: integerFlag(flags.port ?? '8081', '--port', 0, 65_535)!,
    concurrency: integerFlag(flags.concurrency ?? '4', '--concurrency', 1, 1024)!,
    requestsPerSecond: integerFlag(flags.rate ?? '20', '--rate', 1, 100_000)!,
    discover: flags.discover === true,
    webhookUrls,
    webhookSecret: secret,
    warnings,
  };
}

// `diptych verify-lock` on a 500-line requirements file (250 projects, each pinned with an sdist
// and a wheel hash), end to end: the CLI in a child process against a log served on loopback,
// every manifest entry proven. Its baseline is the same child process doing nothing
// (`diptych --help`), measured in the same run, so the ratio shows the cost above Node startup.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { canonicalEnvelopeBytes, signEnvelope } from '../log/dsse.js';
import { generateSignerKey, parseSignerKey, type SignerKey } from '../log/note.js';
import { KEYS_TYPE } from '../log/project-policy.js';
import { RELEASE_TYPE } from '../log/release-manifest.js';
import { formatTimestamp } from '../log/timestamp.js';
import { TransparencyLog } from '../log/transparency-log.js';
import { createLogServer } from '../api/app.js';
import { listen } from '../api/server.js';

const CLI = fileURLToPath(new URL('../cli/diptych.js', import.meta.url));
const PROJECTS = 250;

function runCli(args: readonly string[]): Promise<number> {
  const start = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve(performance.now() - start) : reject(new Error(`diptych ${args[0]} exited ${code}`))));
  });
}

async function median(runs: number, fn: () => Promise<number>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await fn());
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

/** Logs a policy and a two-file release per project; returns the requirements file's text. */
async function populate(url: string, key: SignerKey): Promise<string> {
  const pool = new Pool(url, { connections: 16 });
  const post = async (type: string, payload: Record<string, unknown>): Promise<void> => {
    const res = await pool.request({ path: '/api/v1/entries', method: 'POST', body: canonicalEnvelopeBytes(signEnvelope(type, payload, [key.signer])), headers: { 'content-type': 'application/json' } });
    await res.body.dump();
    if (res.statusCode !== 201) throw new Error(`append answered ${res.statusCode}`);
  };
  const lines: string[] = [];
  const created = formatTimestamp(Date.now());
  await Promise.all(Array.from({ length: PROJECTS }, async (_, p) => {
    const project = `bench-project-${p}`;
    const files = [`bench_project_${p}-1.0.tar.gz`, `bench_project_${p}-1.0-py3-none-any.whl`].map((filename) => ({ filename, sha256: createHash('sha256').update(filename).digest('hex'), size: 1000 }));
    await post(KEYS_TYPE, { project, keys: [key.verifierKey], threshold: 1, seq: 1 });
    await post(RELEASE_TYPE, { project, version: '1.0', files, created });
    lines.push(`${project}==1.0 \\\n    --hash=sha256:${files[0]!.sha256} \\\n    --hash=sha256:${files[1]!.sha256}`);
  }));
  await pool.close();
  return lines.join('\n') + '\n';
}

export async function verifyLockTime(runs: number): Promise<{ lockMs: number; startupMs: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'diptych-bench-lock-'));
  const log = await TransparencyLog.open({ dataDir: join(dir, 'data'), cadenceMs: 50 });
  const { app, direct } = createLogServer(log);
  const server = await listen(app, { host: '127.0.0.1', port: 0, direct });
  try {
    const key = parseSignerKey(generateSignerKey('bench@example.org', randomBytes(32)).signerKey);
    const lockFile = join(dir, 'requirements.txt');
    await writeFile(lockFile, await populate(server.url, key));
    const args = ['verify-lock', lockFile, '--log', server.url, '--log-key', log.key.verifierKey];
    return { lockMs: await median(runs, () => runCli(args)), startupMs: await median(runs, () => runCli(['--help'])) };
  } finally {
    await server.close();
    await log.close();
    await rm(dir, { recursive: true, force: true });
  }
}

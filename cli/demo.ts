// `diptych demo`: the whole story on one machine, with real parts on 127.0.0.1: a log, two
// witnesses, a replay of PyPI serving the recorded responses in ../shared/fixtures/pypi, and a
// webhook receiver. Two maintainers publish a signed release; the index swaps one file's hash;
// the witnesses log what they see and raise alerts; two trusted parties escalate; the log
// suspends the project; `verify` refuses the file; finally the parties lift the suspension.
// `runDemo` returns what happened, so the end-to-end test runs exactly this story.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeNewSignerKeyFile } from '../log/log-key.js';
import { parsePolicy } from '../log/policy.js';
import { formatTimestamp } from '../log/timestamp.js';
import type { SignerKey } from '../log/note.js';
import { TransparencyLog } from '../log/transparency-log.js';
import { createLogServer } from '../api/app.js';
import { listen, type RunningServer } from '../api/server.js';
import { witnessConfig } from '../witness/config.js';
import { WitnessNode, type WitnessReport } from '../witness/node.js';
import { ReplayIndex } from '../test/support/pypi-replay.js';
import { loadRecordedProjects } from '../test/support/pypi-fixtures.js';
import { EXIT_OK, parseCommand } from './args.js';
import { escalateCommand, postStatement } from './escalate.js';
import { verifyCommand } from './verify.js';
import { getJson, joinUrl } from './http-json.js';

export const DEMO_HELP = `Usage: diptych demo [--keep]

Runs the whole diptych story on this machine in about half a minute, on 127.0.0.1 only: a log,
two witnesses, a replay of PyPI with recorded responses (../shared/fixtures/pypi), a webhook
receiver. Two maintainers sign a release, the index swaps one file's hash, the witnesses log it
and raise an alert, two trusted parties escalate, the project is suspended, verify refuses the
file, and the parties lift the suspension.

Options:
  --keep      keep the temporary directory (keys, data) and print its path
  -h, --help  this help
`;

const PROJECT = 'snowballstemmer';
const VERSION = '9.0.0';

export interface DemoResult {
  readonly logUrl: string;
  /** Keys (psrt.key, foundation.key, alice.key, bob.key, witness-N.key, log.key) and data. */
  readonly dir: string;
  readonly release: { sdist: string; sha256: string; tamperedSha256: string };
  readonly sweeps: WitnessReport[];
  readonly alertIds: string[];
  readonly escalations: number[];
  readonly webhooks: Record<string, unknown>[];
  readonly verifyTampered: number;
  readonly verifySuspended: number;
  readonly verifyAfterLift: number;
  /** Open the servers still run; the test inspects the log before calling it. */
  close(): Promise<void>;
}

interface Stage {
  readonly dir: string;
  readonly say: (line: string) => void;
  readonly closers: Array<() => Promise<unknown>>;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function keyFile(stage: Stage, file: string, name: string): Promise<SignerKey> {
  return writeNewSignerKeyFile(join(stage.dir, file), name);
}

async function startWebhookReceiver(stage: Stage, received: Record<string, unknown>[]): Promise<string> {
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { alert: Record<string, unknown> };
      received.push(body.alert);
      stage.say(`  webhook: received ${String(body.alert['severity'])} ${String(body.alert['kind'])} (signed ${req.headers['x-diptych-signature'] ? 'yes' : 'no'})`);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stage.closers.push(() => new Promise((resolve) => server.close(resolve)));
  const address = server.address() as { port: number };
  return `http://127.0.0.1:${address.port}/hook`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

interface StartedWitness {
  readonly node: WitnessNode;
  readonly url: string;
}

async function startWitness(stage: Stage, n: number, logUrl: string, indexUrl: string, logVkey: string, hook: string): Promise<StartedWitness> {
  const key = `witness-${n}.key`;
  await keyFile(stage, key, `witness${n}.demo`);
  const config = await witnessConfig(
    { log: logUrl, index: [indexUrl], key: join(stage.dir, key), data: join(stage.dir, `witness-${n}`), projects: [PROJECT], 'log-vkey': [logVkey], port: '0', grace: '60', 'confirm-after': '0', webhook: [hook], 'webhook-secret-file': join(stage.dir, 'hook.secret') },
    {},
  );
  const node = await WitnessNode.open(config);
  stage.closers.push(() => node.close());
  // Where it cosigns (its tlog-witness endpoint), for the log's policy.
  return { node, url: (await node.listen()).url };
}

async function startLog(stage: Stage, witnesses: readonly StartedWitness[], parties: SignerKey[], port: number): Promise<{ log: TransparencyLog; server: RunningServer }> {
  const policy = parsePolicy(JSON.stringify({
    witnesses: witnesses.map((w) => ({ vkey: w.node.key.verifierKey, url: w.url })),
    cosignatureQuorum: 1,
    trustedParties: parties.map((p) => p.verifierKey),
    escalationQuorum: 2,
  }));
  const log = await TransparencyLog.open({ dataDir: join(stage.dir, 'log'), keyFile: join(stage.dir, 'log.key'), cadenceMs: 50, verifyThreads: 0, policy });
  stage.closers.push(() => log.close());
  const { app, direct } = createLogServer(log);
  const server = await listen(app, { host: '127.0.0.1', port, direct });
  stage.closers.push(() => server.close());
  return { log, server };
}

function sweepLine(name: string, r: WitnessReport): string {
  const alerts = r.alerts.map((a) => `${a.severity} ${a.kind}${a.filename ? ` ${a.filename}` : ''}`).join(', ');
  return `  ${name}: fetched ${r.fetched}, logged ${r.logged} observation(s)${alerts ? `, alerts: ${alerts}` : ', no alerts'}`;
}

/** Runs the story; the servers keep running until the result's close(). */
export async function runDemo(say: (line: string) => void = () => undefined): Promise<DemoResult> {
  const stage: Stage = { dir: await mkdtemp(join(tmpdir(), 'diptych-demo-')), say, closers: [] };
  stage.closers.push(() => rm(stage.dir, { recursive: true, force: true }));
  try {
    return await story(stage);
  } catch (e) {
    for (const close of stage.closers.reverse()) await close().catch(() => undefined);
    throw e;
  }
}

interface Cast {
  readonly index: ReplayIndex;
  readonly logUrl: string;
  readonly logKey: SignerKey;
  readonly w1: WitnessNode;
  readonly w2: WitnessNode;
}

/** 1: the index, the webhook receiver, two witnesses, and the log whose policy names them. */
async function setUp(stage: Stage): Promise<Cast & { webhooks: Record<string, unknown>[] }> {
  const index = await ReplayIndex.start({ projects: loadRecordedProjects() });
  stage.closers.push(() => index.close());
  const webhooks: Record<string, unknown>[] = [];
  const hook = await startWebhookReceiver(stage, webhooks);
  await writeFile(join(stage.dir, 'hook.secret'), randomBytes(24).toString('hex'), { mode: 0o600 });
  // The witnesses cosign for the log and the log's policy names the witnesses' URLs: the log's
  // key and port are chosen first.
  const logPort = await freePort();
  const logUrl = `http://127.0.0.1:${logPort}`;
  const logKey = await keyFile(stage, 'log.key', 'log.demo');
  const witnesses = [await startWitness(stage, 1, logUrl, index.url, logKey.verifierKey, hook), await startWitness(stage, 2, logUrl, index.url, logKey.verifierKey, hook)];
  const [w1, w2] = witnesses.map((w) => w.node) as [WitnessNode, WitnessNode];
  const [psrt, foundation] = [await keyFile(stage, 'psrt.key', 'psrt.demo'), await keyFile(stage, 'foundation.key', 'foundation.demo')];
  await startLog(stage, witnesses, [psrt, foundation], logPort);
  stage.say(`1. A PyPI replay on ${index.url}, a webhook receiver, two witnesses; the log on ${logUrl}`);
  stage.say(`   policy: witnesses ${w1.key.name}, ${w2.key.name}; trusted parties ${psrt.name}, ${foundation.name}; escalation quorum 2`);
  return { index, logUrl, logKey, w1, w2, webhooks };
}

/** 2: two maintainers sign a release; the index serves it; the files as released and as swapped. */
async function publish(stage: Stage, cast: Cast): Promise<{ release: DemoResult['release']; goodPath: string; evilPath: string }> {
  const [alice, bob] = [await keyFile(stage, 'alice.key', 'alice.dev'), await keyFile(stage, 'bob.key', 'bob.dev')];
  const sdist = `${PROJECT}-${VERSION}.tar.gz`;
  const good = new TextEncoder().encode(`the ${PROJECT} ${VERSION} sources, as released\n`);
  const evil = new TextEncoder().encode(`the ${PROJECT} ${VERSION} sources, with a backdoor\n`);
  const goodPath = join(stage.dir, 'released', sdist);
  const evilPath = join(stage.dir, 'downloaded', sdist);
  await Promise.all([writeFileIn(goodPath, good), writeFileIn(evilPath, evil)]);
  const release = { sdist, sha256: sha256(good), tamperedSha256: sha256(evil) };
  cast.index.addFile(PROJECT, VERSION, { filename: sdist, sha256: release.sha256, size: good.length, uploadTime: new Date().toISOString() });
  const keysAt = await postStatement(cast.logUrl, 'application/vnd.diptych.keys+json', { project: PROJECT, keys: [alice.verifierKey, bob.verifierKey], threshold: 2, seq: 1 }, [alice.signer, bob.signer]);
  const files = [{ filename: sdist, sha256: release.sha256, size: good.length }];
  const manifestAt = await postStatement(cast.logUrl, 'application/vnd.diptych.release+json', { project: PROJECT, version: VERSION, files, created: formatTimestamp(Date.now()) }, [alice.signer, bob.signer]);
  stage.say(`2. Maintainers alice and bob (threshold 2) log their key policy (entry ${keysAt}) and sign ${PROJECT} ${VERSION}: ${sdist} sha256 ${release.sha256.slice(0, 16)}… (entry ${manifestAt})`);
  return { release, goodPath, evilPath };
}

/** 5–7: two parties suspend the project, verify refuses it, the index is fixed, they lift it. */
async function escalateAndLift(stage: Stage, cast: Cast, alert: string, release: DemoResult['release'], goodPath: string): Promise<{ verifySuspended: number; verifyAfterLift: number }> {
  const { logUrl, logKey } = cast;
  const escalate = async (action: string, reason: string) => {
    for (const party of ['psrt.key', 'foundation.key']) await escalateCommand(['--alert', alert, '--action', action, '--key', join(stage.dir, party), '--log', logUrl, '--reason', reason]);
  };
  stage.say(`5. Two trusted parties escalate alert ${alert.slice(0, 16)}… with suspend-project`);
  await escalate('suspend-project', 'the index serves a file the maintainers did not sign');
  const status = await waitForStatus(logUrl, (s) => s.suspended.projects.includes(PROJECT));
  stage.say(`   the log publishes the suspension (entry ${status.suspensions[0]!.index}); suspended projects: ${status.suspended.projects.join(', ')}`);
  stage.say(`6. While it is suspended, even the file the maintainers released is refused: diptych verify ${release.sdist}`);
  const verifySuspended = await verifyCommand([goodPath, '--log', logUrl, '--log-key', logKey.verifierKey]);
  stage.say(`   exit ${verifySuspended}`);
  stage.say('7. The index serves the signed file again; the two parties lift the suspension');
  cast.index.changeFileHash(PROJECT, release.sdist, release.sha256);
  await escalate('lift', 'the index serves the signed file again');
  await waitForStatus(logUrl, (s) => s.suspended.projects.length === 0);
  const verifyAfterLift = await verifyCommand([goodPath, '--log', logUrl, '--log-key', logKey.verifierKey]);
  stage.say(`   exit ${verifyAfterLift}: the released file verifies again`);
  return { verifySuspended, verifyAfterLift };
}

async function story(stage: Stage): Promise<DemoResult> {
  const { say } = stage;
  const cast = await setUp(stage);
  const { logUrl, logKey, w1, w2, index } = cast;
  const { release, goodPath, evilPath } = await publish(stage, cast);
  const sweeps: WitnessReport[] = [];
  const sweep = async (name: string, node: WitnessNode) => {
    const r = await node.sweep();
    sweeps.push(r);
    say(sweepLine(name, r));
  };
  say('3. The witnesses sweep the index: it serves what was signed');
  await sweep('witness 1', w1);
  await sweep('witness 2', w2);

  index.changeFileHash(PROJECT, release.sdist, release.tamperedSha256);
  say(`4. The index swaps the file: ${release.sdist} now has sha256 ${release.tamperedSha256.slice(0, 16)}…`);
  await sweep('witness 1', w1);
  await sweep('witness 2', w2);
  await Promise.all([w1.webhooksIdle(), w2.webhooksIdle()]);
  const alerts = await getJson<Array<{ id: string; kind: string; severity: string; filename?: string; entries: number[] }>>(joinUrl(logUrl, `/api/v1/alerts?project=${PROJECT}`));
  for (const a of alerts) say(`   alert ${a.id.slice(0, 16)}… ${a.severity} ${a.kind} ${a.filename ?? ''} (entries ${a.entries.join(', ')})`);
  const mismatch = alerts.find((a) => a.kind === 'hash-mismatch');
  if (!mismatch) throw new Error('the witnesses raised no hash-mismatch alert');
  say(`   a user who downloaded the swapped file: diptych verify ${release.sdist}`);
  const verifyTampered = await verifyCommand([evilPath, '--log', logUrl, '--log-key', logKey.verifierKey]);
  say(`   exit ${verifyTampered}`);

  const { verifySuspended, verifyAfterLift } = await escalateAndLift(stage, cast, mismatch.id, release, goodPath);
  const record = await getJson<{ escalations: Array<{ index: number }> }>(joinUrl(logUrl, `/api/v1/alerts/${mismatch.id}`));
  return {
    logUrl,
    dir: stage.dir,
    release,
    sweeps,
    alertIds: alerts.map((a) => a.id),
    escalations: record.escalations.map((e) => e.index),
    webhooks: cast.webhooks,
    verifyTampered,
    verifySuspended,
    verifyAfterLift,
    close: async () => {
      for (const close of stage.closers.reverse()) await close().catch(() => undefined);
    },
  };
}

async function writeFileIn(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
}

interface StatusView {
  suspended: { index: boolean; projects: string[] };
  suspensions: Array<{ index: number }>;
}

/** Polls the log's status until `ready` holds (suspensions are published one cadence later). */
async function waitForStatus(logUrl: string, ready: (s: StatusView) => boolean): Promise<StatusView> {
  for (let i = 0; i < 200; i++) {
    const s = await getJson<StatusView>(joinUrl(logUrl, '/api/v1/status'));
    if (ready(s)) return s;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the log did not reach the expected suspension state');
}

export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, { keep: { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(DEMO_HELP);
    return EXIT_OK;
  }
  const started = Date.now();
  const result = await runDemo((line) => process.stdout.write(line + '\n'));
  await result.close();
  process.stdout.write(`done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return result.verifyTampered === 1 && result.verifySuspended === 1 && result.verifyAfterLift === 0 ? EXIT_OK : 1;
}

// `witnessCommand` (not yet registered in cli/diptych.ts) run in-process against the replay
// index and a real log: exit codes 0 / 1 / 2 / 3 as SPEC §6 and issue 5 define them, machine
// output, configuration checks.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeNewSignerKeyFile } from '../log/log-key.js';
import { generateSignerKey, parseSignerKey } from '../log/note.js';
import { nodeEd25519Signer } from '../log/node-crypto.js';
import { randomBytes } from 'node:crypto';
import { witnessCommand, type CommandIo } from '../witness/cli.js';
import { manualClock } from '../witness/clock.js';
import { witnessConfig } from '../witness/config.js';
import { formatAddCheckpoint } from '../witness/add-checkpoint.js';
import { WitnessNode, type WitnessReport } from '../witness/node.js';
import { CheckpointLog } from './support/checkpoint-log.js';
import { get, post } from './support/http-get.js';
import { fromBase64 } from '../log/bytes.js';
import type { ObservationPayload } from '../witness/observation.js';
import type { SweepReport } from '../witness/sweep.js';
import { keysEntry, newSignerKey, postEntry, serveTestLog, witnessPolicy, type ServedLog } from './support/log-fixture.js';
import { loadRecordedProjects } from './support/pypi-fixtures.js';
import { ReplayIndex } from './support/pypi-replay.js';

interface Ctx {
  dir: string;
  keyFile: string;
  index: ReplayIndex;
  log: ServedLog;
}

const test = suite<Ctx>('witness-cli');
test.before(async (ctx) => {
  ctx.dir = await mkdtemp(join(tmpdir(), 'diptych-witness-cli-'));
  ctx.keyFile = join(ctx.dir, 'witness.key');
  const key = await writeNewSignerKeyFile(ctx.keyFile, 'witness.test/cli');
  ctx.index = await ReplayIndex.start({ projects: loadRecordedProjects() });
  ctx.log = await serveTestLog({ verifyThreads: 0, policy: witnessPolicy(key.verifierKey) });
});
test.after(async (ctx) => {
  await ctx.index.close();
  await ctx.log.close();
  await rm(ctx.dir, { recursive: true, force: true });
});

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CommandIo = { out: (t) => (out += t), err: (t) => (err += t) };
  const code = await witnessCommand(argv, { io, clock: manualClock() });
  return { code, out, err };
}

const base = (ctx: Ctx, data: string, log = ctx.log.url, projects = 'snowballstemmer,xo-gd'): string[] => [
  '--log', log, '--index', ctx.index.url, '--key', ctx.keyFile, '--data', join(ctx.dir, data), '--projects', projects, '--json',
];

test('once: a clean sweep exits 0 and logs; the next one logs nothing', async (ctx) => {
  const first = await run(['once', ...base(ctx, 'a')]);
  assert.is(first.code, 0, first.err);
  const report = JSON.parse(first.out) as SweepReport;
  assert.ok(report.logged > 0);
  const second = await run(['once', ...base(ctx, 'a')]);
  assert.is(second.code, 0);
  assert.is((JSON.parse(second.out) as SweepReport).logged, 0);
});

test('once: projects with a key policy in the log are watched without being listed', async (ctx) => {
  assert.is((await postEntry(ctx.log.url, keysEntry(newSignerKey('maint.test/pytz'), 'pytz'))).status, 201);
  const listed = JSON.parse((await get(ctx.log.url, '/api/v1/projects')).text) as { projects: string[] };
  assert.ok(listed.projects.includes('pytz'), 'the log lists the project');
  const run1 = await run(['once', ...base(ctx, 'policies', ctx.log.url, 'snowballstemmer')]);
  assert.is(run1.code, 0, run1.err);
  const report = JSON.parse(run1.out) as SweepReport;
  const projects = new Set<string>();
  for (const index of report.entries) {
    const { envelope } = JSON.parse((await get(ctx.log.url, `/api/v1/entries/${index}`)).text) as { envelope: { payload: string } };
    projects.add((JSON.parse(new TextDecoder().decode(fromBase64(envelope.payload))) as ObservationPayload).project);
  }
  assert.equal([...projects].sort(), ['pytz', 'snowballstemmer'], 'pytz observed because of its key policy');
});

test('once: bad index answers exit 1, an unreachable log exits 3', async (ctx) => {
  ctx.index.inject({ kind: 'truncate' }, { path: '/pypi/xo-gd/' });
  const bad = await run(['once', ...base(ctx, 'b')]);
  ctx.index.clearFaults();
  assert.is(bad.code, 1, bad.out);
  assert.ok((JSON.parse(bad.out) as SweepReport).failures.some((f) => f.reason === 'invalid_json'));
  const dead = await ReplayIndex.start({ projects: new Map() });
  const deadUrl = dead.url;
  await dead.close();
  const unreachable = await run(['once', ...base(ctx, 'c', deadUrl, 'snowballstemmer')]);
  assert.is(unreachable.code, 3, unreachable.out);
});

test('usage errors exit 2; configuration checks', async (ctx) => {
  assert.is((await run(['once', '--index', ctx.index.url])).code, 2);
  assert.is((await run(['watch', ...base(ctx, 'd')])).code, 2);
  assert.is((await run(['once', ...base(ctx, 'd'), '--projects', 'not a name!'])).code, 2);
  assert.is((await run(['--help'])).code, 0);
  const file = join(ctx.dir, 'projects.txt');
  await writeFile(file, '# watched\nDjango\nzope.interface  # comment\n\n');
  const config = await witnessConfig({ log: 'http://log.example/', key: 'k', index: ['https://pypi.org', 'https://pypi.org/'], projects: ['Flask'], 'projects-file': file });
  assert.equal(config.indexUrls, ['https://pypi.org']);
  assert.equal(config.projects, ['flask', 'django', 'zope-interface']);
  assert.is(config.warnings.length, 1, 'plain HTTP to a non-loopback log is warned about');
  assert.is(config.logUrl, 'http://log.example');
  assert.is(config.schedule, '*/5 * * * *');
});

test('once with two indexes: each is observed under its own URL, and a mirror that differs shows', async (ctx) => {
  const mirror = await ReplayIndex.start({ projects: loadRecordedProjects() });
  try {
    const [file] = mirror.filenames('snowballstemmer', '2.2.0');
    mirror.changeFileHash('snowballstemmer', file!, 'aa'.repeat(32));
    const args = ['once', ...base(ctx, 'e', ctx.log.url, 'snowballstemmer'), '--index', mirror.url];
    const result = await run(args);
    // Two vantage points disagreeing on one file is a split view (SPEC §4): exit 1, and an alert.
    assert.is(result.code, 1, result.err);
    const report = JSON.parse(result.out) as WitnessReport;
    assert.equal(report.discrepancies.map((d) => `${d.kind} ${d.filename}`), [`split-view ${file}`]);
    assert.equal(report.alerts.map((a) => `${a.kind} ${a.severity}`), ['split-view critical'], 'two index URLs are independent views');
    const payloads = await Promise.all(
      report.entries.map(async (i) => {
        const { envelope } = JSON.parse((await get(ctx.log.url, `/api/v1/entries/${i}`)).text) as { envelope: { payload: string } };
        return JSON.parse(new TextDecoder().decode(fromBase64(envelope.payload))) as ObservationPayload;
      }),
    );
    assert.equal([...new Set(payloads.map((p) => p.indexUrl))].sort(), [ctx.index.url, mirror.url].sort());
    const hashOf = (url: string): string | undefined =>
      payloads.find((p) => p.indexUrl === url && p.version === '2.2.0' && p.source === 'json')?.files.find((f) => f.filename === file)?.sha256;
    assert.is(hashOf(mirror.url), 'aa'.repeat(32));
    assert.is.not(hashOf(ctx.index.url), 'aa'.repeat(32));
  } finally {
    await mirror.close();
  }
});

test('the witness node: one sweep at a time, cosigning for the configured logs', async (ctx) => {
  const logKey = parseSignerKey(generateSignerKey('log.test/node', randomBytes(32)).signerKey, nodeEd25519Signer);
  const config = await witnessConfig({
    log: ctx.log.url, index: [ctx.index.url], key: ctx.keyFile, data: join(ctx.dir, 'node'),
    projects: ['snowballstemmer'], 'log-vkey': [logKey.verifierKey], port: '0',
  });
  const node = await WitnessNode.open(config, manualClock());
  try {
    const [a, b] = [node.sweep(), node.sweep()];
    assert.ok(a === b, 'a second sweep while one runs is the same sweep');
    assert.equal((await a).failures, []);
    const server = await node.listen();
    const log = new CheckpointLog(logKey);
    log.append(5);
    const reply = await post(server.url, '/add-checkpoint', formatAddCheckpoint(0, [], await log.checkpoint()));
    assert.is(reply.status, 200, reply.text);
    assert.ok(reply.text.startsWith('\u2014 witness.test/cli '));
  } finally {
    await node.close();
  }
});

test.run();

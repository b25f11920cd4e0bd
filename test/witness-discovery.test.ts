// Discovering changed projects from the index's /simple/ project list: nothing on the first
// poll, then exactly the projects whose serial moved, that appeared or that vanished; nothing
// lost when a sweep fails before commit; and `witness once --discover` observing them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeNewSignerKeyFile } from '../log/log-key.js';
import { witnessCommand } from '../witness/cli.js';
import { manualClock } from '../witness/clock.js';
import { changedProjects, discoverChanged } from '../witness/discovery.js';
import { UndiciIndexClient } from '../witness/index-client.js';
import { LevelWitnessState } from '../witness/state.js';
import type { SweepReport } from '../witness/sweep.js';
import { serveTestLog, witnessPolicy } from './support/log-fixture.js';
import { loadRecordedProjects } from './support/pypi-fixtures.js';
import { ReplayIndex } from './support/pypi-replay.js';

const test = suite<{ dir: string; index: ReplayIndex }>('witness-discovery');
test.before.each(async (ctx) => {
  ctx.dir = await mkdtemp(join(tmpdir(), 'diptych-discovery-'));
  ctx.index = await ReplayIndex.start({ projects: loadRecordedProjects() });
});
test.after.each(async (ctx) => {
  await ctx.index.close();
  await rm(ctx.dir, { recursive: true, force: true });
});

test('changedProjects: new, moved and vanished names', () => {
  assert.equal(changedProjects({ a: 1, b: 2, c: null }, { a: 1, b: 3, c: null, d: 4 }), ['b', 'd']);
  assert.equal(changedProjects({ a: 1, gone: 5 }, { a: 1 }), ['gone']);
});

test('first poll records, later polls name changes; uncommitted changes are named again', async (ctx) => {
  const state = await LevelWitnessState.open(join(ctx.dir, 'state'));
  const client = new UndiciIndexClient({ baseUrl: ctx.index.url, clock: manualClock(), requestsPerSecond: Infinity });
  try {
    const first = await discoverChanged(client, state);
    assert.ok(first.ok && first.changed.length === 0);
    if (first.ok) await first.commit();
    const idle = await discoverChanged(client, state);
    assert.ok(idle.ok && idle.changed.length === 0);
    assert.is(typeof ctx.index.requests.at(-1)?.headers['if-none-match'], 'string', 'a conditional poll');
    ctx.index.removeFile('xo-gd', ctx.index.filenames('xo-gd', '3.2.8')[0]!);
    ctx.index.removeProject('flask');
    const changed = await discoverChanged(client, state);
    assert.equal(changed.ok ? changed.changed : changed.reason, ['flask', 'xo-gd']);
    const again = await discoverChanged(client, state);
    assert.equal(again.ok ? again.changed : again.reason, ['flask', 'xo-gd'], 'not committed: named again');
    if (again.ok) await again.commit();
    const settled = await discoverChanged(client, state);
    assert.equal(settled.ok ? settled.changed : settled.reason, []);
  } finally {
    await client.close();
    await state.close();
  }
});

test('witness once --discover observes the changed projects too', async (ctx) => {
  const keyFile = join(ctx.dir, 'w.key');
  const key = await writeNewSignerKeyFile(keyFile, 'witness.test/discover');
  const log = await serveTestLog({ verifyThreads: 0, policy: witnessPolicy(key.verifierKey) });
  try {
    const args = ['once', '--log', log.url, '--index', ctx.index.url, '--key', keyFile, '--data', join(ctx.dir, 'w'), '--projects', 'snowballstemmer', '--discover', '--json'];
    const io = { out: (t: string) => outs.push(t), err: () => undefined };
    const outs: string[] = [];
    assert.is(await witnessCommand(args, { io, clock: manualClock() }), 0);
    ctx.index.yankRelease('pytz', '2023.3', 'test');
    assert.is(await witnessCommand(args, { io, clock: manualClock() }), 0);
    const [firstRun, secondRun] = outs.map((o) => JSON.parse(o) as SweepReport);
    assert.is(firstRun!.fetched, 2, 'only the configured project on the first run');
    assert.is(secondRun!.fetched, 2, 'pytz, discovered (snowballstemmer is 304)');
    assert.is(secondRun!.notModified, 2);
    assert.ok(secondRun!.logged > 0);
  } finally {
    await log.close();
  }
});

test.run();

// The derived-state snapshot kept in level: a restarted log restores key policies, releases,
// observations, alerts, escalation rounds and suspensions from it and replays only what came
// after; what it serves is exactly what a full replay (--reindex) gives; a snapshot that does
// not match the log is dropped and the state rebuilt from the entries.
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TransparencyLog, type LogOptions } from '../log/transparency-log.js';
import { LevelStorage } from '../log/level-storage.js';
import { parsePolicy } from '../log/policy.js';
import { fileView, projectView } from '../log/project-views.js';
import { alertsView, suspensionsView, viewJoins } from '../monitor/views.js';
import { keysEntry, newKeyPair, newSignerKey, removeDir, tempDir } from './support/log-fixture.js';
import { alertEntry, alertPayload, escalationEntry, observationEntry, releaseEntry, sha } from './support/monitor-entries.js';

const dev = newSignerKey('dev.test/maintainer');
const witness = newSignerKey('witness.test/w');
const [p1, p2] = [newSignerKey('psrt.test/one'), newSignerKey('foundation.test/two')];
const policy = parsePolicy(JSON.stringify({ witnesses: [{ vkey: witness.verifierKey }], trustedParties: [p1.verifierKey, p2.verifierKey], escalationQuorum: 2 }));

function views(log: TransparencyLog): unknown {
  const joins = viewJoins(log.state);
  const files = log.projects.projectNames().flatMap((p) => log.projects.releasesOf(p).flatMap((r) => r.manifests.flatMap((m) => m.files.map((f) => f.filename))));
  return JSON.parse(JSON.stringify({
    projects: log.projects.projectNames().map((p) => projectView(log.projects, p, joins)),
    files: files.map((f) => fileView(log.projects, f, joins)),
    alerts: alertsView(log.state, {}),
    status: suspensionsView(log.state),
    observed: log.state.observations.observationCount(witness.verifierKey),
    policy: log.state.governance.policy(),
  }));
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), 'the log got there');
}

test('a restart restores the derived state from its snapshot, and it equals a full replay', async () => {
  const dir = await tempDir('snapshot');
  const keyFile = join(dir, 'log.key');
  await writeFile(keyFile, newKeyPair('log.test/snapshot').text + '\n', { mode: 0o600 });
  const options: LogOptions = { dataDir: dir, keyFile, cadenceMs: 5, verifyThreads: 0, policy };
  let log = await TransparencyLog.open(options);
  try {
    const now = Date.now();
    const sdist = { filename: 'demo-1.0.tar.gz', sha256: sha('a') };
    await log.submit(keysEntry(dev, 'demo'));
    const manifest = (await log.submit(releaseEntry([dev], 'demo', '1.0', [sdist], now))).index;
    await log.submit(releaseEntry([dev], 'demo', '1.0', [{ filename: 'demo-1.0-py3-none-any.whl', sha256: sha('c') }], now));
    const seen = (await log.submit(observationEntry(witness, { project: 'demo', version: '1.0', observedAt: now, files: [{ ...sdist, sha256: sha('b') }] }))).index;
    const alert = alertPayload({ kind: 'hash-mismatch', project: 'demo', version: '1.0', filename: sdist.filename, expected: sha('a'), observed: sha('b') }, 'suspect', [manifest, seen]);
    await log.submit(alertEntry(witness, alert));
    await log.submit(escalationEntry([p1], alert.id, 'suspend-project'));
    await log.submit(escalationEntry([p2], alert.id, 'suspend-project'));
    await until(() => log.state.governance.suspensions().length === 1);
    await log.submit(escalationEntry([p1], alert.id, 'lift')); // one of two: a round in progress
    const before = views(log);
    const size = log.sequencer.size;
    await log.close();

    log = await TransparencyLog.open(options);
    assert.is(log.restoredEntries, size, 'everything came from the snapshot');
    assert.equal(views(log), before);
    // The escalation round restored with it: the second lift completes it.
    await log.submit(escalationEntry([p2], alert.id, 'lift'));
    assert.equal(log.state.governance.suspensions(), [], 'lifted by the restored round and the new vote');
    const after = views(log);
    await log.close();

    log = await TransparencyLog.open({ ...options, reindex: true });
    assert.is(log.restoredEntries, 0, '--reindex replays every entry');
    assert.equal(views(log), after);
    await log.close();

    const storage = await LevelStorage.open(join(dir, 'db'));
    await storage.writeDerived(new TextEncoder().encode('{"rules":1,"size":3,"lastLeaf":"00"'));
    await storage.close();
    const dropped: string[] = [];
    log = await TransparencyLog.open({ ...options, onSnapshotDropped: (r) => dropped.push(r) });
    assert.is(log.restoredEntries, 0);
    assert.equal(dropped, ['the derived-state snapshot is not JSON']);
    assert.equal(views(log), after, 'rebuilt from the entries');
  } finally {
    await log.close();
    await removeDir(dir);
  }
});

test.run();

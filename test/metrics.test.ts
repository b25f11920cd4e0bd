// /metrics after a scripted workload (issue 9). The log: a real TransparencyLog served on
// 127.0.0.1 with a real witness cosigning; appends (one of them a resubmission), refused entries,
// lookups, an alert, an escalation and the suspension the log publishes for it; then the scrape
// must show exactly those counts. The witness node: a sweep of the replay index into a real log
// and a cosigning request, then its own /metrics. Values are counts and sizes, never timings.
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp } from '../api/app.js';
import { witnessLabel } from '../api/metrics.js';
import { writeNewSignerKeyFile } from '../log/log-key.js';
import { generateSignerKey, parseSignerKey } from '../log/note.js';
import { nodeEd25519Signer } from '../log/node-crypto.js';
import { formatAddCheckpoint } from '../witness/add-checkpoint.js';
import { manualClock } from '../witness/clock.js';
import { witnessConfig } from '../witness/config.js';
import { WitnessNode } from '../witness/node.js';
import { CheckpointLog } from './support/checkpoint-log.js';
import { escalationEntry, releaseEntry, sha } from './support/monitor-entries.js';
import { jsonOf, keysEntry, newKeyPair, newSignerKey, postEntry, removeDir, request, serveTestLog, tempDir, textOf, witnessPolicy } from './support/log-fixture.js';
import { PROJECT, startGovernedLog, storyEntries, type GovernedLog } from './support/governed-log.js';
import { parseMetrics, sampleValue, type Sample } from './support/prometheus.js';
import { startTestWitness } from './support/witness-server.js';
import { loadRecordedProjects } from './support/pypi-fixtures.js';
import { ReplayIndex } from './support/pypi-replay.js';

const test = suite('metrics');

async function scrape(url: string): Promise<Sample[]> {
  const reply = await request(url, '/metrics');
  assert.is(reply.status, 200);
  assert.match(String(reply.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  return parseMetrics(textOf(reply));
}

/** Polls a condition of the log's status (the suspension is published by the log, later). */
async function until(label: string, done: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await done()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.unreachable(`${label}: not reached`);
}

interface Workload {
  created: number;
  existing: number;
  codes: Map<string, number>;
}

/** Appends, refusals and lookups; returns what the answers said. */
async function workload(g: GovernedLog): Promise<Workload & { alertId: string }> {
  const w: Workload = { created: 0, existing: 0, codes: new Map() };
  const submit = async (entry: Uint8Array | string): Promise<void> => {
    const reply = await postEntry(g.url, typeof entry === 'string' ? new TextEncoder().encode(entry) : entry);
    if (reply.status === 201) w.created += 1;
    else if (reply.status === 200) w.existing += 1;
    else {
      const code = jsonOf<{ error: { code: string } }>(reply).error.code;
      w.codes.set(code, (w.codes.get(code) ?? 0) + 1);
    }
  };
  const { entries, alertId } = storyEntries(g);
  for (const e of entries) await submit(e);
  for (let i = 0; i < 10; i++) await submit(keysEntry(g.alice, `project-${i}`));
  await submit(entries[0]!); // the same key policy again: 200, same index
  await submit('{}');
  await submit('{"payload":1}');
  await submit(releaseEntry([g.alice], 'nobody-signed-this', '1.0', [{ filename: 'nobody_signed_this-1.0.tar.gz', sha256: sha('b') }]));
  await submit(escalationEntry([g.party], alertId, 'suspend-project'));
  for (let i = 0; i < 3; i++) assert.is((await request(g.url, `/api/v1/projects/${PROJECT}`)).status, 200);
  assert.is((await request(g.url, '/api/v1/projects/no-such-project')).status, 404);
  return { ...w, alertId };
}

test('the log: appends, refusals, lookups, alerts, escalations, suspensions and cosignatures as scraped', async () => {
  const dir = await tempDir('metrics-witness');
  const logKey = newKeyPair('log.test/metrics');
  const witnessKey = newSignerKey('witness.test/metrics');
  const witness = await startTestWitness({ key: witnessKey, logVkey: logKey.key.verifierKey, stateDir: join(dir, 'witness') });
  const g = await startGovernedLog({ logKeyText: logKey.text, witness: { key: witnessKey, url: witness.url } });
  try {
    const w = await workload(g);
    assert.equal([...w.codes].sort(), [['invalid_envelope', 2], ['no_key_policy', 1]], 'the refusals the workload meant');
    assert.is(w.created, 15, 'story (4) + 10 key policies + the escalation');
    assert.is(w.existing, 1);
    const status = async () => jsonOf<{ suspended: { projects: string[] }; witnesses: { lastCosigned: number | null }[] }>(await request(g.url, '/api/v1/status'));
    await until('the suspension is published', async () => (await status()).suspended.projects.includes(PROJECT));
    const size = jsonOf<{ size: number }>(await request(g.url, '/api/v1/log')).size;
    assert.is(size, 1 + w.created + 1, 'the policy entry (SPEC §8), the appends over HTTP, and the suspension the log published');
    await until('the witness cosigned the latest size', async () => (await status()).witnesses[0]!.lastCosigned === size);

    const m = await scrape(g.url);
    const v = (name: string, labels: Record<string, string> = {}) => sampleValue(m, name, labels);
    assert.is(v('diptych_appends_total', { result: 'created' }), w.created);
    assert.is(v('diptych_appends_total', { result: 'existing' }), w.existing);
    assert.is(v('diptych_append_duration_seconds_count'), w.created + w.existing, 'one latency per answered append');
    assert.is(v('diptych_append_duration_seconds_bucket', { le: '+Inf' }), w.created + w.existing);
    for (const [code, n] of w.codes) assert.is(v('diptych_rejections_total', { route: '/api/v1/entries', code }), n, code);
    assert.is(v('diptych_rejections_total', { route: '/api/v1/projects/:name', code: 'project_not_found' }), 1);
    assert.is(v('diptych_http_requests_total', { method: 'POST', route: '/api/v1/entries', status: '201' }), w.created);
    assert.is(v('diptych_http_requests_total', { method: 'POST', route: '/api/v1/entries', status: '400' }), 2);
    assert.is(v('diptych_http_requests_total', { method: 'GET', route: '/api/v1/projects/:name', status: '200' }), 3);
    assert.is(v('diptych_log_size'), size);
    assert.is(v('diptych_log_pending_entries'), 0);
    assert.is(v('diptych_alerts', { kind: 'withheld-release', severity: 'suspect' }), 1);
    assert.is(v('diptych_escalations', { action: 'suspend-project' }), 1);
    assert.is(v('diptych_suspensions', { scope: 'project' }), 1);
    assert.is(v('diptych_suspensions', { scope: 'index' }), 0);
    assert.is(v('diptych_log_witness_cosigned_size', { witness: witnessLabel(witnessKey.verifierKey) }), size);
    assert.ok((v('diptych_log_witness_cosignatures_total', { witness: witnessLabel(witnessKey.verifierKey) }) ?? 0) >= 1, 'cosignatures counted');
    const age = v('diptych_checkpoint_age_seconds');
    assert.ok(age !== undefined && age >= 0 && Number.isFinite(age), `checkpoint age ${age}`);
    assert.is(m.filter((s) => s.name.startsWith('process_') || s.name.startsWith('nodejs_')).length, 0, 'no default (global) metrics');

    // One registry per app: a second app on the same log counts its own requests from zero.
    const other = createApp(g.log);
    const text = await (await other.request('/metrics')).text();
    const fresh = parseMetrics(text);
    assert.is(sampleValue(fresh, 'diptych_appends_total', { result: 'created' }), 0);
    assert.is(sampleValue(fresh, 'diptych_log_size'), size, 'state gauges read the same log');
    assert.equal(g.internalErrors.map(String), []);
  } finally {
    await g.close();
    await witness.stop();
    await removeDir(dir);
  }
});

test('the witness node: sweep, index requests, observations, cosigning and its requests as scraped', async () => {
  const dir = await tempDir('metrics-node');
  const index = await ReplayIndex.start({ projects: loadRecordedProjects() });
  const keyFile = join(dir, 'witness.key');
  const key = await writeNewSignerKeyFile(keyFile, 'witness.test/metrics-node');
  const log = await serveTestLog({ verifyThreads: 0, policy: witnessPolicy(key.verifierKey) });
  const logKey = parseSignerKey(generateSignerKey('log.test/metrics-node', randomBytes(32)).signerKey, nodeEd25519Signer);
  const config = await witnessConfig({ log: log.url, index: [index.url], key: keyFile, data: join(dir, 'node'), projects: ['snowballstemmer'], 'log-vkey': [logKey.verifierKey], port: '0', 'confirm-after': '0' });
  const node = await WitnessNode.open(config, manualClock());
  try {
    const report = await node.sweep();
    assert.equal(report.failures, []);
    assert.is(report.fetched, 2, 'the JSON API and the Simple API');
    assert.ok(report.logged > 0);
    const server = await node.listen();
    const cosigned = new CheckpointLog(logKey);
    cosigned.append(5);
    assert.is((await request(server.url, '/add-checkpoint', { method: 'POST', body: formatAddCheckpoint(0, [], await cosigned.checkpoint()) })).status, 200);
    assert.is((await request(server.url, '/nowhere')).status, 404);

    const m = await scrape(server.url);
    const v = (name: string, labels: Record<string, string> = {}) => sampleValue(m, name, labels);
    assert.is(v('diptych_witness_observations_logged_total'), report.logged);
    assert.is(v('diptych_witness_index_requests_total', { api: 'json', outcome: 'ok' }), 1);
    assert.is(v('diptych_witness_index_requests_total', { api: 'simple', outcome: 'ok' }), 1);
    assert.is(v('diptych_witness_sweep_duration_seconds_count', { kind: 'sweep' }), 1);
    assert.ok((v('diptych_witness_last_sweep_timestamp_seconds') ?? 0) > 0);
    assert.is(v('diptych_witness_alerts_raised_total', { kind: 'withheld-release', severity: 'suspect' }), undefined, 'no alert raised');
    assert.is(v('diptych_witness_cosigned_size', { origin: 'log.test/metrics-node' }), 5);
    assert.is(v('diptych_witness_http_requests_total', { method: 'POST', route: '/add-checkpoint', status: '200' }), 1);
    assert.is(v('diptych_witness_rejections_total', { route: '(unmatched)', code: 'not_found' }), 1);
  } finally {
    await node.close();
    await log.close();
    await index.close();
    await removeDir(dir);
  }
});

test.run();

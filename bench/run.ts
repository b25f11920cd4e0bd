// `npm run bench [-- --json] [-- --quick]`: every figure next to a baseline measured in the same
// run on the same machine, so ratios can be compared across machines and runs.
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import { makeEntries } from './entries.js';
import { ed25519VerifyRate, sha256LeafRate } from './baselines.js';
import { appendThroughLibrary } from './append-lib.js';
import { appendOverHttp } from './append-http.js';
import { connectionsWithin } from './http-load.js';
import { defaultEd25519Verifier } from '../log/node-crypto.js';
import { policyThroughput } from './policy.js';
import { sweepBench } from './sweep.js';
import { verifyLockTime } from './verify-lock.js';
import { auditBench } from './audit.js';
import { monitorBench } from './monitor.js';
import { result, type BenchResult } from './measure.js';

const { values } = parseArgs({ options: { json: { type: 'boolean' }, quick: { type: 'boolean' } } });
const quick = values.quick ?? false;
const print = (r: BenchResult): void => {
  if (values.json) process.stdout.write(JSON.stringify(r) + '\n');
  else {
    const vs = r.ratio === null ? '' : `  (${r.ratio}x of baseline ${r.baseline})`;
    process.stdout.write(`${r.name.padEnd(32)} ${String(r.value).padStart(10)} ${r.unit}${vs}\n`);
  }
};

if (!values.json) process.stdout.write(`diptych bench on ${cpus().length}x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}${quick ? ' (quick)' : ''}\n`);

const sha = sha256LeafRate(makeEntries(20_000), quick ? 300 : 1000);
print(result('baseline.sha256_leaf', sha, 'entries/s'));
const ed = ed25519VerifyRate(quick ? 300 : 1000);
print(result('baseline.ed25519_verify', ed, 'verifies/s'));
if (!values.json) process.stdout.write(`(Ed25519 verified by ${defaultEd25519Verifier()}; OpenSSL through node:crypto for comparison:)\n`);
print(result('baseline.ed25519_verify.openssl', ed25519VerifyRate(quick ? 300 : 1000, 'openssl'), 'verifies/s', ed));

// A witness sweep (cold: logs everything; idle: finds nothing new) against the replay index.
// First after the baselines: its peak RSS is this process's, and the benches after it leave
// garbage that a later sweep would be charged with (862 MiB, against 319 when it ran first).
const sweep = await sweepBench(quick ? 500 : 10_000);
print(result('sweep.projects', sweep.projects, 'projects'));
print(result('sweep.cold_s', sweep.coldSeconds, 's'));
print(result('sweep.cold_logged', sweep.logged, 'entries'));
print(result('sweep.idle_s', sweep.idleSeconds, 's'));
print(result('sweep.idle_requests', sweep.idleRequestsPerSecond, 'requests/s', sweep.replayMaxRequestsPerSecond));
print(result('sweep.peak_rss_mib', sweep.peakRssMiB, 'MiB'));

const policyInline = await policyThroughput(quick ? 2_000 : 10_000, 0);
print(result('policy.release_signatures', policyInline.signaturesPerSecond, 'signatures/s', ed));
const policyPool = await policyThroughput(quick ? 4_000 : 20_000, cpus().length);
print(result('policy.release_signatures.pool', policyPool.signaturesPerSecond, 'signatures/s', ed));

const lib = await appendThroughLibrary(makeEntries(quick ? 50_000 : 200_000), 100);
print(result('append.lib', lib.entriesPerSecond, 'entries/s', sha));

// Over HTTP: a saturating closed-loop run (2,048 connections, each sending its next append as
// soon as it has an answer) for throughput; then an open-loop run at half that rate (appends
// due at even intervals, latency counted from when each was due) for the latency a log sees
// under real load, where clients do not wait for each other's answers; and a light one.
const cadenceMs = 100;
const connections = connectionsWithin(2048);
if (!values.json) process.stdout.write(`(append.http: ${connections} connections, cadence ${cadenceMs} ms)\n`);
const http = await appendOverHttp(makeEntries(quick ? 10_000 : 40_000, { distinctKeys: true }), cadenceMs, { connections });
print(result('append.http', http.entriesPerSecond, 'entries/s', sha));
print(result('append.http.vs_ed25519', http.entriesPerSecond, 'entries/s', ed));
print(result('append.http.p50_ms', http.p50Ms, 'ms'));
print(result('append.http.p99_ms', http.p99Ms, 'ms', cadenceMs + 100));
const halfRate = Math.round(http.entriesPerSecond / 2);
const open = await appendOverHttp(makeEntries(quick ? 5_000 : 20_000, { distinctKeys: true }), cadenceMs, { connections, rate: halfRate });
print(result('append.http.half_load', open.entriesPerSecond, 'entries/s', halfRate));
print(result('append.http.half_load.p50_ms', open.p50Ms, 'ms'));
print(result('append.http.half_load.p99_ms', open.p99Ms, 'ms', cadenceMs + 100));
const light = await appendOverHttp(makeEntries(quick ? 2_000 : 8_000, { distinctKeys: true }), cadenceMs, { connections: 64 });
print(result('append.http.light', light.entriesPerSecond, 'entries/s', sha));
print(result('append.http.light.p99_ms', light.p99Ms, 'ms', cadenceMs + 100));

// A user's check of a 500-line lock file, against Node's own startup in the same run.
const lock = await verifyLockTime(quick ? 3 : 5);
print(result('verify_lock.500_lines_ms', lock.lockMs, 'ms', lock.startupMs));

// The monitor reading a synthetic log of key policies, manifests and two witnesses' observations
// (bench/monitor-log.ts) into a fresh Monitor, in a process of its own; against decoding the same
// entries' JSON (envelope and payload), and their SHA-256, in that process.
const mon = await monitorBench(quick ? 100_000 : 1_000_000);
const perSecond = (n: number, ms: number): number => (n / ms) * 1000;
const jsonRate = perSecond(mon.entries, mon.jsonParseMs);
print(result('monitor.entries', mon.entries, 'entries'));
print(result('monitor.generate_s', mon.generateMs / 1000, 's'));
print(result('monitor.baseline_json_parse', jsonRate, 'entries/s'));
print(result('monitor.baseline_sha256', perSecond(mon.entries, mon.sha256Ms), 'entries/s'));
print(result('monitor.ingest', perSecond(mon.entries, mon.ingestMs), 'entries/s', jsonRate));
print(result('monitor.ingest.vs_sha256', perSecond(mon.entries, mon.ingestMs), 'entries/s', perSecond(mon.entries, mon.sha256Ms)));
print(result('monitor.ingest_s', mon.ingestMs / 1000, 's'));
print(result('monitor.comparisons', perSecond(mon.observations, mon.ingestMs), 'observations/s'));
print(result('monitor.findings', mon.findings, 'findings'));
print(result('monitor.heap_mib', mon.heapMiB, 'MiB'));
print(result('monitor.log_mib', mon.logMiB, 'MiB'));
print(result('monitor.peak_rss_mib', mon.peakRssMiB, 'MiB'));

// The full audit of a log served over loopback (issue 7): every bundle and tile fetched,
// every entry re-hashed, every tile and the root rebuilt, the projects derived and compared.
const audit = await auditBench(quick ? 100_000 : 1_000_000);
print(result('audit.full', audit.entriesPerSecond, 'entries/s', audit.sha256LeafRate));
print(result('audit.full.vs_oneshot_leaf', audit.entriesPerSecond, 'entries/s', audit.oneShotLeafRate));
print(result('audit.full.cpu_s', audit.cpuSeconds, 's', audit.seconds));
print(result('audit.full.per_cpu_s', audit.entries / audit.cpuSeconds, 'entries/cpu-s', audit.sha256LeafCpuRate));
print(result('audit.full.peak_rss_mib', audit.peakRssMiB, 'MiB', 256));

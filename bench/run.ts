// `npm run bench [-- --json] [-- --quick]`: every figure next to a baseline measured in the same
// run on the same machine, so ratios can be compared across machines and runs.
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import { makeEntries } from './entries.js';
import { ed25519VerifyRate, sha256LeafRate } from './baselines.js';
import { appendThroughLibrary } from './append-lib.js';
import { appendOverHttp } from './append-http.js';
import { result, type BenchResult } from './measure.js';

const { values } = parseArgs({ options: { json: { type: 'boolean' }, quick: { type: 'boolean' } } });
const quick = values.quick ?? false;
const print = (r: BenchResult): void => {
  if (values.json) process.stdout.write(JSON.stringify(r) + '\n');
  else {
    const vs = r.ratio === null ? '' : `  (${r.ratio}x of baseline ${r.baseline})`;
    process.stdout.write(`${r.name.padEnd(24)} ${String(r.value).padStart(10)} ${r.unit}${vs}\n`);
  }
};

if (!values.json) process.stdout.write(`diptych bench on ${cpus().length}x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}${quick ? ' (quick)' : ''}\n`);

const libEntries = makeEntries(quick ? 50_000 : 200_000);
const sha = sha256LeafRate(libEntries.slice(0, 20_000), quick ? 300 : 1000);
print(result('baseline.sha256_leaf', sha, 'entries/s'));
const ed = ed25519VerifyRate(quick ? 300 : 1000);
print(result('baseline.ed25519_verify', ed, 'verifies/s'));

const lib = await appendThroughLibrary(libEntries, 100);
print(result('append.lib', lib.entriesPerSecond, 'entries/s', sha));

const cadenceMs = 250;
const http = await appendOverHttp(makeEntries(quick ? 20_000 : 60_000), cadenceMs, quick ? 2048 : 4096);
print(result('append.http', http.entriesPerSecond, 'entries/s', sha));
print(result('append.http.vs_ed25519', http.entriesPerSecond, 'entries/s', ed));
print(result('append.http.p50_ms', http.p50Ms, 'ms'));
print(result('append.http.p99_ms', http.p99Ms, 'ms', cadenceMs + 100));
if (http.failures > 0) print(result('append.http.failures', http.failures, 'requests'));

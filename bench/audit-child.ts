// One `diptych audit --full` run (the CLI's own runAudit) in a process of its own, so that its
// peak RSS is the auditor's alone. Prints {entries, projects, seconds, cpuSeconds, peakRssMiB}
// as one JSON line.
// argv: log URL, verifier key, state directory.
import { runAudit } from '../cli/audit-run.js';
import { peakRssMiB } from './measure.js';

const [logUrl, logKey, stateDir] = process.argv.slice(2) as [string, string, string];
const started = performance.now();
const cpu = process.cpuUsage();
const report = await runAudit({ logUrl, logKey, stateDir, full: true, warn: (line) => process.stderr.write(line + '\n') });
const seconds = (performance.now() - started) / 1000;
const used = process.cpuUsage(cpu);
const cpuSeconds = (used.user + used.system) / 1e6;
const peakRss = peakRssMiB();
process.stdout.write(JSON.stringify({ entries: report.full?.entries ?? 0, projects: report.full?.projects.compared ?? 0, seconds, cpuSeconds, peakRssMiB: peakRss }) + '\n');

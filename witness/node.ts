// A running witness: its key, level state, index client and log submitter, with one sweep at a
// time (a sweep still running when the next is due is skipped, never doubled), and optionally
// its tlog-witness HTTP server. Node-only.
import { join } from 'node:path';
import { CronJob } from 'cron';
import { createCosigner } from '../log/cosignature.js';
import { readSignerKeyFile } from '../log/log-key.js';
import { noteVerifier, type SignerKey } from '../log/note.js';
import { listen, type RunningServer } from '../api/server.js';
import { alertEntry, logForkAlert } from './alerts.js';
import { witnessApp } from './app.js';
import { systemClock, type Clock } from './clock.js';
import type { WitnessConfig } from './config.js';
import { CheckpointWitness, type WitnessedLog } from './cosigner.js';
import type { ForkEvidence } from './state.js';
import { discoverChanged } from './discovery.js';
import { UndiciIndexClient } from './index-client.js';
import { UndiciLogSubmitter } from './log-submitter.js';
import { LevelWitnessState } from './state.js';
import { runSweep, type SweepReport } from './sweep.js';

function mergeReports(reports: readonly SweepReport[]): SweepReport {
  return {
    fetched: reports.reduce((n, r) => n + r.fetched, 0),
    notModified: reports.reduce((n, r) => n + r.notModified, 0),
    logged: reports.reduce((n, r) => n + r.logged, 0),
    unchanged: reports.reduce((n, r) => n + r.unchanged, 0),
    entries: reports.flatMap((r) => r.entries),
    failures: reports.flatMap((r) => r.failures),
  };
}

export class WitnessNode {
  private sweeping: Promise<SweepReport> | undefined;
  private server: RunningServer | undefined;
  private job: CronJob | undefined;

  private constructor(
    readonly config: WitnessConfig,
    readonly key: SignerKey,
    readonly state: LevelWitnessState,
    private readonly clients: readonly UndiciIndexClient[],
    private readonly submitter: UndiciLogSubmitter,
    private readonly clock: Clock,
  ) {}

  static async open(config: WitnessConfig, clock: Clock = systemClock): Promise<WitnessNode> {
    // Sweeps, backoff and observation times all follow this clock.
    const key = await readSignerKeyFile(config.keyFile);
    const state = await LevelWitnessState.open(join(config.dataDir, 'state'));
    // One client per index: each has its own pool, concurrency and rate limit.
    const clients = config.indexUrls.map(
      (baseUrl) => new UndiciIndexClient({ baseUrl, concurrency: config.concurrency, requestsPerSecond: config.requestsPerSecond, clock }),
    );
    const submitter = new UndiciLogSubmitter({ logUrl: config.logUrl, clock });
    return new WitnessNode(config, key, state, clients, submitter, clock);
  }

  /** One sweep of every index; if one is running already, that one's report. */
  sweep(): Promise<SweepReport> {
    this.sweeping ??= this.sweepAll().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepAll(): Promise<SweepReport> {
    // Every project with a key policy in the log is watched, besides the configured ones.
    const policies = await this.submitter.policyProjects();
    const projects = [...this.config.projects, ...(policies.ok ? policies.projects : [])];
    const report = mergeReports(await Promise.all(this.clients.map((client) => this.sweepIndex(client, projects))));
    if (!policies.ok) report.failures.push({ project: '(key policies)', source: 'json', reason: 'log_unreachable', message: policies.message });
    return report;
  }

  private async sweepIndex(client: UndiciIndexClient, projects: readonly string[]): Promise<SweepReport> {
    const deps = { client, state: this.state, submitter: this.submitter, signer: this.key.signer, witness: this.key.verifierKey, clock: this.clock };
    if (!this.config.discover) return runSweep(deps, { projects });
    const discovery = await discoverChanged(client, this.state);
    const discovered = discovery.ok ? discovery.changed : [];
    const report = await runSweep(deps, { projects: [...projects, ...discovered] });
    if (!discovery.ok) report.failures.push({ project: '(project list)', source: 'simple', reason: discovery.reason, message: discovery.message });
    // Keep the new list only when every discovered project made it into the log.
    const missed = new Set(report.failures.map((f) => f.project));
    if (discovery.ok && !discovered.some((p) => missed.has(p))) await discovery.commit();
    return report;
  }

  /** Sweeps on the cron schedule; `onReport` sees each report (or the error of a failed sweep). */
  schedule(onReport: (report: SweepReport | Error) => void): void {
    this.job = CronJob.from({
      cronTime: this.config.schedule,
      onTick: async () => {
        if (this.sweeping !== undefined) return; // never two at once
        await this.sweep().then(onReport, (e: unknown) => onReport(e instanceof Error ? e : new Error(String(e))));
      },
      start: true,
    });
  }

  /** Serves POST /add-checkpoint for the configured logs. */
  async listen(): Promise<RunningServer> {
    const logs: WitnessedLog[] = this.config.logVkeys.map((vkey) => {
      const verifier = noteVerifier(vkey);
      return { origin: verifier.name, verifiers: [verifier] };
    });
    const cosigner = createCosigner(this.key.name, this.key.ed25519);
    const witness = new CheckpointWitness({ logs, cosigner, state: this.state, clock: this.clock, onFork: (e) => void this.raiseFork(e) });
    this.server = await listen(witnessApp(witness, this.state), { host: this.config.host, port: this.config.port });
    return this.server;
  }

  /**
   * Logs a log-fork alert (best effort: the evidence is already in the state, and the forked log
   * may well refuse it; `failures` of later sweeps do not depend on it).
   */
  async raiseFork(evidence: ForkEvidence): Promise<boolean> {
    try {
      const outcome = await this.submitter.submit(alertEntry(logForkAlert(evidence), this.key.signer));
      return outcome.ok;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.job?.stop();
    await this.server?.close();
    await this.sweeping?.catch(() => undefined);
    await Promise.all(this.clients.map((c) => c.close()));
    await this.submitter.close();
    await this.state.close();
  }
}

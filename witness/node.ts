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
import { UndiciIndexClient, type IndexClient } from './index-client.js';
import { UndiciLogSubmitter } from './log-submitter.js';
import { LevelWitnessState } from './state.js';
import { runSweep, type SweepReport } from './sweep.js';
import { Monitor } from '../monitor/engine.js';
import type { AlertPayload } from '../monitor/alert-payload.js';
import { LogFollower } from './log-follower.js';
import { describeWebhookEvent, webhookNotifierFor, type WebhookEvent, type WebhookNotifier } from './webhooks.js';
import type { Logger } from 'pino';
import { silentLogger } from '../cli/logger.js';
import { CountedIndexClient, WitnessMetrics, type SweepKind } from './metrics.js';

/** A discrepancy this witness's current views show (what `witness once` exits 1 for). */
export interface OpenDiscrepancy {
  readonly id: string;
  readonly kind: string;
  readonly severity: string;
  readonly project?: string;
  readonly version?: string;
  readonly filename?: string;
}

export interface WitnessReport extends SweepReport {
  /** Alerts this sweep logged (new ones and confirmations). */
  readonly alerts: AlertPayload[];
  readonly discrepancies: OpenDiscrepancy[];
}

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

export interface WitnessNodeOptions {
  /** Sweeps, alerts, webhook deliveries and requests are logged here; default: nowhere. */
  readonly logger?: Logger;
}

export class WitnessNode {
  private sweeping: Promise<WitnessReport> | undefined;
  private server: RunningServer | undefined;
  private job: CronJob | undefined;
  private confirmTimer: ReturnType<typeof setTimeout> | undefined;
  /** The two panels as the log holds them, rebuilt from the log on start (log-follower.ts). */
  readonly monitor: Monitor;

  private constructor(
    readonly config: WitnessConfig,
    readonly key: SignerKey,
    readonly state: LevelWitnessState,
    private readonly clients: readonly IndexClient[],
    private readonly submitter: UndiciLogSubmitter,
    private readonly clock: Clock,
    private readonly follower: LogFollower,
    private readonly webhooks: WebhookNotifier | undefined,
    /** This node's /metrics (served with its HTTP endpoint). */
    readonly metrics: WitnessMetrics,
    private readonly logger: Logger,
  ) {
    // --confirm-after 0 turns the re-fetch off; views still need the default gap to confirm.
    const confirmAfterMs = config.confirmAfterSeconds > 0 ? config.confirmAfterSeconds * 1000 : undefined;
    this.monitor = new Monitor({ graceMs: config.graceSeconds * 1000, confirmAfterMs });
  }

  static async open(config: WitnessConfig, clock: Clock = systemClock, options: WitnessNodeOptions = {}): Promise<WitnessNode> {
    // Sweeps, backoff and observation times all follow this clock.
    const key = await readSignerKeyFile(config.keyFile);
    const state = await LevelWitnessState.open(join(config.dataDir, 'state'));
    const logger = options.logger ?? silentLogger();
    const metrics = new WitnessMetrics(state);
    // One client per index: each has its own pool, concurrency and rate limit.
    const clients = config.indexUrls.map(
      (baseUrl) => new CountedIndexClient(new UndiciIndexClient({ baseUrl, concurrency: config.concurrency, requestsPerSecond: config.requestsPerSecond, clock }), metrics),
    );
    const submitter = new UndiciLogSubmitter({ logUrl: config.logUrl, clock });
    const onEvent = (e: WebhookEvent): void => {
      metrics.webhookEvent(e);
      logWebhookEvent(logger, e);
    };
    const webhooks = webhookNotifierFor(config, { clock, onEvent });
    return new WitnessNode(config, key, state, clients, submitter, clock, new LogFollower(config.logUrl), webhooks, metrics, logger);
  }

  /**
   * One sweep of every index, then the comparison with the log and the alerts it calls for;
   * if a sweep is running already, that one's report. With `confirmNow`, a discrepancy only
   * this witness saw is re-fetched within this call (after the confirmation delay), as
   * `witness once` wants; otherwise the re-fetch is scheduled.
   */
  sweep(options: { confirmNow?: boolean } = {}): Promise<WitnessReport> {
    this.sweeping ??= this.sweepAll(options.confirmNow ?? false).finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepAll(confirmNow: boolean): Promise<WitnessReport> {
    const started = performance.now();
    // Every project with a key policy in the log is watched, besides the configured ones.
    const policies = await this.submitter.policyProjects();
    const projects = [...this.config.projects, ...(policies.ok ? policies.projects : [])];
    const followed = await this.followLog();
    let report = mergeReports(await Promise.all(this.clients.map((client) => this.sweepIndex(client, projects, false))));
    if (!policies.ok) report.failures.push({ project: '(key policies)', source: 'json', reason: 'log_unreachable', message: policies.message });
    if (followed !== undefined) report.failures.push(followed);
    const alerts = await this.raiseAlerts(report);
    this.recordSweep('sweep', started, report, alerts);
    const suspects = this.unconfirmedProjects();
    if (suspects.length > 0 && this.config.confirmAfterSeconds > 0) {
      if (confirmNow) {
        await this.clock.sleep(this.config.confirmAfterSeconds * 1000);
        const again = await this.confirm(suspects);
        report = mergeReports([report, again]);
        alerts.push(...again.alerts);
      } else {
        this.scheduleConfirmation(suspects);
      }
    }
    return { ...report, alerts, discrepancies: this.openDiscrepancies() };
  }

  /** Brings the monitor up to the log's size; a failure is reported, the sweep goes on. */
  private async followLog(): Promise<SweepReport['failures'][number] | undefined> {
    try {
      await this.follower.follow(this.monitor);
      return undefined;
    } catch (e) {
      return { project: '(log entries)', source: 'json', reason: 'log_unreachable', message: (e as Error).message };
    }
  }

  /** Logs, signed by this witness, every finding its views show at a stage the log lacks. */
  private async raiseAlerts(report: SweepReport): Promise<AlertPayload[]> {
    const failure = await this.followLog();
    if (failure) {
      report.failures.push(failure);
      return [];
    }
    const raised: AlertPayload[] = [];
    for (const finding of this.monitor.toRaise(this.key.verifierKey)) {
      const payload = this.monitor.alertPayload(finding, this.clock.now());
      const outcome = await this.submitter.submit(alertEntry(payload, this.key.signer));
      // alert_exists: another witness logged the same stage first, which is as good.
      if (!outcome.ok && outcome.code !== 'alert_exists') {
        report.failures.push({ project: payload.project ?? '(alert)', source: 'json', reason: outcome.reason, message: `alert ${payload.kind}: ${outcome.code}: ${outcome.message}` });
        continue;
      }
      if (outcome.ok) {
        raised.push(payload);
        this.webhooks?.notify({ ...payload, index: outcome.index });
      }
    }
    const after = await this.followLog();
    if (after) report.failures.push(after);
    return raised;
  }

  /** Projects with a suspect finding that only this witness's views support. */
  private unconfirmedProjects(): string[] {
    const me = this.key.verifierKey;
    const projects = new Set<string>();
    for (const f of this.monitor.findings.all()) {
      if (f.project === undefined || this.monitor.severity(f) !== 'suspect') continue;
      if (f.supporters.every((s) => s.witness === me)) projects.add(f.project);
    }
    return [...projects];
  }

  private scheduleConfirmation(projects: readonly string[]): void {
    if (this.confirmTimer !== undefined) return;
    this.confirmTimer = setTimeout(() => {
      this.confirmTimer = undefined;
      void this.confirm(projects).catch(() => undefined);
    }, this.config.confirmAfterSeconds * 1000);
  }

  /**
   * A second look (SPEC §4): the projects fetched again over fresh connections (a new client,
   * so no cached connection or CDN edge is reused) and every view logged, changed or not.
   */
  async confirm(projects: readonly string[]): Promise<WitnessReport> {
    const started = performance.now();
    const fresh = this.config.indexUrls.map(
      (baseUrl) => new CountedIndexClient(new UndiciIndexClient({ baseUrl, concurrency: this.config.concurrency, requestsPerSecond: this.config.requestsPerSecond, clock: this.clock }), this.metrics),
    );
    try {
      const report = mergeReports(await Promise.all(fresh.map((client) => this.sweepIndex(client, projects, true))));
      const alerts = await this.raiseAlerts(report);
      this.recordSweep('confirm', started, report, alerts);
      return { ...report, alerts, discrepancies: this.openDiscrepancies() };
    } finally {
      await Promise.all(fresh.map((c) => c.close()));
    }
  }

  private openDiscrepancies(): OpenDiscrepancy[] {
    return this.monitor.openDiscrepancies(this.key.verifierKey).map(({ finding: f, severity }) => ({
      id: f.id,
      kind: f.kind,
      severity,
      ...(f.project === undefined ? {} : { project: f.project }),
      ...(f.version === undefined ? {} : { version: f.version }),
      ...(f.filename === undefined ? {} : { filename: f.filename }),
    }));
  }

  /** Metrics and log lines for a finished sweep or confirmation. */
  private recordSweep(kind: SweepKind, started: number, report: SweepReport, alerts: readonly AlertPayload[]): void {
    const ms = performance.now() - started;
    this.metrics.sweep(kind, ms / 1000, report);
    for (const a of alerts) {
      this.metrics.alertRaised(a);
      this.logger.warn({ event: 'alert', id: a.id, kind: a.kind, severity: a.severity, project: a.project, version: a.version, filename: a.filename }, 'alert raised');
    }
    for (const f of report.failures) this.logger.warn({ event: 'sweep_failure', kind, project: f.project, source: f.source, reason: f.reason, error: f.message }, 'observation failed');
    const { fetched, notModified, logged, unchanged } = report;
    this.logger.info({ event: kind, fetched, notModified, logged, unchanged, alerts: alerts.length, failures: report.failures.length, ms: Math.round(ms) }, `${kind} done`);
  }

  private async sweepIndex(client: IndexClient, projects: readonly string[], force: boolean): Promise<SweepReport> {
    const deps = {
      client,
      state: this.state,
      submitter: this.submitter,
      signer: this.key.signer,
      witness: this.key.verifierKey,
      clock: this.clock,
      monitor: this.monitor,
      refetchAfterMs: Math.max(60_000, this.config.graceSeconds * 1000),
    };
    if (force) return runSweep(deps, { projects, force });
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
  schedule(onReport: (report: WitnessReport | Error) => void): void {
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
    const onInternalError = (e: unknown): void => this.logger.error({ event: 'internal_error', error: (e as Error)?.message ?? String(e), stack: (e as Error)?.stack }, 'internal error');
    const app = witnessApp(witness, this.state, { onInternalError, logger: this.logger, metrics: this.metrics });
    this.server = await listen(app, { host: this.config.host, port: this.config.port });
    return this.server;
  }

  /**
   * Logs a log-fork alert (best effort: the evidence is already in the state, and the forked log
   * may well refuse it; `failures` of later sweeps do not depend on it).
   */
  async raiseFork(evidence: ForkEvidence): Promise<boolean> {
    try {
      const alert = logForkAlert(evidence);
      this.webhooks?.notify({ ...alert });
      const outcome = await this.submitter.submit(alertEntry(alert, this.key.signer));
      if (outcome.ok) this.metrics.alertRaised(alert);
      this.logger.error({ event: 'log_fork', origin: alert.origin, logged: outcome.ok }, 'the log showed this witness a fork');
      return outcome.ok;
    } catch (e) {
      this.logger.error({ event: 'log_fork', origin: evidence.origin, logged: false, error: (e as Error)?.message }, 'the log showed this witness a fork');
      return false;
    }
  }

  /** Resolves once every webhook delivery queued so far is delivered or dead-lettered. */
  async webhooksIdle(): Promise<void> {
    await this.webhooks?.idle();
  }

  async close(): Promise<void> {
    clearTimeout(this.confirmTimer);
    await this.job?.stop();
    await this.server?.close();
    await this.sweeping?.catch(() => undefined);
    await Promise.all(this.clients.map((c) => c.close()));
    await this.submitter.close();
    await this.follower.close();
    await this.webhooks?.close();
    await this.state.close();
  }
}

/** Deliveries at info, failed attempts at warn, alerts given up on at error; URLs without credentials. */
function logWebhookEvent(logger: Logger, e: WebhookEvent): void {
  const level = e.type === 'delivered' ? 'info' : e.type === 'retrying' ? 'warn' : 'error';
  const alertId = e.type === 'delivered' || e.type === 'retrying' ? e.alertId : e.record.alertId;
  logger[level]({ event: 'webhook', outcome: e.type, alert: alertId }, describeWebhookEvent(e));
}

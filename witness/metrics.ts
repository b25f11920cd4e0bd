// The witness node's /metrics (Prometheus text format, prom-client), one Registry per node:
// sweeps (duration, failures, last one), index requests by outcome, observations logged, alerts
// raised, webhook deliveries and dead letters, what it cosigned, and its HTTP requests. A witness
// makes a few requests a second at most, so prom-client's own counters are used directly.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { HttpCounts } from '../api/observe.js';
import type { AlertPayload } from '../monitor/alert-payload.js';
import type { FetchResult } from './fetch-result.js';
import type { Conditional, IndexClient } from './index-client.js';
import type { IndexView } from './index-view.js';
import type { ProjectList } from './index-docs.js';
import type { WitnessState } from './state.js';
import type { SweepReport } from './sweep.js';
import type { WebhookEvent } from './webhooks.js';

/** Sweeps fetch every watched project: seconds to minutes. */
const SWEEP_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

export type SweepKind = 'sweep' | 'confirm';
/** Which index API a request went to. */
export type IndexApi = 'json' | 'release_json' | 'simple' | 'project_list';

export class WitnessMetrics {
  readonly registry = new Registry();
  readonly http: HttpCounts;
  private readonly sweepSeconds: Histogram<'kind'>;
  private readonly lastSweep: Gauge;
  private readonly failures: Counter<'reason'>;
  private readonly indexRequests: Counter<'api' | 'outcome'>;
  private readonly observations: Counter;
  private readonly alerts: Counter<'kind' | 'severity'>;
  private readonly webhooks: Counter<'outcome'>;
  private readonly deadLetters: Counter<'reason'>;

  constructor(state: WitnessState) {
    const registers = [this.registry];
    this.http = new HttpCounts(this.registry, 'diptych_witness');
    this.sweepSeconds = new Histogram({ name: 'diptych_witness_sweep_duration_seconds', help: 'Duration of sweeps (every watched project from every index, then the alerts) and confirmation re-fetches.', labelNames: ['kind'], buckets: SWEEP_BUCKETS, registers });
    this.lastSweep = new Gauge({ name: 'diptych_witness_last_sweep_timestamp_seconds', help: 'Unix time at which the last sweep ended (0: none yet).', registers });
    this.failures = new Counter({ name: 'diptych_witness_sweep_failures_total', help: 'Observations a sweep could not make or log, by reason (index failure reason, log_rejected, log_unreachable, ...).', labelNames: ['reason'], registers });
    this.indexRequests = new Counter({ name: 'diptych_witness_index_requests_total', help: 'Index requests by API and outcome: ok, not_modified, or the failure reason (after retries).', labelNames: ['api', 'outcome'], registers });
    this.observations = new Counter({ name: 'diptych_witness_observations_logged_total', help: 'Observation entries this witness logged.', registers });
    this.alerts = new Counter({ name: 'diptych_witness_alerts_raised_total', help: 'Alerts this witness logged, by kind and severity.', labelNames: ['kind', 'severity'], registers });
    this.webhooks = new Counter({ name: 'diptych_witness_webhook_deliveries_total', help: 'Webhook delivery events: delivered, retrying (an attempt failed), dead_letter, dead_letter_write_failed.', labelNames: ['outcome'], registers });
    this.deadLetters = new Counter({ name: 'diptych_witness_webhook_dead_letters_total', help: 'Alerts given up on, by reason (rejected, retries_exhausted, queue_full, shutdown, invalid_alert).', labelNames: ['reason'], registers });
    new Gauge({
      name: 'diptych_witness_cosigned_size',
      help: 'Per log origin, the size of the latest checkpoint this witness cosigned.',
      labelNames: ['origin'],
      registers,
      async collect() {
        this.reset();
        for (const { origin, checkpoint } of await state.allCosigned()) this.set({ origin }, checkpoint.size);
      },
    });
  }

  /** A sweep (or confirmation) ended: its duration, what it logged, what failed. */
  sweep(kind: SweepKind, seconds: number, report: SweepReport): void {
    this.sweepSeconds.observe({ kind }, seconds);
    this.lastSweep.set(Date.now() / 1000);
    this.observations.inc(report.logged);
    for (const f of report.failures) this.failures.inc({ reason: f.reason });
  }

  alertRaised(alert: Pick<AlertPayload, 'kind' | 'severity'>): void {
    this.alerts.inc({ kind: alert.kind, severity: alert.severity });
  }

  webhookEvent(event: WebhookEvent): void {
    this.webhooks.inc({ outcome: event.type });
    if (event.type === 'dead_letter') this.deadLetters.inc({ reason: event.record.reason });
  }

  indexResult(api: IndexApi, result: FetchResult<unknown>): void {
    const outcome = !result.ok ? result.reason : result.notModified ? 'not_modified' : 'ok';
    this.indexRequests.inc({ api, outcome });
  }
}

/** An index client that counts every answer's outcome; the requests are the wrapped client's. */
export class CountedIndexClient implements IndexClient {
  constructor(
    private readonly client: IndexClient,
    private readonly metrics: WitnessMetrics,
  ) {}

  get baseUrl(): string {
    return this.client.baseUrl;
  }

  async projectJson(project: string, options?: Conditional): Promise<FetchResult<IndexView>> {
    return this.counted('json', await this.client.projectJson(project, options));
  }

  async releaseJson(project: string, version: string, options?: Conditional): Promise<FetchResult<IndexView>> {
    return this.counted('release_json', await this.client.releaseJson(project, version, options));
  }

  async simple(project: string, options?: Conditional): Promise<FetchResult<IndexView>> {
    return this.counted('simple', await this.client.simple(project, options));
  }

  async projectList(options?: Conditional): Promise<FetchResult<ProjectList>> {
    return this.counted('project_list', await this.client.projectList(options));
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private counted<T>(api: IndexApi, result: FetchResult<T>): FetchResult<T> {
    this.metrics.indexResult(api, result);
    return result;
  }
}

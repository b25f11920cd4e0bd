// The log server's /metrics (Prometheus text format, prom-client), one Registry per app: two apps
// in one process (tests) never share a count. What the request path records is plain numbers
// (api/observe.ts); everything that is a function of the log's state (size, checkpoint age,
// cosignatures, alerts, suspensions) is computed from the log when scraped, never per request.
import type { Hono } from 'hono';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { TransparencyLog } from '../log/transparency-log.js';
import { HttpCounts, type RequestRecorder } from './observe.js';

export const METRICS_PATH = '/metrics';
/** The route that appends (its successful answers are the appends). */
const APPEND_ROUTE = '/api/v1/entries';
/** Appends answer after the next checkpoint (default cadence 1 s), so the buckets are around it. */
const APPEND_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30];

/** name+keyid of a vkey: names the witness without its key material in every series. */
export function witnessLabel(vkey: string): string {
  return vkey.split('+').slice(0, 2).join('+');
}

export class LogMetrics implements RequestRecorder {
  readonly registry = new Registry();
  private readonly http: HttpCounts;
  private created = 0;
  private existing = 0;
  private readonly appendSeconds: Histogram;

  constructor(log: TransparencyLog) {
    const registers = [this.registry];
    this.http = new HttpCounts(this.registry, 'diptych');
    this.appendSeconds = new Histogram({
      name: 'diptych_append_duration_seconds',
      help: 'Time from receiving a POST /api/v1/entries to answering it with its index (it waits for a durable, signed checkpoint).',
      buckets: APPEND_BUCKETS,
      registers,
    });
    const appends = this;
    new Counter({
      name: 'diptych_appends_total',
      help: 'Entries submitted and answered with an index: created (newly logged, 201) or existing (logged before, 200).',
      labelNames: ['result'] as const,
      registers,
      collect() {
        this.reset();
        this.inc({ result: 'created' }, appends.created);
        this.inc({ result: 'existing' }, appends.existing);
      },
    });
    logGauges(log, registers);
    witnessMetrics(log, registers);
    governanceGauges(log, registers);
  }

  request(method: string, route: string, status: number, code: string | undefined, seconds: number): void {
    this.http.request(method, route, status, code);
    if (route !== APPEND_ROUTE || method !== 'POST' || (status !== 201 && status !== 200)) return;
    if (status === 201) this.created += 1;
    else this.existing += 1;
    this.appendSeconds.observe(seconds);
  }
}

function logGauges(log: TransparencyLog, registers: Registry[]): void {
  new Gauge({ name: 'diptych_log_size', help: 'Entries in the log (the size of its latest signed checkpoint).', registers, collect() { this.set(log.sequencer.size); } });
  new Gauge({ name: 'diptych_log_pending_entries', help: 'Entries waiting for the next checkpoint.', registers, collect() { this.set(log.sequencer.pendingCount); } });
  new Gauge({
    name: 'diptych_checkpoint_age_seconds',
    help: 'Seconds since the log signed its latest checkpoint (or, for the one it was started with, since it started). It grows while nothing is appended.',
    registers,
    collect() { this.set(Math.max(0, (Date.now() - log.sequencer.checkpointedAt) / 1000)); },
  });
}

function witnessMetrics(log: TransparencyLog, registers: Registry[]): void {
  new Gauge({
    name: 'diptych_log_witness_cosigned_size',
    help: 'Per policy witness with a URL, the checkpoint size it last cosigned (as far as this log knows).',
    labelNames: ['witness'] as const,
    registers,
    collect() {
      this.reset();
      for (const w of log.witnessStatus()) if (w.lastCosigned !== null) this.set({ witness: witnessLabel(w.vkey) }, w.lastCosigned);
    },
  });
  new Counter({
    name: 'diptych_log_witness_cosignatures_total',
    help: 'Per policy witness with a URL, verified cosignatures it gave since the log started.',
    labelNames: ['witness'] as const,
    registers,
    collect() {
      this.reset();
      for (const w of log.witnessCosignatures()) this.inc({ witness: witnessLabel(w.vkey) }, w.cosignatures);
    },
  });
}

function governanceGauges(log: TransparencyLog, registers: Registry[]): void {
  new Gauge({
    name: 'diptych_alerts',
    help: 'Alerts in the log, by kind and current severity.',
    labelNames: ['kind', 'severity'] as const,
    registers,
    collect() {
      this.reset();
      for (const a of log.state.governance.allAlerts()) this.inc({ kind: a.alert.kind, severity: a.severity });
    },
  });
  new Gauge({
    name: 'diptych_escalations',
    help: 'Escalations by trusted parties in the log, by action.',
    labelNames: ['action'] as const,
    registers,
    collect() {
      this.reset();
      for (const a of log.state.governance.allAlerts()) for (const e of a.escalations) this.inc({ action: e.action });
    },
  });
  new Gauge({
    name: 'diptych_suspensions',
    help: 'Suspensions in force: scope "index" (the whole index) or "project".',
    labelNames: ['scope'] as const,
    registers,
    collect() {
      const active = log.state.governance.suspensions();
      this.set({ scope: 'index' }, active.filter((s) => s.suspension.scope === 'index').length);
      this.set({ scope: 'project' }, active.filter((s) => s.suspension.scope !== 'index').length);
    },
  });
}

/** GET /metrics on an app, answering from `registry`. */
export function mountMetrics(app: Hono, registry: Registry): void {
  app.get(METRICS_PATH, async (c) => c.body(await registry.metrics(), 200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }));
}

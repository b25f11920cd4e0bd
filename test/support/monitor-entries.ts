// Builders of the monitor's log entries for tests: observations, alerts, escalations, acks,
// signed with test keys, in their JCS entry form.
import { canonicalEnvelopeBytes, signEnvelope } from '../../log/dsse.js';
import type { SignerKey } from '../../log/note.js';
import { alertId, type AlertSubject, type Severity } from '../../monitor/kinds.js';
import { ALERT_TYPE, type AlertPayload } from '../../monitor/alert-payload.js';
import { OBSERVATION_TYPE } from '../../monitor/observation-payload.js';
import { ACK_TYPE, ESCALATION_TYPE, type Action } from '../../monitor/governance-payloads.js';

export const INDEX_URL = 'http://127.0.0.1:9/';
export const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
export const iso = (ms: number): string => new Date(ms).toISOString();
export const sha = (c: string): string => c.repeat(64).slice(0, 64);

export interface FileSpec {
  filename: string;
  sha256: string;
  size?: number | null;
  yanked?: boolean;
  uploadTime?: string | null;
}

export interface ObservationSpec {
  witness: string;
  project: string;
  version: string;
  files: FileSpec[];
  observedAt?: number;
  lastSerial?: number | null;
  source?: 'json' | 'simple';
  indexUrl?: string;
}

export function observationPayload(o: ObservationSpec): Record<string, unknown> {
  return {
    witness: o.witness,
    indexUrl: o.indexUrl ?? INDEX_URL,
    project: o.project,
    version: o.version,
    lastSerial: o.lastSerial === undefined ? 1 : o.lastSerial,
    observedAt: iso(o.observedAt ?? T0),
    source: o.source ?? 'json',
    files: o.files.map((f) => ({ filename: f.filename, sha256: f.sha256, size: f.size === undefined ? 10 : f.size, yanked: f.yanked ?? false, uploadTime: f.uploadTime === undefined ? null : f.uploadTime })),
  };
}

export function observationEntry(key: SignerKey, o: Omit<ObservationSpec, 'witness'> & { witness?: string }): Uint8Array {
  return canonicalEnvelopeBytes(signEnvelope(OBSERVATION_TYPE, observationPayload({ witness: key.verifierKey, ...o }), [key.signer]));
}

export function alertPayload(subject: AlertSubject, severity: Severity, evidence: number[] = [], raisedAt = T0): AlertPayload {
  return { ...subject, id: alertId(subject), severity, evidence, raisedAt: iso(raisedAt) };
}

export function alertEntry(key: SignerKey, payload: AlertPayload): Uint8Array {
  return canonicalEnvelopeBytes(signEnvelope(ALERT_TYPE, { ...payload }, [key.signer]));
}

export function escalationEntry(keys: SignerKey[], alert: string, action: Action | string, reason = 'confirmed by hand'): Uint8Array {
  return canonicalEnvelopeBytes(signEnvelope(ESCALATION_TYPE, { alert, action, reason, at: iso(T0) }, keys.map((k) => k.signer)));
}

export function ackEntry(keys: SignerKey[], alert: string, reason = 'we deleted that file on purpose'): Uint8Array {
  return canonicalEnvelopeBytes(signEnvelope(ACK_TYPE, { alert, reason, at: iso(T0) }, keys.map((k) => k.signer)));
}

export function releaseEntry(keys: SignerKey[], project: string, version: string, files: { filename: string; sha256: string; size?: number }[], createdMs = T0): Uint8Array {
  const payload = { project, version, files: files.map((f) => ({ filename: f.filename, sha256: f.sha256, size: f.size ?? 10 })), created: iso(createdMs).replace('.000Z', 'Z') };
  return canonicalEnvelopeBytes(signEnvelope('application/vnd.diptych.release+json', payload, keys.map((k) => k.signer)));
}

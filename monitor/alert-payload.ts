// Alert entries (SPEC §3): `{id, kind, severity, project?, version?, filename?, expected?,
// observed?, evidence:[leaf index…], raisedAt}`, plus `indexUrl` for the index-level kinds and
// `origin`/`reason` for log forks. The parser is strict: the id must be the hash of the kind and
// subject (kinds.ts), so an alert cannot claim one subject under another's id. Browser-safe.
import { DiptychError } from '../log/errors.js';
import { checkArray, checkFields } from '../log/payload-fields.js';
import { requireNormalizedProject } from '../log/project-name.js';
import { parseTimestamp } from '../log/timestamp.js';
import { nobleCrypto, type Crypto } from '../log/crypto.js';
import { alertId, isDiscrepancyKind, kindSeverity, subjectFields, type AlertSubject, type DiscrepancyKind, type Severity } from './kinds.js';

export const ALERT_TYPE = 'application/vnd.diptych.alert+json';
/** Enough for a manifest and the observations of every witness of a busy project. */
export const MAX_EVIDENCE = 64;

export interface AlertPayload extends AlertSubject {
  readonly id: string;
  readonly severity: Severity;
  readonly reason?: string;
  readonly evidence: readonly number[];
  readonly raisedAt: string;
}

const OPTIONAL = ['project', 'version', 'filename', 'indexUrl', 'origin', 'reason', 'expected', 'observed'] as const;

function invalid(message: string): never {
  throw new DiptychError('invalid_alert', message);
}

function optionalText(value: unknown, field: string, max = 512): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > max) invalid(`${field} must be a string of 1 to ${max} characters`);
  return value as string;
}

function checkEvidence(value: unknown): number[] {
  const list = checkArray(value, 'evidence', MAX_EVIDENCE);
  const out = list.map((i) => {
    if (typeof i !== 'number' || !Number.isSafeInteger(i) || i < 0) invalid('evidence lists leaf indexes (non-negative integers)');
    return i as number;
  });
  for (let k = 1; k < out.length; k++) if (out[k]! <= out[k - 1]!) invalid('evidence is sorted and without repeats');
  return out;
}

export function parseAlertPayload(value: unknown, crypto: Crypto = nobleCrypto): AlertPayload {
  const p = checkFields(value, 'an alert', ['id', 'kind', 'severity', 'evidence', 'raisedAt'], OPTIONAL);
  if (!isDiscrepancyKind(p['kind'])) invalid(`kind must be one of the SPEC §4 kinds, not ${JSON.stringify(p['kind'])}`);
  const kind = p['kind'] as DiscrepancyKind;
  const severity = p['severity'];
  if (severity !== 'suspect' && severity !== kindSeverity(kind)) invalid(`a ${kind} alert is "suspect" or "${kindSeverity(kind)}"`);
  const fields: Record<string, string | undefined> = {};
  for (const f of OPTIONAL) fields[f] = optionalText(p[f], f, f === 'reason' || f === 'observed' || f === 'expected' ? 4096 : 512);
  if (fields['project'] !== undefined) requireNormalizedProject(fields['project']);
  for (const f of subjectFields(kind)) if (fields[f] === undefined) invalid(`a ${kind} alert names its ${f}`);
  parseTimestamp(p['raisedAt'], 'raisedAt');
  const payload: AlertPayload = {
    ...(Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<AlertSubject>),
    id: String(p['id']),
    kind,
    severity: severity as Severity,
    evidence: checkEvidence(p['evidence']),
    raisedAt: p['raisedAt'] as string,
  };
  if (payload.id !== alertId(payload, crypto)) invalid('id is not the hash of the alert\'s kind and subject');
  return payload;
}

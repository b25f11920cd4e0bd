// The discrepancy kinds of SPEC §4, their default severities, and stable alert ids. Browser-safe.
import { toHex, utf8 } from '../log/bytes.js';
import { nobleCrypto, type Crypto } from '../log/crypto.js';

export const DISCREPANCY_KINDS = [
  'hash-mismatch',
  'file-changed',
  'split-view',
  'log-fork',
  'unsigned-file',
  'withheld-file',
  'withheld-release',
  'unsigned-release',
  'serial-regression',
  'file-removed',
  'yanked',
] as const;

export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];

/** A kind's severity once confirmed. */
export type ConfirmedSeverity = 'critical' | 'high' | 'info';
/** `suspect`: seen in one observation only (SPEC §4), not yet confirmed by an independent one. */
export type Severity = 'suspect' | ConfirmedSeverity;

export const SEVERITIES: readonly Severity[] = ['suspect', 'info', 'high', 'critical'];

const KIND_SEVERITY: Readonly<Record<DiscrepancyKind, ConfirmedSeverity>> = {
  'hash-mismatch': 'critical',
  'file-changed': 'critical',
  'split-view': 'critical',
  'log-fork': 'critical',
  'unsigned-file': 'high',
  'withheld-file': 'high',
  'withheld-release': 'high',
  'unsigned-release': 'high',
  'serial-regression': 'high',
  'file-removed': 'info',
  yanked: 'info',
};

export function isDiscrepancyKind(value: unknown): value is DiscrepancyKind {
  return typeof value === 'string' && (DISCREPANCY_KINDS as readonly string[]).includes(value);
}

export function kindSeverity(kind: DiscrepancyKind): ConfirmedSeverity {
  return KIND_SEVERITY[kind];
}

/** 0 for suspect, 1 once confirmed: an alert id is logged at most once per stage. */
export function severityStage(severity: Severity): 0 | 1 {
  return severity === 'suspect' ? 0 : 1;
}

/**
 * What an alert is about, by kind: the fields that make two findings the same discrepancy.
 * Repeated sweeps and other witnesses finding it again produce the same subject, hence the same
 * id (SPEC §4), and a different tampering (another observed hash) a different one.
 */
export interface AlertSubject {
  readonly kind: DiscrepancyKind;
  readonly project?: string;
  readonly version?: string;
  readonly filename?: string;
  readonly indexUrl?: string;
  readonly origin?: string;
  readonly expected?: string;
  readonly observed?: string;
}

const SUBJECT_FIELDS: Readonly<Record<DiscrepancyKind, readonly (keyof AlertSubject)[]>> = {
  'hash-mismatch': ['project', 'version', 'filename', 'observed'],
  'file-changed': ['indexUrl', 'filename', 'observed'],
  'split-view': ['filename', 'observed'],
  'log-fork': ['origin', 'observed'],
  'unsigned-file': ['project', 'version', 'filename', 'observed'],
  'withheld-file': ['project', 'version', 'filename'],
  'withheld-release': ['project', 'version'],
  'unsigned-release': ['project', 'version'],
  'serial-regression': ['indexUrl', 'project', 'expected'],
  'file-removed': ['indexUrl', 'filename'],
  yanked: ['indexUrl', 'filename'],
};

export function subjectFields(kind: DiscrepancyKind): readonly (keyof AlertSubject)[] {
  return SUBJECT_FIELDS[kind];
}

/** Stable id: hex SHA-256 of the kind and the subject's fields, one per line. */
export function alertId(subject: AlertSubject, crypto: Crypto = nobleCrypto): string {
  const lines = [subject.kind, ...SUBJECT_FIELDS[subject.kind].map((f) => subject[f] ?? '')];
  return toHex(crypto.sha256(utf8(lines.join('\n'))));
}

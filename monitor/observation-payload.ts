// Parsing observation entries (SPEC §3) as the log and the monitor read them. The witness builds
// them (witness/observation.ts); this side checks their shape strictly, except for what the
// index itself said in free form (uploadTime), which is kept as text and read leniently: an
// index's odd timestamp must not stop a witness from logging what it saw. Browser-safe.
import { DiptychError } from '../log/errors.js';
import { checkArray, checkFields } from '../log/payload-fields.js';
import { requireNormalizedProject } from '../log/project-name.js';
import { parseTimestamp } from '../log/timestamp.js';

export const OBSERVATION_TYPE = 'application/vnd.diptych.observation+json';
/** More files than any PyPI release has (a 65535-byte entry holds about 300). */
export const MAX_OBSERVED_FILES = 2000;

export type ObservationSource = 'json' | 'simple';

export interface ObservedFileRecord {
  readonly filename: string;
  readonly sha256: string;
  readonly size: number | null;
  readonly yanked: boolean;
  /** Milliseconds since the epoch, null when the index did not say (or said it unreadably). */
  readonly uploadMs: number | null;
}

export interface ParsedObservation {
  readonly witness: string;
  readonly indexUrl: string;
  readonly project: string;
  readonly version: string;
  readonly lastSerial: number | null;
  readonly observedAtMs: number;
  readonly source: ObservationSource;
  readonly files: readonly ObservedFileRecord[];
}

function invalid(message: string): never {
  throw new DiptychError('invalid_observation', message);
}

function text(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) invalid(`${field} must be a string of 1 to ${max} characters`);
  return value as string;
}

function parseFile(value: unknown): ObservedFileRecord {
  const f = checkFields(value, 'an observed file', ['filename', 'sha256', 'size', 'yanked', 'uploadTime']);
  const filename = text(f['filename'], 'filename', 256);
  if (/[/\\\u0000-\u001f]/.test(filename)) invalid(`filename ${JSON.stringify(filename)} has a path separator or control character`);
  if (typeof f['sha256'] !== 'string' || !/^[0-9a-f]{64}$/.test(f['sha256'])) invalid(`${filename}: sha256 must be 64 lowercase hex digits`);
  const size = f['size'];
  if (size !== null && (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)) invalid(`${filename}: size is a non-negative integer or null`);
  if (typeof f['yanked'] !== 'boolean') invalid(`${filename}: yanked is true or false`);
  const upload = f['uploadTime'];
  if (upload !== null && (typeof upload !== 'string' || upload.length > 64)) invalid(`${filename}: uploadTime is a string or null`);
  const uploadMs = upload === null ? NaN : Date.parse(upload as string);
  return { filename, sha256: f['sha256'], size: size as number | null, yanked: f['yanked'], uploadMs: Number.isFinite(uploadMs) ? uploadMs : null };
}

export function parseObservationPayload(value: unknown): ParsedObservation {
  const p = checkFields(value, 'an observation', ['witness', 'indexUrl', 'project', 'version', 'lastSerial', 'observedAt', 'source', 'files']);
  const indexUrl = text(p['indexUrl'], 'indexUrl', 512);
  if (!/^https?:\/\/[^\s]+$/.test(indexUrl)) invalid('indexUrl must be an http(s) URL');
  const serial = p['lastSerial'];
  if (serial !== null && (typeof serial !== 'number' || !Number.isSafeInteger(serial) || serial < 0)) invalid('lastSerial is a non-negative integer or null');
  if (p['source'] !== 'json' && p['source'] !== 'simple') invalid('source is "json" or "simple"');
  const files = checkArray(p['files'], 'files', MAX_OBSERVED_FILES).map(parseFile);
  const names = new Set(files.map((f) => f.filename));
  if (names.size !== files.length) invalid('files lists a filename twice');
  return {
    witness: text(p['witness'], 'witness', 512),
    indexUrl,
    project: requireNormalizedProject(p['project']),
    version: text(p['version'], 'version', 128),
    lastSerial: serial as number | null,
    observedAtMs: parseTimestamp(p['observedAt'], 'observedAt'),
    source: p['source'],
    files,
  };
}

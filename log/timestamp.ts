// RFC 3339 timestamps in UTC ("2025-01-31T12:00:00Z", optional fraction), the one form diptych
// payloads use for times, so that comparing them never depends on a time zone. Browser-safe.
import { DiptychError } from './errors.js';

const UTC_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?Z$/;

/** Milliseconds since the epoch of a UTC RFC 3339 timestamp; invalid_timestamp otherwise. */
export function parseTimestamp(value: unknown, field: string): number {
  const m = typeof value === 'string' ? UTC_TIMESTAMP.exec(value) : null;
  if (!m) throw new DiptychError('invalid_timestamp', `${field} must be an RFC 3339 UTC time such as 2025-01-31T12:00:00Z`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  // Date.UTC rolls over (Feb 30 becomes Mar 2); a timestamp that does not round-trip is invalid.
  const back = new Date(ms).toISOString().slice(0, 19);
  if (back !== (value as string).slice(0, 19)) throw new DiptychError('invalid_timestamp', `${field} is not a real date and time`);
  return ms + (m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0);
}

/** Now, as a payload timestamp (whole seconds). */
export function formatTimestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

// What an index request can come to. Failures are values with a stable reason code, never
// exceptions: one bad answer from the index must not end a sweep, and must never be mistaken
// for a discrepancy about the package (issue 5, "Bad input gets a clear error").

export type FetchFailureReason =
  | 'timeout'
  | 'connection_failed'
  | 'connection_reset'
  | 'rate_limited'
  | 'server_error'
  | 'not_found'
  | 'unexpected_status'
  | 'body_too_large'
  | 'invalid_json'
  | 'invalid_document'
  | 'missing_hash'
  | 'name_mismatch'
  | 'unsupported_content_type'
  | 'unsupported_api_version'
  | 'redirect_other_host'
  | 'too_many_redirects';

export interface FetchFailure {
  readonly ok: false;
  readonly reason: FetchFailureReason;
  readonly message: string;
  /** The last HTTP status seen, if any. */
  readonly status?: number;
  readonly attempts: number;
}

/** The index answered 304: nothing changed since the ETag given. */
export interface NotModified {
  readonly ok: true;
  readonly notModified: true;
  readonly etag: string | null;
  readonly serial: number | null;
  readonly attempts: number;
}

export interface Fetched<T> {
  readonly ok: true;
  readonly notModified: false;
  readonly value: T;
  readonly attempts: number;
}

export type FetchResult<T> = Fetched<T> | NotModified | FetchFailure;

/** Failures worth another attempt (after a backoff): the index may answer next time. */
export function isTransient(reason: FetchFailureReason): boolean {
  return reason === 'timeout' || reason === 'connection_failed' || reason === 'connection_reset' || reason === 'rate_limited' || reason === 'server_error';
}

export function failure(reason: FetchFailureReason, message: string, attempts: number, status?: number): FetchFailure {
  return status === undefined ? { ok: false, reason, message, attempts } : { ok: false, reason, message, attempts, status };
}

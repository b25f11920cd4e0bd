// The one error type of diptych, and the one table from error code to HTTP status (SPEC §5).
// Browser-safe. Codes are stable API: add new ones, never rename.

export const ERROR_STATUS = {
  // 400: the request or the object in it is malformed
  bad_request: 400,
  invalid_json: 400,
  invalid_utf8: 400,
  invalid_hex: 400,
  invalid_base64: 400,
  invalid_envelope: 400,
  non_canonical_json: 400,
  invalid_payload: 400,
  invalid_parameter: 400,
  invalid_tile_path: 400,
  invalid_policy: 400,
  malformed_bundle: 400,
  malformed_key: 400,
  unsupported_key_type: 400,
  malformed_note: 400,
  too_many_signatures: 400,
  malformed_checkpoint: 400,
  malformed_cosignature: 400,
  malformed_proof: 400,
  malformed_proof_bundle: 400, // issue 7: a proof bundle that is not {checkpoint, entries:[…]}
  size_beyond_tree: 400,
  index_beyond_size: 400,
  size_out_of_range: 400,
  malformed_witness_request: 400, // tlog-witness add-checkpoint body
  invalid_old_size: 400, // tlog-witness: old size beyond the checkpoint's size
  // 400, project policies and release manifests (issue 4)
  invalid_project_name: 400,
  non_ascii_project_name: 400,
  project_name_not_normalized: 400,
  invalid_version: 400,
  invalid_filename: 400,
  filename_mismatch: 400,
  duplicate_filename: 400,
  invalid_sha256: 400,
  invalid_size: 400,
  invalid_timestamp: 400,
  created_out_of_range: 400,
  no_keys: 400,
  duplicate_key: 400,
  invalid_threshold: 400,
  invalid_revocation: 400,
  unknown_payload_type: 400,
  // 400, monitor entries (issue 6)
  invalid_observation: 400,
  invalid_alert: 400,
  invalid_escalation: 400,
  unknown_action: 400,
  invalid_ack: 400,
  // 403: a signature or policy check failed
  invalid_signature: 403,
  no_verifiable_signature: 403,
  invalid_proof: 403,
  origin_mismatch: 403,
  unknown_witness: 403,
  unknown_signer: 403,
  insufficient_signatures: 403,
  revoked_key: 403,
  key_id_collision: 403,
  no_key_policy: 403,
  witness_mismatch: 403,
  untrusted_party: 403,
  not_log_signed: 403,
  evidence_mismatch: 403, // an alert's cited entries do not show what it claims
  // 403, auditors (issue 7): what a log served does not check out
  insufficient_cosignatures: 403, // fewer than the required quorum of trusted witnesses cosigned
  tile_mismatch: 403, // a hash tile does not hash to the checkpoint or disagrees with the entries
  bundle_mismatch: 403, // an entry bundle's entries do not hash to the tiles
  derived_state_mismatch: 403, // the API serves other key policies or releases than the entries give
  // 404: no such thing
  not_found: 404,
  entry_not_found: 404,
  tile_not_found: 404,
  unknown_log: 404,
  project_not_found: 404,
  release_not_found: 404,
  file_not_found: 404,
  alert_not_found: 404,
  // 409: conflicts with what is stored
  conflict: 409,
  stale_old_size: 409, // tlog-witness: answered with the known size as text/x.tlog.size
  wrong_seq: 409,
  release_conflict: 409,
  policy_changed: 409,
  alert_exists: 409,
  duplicate_escalation: 409,
  already_suspended: 409,
  not_suspended: 409,
  alert_acknowledged: 409,
  duplicate_ack: 409,
  alert_suspended: 409,
  invalid_suspension: 409,
  log_forked: 409, // auditors: two checkpoints that no append-only log could both have signed
  log_rolled_back: 409, // auditors: a checkpoint smaller than one the log signed before
  audit_state_other_log: 409, // an audit state directory kept for another log
  // 413: too large
  entry_too_large: 413,
  body_too_large: 413,
  // 422: tlog-witness: same size, another root
  inconsistent_checkpoint: 422,
  invalid_consistency_proof: 422, // tlog-witness: the proof from the cosigned size does not verify
  // 429, 503
  rate_limited: 429,
  not_ready: 503,
  overloaded: 503,
  state_inconsistent: 503,
  state_snapshot_invalid: 503, // never answered: a bad snapshot is dropped and the log replayed
  internal_error: 500,
  insecure_key_file: 500,
  audit_state_corrupt: 500, // an audit state file that cannot be read back; never overwritten
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class DiptychError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode | string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'DiptychError';
    this.code = code;
    this.details = details;
  }
}

/** The HTTP status for an error code; unknown codes are server faults. */
export function statusOf(code: string): number {
  return (ERROR_STATUS as Record<string, number>)[code] ?? 500;
}

export function isDiptychError(e: unknown, code?: string): e is DiptychError {
  return e instanceof DiptychError && (code === undefined || e.code === code);
}

// The body of a C2SP tlog-witness add-checkpoint request (c2sp.org/tlog-witness):
//
//   old <size>\n  <base64 hash>\n × 0..63  \n  <signed checkpoint note>
//
// Parsed strictly; anything else is malformed_witness_request (400). Browser-safe.
import { fromBase64, toBase64 } from '../log/bytes.js';
import { DiptychError } from '../log/errors.js';
import type { Hash } from '../log/tree.js';

export const MAX_PROOF_LINES = 63;

export interface AddCheckpointRequest {
  readonly oldSize: number;
  readonly proof: readonly Hash[];
  /** The checkpoint note bytes, signatures included. */
  readonly note: Uint8Array;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function fail(message: string): never {
  throw new DiptychError('malformed_witness_request', message);
}

function blankLineAt(body: Uint8Array): number {
  for (let i = 0; i + 1 < body.length; i++) if (body[i] === 0x0a && body[i + 1] === 0x0a) return i;
  return -1;
}

export function parseAddCheckpoint(body: Uint8Array): AddCheckpointRequest {
  const end = blankLineAt(body);
  if (end < 0) fail('no empty line between the old size and the checkpoint');
  let header: string;
  try {
    header = decoder.decode(body.subarray(0, end));
  } catch {
    fail('the request header is not UTF-8');
  }
  const [oldLine, ...proofLines] = header.split('\n');
  const m = /^old (0|[1-9][0-9]{0,15})$/.exec(oldLine ?? '');
  if (m === null) fail('the first line must be "old <size>" in decimal without leading zeros');
  const oldSize = Number(m[1]);
  if (!Number.isSafeInteger(oldSize)) fail('old size out of range');
  if (proofLines.length > MAX_PROOF_LINES) fail(`more than ${MAX_PROOF_LINES} consistency proof lines`);
  const proof = proofLines.map((line) => {
    let hash: Uint8Array;
    try {
      hash = fromBase64(line);
    } catch {
      fail('a consistency proof line is not base64');
    }
    if (hash.length !== 32) fail('consistency proof hashes are 32 bytes');
    return hash;
  });
  const note = body.subarray(end + 2);
  if (note.length === 0) fail('no checkpoint after the empty line');
  return { oldSize, proof, note };
}

/** The request body a log sends (for clients and tests). */
export function formatAddCheckpoint(oldSize: number, proof: readonly Hash[], note: string): string {
  return `old ${oldSize}\n${proof.map((h) => toBase64(h) + '\n').join('')}\n${note}`;
}

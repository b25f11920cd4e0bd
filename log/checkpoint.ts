// C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): the signed note body that commits a log
// to a tree size and root hash. Browser-safe.
//
//   <origin>\n<size>\n<base64 root>\n[<extension line>\n]*
//
// Parsing is strict: a non-empty origin, a decimal size without leading zeros below 2^64, a
// root of exactly 32 bytes in standard padded base64, and non-empty extension lines. Each
// failure is malformed_checkpoint with details.reason one of lines | origin | size | root |
// extension (the vectors' checkpoint-* reasons).
import { fromBase64, toBase64 } from './bytes.js';
import { DiptychError } from './errors.js';
import { ED25519_TYPE, checkNoteText, openNote, type NoteVerifier, type OpenedNote } from './note.js';

const MAX_UINT64 = (1n << 64n) - 1n;
const DECIMAL = /^(0|[1-9][0-9]*)$/;

export type CheckpointFailure = 'lines' | 'origin' | 'size' | 'root' | 'extension';

export interface Checkpoint {
  readonly origin: string;
  /** The exact size. Sizes of diptych logs stay below 2^53; foreign logs may not. */
  readonly sizeBig: bigint;
  /**
   * The size as a number. Reading it throws DiptychError('size_out_of_range') when the size
   * exceeds Number.MAX_SAFE_INTEGER, so no caller ever computes with a rounded size.
   */
  readonly size: number;
  readonly root: Uint8Array;
  readonly extensions: readonly string[];
}

export interface CheckpointFields {
  origin: string;
  size: number | bigint;
  root: Uint8Array;
  extensions?: readonly string[];
}

export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly note: OpenedNote;
}

export interface OpenCheckpointOptions {
  /** The origin line the caller expects; a different one is origin_mismatch. */
  origin?: string;
  /** Witness verifiers whose cosignatures are checked alongside the log's signature. */
  cosigners?: readonly NoteVerifier[];
}

function fail(reason: CheckpointFailure, message: string): never {
  throw new DiptychError('malformed_checkpoint', message, { reason });
}

/** The checkpoint text (a note text, ending in newline). */
export function formatCheckpoint(fields: CheckpointFields): string {
  const { origin, root } = fields;
  const extensions = fields.extensions ?? [];
  if (origin.length === 0 || origin.includes('\n')) fail('origin', 'origin must be one non-empty line');
  const size = typeof fields.size === 'bigint' ? fields.size : BigInt(checkedNumber(fields.size));
  if (size < 0n || size > MAX_UINT64) fail('size', 'size must be an unsigned 64-bit integer');
  if (root.length !== 32) fail('root', 'root hash must be 32 bytes');
  for (const line of extensions) {
    if (line.length === 0 || line.includes('\n')) fail('extension', 'extension lines are single non-empty lines');
  }
  const text = [origin, size.toString(), toBase64(root), ...extensions].join('\n') + '\n';
  try {
    checkNoteText(text);
  } catch {
    fail('lines', 'checkpoint holds characters a signed note cannot carry');
  }
  return text;
}

function checkedNumber(size: number): number {
  if (!Number.isSafeInteger(size)) fail('size', 'size must be a safe integer');
  return size;
}

/** Parses a checkpoint text (the verified text of a note). */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) fail('lines', 'checkpoint must end in a newline');
  const lines = text.slice(0, -1).split('\n');
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (origin === undefined || sizeText === undefined || rootText === undefined) {
    fail('lines', 'checkpoint needs origin, size and root lines');
  }
  if (origin.length === 0) fail('origin', 'empty origin line');
  if (!DECIMAL.test(sizeText)) fail('size', 'size must be decimal without leading zeros');
  const sizeBig = BigInt(sizeText);
  if (sizeBig > MAX_UINT64) fail('size', 'size does not fit in 64 bits');
  let root: Uint8Array;
  try {
    root = fromBase64(rootText);
  } catch {
    fail('root', 'root is not standard padded base64');
  }
  if (root.length !== 32) fail('root', 'root hash must be 32 bytes');
  if (extensions.some((line) => line.length === 0)) fail('extension', 'empty extension line');
  return makeCheckpoint(origin, sizeBig, root, extensions);
}

function makeCheckpoint(origin: string, sizeBig: bigint, root: Uint8Array, extensions: string[]): Checkpoint {
  const safe = sizeBig <= BigInt(Number.MAX_SAFE_INTEGER);
  const exact = Number(sizeBig);
  return Object.freeze({
    origin,
    sizeBig,
    get size(): number {
      if (!safe) throw new DiptychError('size_out_of_range', `checkpoint size ${sizeBig} exceeds 2^53-1`);
      return exact;
    },
    root,
    extensions: Object.freeze(extensions),
  });
}

/**
 * Verifies a signed checkpoint: a valid note (see openNote) that the log's key signed, with
 * a valid checkpoint body and, if asked, the expected origin. Cosigner signatures in
 * `options.cosigners` must verify too; the log's own signature is always required.
 */
export function openCheckpoint(
  note: Uint8Array,
  logVerifier: NoteVerifier,
  options: OpenCheckpointOptions = {},
): OpenedCheckpoint {
  if (logVerifier.type !== ED25519_TYPE) {
    throw new DiptychError('unsupported_key_type', 'log keys are Ed25519 (type 0x01)');
  }
  const opened = openNote(note, [logVerifier, ...(options.cosigners ?? [])]);
  if (!opened.verified.some((v) => v.verifier === logVerifier)) {
    throw new DiptychError('no_verifiable_signature', `checkpoint is not signed by ${logVerifier.name}`);
  }
  const checkpoint = parseCheckpoint(opened.text);
  if (options.origin !== undefined && checkpoint.origin !== options.origin) {
    throw new DiptychError('origin_mismatch', `checkpoint origin is not ${options.origin}`);
  }
  return { checkpoint, note: opened };
}

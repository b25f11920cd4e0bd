// The witness side of C2SP tlog-witness add-checkpoint (current main text; SPEC §1): verify the
// log's signature, check the old size against the last cosigned size, verify consistency from
// the last cosigned root, persist the new size and root, and only then return a timestamped
// cosignature/v1 line. Check-and-persist runs under a per-origin lock, so two requests can never
// roll the stored size back (the race described in the spec).
//
// The latest cosigned checkpoint, with the cosignature, is what the monitoring endpoint
// (GET /<sha256 hex of origin>/checkpoint) serves.
//
// Outcomes: 200 cosignature line; 409 + text/x.tlog.size known size (stale old size); thrown
// DiptychError otherwise: 400 malformed_witness_request / malformed_note / malformed_checkpoint /
// invalid_old_size, 403 invalid_signature / no_verifiable_signature, 404 unknown_log,
// 422 inconsistent_checkpoint (same size, other root; also a size-0 checkpoint with a non-empty
// root) / invalid_consistency_proof.
import { bytesEqual, fromUtf8 } from '../log/bytes.js';
import { parseCheckpoint } from '../log/checkpoint.js';
import { cosign, type Cosigner } from '../log/cosignature.js';
import { DiptychError } from '../log/errors.js';
import { formatNote, openNote, type NoteVerifier, type OpenedNote } from '../log/note.js';
import { verifyConsistency } from '../log/proof.js';
import { merkleHasher, type Hash, type MerkleHasher } from '../log/tree.js';
import { parseAddCheckpoint, type AddCheckpointRequest } from './add-checkpoint.js';
import { systemClock, type Clock } from './clock.js';
import type { ForkEvidence, WitnessState } from './state.js';

export interface WitnessedLog {
  readonly origin: string;
  /** The log's checkpoint keys (type 0x01). */
  readonly verifiers: readonly NoteVerifier[];
}

export interface CheckpointWitnessOptions {
  readonly logs: readonly WitnessedLog[];
  readonly cosigner: Cosigner;
  readonly state: WitnessState;
  readonly clock?: Clock;
  readonly hasher?: MerkleHasher;
  /** Told of every fork found (after the evidence is stored), e.g. to raise a log-fork alert. */
  readonly onFork?: (evidence: ForkEvidence) => void;
}

export type AddCheckpointAnswer =
  | { readonly status: 200; readonly contentType: 'text/plain; charset=utf-8'; readonly body: string }
  | { readonly status: 409; readonly contentType: 'text/x.tlog.size'; readonly body: string; readonly code: 'stale_old_size' };

export class CheckpointWitness {
  private readonly logs: ReadonlyMap<string, WitnessedLog>;
  private readonly clock: Clock;
  private readonly hasher: MerkleHasher;
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly options: CheckpointWitnessOptions) {
    this.logs = new Map(options.logs.map((l) => [l.origin, l]));
    this.clock = options.clock ?? systemClock;
    this.hasher = options.hasher ?? merkleHasher();
  }

  get cosigner(): Cosigner {
    return this.options.cosigner;
  }

  origins(): string[] {
    return [...this.logs.keys()];
  }

  async addCheckpoint(body: Uint8Array): Promise<AddCheckpointAnswer> {
    const request = parseAddCheckpoint(body);
    const origin = originOf(request.note);
    const log = this.logs.get(origin);
    if (log === undefined) throw new DiptychError('unknown_log', `this witness does not witness ${origin}`);
    const opened = openNote(request.note, log.verifiers); // 403 on a bad or missing log signature
    const checkpoint = parseCheckpoint(opened.text);
    const size = checkpoint.size;
    if (request.oldSize > size) throw new DiptychError('invalid_old_size', `old size ${request.oldSize} is beyond the checkpoint size ${size}`);
    return this.serialized(origin, () => this.check(origin, request, size, checkpoint.root, opened));
  }

  private async check(origin: string, request: AddCheckpointRequest, size: number, root: Hash, opened: OpenedNote): Promise<AddCheckpointAnswer> {
    const note = fromUtf8(request.note);
    const { state } = this.options;
    const latest = await state.latestCosigned(origin);
    const known = latest?.size ?? 0;
    if (request.oldSize !== known) return { status: 409, contentType: 'text/x.tlog.size', body: `${known}\n`, code: 'stale_old_size' };
    if (size === 0 && !bytesEqual(root, this.hasher.emptyRoot)) throw new DiptychError('inconsistent_checkpoint', 'a checkpoint of size 0 must have the empty root');
    if (latest !== undefined && known === size && !bytesEqual(latest.root, root)) {
      await this.fork(origin, latest.note, note, 'same-size-other-root');
      throw new DiptychError('inconsistent_checkpoint', `another root for size ${size}, which this witness cosigned before`);
    }
    if (latest === undefined || known === 0) {
      if (request.proof.length > 0) throw new DiptychError('invalid_consistency_proof', 'the proof from size 0 must be empty');
    } else {
      try {
        verifyConsistency(this.hasher, known, size, latest.root, root, request.proof);
      } catch (e) {
        if (!(e instanceof DiptychError) || (e.code !== 'invalid_proof' && e.code !== 'malformed_proof')) throw e;
        await this.fork(origin, latest.note, note, 'inconsistent-proof');
        throw new DiptychError('invalid_consistency_proof', `no consistency from size ${known}: ${e.message}`);
      }
    }
    // tlog-witness: the timestamp must not be zero. Signing first lets the cosigned note for the
    // monitoring endpoint go into the same durable write as the new size.
    const timestamp = Math.max(1, Math.floor(this.clock.now() / 1000));
    const line = cosign(opened.text, this.options.cosigner, timestamp);
    await state.putCosigned(origin, { size, root, note, cosigned: formatNote(opened.text, opened.verified) + line });
    return { status: 200, contentType: 'text/plain; charset=utf-8', body: line };
  }

  private async fork(origin: string, cosigned: string, conflicting: string, reason: ForkEvidence['reason']): Promise<void> {
    const evidence: ForkEvidence = { origin, cosigned, conflicting, reason, at: this.clock.now() };
    await this.options.state.recordFork(evidence);
    this.options.onFork?.(evidence);
  }

  // Runs fn after every earlier call for the same origin has settled.
  private async serialized<T>(origin: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(origin) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(origin, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(origin) === tail) this.locks.delete(origin);
    }
  }
}

// The origin is the note's first line; read before verifying, to pick the log's keys.
function originOf(note: Uint8Array): string {
  const nl = note.indexOf(0x0a);
  try {
    return fromUtf8(note.subarray(0, nl < 0 ? note.length : nl));
  } catch {
    throw new DiptychError('malformed_note', 'the checkpoint origin is not UTF-8');
  }
}

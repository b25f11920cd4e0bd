// The log side of C2SP tlog-witness: after each new checkpoint, the log asks every policy witness
// with a URL to cosign it (POST <url>/add-checkpoint), all in parallel, each with a timeout.
// Node-only (undici).
//
// Rounds, not per-witness queues: one round sends the same checkpoint to every witness, so that
// their cosignatures land on one checkpoint and can be served together. Checkpoints that arrive
// while a round runs are coalesced: the next round takes only the newest. Appends never wait for
// any of this; the sequencer only tells us a checkpoint exists.
//
// Per witness, the log remembers the size that witness last cosigned (0 at start). A witness that
// knows another size answers 409 with it (text/x.tlog.size); the log retries once with a proof
// from that size. Every returned cosignature line is verified (cosignature/v1, the witness's
// vkey) before it counts.
import { Agent, request } from 'undici';
import { toBase64, utf8 } from './bytes.js';
import { parseCheckpoint } from './checkpoint.js';
import { cosignatureVerifierFromKey } from './cosignature.js';
import { formatSignatureLine, openNote, type NoteVerifier } from './note.js';
import type { PolicyWitness } from './policy.js';
import type { Hash } from './tree.js';

export const DEFAULT_WITNESS_TIMEOUT_MS = 10_000;
/** First delay before asking again after a witness failed; it doubles up to the maximum. */
export const DEFAULT_WITNESS_RETRY_MS = 5_000;
const MAX_WITNESS_RETRY_MS = 60_000;
/** A few cosignature lines; a witness that sends more is not answering add-checkpoint. */
const MAX_ANSWER_BYTES = 16 * 1024;

export interface WitnessClientOptions {
  readonly witnesses: readonly PolicyWitness[];
  /** The log's own checkpoint key: the checkpoints it sends are signed by it. */
  readonly logVerifier: NoteVerifier;
  /** How many verified cosignatures make a checkpoint witnessed (SPEC §8). */
  readonly quorum: number;
  readonly consistencyProof: (oldSize: number, newSize: number) => Promise<Hash[]>;
  readonly timeoutMs?: number;
  /** First retry delay after a failed round (default 5 s, doubling to 60 s). */
  readonly retryMs?: number;
  /** Told of each failed request (unreachable, refused, bad cosignature); never thrown. vkey '' for a round that failed as a whole. */
  readonly onError?: (vkey: string, error: unknown) => void;
  /** Told of each verified cosignature (for logs); never thrown. */
  readonly onCosigned?: (vkey: string, size: number) => void;
}

export interface WitnessStatus {
  readonly vkey: string;
  /** The size this witness last cosigned, as far as the log knows; null: never asked (no URL). */
  readonly lastCosigned: number | null;
}

interface Remote {
  readonly vkey: string;
  readonly endpoint: string;
  readonly verifier: NoteVerifier;
  lastCosigned: number;
  /** Verified cosignatures gathered from this witness since start (for /metrics). */
  cosignatures: number;
}

/** A 409 from the witness: its cosigned size is not the one we assumed. */
class StaleSize {
  constructor(readonly known: number) {}
}

export class WitnessClient {
  private readonly remotes: Remote[];
  private readonly agent: Agent;
  private readonly abort = new AbortController();
  private next: Uint8Array | undefined;
  private running: Promise<void> | undefined;
  private witnessed: Uint8Array | undefined;
  private newest: Uint8Array | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryDelay: number;
  private closed = false;

  constructor(private readonly options: WitnessClientOptions) {
    this.remotes = options.witnesses.flatMap((w) =>
      w.url === undefined ? [] : [{ vkey: w.vkey, endpoint: new URL('add-checkpoint', w.url.endsWith('/') ? w.url : `${w.url}/`).href, verifier: cosignatureVerifierFromKey(w.vkey), lastCosigned: 0, cosignatures: 0 }],
    );
    const timeout = options.timeoutMs ?? DEFAULT_WITNESS_TIMEOUT_MS;
    this.agent = new Agent({ headersTimeout: timeout, bodyTimeout: timeout, connectTimeout: timeout, maxResponseSize: MAX_ANSWER_BYTES });
    this.retryDelay = options.retryMs ?? DEFAULT_WITNESS_RETRY_MS;
  }

  /** The newest checkpoint that gathered a quorum of verified cosignatures, as a full note. */
  get latestWitnessed(): Uint8Array | undefined {
    return this.witnessed;
  }

  status(): WitnessStatus[] {
    const asked = new Map(this.remotes.map((r) => [r.vkey, r.lastCosigned]));
    return this.options.witnesses.map((w) => ({ vkey: w.vkey, lastCosigned: asked.get(w.vkey) ?? null }));
  }

  /** Per witness with a URL, the verified cosignatures it has given since start. */
  cosignatureCounts(): { vkey: string; cosignatures: number }[] {
    return this.remotes.map((r) => ({ vkey: r.vkey, cosignatures: r.cosignatures }));
  }

  /** A new log-signed checkpoint exists; cosigning it starts in the background. */
  checkpoint(note: Uint8Array): void {
    if (this.closed || this.remotes.length === 0) return;
    this.next = note;
    this.newest = note;
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  /** Resolves once no round is running (for tests and orderly shutdown). */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.next = undefined;
    clearTimeout(this.retryTimer);
    this.abort.abort();
    await this.idle();
    await this.agent.close();
  }

  private async drain(): Promise<void> {
    for (let note = this.next; note !== undefined && !this.closed; note = this.next) {
      this.next = undefined;
      try {
        await this.round(note);
      } catch (e) {
        // Only a checkpoint the log cannot read itself gets here; the next one may do better.
        this.options.onError?.('', e);
      }
    }
  }

  private async round(note: Uint8Array): Promise<void> {
    const opened = openNote(note, [this.options.logVerifier]);
    const size = parseCheckpoint(opened.text).size;
    const lines = await Promise.all(this.remotes.map((r) => this.cosignBy(r, note, size)));
    const cosignatures = lines.filter((l): l is string => l !== undefined);
    if (cosignatures.length < lines.length) this.retryLater();
    else this.retryDelay = this.options.retryMs ?? DEFAULT_WITNESS_RETRY_MS;
    // A quorum of 0 still needs one cosignature for a checkpoint to be called witnessed.
    if (cosignatures.length > 0 && cosignatures.length >= this.options.quorum) {
      this.witnessed = utf8(new TextDecoder().decode(note) + cosignatures.join(''));
    }
  }

  /**
   * A witness that was down must not wait for the next append to catch up: on a quiet log that
   * could be never, and /checkpoint would stay unwitnessed. Ask again, backing off, with the
   * newest checkpoint.
   */
  private retryLater(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.newest !== undefined && this.next === undefined) this.checkpoint(this.newest);
    }, this.retryDelay);
    this.retryTimer.unref();
    this.retryDelay = Math.min(2 * this.retryDelay, MAX_WITNESS_RETRY_MS);
  }

  /** The verified cosignature line(s) of one witness, or undefined if it did not cosign. */
  private async cosignBy(remote: Remote, note: Uint8Array, size: number): Promise<string | undefined> {
    try {
      let answer = await this.post(remote, note, size, Math.min(remote.lastCosigned, size));
      if (answer instanceof StaleSize) {
        // The witness is the authority on what it cosigned (e.g. after a log restart).
        if (answer.known > size) throw new Error(`the witness has cosigned size ${answer.known}, beyond ${size}`);
        answer = await this.post(remote, note, size, answer.known);
        if (answer instanceof StaleSize) throw new Error(`the witness still expects size ${answer.known}`);
      }
      const line = this.verifiedLine(remote, note, answer);
      remote.lastCosigned = size;
      remote.cosignatures += 1;
      this.options.onCosigned?.(remote.vkey, size);
      return line;
    } catch (e) {
      if (!this.closed) this.options.onError?.(remote.vkey, e);
      return undefined;
    }
  }

  private async post(remote: Remote, note: Uint8Array, size: number, oldSize: number): Promise<string | StaleSize> {
    const proof = oldSize === 0 || oldSize === size ? [] : await this.options.consistencyProof(oldSize, size);
    // tlog-witness: "old <size>", the proof lines, a blank line, then the signed note.
    const body = `old ${oldSize}\n${proof.map((h) => toBase64(h) + '\n').join('')}\n${new TextDecoder().decode(note)}`;
    const res = await request(remote.endpoint, {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      dispatcher: this.agent,
      signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_WITNESS_TIMEOUT_MS)]),
    });
    const reply = await res.body.text();
    if (res.statusCode === 200) return reply;
    if (res.statusCode === 409) {
      const m = /^(0|[1-9][0-9]{0,15})\n?$/.exec(reply);
      if (m === null) throw new Error(`409 without a size: ${reply.slice(0, 100)}`);
      remote.lastCosigned = Number(m[1]);
      return new StaleSize(remote.lastCosigned);
    }
    throw new Error(`add-checkpoint answered ${res.statusCode}: ${reply.slice(0, 200)}`);
  }

  /** The answer's lines that verify as this witness's cosignatures of the note; none is an error. */
  private verifiedLine(remote: Remote, note: Uint8Array, reply: string): string {
    const combined = utf8(new TextDecoder().decode(note) + reply);
    // openNote refuses a line by a known key that does not verify, so a bad cosignature throws.
    const opened = openNote(combined, [this.options.logVerifier, remote.verifier]);
    const mine = opened.verified.filter((v) => v.verifier === remote.verifier);
    if (mine.length === 0) throw new Error('the answer holds no cosignature by this witness');
    return mine.map(formatSignatureLine).join('');
  }
}

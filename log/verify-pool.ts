// Ed25519 verification spread over worker threads. Over HTTP the per-entry cost that dominates
// is signature verification (~9k/s per core with node:crypto), so the log verifies on every core
// and keeps the main thread for I/O. Requests are batched per event-loop turn to keep message
// overhead small. Node-only.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { Crypto } from './crypto.js';

export interface SignatureCheck {
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

/** Verifies signatures, possibly off the main thread. */
export interface SignatureVerifier {
  verifyEd25519(checks: readonly SignatureCheck[]): Promise<boolean[]>;
  close(): Promise<void>;
}

/** Verifies on the calling thread: for tools, tests and single-core machines. */
export function inlineVerifier(crypto: Crypto): SignatureVerifier {
  return {
    verifyEd25519: async (checks) => checks.map((c) => crypto.verifyEd25519(c.publicKey, c.message, c.signature)),
    close: async () => {},
  };
}

interface Job {
  readonly checks: readonly SignatureCheck[];
  resolve(results: boolean[]): void;
  reject(e: unknown): void;
}

// A message to a worker costs ~100 µs of the main thread, so checks are sent in batches: when
// FLUSH_AT are waiting, or FLUSH_MS after the first one. Both are small next to a cadence.
const FLUSH_AT = 256;
const FLUSH_MS = 2;

/** A pool of worker threads, one per core by default. */
export function workerVerifier(threads = availableParallelism()): SignatureVerifier {
  const workers = Array.from({ length: Math.max(1, threads) }, () => {
    const w = new Worker(new URL('./verify-worker.js', import.meta.url));
    w.unref();
    return w;
  });
  const inFlight = new Map<number, Job[]>();
  let queue: Job[] = [];
  let queued = 0;
  let nextId = 0;
  let turn = 0;
  let flushScheduled = false;

  for (const w of workers) {
    w.on('message', ({ id, results }: { id: number; results: Uint8Array }) => {
      const jobs = inFlight.get(id)!;
      inFlight.delete(id);
      let at = 0;
      for (const job of jobs) {
        job.resolve(Array.from(results.subarray(at, at + job.checks.length), (r) => r === 1));
        at += job.checks.length;
      }
    });
    w.on('error', (e) => {
      for (const jobs of inFlight.values()) for (const job of jobs) job.reject(e);
      inFlight.clear();
    });
  }

  const flush = (): void => {
    flushScheduled = false;
    if (queue.length === 0) return;
    const jobs = queue;
    queue = [];
    queued = 0;
    const id = nextId++;
    inFlight.set(id, jobs);
    // One transferred buffer instead of three cloned arrays per check: structured cloning
    // was the main thread's largest cost under load.
    const packed = packChecks(jobs.flatMap((j) => j.checks));
    workers[turn++ % workers.length]!.postMessage({ id, packed }, [packed.buffer as ArrayBuffer]);
  };

  return {
    verifyEd25519(checks) {
      if (checks.length === 0) return Promise.resolve([]);
      return new Promise<boolean[]>((resolve, reject) => {
        queue.push({ checks, resolve, reject });
        queued += checks.length;
        if (queued >= FLUSH_AT) flush();
        else if (!flushScheduled) {
          flushScheduled = true;
          setTimeout(flush, FLUSH_MS);
        }
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

// Packed layout, per check: public key (32) ‖ signature (64) ‖ message length (uint32 BE) ‖ message.
export function packChecks(checks: readonly SignatureCheck[]): Uint8Array {
  let length = 0;
  for (const c of checks) length += 100 + c.message.length;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const c of checks) {
    // Malformed keys or signatures are zero-padded here and fail verification in the worker,
    // which checks the original lengths via a zero length marker below.
    if (c.publicKey.length === 32) out.set(c.publicKey, at);
    if (c.signature.length === 64) out.set(c.signature, at + 32);
    const valid = c.publicKey.length === 32 && c.signature.length === 64;
    view.setUint32(at + 96, valid ? c.message.length : 0xffffffff);
    if (valid) out.set(c.message, at + 100);
    at += 100 + (valid ? c.message.length : 0);
  }
  return out.subarray(0, at);
}

export function unpackChecks(packed: Uint8Array): Array<SignatureCheck | undefined> {
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  const out: Array<SignatureCheck | undefined> = [];
  let at = 0;
  while (at < packed.length) {
    const length = view.getUint32(at + 96);
    if (length === 0xffffffff) {
      out.push(undefined);
      at += 100;
      continue;
    }
    out.push({
      publicKey: packed.subarray(at, at + 32),
      signature: packed.subarray(at + 32, at + 96),
      message: packed.subarray(at + 100, at + 100 + length),
    });
    at += 100 + length;
  }
  return out;
}

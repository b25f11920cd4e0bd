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

const FLUSH_AT = 64;

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
    w.on('message', ({ id, results }: { id: number; results: boolean[] }) => {
      const jobs = inFlight.get(id)!;
      inFlight.delete(id);
      let at = 0;
      for (const job of jobs) {
        job.resolve(results.slice(at, at + job.checks.length));
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
    const checks = jobs.flatMap((j) => j.checks);
    workers[turn++ % workers.length]!.postMessage({ id, checks });
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
          setImmediate(flush);
        }
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

// Where a full audit hashes its bundles. SHA-256 of every entry and of every node above it is
// most of a full audit's CPU; on a machine with a core to spare, worker threads do it while the
// main thread downloads and applies bundles in order (log/full-audit.ts). Bundles go to the
// threads and back without a copy (transferred). Node-only.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DiptychError, type ErrorCode } from '../log/errors.js';
import type { BundleHasher, HashedBundle } from '../log/full-audit.js';

export interface HasherPool {
  readonly hash: BundleHasher;
  readonly threads: number;
  close(): Promise<void>;
}

/** Threads by default: one per core but one (the main thread's), at most 4; 0 hashes inline. */
export function defaultHashThreads(): number {
  return Math.max(0, Math.min(4, availableParallelism() - 1));
}

interface Pending {
  resolve(hashed: HashedBundle): void;
  reject(e: unknown): void;
}

/** A pool of `threads` (≥ 1) hashing threads, given bundles round-robin. */
export function workerHasher(threads: number): HasherPool {
  const pending = new Map<number, Pending>();
  let nextId = 0;
  const workers = Array.from({ length: Math.max(1, threads) }, () => {
    const w = new Worker(new URL('./audit-hash-worker.js', import.meta.url));
    w.on('message', (m: { id: number; bundle: Uint8Array; leaves?: Uint8Array; root?: Uint8Array; candidates?: number[]; error?: { code?: ErrorCode; message: string } }) => {
      const p = pending.get(m.id)!;
      pending.delete(m.id);
      if (m.error) p.reject(m.error.code ? new DiptychError(m.error.code, m.error.message) : new Error(m.error.message));
      else p.resolve({ bundle: m.bundle, leaves: m.leaves!, root: m.root, candidates: m.candidates! });
    });
    w.on('error', (e) => {
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    });
    return w;
  });
  return {
    threads: workers.length,
    hash(bundle, width) {
      // Only a bundle that owns its whole buffer can be transferred; another is copied first.
      const own = bundle.byteOffset === 0 && bundle.byteLength === bundle.buffer.byteLength && bundle.buffer instanceof ArrayBuffer ? bundle : bundle.slice();
      const id = nextId++;
      return new Promise<HashedBundle>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        workers[id % workers.length]!.postMessage({ id, bundle: own, width }, [own.buffer as ArrayBuffer]);
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

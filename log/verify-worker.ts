// Worker thread body for verify-pool.ts: verifies packed batches of Ed25519 signatures with
// node:crypto and transfers the results back (1 = valid).
import { parentPort } from 'node:worker_threads';
import { createNodeCrypto } from './node-crypto.js';
import { unpackChecks } from './verify-pool.js';

const crypto = createNodeCrypto();

parentPort!.on('message', ({ id, packed }: { id: number; packed: Uint8Array }) => {
  const checks = unpackChecks(packed);
  const results = new Uint8Array(checks.length);
  checks.forEach((c, i) => {
    results[i] = c !== undefined && crypto.verifyEd25519(c.publicKey, c.message, c.signature) ? 1 : 0;
  });
  parentPort!.postMessage({ id, results }, [results.buffer as ArrayBuffer]);
});

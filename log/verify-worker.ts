// Worker thread body for verify-pool.ts: verifies batches of Ed25519 signatures with node:crypto.
import { parentPort } from 'node:worker_threads';
import { createNodeCrypto } from './node-crypto.js';
import type { SignatureCheck } from './verify-pool.js';

const crypto = createNodeCrypto();

parentPort!.on('message', ({ id, checks }: { id: number; checks: SignatureCheck[] }) => {
  const results = checks.map((c) => crypto.verifyEd25519(c.publicKey, c.message, c.signature));
  parentPort!.postMessage({ id, results });
});

// A thread that hashes entry bundles for `diptych audit --full` (cli/audit-hasher.ts): each
// message is one bundle, answered with its leaf hashes, its subtree root and the entries that may
// change the derived state (log/full-audit.ts hashBundle), the bundle handed back. Node-only.
import { parentPort } from 'node:worker_threads';
import { DiptychError } from '../log/errors.js';
import { hashBundle } from '../log/full-audit.js';
import { createNodeCrypto } from '../log/node-crypto.js';

const crypto = createNodeCrypto();

parentPort!.on('message', ({ id, bundle, width }: { id: number; bundle: Uint8Array; width: number }) => {
  try {
    const { leaves, root, candidates } = hashBundle(crypto, bundle, width);
    parentPort!.postMessage({ id, bundle, leaves, root, candidates }, [bundle.buffer, leaves.buffer] as ArrayBuffer[]);
  } catch (e) {
    const error = e instanceof DiptychError ? { code: e.code, message: e.message } : { code: undefined, message: String((e as Error)?.message ?? e) };
    parentPort!.postMessage({ id, bundle, error }, [bundle.buffer] as ArrayBuffer[]);
  }
});

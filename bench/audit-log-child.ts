// The synthetic log of the audit benchmark (bench/audit-entries.ts), served in a process of its
// own by test/support/static-log.ts, so that serving does not share the auditor's event loop.
// Prints {url, verifierKey} as one JSON line, serves `argv[2]` entries until SIGTERM.
import { randomBytes } from 'node:crypto';
import { createNodeCrypto, nodeEd25519Signer } from '../log/node-crypto.js';
import { generateSignerKey, parseSignerKey } from '../log/note.js';
import { merkleHasher } from '../log/tree.js';
import { signedCheckpoint, StaticLogServer, StaticTree } from '../test/support/static-log.js';
import { syntheticLog } from './audit-entries.js';

const size = Number(process.argv[2] ?? '1000000');
const logKey = parseSignerKey(generateSignerKey('bench.example/log', randomBytes(32)).signerKey, nodeEd25519Signer);
const source = syntheticLog(size);
const tree = StaticTree.build(merkleHasher(createNodeCrypto()), source);
const checkpoint = await signedCheckpoint(tree, size, { logKey });
const server = await StaticLogServer.start({ tree, size, checkpoint, projects: source.projects() }, logKey.verifierKey);
process.stdout.write(JSON.stringify({ url: server.url, verifierKey: logKey.verifierKey }) + '\n');
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));

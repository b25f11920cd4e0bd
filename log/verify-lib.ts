// The verification library: everything a client needs to check what a diptych log (or any C2SP
// tlog) says, in one import with no Node-only module behind it (test/verify-lib.test.ts walks
// the imports), so that it runs in a browser as it does in Node. See docs/verification.md.
//
// Hashing and signature checks go through a Crypto: `nobleCrypto` (pure JavaScript, the default
// everywhere) or, in Node, createNodeCrypto() from log/node-crypto.js, several times faster.
// Only verification is exported here: signing stays with the log, witnesses and maintainers.
export { nobleCrypto, type Crypto } from './crypto.js';
export { DiptychError, isDiptychError } from './errors.js';
export { bytesEqual, fromBase64, fromHex, toBase64, toHex, utf8 } from './bytes.js';
export { merkleHasher, HASH_SIZE, type Hash, type MerkleHasher } from './tree.js';
export { verifyInclusion, verifyConsistency, isValidInclusion, isValidConsistency, rootFromInclusion } from './proof.js';
export { parseVerifierKey, noteVerifier, openNote, parseNote, type NoteVerifier, type OpenedNote, type VerifierKey } from './note.js';
export { openCheckpoint, parseCheckpoint, type Checkpoint, type OpenedCheckpoint } from './checkpoint.js';
export { cosignatureVerifierFromKey, verifiedCosignatures, type Cosignature } from './cosignature.js';
export { checkpointVerifiers, openTrustedCheckpoint, type CheckpointTrust, type TrustedCheckpointNote } from './checkpoint-trust.js';
export { parseEnvelope, checkEnvelope, verifyEnvelopeSignatures, pae, type Envelope, type ParsedEnvelope, type KeyResolver } from './dsse.js';
export { verifyProofBundle, checkProofBundle, type ProofBundle, type ProofBundleEntry, type BundleTrust, type VerifiedBundle } from './proof-bundle.js';
export { decodeBundle } from './bundle.js';
export { checkEdge, edgeTiles, auditTiles, type AuditedTree, type TileBytes } from './tile-audit.js';

// Verification of RFC 6962 inclusion and consistency proofs, following RFC 9162 §2.1.3.2 and
// §2.1.4.2 step by step. Browser-safe: a client holding only a checkpoint runs this code.
//
// Sizes and indexes are JavaScript numbers, so they are limited to safe integers (2^53 − 1);
// bit operations are written as arithmetic because `>>` and `&` truncate to 32 bits.
import { bytesEqual } from './bytes.js';
import { DiptychError } from './errors.js';
import { HASH_SIZE, type Hash, type MerkleHasher } from './tree.js';

function fail(message: string): never {
  throw new DiptychError('invalid_proof', message);
}

function checkCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) fail(`${what} ${value} is not a non-negative safe integer`);
}

function checkHash(hash: Uint8Array, what: string): void {
  if (hash.length !== HASH_SIZE) fail(`${what} is ${hash.length} bytes, expected ${HASH_SIZE}`);
}

function checkProofHashes(proof: readonly Uint8Array[], expected: number): void {
  if (proof.length !== expected) fail(`proof has ${proof.length} hashes, expected ${expected}`);
  proof.forEach((p, i) => checkHash(p, `proof hash ${i}`));
}

const isOdd = (n: number): boolean => n % 2 === 1;
const half = (n: number): number => Math.floor(n / 2);

/** Number of bits needed to write n (0 for 0). */
function bitLength(n: number): number {
  let bits = 0;
  for (; n > 0; n = half(n)) bits++;
  return bits;
}

function popCount(n: number): number {
  let ones = 0;
  for (; n > 0; n = half(n)) if (isOdd(n)) ones++;
  return ones;
}

/**
 * Length of the audit path for leaf `index` in a tree of `size` leaves (index < size): one hash
 * per level below the point where the paths to the leaf and to the last leaf part, plus one per
 * left sibling above it. Knowing it up front lets a wrong-length proof fail with a clear message.
 */
export function inclusionProofLength(index: number, size: number): number {
  const inner = bitLength(xor(index, size - 1));
  return inner + popCount(Math.floor(index / 2 ** inner));
}

/** Length of PROOF(oldSize, D[newSize]) for 0 ≤ oldSize ≤ newSize. */
export function consistencyProofLength(oldSize: number, newSize: number): number {
  if (oldSize === 0 || oldSize === newSize) return 0;
  let shift = 0;
  while (oldSize % 2 ** (shift + 1) === 0) shift++;
  // The old tree's last leaf has an audit path in the new tree; its lowest `shift` levels lie
  // inside a complete subtree the verifier rebuilds from one hash (or from the old root itself).
  const seed = oldSize === 2 ** shift ? 0 : 1;
  return inclusionProofLength(oldSize - 1, newSize) - shift + seed;
}

/** XOR of two safe integers, without the 32-bit truncation of `^`. */
function xor(a: number, b: number): number {
  const split = 2 ** 32;
  const high = (Math.floor(a / split) ^ Math.floor(b / split)) >>> 0;
  const low = ((a % split) ^ (b % split)) >>> 0;
  return high * split + low;
}

/**
 * The root that an inclusion proof implies for `leafHash` at `index` in a tree of `size` leaves
 * (RFC 9162 §2.1.3.2 steps 1–4). Throws invalid_proof if the inputs or the proof's shape are wrong.
 */
export function rootFromInclusion(h: MerkleHasher, index: number, size: number, leafHash: Hash, proof: readonly Hash[]): Hash {
  checkCount(index, 'leaf index');
  checkCount(size, 'tree size');
  if (index >= size) fail(`leaf index ${index} is not below tree size ${size}`);
  checkHash(leafHash, 'leaf hash');
  checkProofHashes(proof, inclusionProofLength(index, size));
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) fail('proof is longer than the path to the root');
    if (isOdd(fn) || fn === sn) {
      r = h.node(p, r);
      // A right-edge node with no right sibling moves up without hashing.
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = h.node(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) fail('proof is shorter than the path to the root');
  return r;
}

/** Checks that `leafHash` is leaf `index` of the tree of `size` leaves with this root. */
export function verifyInclusion(h: MerkleHasher, index: number, size: number, leafHash: Hash, proof: readonly Hash[], root: Hash): void {
  checkHash(root, 'root');
  const computed = rootFromInclusion(h, index, size, leafHash, proof);
  if (!bytesEqual(computed, root)) fail(`inclusion proof for leaf ${index} does not lead to the root of tree size ${size}`);
}

/**
 * Checks that the tree of `newSize` leaves with `newRoot` extends the one of `oldSize` with
 * `oldRoot`. Outside RFC 9162's 0 < oldSize < newSize: equal sizes need an empty proof and equal
 * roots; old size 0 needs an empty proof and the empty-tree root as `oldRoot`, and is consistent
 * with every tree (tlog-witness; transparency-dev/merkle rejects every proof from size 0 instead).
 */
export function verifyConsistency(
  h: MerkleHasher,
  oldSize: number,
  newSize: number,
  oldRoot: Hash,
  newRoot: Hash,
  proof: readonly Hash[],
): void {
  checkCount(oldSize, 'old size');
  checkCount(newSize, 'new size');
  if (oldSize > newSize) fail(`old size ${oldSize} is larger than new size ${newSize}`);
  checkHash(oldRoot, 'old root');
  checkHash(newRoot, 'new root');
  if (oldSize === 0 || oldSize === newSize) {
    checkProofHashes(proof, 0);
    if (oldSize === 0 && !bytesEqual(oldRoot, h.emptyRoot)) fail('old root is not the root of the empty tree');
    if (oldSize === newSize && !bytesEqual(oldRoot, newRoot)) fail(`roots differ for the same tree size ${oldSize}`);
    return;
  }
  checkProofHashes(proof, consistencyProofLength(oldSize, newSize));
  const [oldComputed, newComputed] = rootsFromConsistency(h, oldSize, newSize, oldRoot, proof);
  if (!bytesEqual(oldComputed, oldRoot)) fail(`consistency proof does not lead to the old root of size ${oldSize}`);
  if (!bytesEqual(newComputed, newRoot)) fail(`consistency proof does not lead to the new root of size ${newSize}`);
}

/** RFC 9162 §2.1.4.2 steps 2–7 for 0 < oldSize < newSize: the two roots the proof implies. */
function rootsFromConsistency(h: MerkleHasher, oldSize: number, newSize: number, oldRoot: Hash, proofIn: readonly Hash[]): [Hash, Hash] {
  // When the old tree is a complete subtree, its root is the proof's implicit first element.
  const proof = isPowerOfTwo(oldSize) ? [oldRoot, ...proofIn] : proofIn;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = proof[0]!;
  let sr = fr;
  for (const c of proof.slice(1)) {
    if (sn === 0) fail('proof is longer than the path to the root');
    if (isOdd(fn) || fn === sn) {
      fr = h.node(c, fr);
      sr = h.node(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = h.node(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) fail('proof is shorter than the path to the root');
  return [fr, sr];
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && 2 ** (bitLength(n) - 1) === n;
}

function passes(check: () => void): boolean {
  try {
    check();
    return true;
  } catch (e) {
    if (e instanceof DiptychError && e.code === 'invalid_proof') return false;
    throw e;
  }
}

/** verifyInclusion as a boolean. */
export function isValidInclusion(h: MerkleHasher, index: number, size: number, leafHash: Hash, proof: readonly Hash[], root: Hash): boolean {
  return passes(() => verifyInclusion(h, index, size, leafHash, proof, root));
}

/** verifyConsistency as a boolean. */
export function isValidConsistency(
  h: MerkleHasher,
  oldSize: number,
  newSize: number,
  oldRoot: Hash,
  newRoot: Hash,
  proof: readonly Hash[],
): boolean {
  return passes(() => verifyConsistency(h, oldSize, newSize, oldRoot, newRoot, proof));
}

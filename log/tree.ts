// RFC 6962 / RFC 9162 Merkle tree hashes and proof generation. The tree is never held in memory:
// every function plans which complete subtrees it needs, reads their hashes in one call through a
// HashReader (backed by tiles in the log), and folds them. Browser-safe.
import { nobleCrypto, type Crypto } from './crypto.js';

export type Hash = Uint8Array;

export const HASH_SIZE = 32;

export interface MerkleHasher {
  readonly crypto: Crypto;
  /** Root of the empty tree: SHA-256 of the empty string (RFC 6962 §2.1). */
  readonly emptyRoot: Hash;
  leaf(entry: Uint8Array): Hash;
  node(left: Hash, right: Hash): Hash;
}

const LEAF_PREFIX = Uint8Array.of(0);
const NODE_PREFIX = Uint8Array.of(1);

export function merkleHasher(crypto: Crypto = nobleCrypto): MerkleHasher {
  return {
    crypto,
    emptyRoot: crypto.sha256(),
    leaf: (entry) => crypto.sha256(LEAF_PREFIX, entry),
    node: (left, right) => crypto.sha256(NODE_PREFIX, left, right),
  };
}

/** A complete subtree: the 2^level leaves [index·2^level, (index+1)·2^level). */
export interface Subtree {
  readonly level: number;
  readonly index: number;
}

/** Source of complete-subtree hashes (tiles, memory). Answers in the order asked. */
export interface HashReader {
  readHashes(subtrees: readonly Subtree[]): Promise<Hash[]>;
}

/** Largest power of two strictly below n (n >= 2): RFC 6962's split point k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The complete subtrees covering [start, end), left to right, each as large as alignment allows.
 * For the ranges RFC 6962's recursion produces, folding their hashes right to left gives MTH.
 */
export function rangeSubtrees(start: number, end: number): Subtree[] {
  const out: Subtree[] = [];
  let at = start;
  while (at < end) {
    let level = 0;
    while (at % 2 ** (level + 1) === 0 && at + 2 ** (level + 1) <= end) level++;
    out.push({ level, index: at / 2 ** level });
    at += 2 ** level;
  }
  return out;
}

/** Folds subtree hashes right to left: the hash of the range they cover. */
export function foldRight(h: MerkleHasher, hashes: readonly Hash[]): Hash {
  let acc = hashes[hashes.length - 1];
  if (acc === undefined) return h.emptyRoot;
  for (let i = hashes.length - 2; i >= 0; i--) acc = h.node(hashes[i]!, acc);
  return acc;
}

type Range = readonly [start: number, end: number];

/** Hashes of several ranges with a single read of all the subtrees they need. */
export async function hashRanges(h: MerkleHasher, ranges: readonly Range[], reader: HashReader): Promise<Hash[]> {
  const plans = ranges.map(([start, end]) => rangeSubtrees(start, end));
  const hashes = await reader.readHashes(plans.flat());
  let at = 0;
  return plans.map((plan) => {
    const part = hashes.slice(at, at + plan.length);
    at += plan.length;
    return foldRight(h, part);
  });
}

export async function treeHash(h: MerkleHasher, size: number, reader: HashReader): Promise<Hash> {
  checkSize(size);
  if (size === 0) return h.emptyRoot;
  const [root] = await hashRanges(h, [[0, size]], reader);
  return root!;
}

/** RFC 6962 PATH(m, D[start:end]) as the ranges whose hashes form the audit path, leaf first. */
export function inclusionRanges(index: number, size: number): Range[] {
  const out: Range[] = [];
  walkInclusionPath(index, size, (start, end) => out.push([start, end]));
  return out.reverse();
}

/** Calls `visit` with each sibling range of PATH(m, D[0:size]), root first (so, reversed proof order). */
function walkInclusionPath(index: number, size: number, visit: (start: number, end: number) => void): void {
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      visit(start + k, end);
      end = start + k;
    } else {
      visit(start, start + k);
      start += k;
    }
  }
}

/**
 * RFC 6962 PROOF(m, D[n]) as ranges, in proof order. Old size 0 and m = n give the empty proof
 * (tlog-witness accepts old size 0 as consistent with anything).
 */
export function consistencyRanges(oldSize: number, newSize: number): Range[] {
  const out: Range[] = [];
  if (oldSize === 0 || oldSize === newSize) return out;
  let m = oldSize;
  let start = 0;
  let end = newSize;
  let complete = true; // SUBPROOF's flag b: is the old tree a complete subtree we already know?
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      out.push([start + k, end]);
      end = start + k;
    } else {
      out.push([start, start + k]);
      m -= k;
      start += k;
      complete = false;
    }
  }
  if (!complete) out.push([start, end]);
  return out.reverse();
}

export async function inclusionProof(h: MerkleHasher, index: number, size: number, reader: HashReader): Promise<Hash[]> {
  checkSize(size);
  checkIndex(index, size);
  return hashRanges(h, inclusionRanges(index, size), reader);
}

/**
 * Inclusion proofs of many leaves in one tree, with one read for all of them. Neighbouring
 * leaves share most proof hashes, so each distinct range is planned, read and folded once.
 */
export async function inclusionProofs(h: MerkleHasher, indexes: readonly number[], size: number, reader: HashReader): Promise<Hash[][]> {
  checkSize(size);
  const slots = new Map<number, Map<number, number>>(); // start → end → distinct range number
  const distinct: Range[] = [];
  const slotOf = (start: number, end: number): number => {
    let ends = slots.get(start);
    if (ends === undefined) slots.set(start, (ends = new Map()));
    let slot = ends.get(end);
    if (slot === undefined) ends.set(end, (slot = distinct.push([start, end]) - 1));
    return slot;
  };
  // One array of slot numbers a proof, and no range pairs: a batch proves thousands of leaves.
  const proofSlots = indexes.map((index) => {
    checkIndex(index, size);
    const slots: number[] = [];
    walkInclusionPath(index, size, (start, end) => slots.push(slotOf(start, end)));
    return slots.reverse();
  });
  const hashes = await hashRanges(h, distinct, reader);
  return proofSlots.map((proof) => proof.map((slot) => hashes[slot]!));
}

export async function consistencyProof(h: MerkleHasher, oldSize: number, newSize: number, reader: HashReader): Promise<Hash[]> {
  checkSize(newSize);
  checkSize(oldSize);
  if (oldSize > newSize) throw new RangeError(`old size ${oldSize} exceeds new size ${newSize}`);
  return hashRanges(h, consistencyRanges(oldSize, newSize), reader);
}

function checkSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`invalid tree size ${size}`);
}

function checkIndex(index: number, size: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new RangeError(`leaf index ${index} not below tree size ${size}`);
  }
}

/** A HashReader over leaf hashes held in memory; for tests and small tools. */
export function memoryHashReader(h: MerkleHasher, leafHashes: readonly Hash[]): HashReader {
  const subtreeHash = (level: number, index: number): Hash => {
    if (level === 0) {
      const leaf = leafHashes[index];
      if (leaf === undefined) throw new RangeError(`no leaf ${index}`);
      return leaf;
    }
    return h.node(subtreeHash(level - 1, 2 * index), subtreeHash(level - 1, 2 * index + 1));
  };
  return { readHashes: async (subtrees) => subtrees.map((s) => subtreeHash(s.level, s.index)) };
}

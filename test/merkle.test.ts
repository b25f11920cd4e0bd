// Merkle tree hashing and proof generation (log/tree.ts) against the RFC 6962 vectors and an
// independent, deliberately naive implementation of RFC 6962 §2.1 written below.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fromHex, toHex, utf8 } from '../log/bytes.js';
import { nobleCrypto } from '../log/crypto.js';
import { createNodeCrypto } from '../log/node-crypto.js';
import { isValidConsistency, isValidInclusion, verifyConsistency, verifyInclusion } from '../log/proof.js';
import { TileEdge, tileHashReader, tileWidthAt } from '../log/tile.js';
import { tilePath } from '../log/tile-path.js';
import {
  consistencyProof,
  inclusionProof,
  memoryHashReader,
  merkleHasher,
  rangeSubtrees,
  treeHash,
  type Hash,
  type HashReader,
  type MerkleHasher,
} from '../log/tree.js';
import { loadVector } from './support/vectors.js';
import { levelsOf } from './support/reference-tree.js';

const node = merkleHasher(createNodeCrypto());
const noble = merkleHasher(nobleCrypto);
const EMPTY_ROOT_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

interface RootVector { size: number; root: string }
interface InclusionVector { index: number; size: number; leafHash: string; root: string; proof: string[] }
interface ConsistencyVector { old: number; new: number; oldRoot: string; newRoot: string; proof: string[] }
interface TreeFile {
  leavesHex: string[];
  leafHashes: string[];
  nodeHashes: Array<{ level: number; hashes: string[] }>;
  roots: RootVector[];
  compactRanges: Array<{ size: number; nodes: Array<{ level: number; index: number; hash: string }> }>;
}
interface ProofsFile {
  inclusion: Array<{ leafIndex: number | null; treeSize: number; proof: string[]; valid: boolean }>;
  consistency: Array<{ size1: number; size2: number; proof: string[]; valid: boolean }>;
}
interface ProofSetFile {
  leavesHex?: string[];
  leaves?: string[];
  leafHashes?: string[];
  treeSize?: number;
  emptyTreeRoot?: string;
  roots: RootVector[];
  inclusion: InclusionVector[];
  consistency: ConsistencyVector[];
}

// ------------------------------------------------------------------ independent helpers


/** A HashReader over precomputed levels: instant, so big vectors stay cheap. */
function levelsReader(levels: Hash[][]): HashReader {
  return {
    readHashes: async (subtrees) =>
      subtrees.map((s) => {
        const hash = levels[s.level]?.[s.index];
        if (hash === undefined) throw new Error(`no subtree ${s.level}/${s.index}`);
        return hash;
      }),
  };
}

/** Tiles of the whole tree grown with TileEdge; returns a tile-backed HashReader for any size. */
function tileStore(h: MerkleHasher, leafHashes: readonly Hash[]): (size: number) => HashReader {
  const store = new Map<string, Uint8Array>();
  const edge = TileEdge.empty(h);
  for (const t of edge.append(leafHashes)) store.set(tilePath(t), t.bytes);
  // Partial tiles of smaller sizes are prefixes of the wider tile, so serve any size from them.
  return (size) =>
    tileHashReader(h, async (level, index) => {
      const width = tileWidthAt(size, level, index);
      if (width === 0) return undefined;
      const wider = store.get(tilePath({ level, index, width: tileWidthAt(leafHashes.length, level, index) }));
      return wider?.subarray(0, width * 32);
    });
}

/**
 * RFC 6962 §2.1 taken literally: MTH, PATH and SUBPROOF over D[start:end], recursing on the
 * largest power of two k < n. Only MTH is memoised (by range) to keep exhaustive runs fast.
 */
function naiveRfc6962(h: MerkleHasher, leafHashes: readonly Hash[]) {
  const memo = new Map<string, Hash>();
  const k = (n: number): number => {
    let p = 1;
    while (p * 2 < n) p *= 2;
    return p;
  };
  const mth = (start: number, end: number): Hash => {
    const n = end - start;
    if (n === 0) return h.emptyRoot;
    if (n === 1) return leafHashes[start]!;
    const key = `${start}:${end}`;
    let hash = memo.get(key);
    if (hash === undefined) {
      const split = start + k(n);
      hash = h.node(mth(start, split), mth(split, end));
      memo.set(key, hash);
    }
    return hash;
  };
  // PATH(m, D[n]): m relative to start.
  const path = (m: number, start: number, end: number): Hash[] => {
    const n = end - start;
    if (n === 1) return [];
    const split = k(n);
    if (m < split) return [...path(m, start, start + split), mth(start + split, end)];
    return [...path(m - split, start + split, end), mth(start, start + split)];
  };
  const subproof = (m: number, start: number, end: number, b: boolean): Hash[] => {
    const n = end - start;
    if (m === n) return b ? [] : [mth(start, end)];
    const split = k(n);
    if (m <= split) return [...subproof(m, start, start + split, b), mth(start + split, end)];
    return [...subproof(m - split, start + split, end, false), mth(start, start + split)];
  };
  return {
    root: (size: number) => mth(0, size),
    path: (index: number, size: number) => path(index, 0, size),
    // PROOF(m, D[n]) with m = 0 given as the empty proof (tlog-witness), like tree.ts.
    proof: (m: number, n: number) => (m === 0 ? [] : subproof(m, 0, n, true)),
  };
}

/** uvu has no assert.rejects: resolves to the thrown error, fails the test if nothing throws. */
async function rejects(fn: () => Promise<unknown>, what: string): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  return assert.unreachable(`${what} should have been refused`);
}

const hexes = (hashes: readonly Hash[]): string[] => hashes.map(toHex);
const leafHashesOf = (h: MerkleHasher, entries: readonly Uint8Array[]): Hash[] => entries.map((e) => h.leaf(e));
const leafStrings = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => utf8(`leaf-${i}`));

/** Proofs generated from `reader` equal the vector's, and verify under both hash backends. */
async function checkProofSet(file: ProofSetFile, reader: HashReader, label: string, readers: HashReader[] = []): Promise<number> {
  let checked = 0;
  for (const v of file.inclusion) {
    const proof = await inclusionProof(node, v.index, v.size, reader);
    assert.equal(hexes(proof), v.proof, `${label} inclusion ${v.index}/${v.size}`);
    for (const r of readers) assert.equal(hexes(await inclusionProof(node, v.index, v.size, r)), v.proof);
    for (const h of [node, noble]) verifyInclusion(h, v.index, v.size, fromHex(v.leafHash), proof, fromHex(v.root));
    checked++;
  }
  for (const v of file.consistency) {
    const proof = await consistencyProof(node, v.old, v.new, reader);
    assert.equal(hexes(proof), v.proof, `${label} consistency ${v.old}->${v.new}`);
    for (const r of readers) assert.equal(hexes(await consistencyProof(node, v.old, v.new, r)), v.proof);
    for (const h of [node, noble]) verifyConsistency(h, v.old, v.new, fromHex(v.oldRoot), fromHex(v.newRoot), proof);
    checked++;
  }
  return checked;
}

// ------------------------------------------------------------------ hashing basics

const basics = suite('merkle: hashing');

basics('empty tree root is SHA-256 of the empty string, from both backends', async () => {
  assert.is(toHex(node.emptyRoot), EMPTY_ROOT_HEX);
  assert.is(toHex(noble.emptyRoot), EMPTY_ROOT_HEX);
  assert.is(toHex(await treeHash(node, 0, memoryHashReader(node, []))), EMPTY_ROOT_HEX);
});

basics('node:crypto and @noble agree on leaf and node hashes of assorted inputs', () => {
  for (let n = 0; n < 300; n += 7) {
    const entry = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff);
    const a = node.leaf(entry);
    assert.equal(a, noble.leaf(entry));
    assert.equal(node.node(a, node.emptyRoot), noble.node(a, noble.emptyRoot));
  }
  // The domain separation bytes matter: a leaf is not a node over the same bytes.
  const x = node.leaf(utf8('x'));
  assert.not.equal(toHex(node.node(x, x)), toHex(node.leaf(new Uint8Array([...x, ...x]))));
});

basics('tree sizes and indexes outside the safe integers are refused by the generators', async () => {
  const reader = memoryHashReader(node, [node.leaf(utf8('a'))]);
  for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) {
    assert.instance(await rejects(() => treeHash(node, bad, reader), `size ${bad}`), RangeError);
  }
  assert.instance(await rejects(() => inclusionProof(node, 1, 1, reader), 'index 1 of size 1'), RangeError);
  assert.instance(await rejects(() => inclusionProof(node, 0, 0, reader), 'index 0 of size 0'), RangeError);
  assert.instance(await rejects(() => consistencyProof(node, 2, 1, reader), 'consistency 2->1'), RangeError);
});

basics.run();

// ------------------------------------------------------------------ rfc6962/*.json

const rfc = suite('merkle: rfc6962 vectors');
const tree = loadVector<TreeFile>('rfc6962/tree.json');
const rfcLeafHashes = tree.leavesHex.map((x) => node.leaf(fromHex(x)));

rfc('leaf hashes and every complete subtree hash (tree.json)', async () => {
  assert.equal(hexes(rfcLeafHashes), tree.leafHashes);
  const reader = memoryHashReader(node, rfcLeafHashes);
  for (const { level, hashes } of tree.nodeHashes) {
    const subtrees = hashes.map((_, index) => ({ level, index }));
    assert.equal(hexes(await reader.readHashes(subtrees)), hashes, `level ${level}`);
  }
});

rfc('roots of every size 0..8, from memory and from tiles, with both backends', async () => {
  assert.is(tree.roots.length, 9);
  const tiles = tileStore(node, rfcLeafHashes);
  for (const { size, root } of tree.roots) {
    for (const h of [node, noble]) {
      const leaves = rfcLeafHashes.slice(0, size);
      assert.is(toHex(await treeHash(h, size, memoryHashReader(h, leaves))), root, `size ${size}`);
    }
    assert.is(toHex(await treeHash(node, size, tiles(size))), root, `size ${size} from tiles`);
  }
});

rfc('compact ranges: rangeSubtrees(0, n) names exactly the listed nodes', async () => {
  const reader = memoryHashReader(node, rfcLeafHashes);
  for (const c of tree.compactRanges) {
    const plan = rangeSubtrees(0, c.size);
    assert.equal(plan, c.nodes.map(({ level, index }) => ({ level, index })), `size ${c.size}`);
    assert.equal(hexes(await reader.readHashes(plan)), c.nodes.map((n) => n.hash));
  }
});

rfc('proofs.json: the hand-checked proofs are generated byte for byte and verify', async () => {
  const file = loadVector<ProofsFile>('rfc6962/proofs.json');
  const reader = memoryHashReader(node, rfcLeafHashes);
  const rootOf = (n: number) => fromHex(tree.roots[n]!.root);
  let checked = 0;
  for (const v of file.inclusion) {
    if (!v.valid || v.leafIndex === null) {
      // The source's placeholder: no inclusion proof exists in an empty tree.
      await rejects(() => inclusionProof(node, 0, v.treeSize, reader), 'inclusion proof in the empty tree');
      assert.not.ok(isValidInclusion(node, 0, v.treeSize, rfcLeafHashes[0]!, [], rootOf(0)));
      continue;
    }
    const proof = await inclusionProof(node, v.leafIndex, v.treeSize, reader);
    assert.equal(hexes(proof), v.proof);
    verifyInclusion(node, v.leafIndex, v.treeSize, rfcLeafHashes[v.leafIndex]!, proof, rootOf(v.treeSize));
    checked++;
  }
  for (const v of file.consistency) {
    assert.ok(v.valid);
    const proof = await consistencyProof(node, v.size1, v.size2, reader);
    assert.equal(hexes(proof), v.proof);
    verifyConsistency(noble, v.size1, v.size2, rootOf(v.size1), rootOf(v.size2), proof);
    checked++;
  }
  assert.is(checked, 10);
});

rfc('all-proofs.generated.json: all 36 + 36 proofs over the 8 leaves', async () => {
  const file = loadVector<ProofSetFile>('rfc6962/all-proofs.generated.json');
  assert.equal(file.leavesHex, tree.leavesHex);
  assert.equal(file.roots, tree.roots);
  const checked = await checkProofSet(file, memoryHashReader(node, rfcLeafHashes), 'all-proofs', [tileStore(node, rfcLeafHashes)(8)]);
  assert.is(checked, 72);
});

rfc.run();

// ------------------------------------------------------------------ merkle/leaf-strings-*.json

const strings = suite('merkle: leaf-strings vectors');

for (const n of [300, 1000]) {
  strings(`leaf-strings-${n}: leaf hashes, every root 0..${n} (memory, tiles), every listed proof`, async () => {
    const file = loadVector<ProofSetFile>(`merkle/leaf-strings-${n}.json`);
    assert.is(file.treeSize, n);
    assert.is(file.emptyTreeRoot, EMPTY_ROOT_HEX);
    const entries = leafStrings(n);
    assert.equal(file.leaves, entries.map((e) => new TextDecoder().decode(e)));
    const leafHashes = leafHashesOf(node, entries);
    assert.equal(hexes(leafHashes), file.leafHashes);
    assert.is(file.roots.length, n + 1);
    const tiles = tileStore(node, leafHashes);
    const memory = memoryHashReader(node, leafHashes);
    for (const { size, root } of file.roots) {
      assert.is(toHex(await treeHash(node, size, memory)), root, `size ${size} from memory`);
      assert.is(toHex(await treeHash(node, size, tiles(size))), root, `size ${size} from tiles`);
    }
    const levels = levelsReader(levelsOf(node, leafHashes));
    const checked = await checkProofSet(file, levels, `leaf-strings-${n}`, [tiles(n), memory]);
    assert.is(checked, file.inclusion.length + file.consistency.length);
    assert.ok(checked > (n === 300 ? 900 : 1000));
  });
}

strings('leaf-strings-70000: every listed root (levels, tiles) and all 1268 listed proofs', async () => {
  const file = loadVector<ProofSetFile>('merkle/leaf-strings-70000.json');
  const leafHashes = leafHashesOf(node, leafStrings(70000));
  const levels = levelsReader(levelsOf(node, leafHashes));
  const tiles = tileStore(node, leafHashes);
  for (const { size, root } of file.roots) {
    assert.is(toHex(await treeHash(node, size, levels)), root, `size ${size}`);
    assert.is(toHex(await treeHash(node, size, tiles(size))), root, `size ${size} from tiles`);
  }
  const checked = await checkProofSet(file, levels, 'leaf-strings-70000');
  assert.is(checked, 350 + 918);
  // The tile reader is the production path: regenerate a spread of the proofs through it.
  const tileReader = tiles(70000);
  for (const v of file.inclusion.filter((_, i) => i % 7 === 0)) {
    if (v.size === 70000) assert.equal(hexes(await inclusionProof(node, v.index, v.size, tileReader)), v.proof);
  }
  for (const v of file.consistency.filter((_, i) => i % 9 === 0)) {
    if (v.new === 70000) assert.equal(hexes(await consistencyProof(node, v.old, v.new, tileReader)), v.proof);
  }
});

strings.run();

// ------------------------------------------------------------------ exhaustive small trees

const exhaustive = suite('merkle: exhaustive small trees vs naive RFC 6962');
const MAX_SIZE = 160;

exhaustive(`every root, inclusion and consistency proof for sizes 1..${MAX_SIZE}`, async () => {
  const leafHashes = leafHashesOf(node, Array.from({ length: MAX_SIZE }, (_, i) => utf8(`entry ${i}`)));
  const naive = naiveRfc6962(node, leafHashes);
  const levels = levelsReader(levelsOf(node, leafHashes));
  let inclusions = 0;
  let consistencies = 0;
  for (let n = 1; n <= MAX_SIZE; n++) {
    const root = naive.root(n);
    assert.equal(await treeHash(node, n, levels), root, `root ${n}`);
    for (let i = 0; i < n; i++) {
      const proof = await inclusionProof(node, i, n, levels);
      assert.equal(hexes(proof), hexes(naive.path(i, n)), `PATH(${i}, D[${n}])`);
      assert.ok(isValidInclusion(node, i, n, leafHashes[i]!, proof, root));
      inclusions++;
    }
    for (let m = 0; m <= n; m++) {
      const proof = await consistencyProof(node, m, n, levels);
      assert.equal(hexes(proof), hexes(naive.proof(m, n)), `PROOF(${m}, D[${n}])`);
      assert.ok(isValidConsistency(node, m, n, naive.root(m), root, proof), `verify ${m}->${n}`);
      consistencies++;
    }
  }
  assert.is(inclusions, (MAX_SIZE * (MAX_SIZE + 1)) / 2);
  assert.is(consistencies, ((MAX_SIZE + 1) * (MAX_SIZE + 2)) / 2 - 1);
});

exhaustive('memoryHashReader and the naive MTH agree on every root up to 64 with @noble', async () => {
  const leafHashes = leafHashesOf(noble, Array.from({ length: 64 }, (_, i) => utf8(`n${i}`)));
  const naive = naiveRfc6962(noble, leafHashes);
  const memory = memoryHashReader(noble, leafHashes);
  for (let n = 0; n <= 64; n++) assert.equal(await treeHash(noble, n, memory), naive.root(n));
});

exhaustive.run();

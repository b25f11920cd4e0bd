// Proof verification (log/proof.ts): the transparency-dev/merkle probes, our edge-case policy,
// tampering of every byte, proof lengths, and sizes up to 2^53 − 1.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fromBase64, utf8 } from '../log/bytes.js';
import { nobleCrypto } from '../log/crypto.js';
import { DiptychError, statusOf } from '../log/errors.js';
import { createNodeCrypto } from '../log/node-crypto.js';
import {
  consistencyProofLength,
  inclusionProofLength,
  isValidConsistency,
  isValidInclusion,
  rootFromInclusion,
  verifyConsistency,
  verifyInclusion,
} from '../log/proof.js';
import {
  consistencyProof,
  consistencyRanges,
  inclusionProof,
  inclusionRanges,
  memoryHashReader,
  merkleHasher,
  treeHash,
  type Hash,
  type HashReader,
  type MerkleHasher,
} from '../log/tree.js';
import { loadVector } from './support/vectors.js';
import { prng } from './support/prng.js';
import { thrown } from './support/assert-code.js';

const node = merkleHasher(createNodeCrypto());
const noble = merkleHasher(nobleCrypto);

interface InclusionProbe { file: string; desc: string; leafIdx: number; treeSize: number; root: string; leafHash: string; proof: string[] | null; wantErr: boolean }
interface ConsistencyProbe { file: string; desc: string; size1: number; size2: number; root1: string; root2: string; proof: string[] | null; wantErr: boolean }

const b64 = (s: string): Uint8Array => fromBase64(s);



/** Uniform-ish integer in [lo, hi] for safe integers, from two 32-bit draws. */
function randomInt(rand: () => number, lo: number, hi: number): number {
  const span = hi - lo + 1;
  const r = Math.floor(rand() * 2 ** 21) * 2 ** 32 + Math.floor(rand() * 2 ** 32);
  return lo + (r % span);
}

const leavesFor = (h: MerkleHasher, n: number): Hash[] => Array.from({ length: n }, (_, i) => h.leaf(utf8(`p${i}`)));

/** Copies of `hashes` with byte `pos` of element `which` flipped at bit pos % 8. */
function flipped(hashes: readonly Hash[], which: number, pos: number): Hash[] {
  return hashes.map((x, i) => {
    if (i !== which) return x;
    const y = Uint8Array.from(x);
    y[pos] = y[pos]! ^ (1 << pos % 8);
    return y;
  });
}

// ------------------------------------------------------------------ probes

const probes = suite('proof: transparency-dev/merkle probes');

probes('all 98 inclusion probes give the expected verdict, with both backends', () => {
  const file = loadVector<{ probes: InclusionProbe[] }>('rfc6962/probes-inclusion.json');
  assert.is(file.probes.length, 98);
  for (const p of file.probes) {
    for (const h of [node, noble]) {
      const ok = isValidInclusion(h, p.leafIdx, p.treeSize, b64(p.leafHash), (p.proof ?? []).map(b64), b64(p.root));
      assert.is(ok, !p.wantErr, `${p.file} (${p.desc})`);
    }
  }
});

/**
 * Our policy where it departs from transparency-dev/merkle's: roots must be 32 bytes (tdmerkle
 * compares placeholder roots such as base64("don't care 1") byte for byte when sizes are equal),
 * and old size 0 with an empty proof and the empty-tree root is consistent with any tree
 * (tlog-witness; tdmerkle rejects every proof from size 0).
 */
function ourConsistencyVerdict(h: MerkleHasher, p: ConsistencyProbe): boolean | undefined {
  const r1 = b64(p.root1);
  const r2 = b64(p.root2);
  if (r1.length !== 32 || r2.length !== 32) return false;
  if (p.size1 !== 0) return undefined; // same rule as tdmerkle
  const emptyOld = r1.every((b, i) => b === h.emptyRoot[i]);
  const sameIfEqual = p.size2 !== 0 || r2.every((b, i) => b === r1[i]);
  return p.size2 >= 0 && (p.proof ?? []).length === 0 && emptyOld && sameIfEqual;
}

probes('all 98 consistency probes: tdmerkle verdict, except where our documented policy differs', () => {
  const file = loadVector<{ probes: ConsistencyProbe[] }>('rfc6962/probes-consistency.json');
  assert.is(file.probes.length, 98);
  const differing: string[] = [];
  for (const p of file.probes) {
    const ours = ourConsistencyVerdict(node, p);
    const want = ours ?? !p.wantErr;
    if (want !== !p.wantErr) differing.push(p.desc);
    for (const h of [node, noble]) {
      const ok = isValidConsistency(h, p.size1, p.size2, b64(p.root1), b64(p.root2), (p.proof ?? []).map(b64));
      assert.is(ok, want, `${p.file} (${p.desc})`);
    }
  }
  // Only the 12-byte placeholder roots differ; every size1 = 0 probe also fails our rules
  // (non-empty proof, placeholder roots, or a non-empty-tree old root).
  assert.equal(differing, ['sizes are equal (one) and proof is empty']);
  assert.is(file.probes.filter((p) => p.size1 === 0).length, 9);
});

probes('size 0 (tlog-witness policy): empty proof + empty-tree root is consistent with any tree', async () => {
  const leaves = leavesFor(node, 9);
  const reader = memoryHashReader(node, leaves);
  for (let n = 0; n <= 9; n++) {
    const root = await treeHash(node, n, reader);
    verifyConsistency(node, 0, n, node.emptyRoot, root, []);
    assert.equal(await consistencyProof(node, 0, n, reader), [], 'tree.ts also gives the empty proof');
    assert.match(thrown(() => verifyConsistency(node, 0, n, node.emptyRoot, root, [root])).message, /proof has 1 hashes, expected 0/);
    assert.match(thrown(() => verifyConsistency(node, 0, n, leaves[0]!, root, [])).message, /not the root of the empty tree/);
  }
  // Size 0 to size 0: both roots must be the empty-tree root.
  assert.match(thrown(() => verifyConsistency(node, 0, 0, node.emptyRoot, leaves[0]!, [])).message, /roots differ/);
});

probes.run();

// ------------------------------------------------------------------ edge rules and messages

const edges = suite('proof: edge rules');

edges('every rejection is invalid_proof (403) with a precise message', async () => {
  const leaves = leavesFor(node, 8);
  const reader = memoryHashReader(node, leaves);
  const root8 = await treeHash(node, 8, reader);
  const root5 = await treeHash(node, 5, reader);
  const p = await inclusionProof(node, 3, 8, reader);
  const c = await consistencyProof(node, 5, 8, reader);
  assert.is(c.length, 4);
  const cases: Array<[() => void, RegExp]> = [
    [() => verifyInclusion(node, 8, 8, leaves[3]!, p, root8), /leaf index 8 is not below tree size 8/],
    [() => verifyInclusion(node, 0, 0, leaves[0]!, [], node.emptyRoot), /leaf index 0 is not below tree size 0/],
    [() => verifyInclusion(node, -1, 8, leaves[3]!, p, root8), /leaf index -1 is not a non-negative safe integer/],
    [() => verifyInclusion(node, 3, 2 ** 53, leaves[3]!, p, root8), /tree size 9007199254740992 is not/],
    [() => verifyInclusion(node, 1.5, 8, leaves[3]!, p, root8), /leaf index 1.5/],
    [() => verifyInclusion(node, Number.NaN, 8, leaves[3]!, p, root8), /leaf index NaN/],
    [() => verifyInclusion(node, 3, Number.POSITIVE_INFINITY, leaves[3]!, p, root8), /tree size Infinity/],
    [() => verifyInclusion(node, 3, 8, leaves[3]!.subarray(1), p, root8), /leaf hash is 31 bytes, expected 32/],
    [() => verifyInclusion(node, 3, 8, leaves[3]!, p, new Uint8Array(33)), /root is 33 bytes, expected 32/],
    [() => verifyInclusion(node, 3, 8, leaves[3]!, [p[0]!, p[1]!.subarray(0, 16), p[2]!], root8), /proof hash 1 is 16 bytes/],
    [() => verifyInclusion(node, 3, 8, leaves[3]!, p.slice(1), root8), /proof has 2 hashes, expected 3/],
    [() => verifyInclusion(node, 3, 8, leaves[3]!, [...p, p[0]!], root8), /proof has 4 hashes, expected 3/],
    [() => verifyInclusion(node, 3, 8, leaves[4]!, p, root8), /does not lead to the root of tree size 8/],
    [() => verifyConsistency(node, 8, 5, root8, root5, c), /old size 8 is larger than new size 5/],
    [() => verifyConsistency(node, 5, 8, root5.subarray(2), root8, c), /old root is 30 bytes/],
    [() => verifyConsistency(node, 5, 8, root5, new Uint8Array(0), c), /new root is 0 bytes/],
    [() => verifyConsistency(node, 5, 8, root5, root8, c.slice(0, -1)), /proof has 3 hashes, expected 4/],
    [() => verifyConsistency(node, 5, 8, root5, root8, []), /proof has 0 hashes, expected 4/],
    [() => verifyConsistency(node, 5, 8, root8, root8, c), /does not lead to the old root of size 5/],
    [() => verifyConsistency(node, 5, 8, root5, root5, c), /does not lead to the new root of size 8/],
    [() => verifyConsistency(node, 8, 8, root8, root8, [root8]), /proof has 1 hashes, expected 0/],
    [() => verifyConsistency(node, 8, 8, root8, root5, []), /roots differ for the same tree size 8/],
    [() => verifyConsistency(node, 2 ** 53, 2 ** 53 + 2, root8, root8, []), /old size 9007199254740992 is not/],
    [() => verifyConsistency(node, 1, -3, root8, root8, []), /new size -3 is not/],
  ];
  for (const [fn, message] of cases) {
    const e = thrown(fn);
    assert.is(e.code, 'invalid_proof');
    assert.match(e.message, message);
  }
  assert.is(statusOf('invalid_proof'), 403);
  // The happy paths of the same inputs pass, so the cases above fail for the reason named.
  verifyInclusion(node, 3, 8, leaves[3]!, p, root8);
  verifyConsistency(node, 5, 8, root5, root8, c);
  verifyConsistency(node, 8, 8, root8, root8, []);
});

edges('the boolean variants return false instead of throwing, and rootFromInclusion shares the path', async () => {
  const leaves = leavesFor(node, 6);
  const reader = memoryHashReader(node, leaves);
  const root = await treeHash(node, 6, reader);
  const p = await inclusionProof(node, 4, 6, reader);
  assert.equal(rootFromInclusion(node, 4, 6, leaves[4]!, p), root);
  assert.ok(isValidInclusion(node, 4, 6, leaves[4]!, p, root));
  assert.not.ok(isValidInclusion(node, 6, 6, leaves[4]!, p, root));
  assert.not.ok(isValidInclusion(node, 4, 6, leaves[4]!, p, new Uint8Array(31)));
  assert.not.ok(isValidConsistency(node, 7, 6, root, root, []));
  assert.not.ok(isValidConsistency(node, 6, 6, root, root, [root]));
  assert.ok(isValidConsistency(node, 6, 6, root, Uint8Array.from(root), []));
});

edges('size 1: the single leaf is the root and the proof is empty', () => {
  const leaf = node.leaf(utf8('only'));
  verifyInclusion(node, 0, 1, leaf, [], leaf);
  assert.not.ok(isValidInclusion(node, 0, 1, leaf, [leaf], node.node(leaf, leaf)));
  assert.not.ok(isValidInclusion(node, 0, 1, leaf, [], node.emptyRoot));
});

edges.run();

// ------------------------------------------------------------------ tampering

const tamper = suite('proof: tampering');
const TAMPER_MAX = 33;

tamper(`flipping any bit-position of any byte of proof, leaf or root fails (inclusion, sizes 1..${TAMPER_MAX})`, async () => {
  const leaves = leavesFor(node, TAMPER_MAX + 1);
  const reader = memoryHashReader(node, leaves);
  let flips = 0;
  for (let n = 1; n <= TAMPER_MAX; n++) {
    const root = await treeHash(node, n, reader);
    const rootOfPlusOne = await treeHash(node, n + 1, reader);
    for (let i = 0; i < n; i++) {
      const proof = await inclusionProof(node, i, n, reader);
      const leaf = leaves[i]!;
      assert.ok(isValidInclusion(node, i, n, leaf, proof, root));
      // [leaf, ...proof, root] as one list, so each element is tampered the same way.
      const all = [leaf, ...proof, root];
      for (let which = 0; which < all.length; which++) {
        for (let pos = 0; pos < 32; pos++) {
          const bad = flipped(all, which, pos);
          assert.not.ok(isValidInclusion(node, i, n, bad[0]!, bad.slice(1, -1), bad[bad.length - 1]!), `${i}/${n} element ${which} byte ${pos}`);
          flips++;
        }
      }
      if (proof.length > 0) {
        assert.not.ok(isValidInclusion(node, i, n, leaf, proof.slice(0, -1), root), 'truncated');
        assert.not.ok(isValidInclusion(node, i, n, leaf, proof.slice(1), root), 'first removed');
      }
      assert.not.ok(isValidInclusion(node, i, n, leaf, [...proof, root], root), 'extended');
      assert.not.ok(isValidInclusion(node, i, n, leaf, [node.emptyRoot, ...proof], root), 'prefixed');
      for (const j of [i - 1, i + 1, i ^ 1]) {
        if (j >= 0 && j < n && j !== i) assert.not.ok(isValidInclusion(node, j, n, leaf, proof, root), `index ${j}`);
      }
      // An inclusion proof does not bind the size by itself (the same proof can fit sizes of the
      // same shape); the checkpoint's root does. Against the root of the claimed size it fails.
      assert.not.ok(isValidInclusion(node, i, n + 1, leaf, proof, rootOfPlusOne), `size ${n + 1}`);
      if (i < n - 1) {
        const rootOfMinusOne = await treeHash(node, n - 1, reader);
        assert.not.ok(isValidInclusion(node, i, n - 1, leaf, proof, rootOfMinusOne), `size ${n - 1}`);
      }
    }
  }
  assert.ok(flips > 100_000);
});

tamper(`flipping any bit-position of any byte of a consistency proof or root fails (sizes 1..${TAMPER_MAX})`, async () => {
  const leaves = leavesFor(node, TAMPER_MAX + 2);
  const reader = memoryHashReader(node, leaves);
  const roots: Hash[] = [];
  for (let n = 0; n <= TAMPER_MAX + 1; n++) roots.push(await treeHash(node, n, reader));
  for (let n = 1; n <= TAMPER_MAX; n++) {
    for (let m = 1; m <= n; m++) {
      const proof = await consistencyProof(node, m, n, reader);
      const all = [roots[m]!, ...proof, roots[n]!];
      for (let which = 0; which < all.length; which++) {
        for (let pos = 0; pos < 32; pos++) {
          const bad = flipped(all, which, pos);
          assert.not.ok(isValidConsistency(node, m, n, bad[0]!, bad[bad.length - 1]!, bad.slice(1, -1)), `${m}->${n} element ${which} byte ${pos}`);
        }
      }
      if (proof.length > 0) {
        assert.not.ok(isValidConsistency(node, m, n, roots[m]!, roots[n]!, proof.slice(0, -1)), 'truncated');
        assert.not.ok(isValidConsistency(node, m, n, roots[m]!, roots[n]!, proof.slice(1)), 'first removed');
      }
      assert.not.ok(isValidConsistency(node, m, n, roots[m]!, roots[n]!, [...proof, roots[n]!]), 'extended');
      assert.not.ok(isValidConsistency(node, m, n, roots[m]!, roots[n]!, [roots[m]!, ...proof]), 'prefixed');
      // Sizes are bound through the roots: the same proof against the claimed sizes' roots fails.
      for (const [a, b] of [[m - 1, n], [m + 1, n], [m, n + 1], [m, n - 1]] as const) {
        if (a < 1 || b < a || (a === m && b === n)) continue;
        assert.not.ok(isValidConsistency(node, a, b, roots[a]!, roots[b]!, proof), `${a}->${b} with the proof for ${m}->${n}`);
      }
    }
  }
});

tamper('an inclusion proof can fit another size of the same shape: only the root binds the size', async () => {
  const leaves = leavesFor(node, 4);
  const reader = memoryHashReader(node, leaves);
  const proof = await inclusionProof(node, 0, 3, reader);
  const root3 = await treeHash(node, 3, reader);
  // RFC 9162 §2.1.3.2 accepts this: the path for leaf 0 has the same shape in trees of 3 and 4.
  assert.ok(isValidInclusion(node, 0, 4, leaves[0]!, proof, root3));
  assert.not.ok(isValidInclusion(node, 0, 4, leaves[0]!, proof, await treeHash(node, 4, reader)));
});

tamper.run();

// ------------------------------------------------------------------ lengths and large trees

const large = suite('proof: lengths and sizes up to 2^53 - 1');

large('proof length formulas match tree.ts ranges (exhaustive to 300, random to 2^53 - 1)', () => {
  for (let n = 1; n <= 300; n++) {
    for (let i = 0; i < n; i++) assert.is(inclusionProofLength(i, n), inclusionRanges(i, n).length, `${i}/${n}`);
    for (let m = 0; m <= n; m++) assert.is(consistencyProofLength(m, n), consistencyRanges(m, n).length, `${m}->${n}`);
  }
  const rand = prng(0x5eed);
  for (let k = 0; k < 3000; k++) {
    const n = randomInt(rand, 1, Number.MAX_SAFE_INTEGER);
    const i = randomInt(rand, 0, n - 1);
    assert.is(inclusionProofLength(i, n), inclusionRanges(i, n).length, `${i}/${n}`);
    const m = randomInt(rand, 0, n);
    assert.is(consistencyProofLength(m, n), consistencyRanges(m, n).length, `${m}->${n}`);
  }
  // The last leaf of 2^53 − 1 has one sibling per complete subtree to its left: 52 of them.
  assert.is(inclusionProofLength(Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER), 52);
  assert.is(inclusionProofLength(0, Number.MAX_SAFE_INTEGER), 53);
});

/**
 * A consistent tree of any size where every leaf is "u" except leaf `special`: only the subtrees
 * containing it differ from the all-"u" subtree of their level, so every hash is cheap.
 */
function sparseTree(h: MerkleHasher, special: number): { leaf: Hash; reader: HashReader } {
  const uniform: Hash[] = [h.leaf(utf8('u'))];
  for (let l = 1; l <= 53; l++) uniform.push(h.node(uniform[l - 1]!, uniform[l - 1]!));
  const leaf = h.leaf(utf8('special'));
  const memo = new Map<number, Hash>();
  const hash = (level: number, index: number): Hash => {
    if (index !== Math.floor(special / 2 ** level)) return uniform[level]!;
    if (level === 0) return leaf;
    let v = memo.get(level);
    if (v === undefined) {
      v = h.node(hash(level - 1, 2 * index), hash(level - 1, 2 * index + 1));
      memo.set(level, v);
    }
    return v;
  };
  return { leaf, reader: { readHashes: async (subtrees) => subtrees.map((s) => hash(s.level, s.index)) } };
}

large('inclusion and consistency at sizes near 2^53 generate, verify, and reject tampering', async () => {
  const rand = prng(42);
  const sizes = [Number.MAX_SAFE_INTEGER, 2 ** 52, 2 ** 52 + 1, 2 ** 40 + 12345, 2 ** 32 + 1, 2 ** 32 - 1, 2 ** 31];
  for (let k = 0; k < 20; k++) sizes.push(randomInt(rand, 2 ** 32, Number.MAX_SAFE_INTEGER));
  for (const n of sizes) {
    const special = randomInt(rand, 0, n - 1);
    for (const h of [node, noble]) {
      const { leaf, reader } = sparseTree(h, special);
      const root = await treeHash(h, n, reader);
      const proof = await inclusionProof(h, special, n, reader);
      verifyInclusion(h, special, n, leaf, proof, root);
      if (special + 1 < n) assert.not.ok(isValidInclusion(h, special + 1, n, leaf, proof, root), `index ${special + 1}`);
      if (special > 0) assert.not.ok(isValidInclusion(h, special - 1, n, leaf, proof, root), `index ${special - 1}`);
      assert.not.ok(isValidInclusion(h, special, n, leaf, flipped(proof, proof.length - 1, 7), root));
      const m = randomInt(rand, special + 1, n);
      const oldRoot = await treeHash(h, m, reader);
      const c = await consistencyProof(h, m, n, reader);
      verifyConsistency(h, m, n, oldRoot, root, c);
      if (c.length > 0) assert.not.ok(isValidConsistency(h, m, n, oldRoot, root, flipped(c, 0, 31)));
      if (m < n) assert.not.ok(isValidConsistency(h, m, n, root, oldRoot, c), 'swapped roots');
    }
  }
});

large.run();

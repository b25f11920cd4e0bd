// A Merkle tree computed level by level without tree.ts or tile.ts, to check them against.
import type { Hash, MerkleHasher } from '../../log/tree.js';

/** Every complete subtree hash, level by level, computed without the code under test. */
export function levelsOf(h: MerkleHasher, leafHashes: readonly Hash[]): Hash[][] {
  const levels: Hash[][] = [leafHashes.slice()];
  for (let l = 0; levels[l]!.length > 1; l++) {
    const cur = levels[l]!;
    const next: Hash[] = [];
    for (let i = 0; i + 1 < cur.length; i += 2) next.push(h.node(cur[i]!, cur[i + 1]!));
    levels.push(next);
  }
  return levels;
}

// A minimal log for witness tests: leaves in memory, checkpoints signed with a real log key,
// consistency proofs from log/tree.ts. Two of these with the same key and different leaves are
// a forked log, which is exactly what a witness exists to catch.
import { randomBytes } from 'node:crypto';
import { utf8 } from '../../log/bytes.js';
import { formatCheckpoint } from '../../log/checkpoint.js';
import { signNote, type SignerKey } from '../../log/note.js';
import { consistencyProof, memoryHashReader, merkleHasher, treeHash, type Hash } from '../../log/tree.js';

const hasher = merkleHasher();

export class CheckpointLog {
  private readonly leafHashes: Hash[] = [];

  constructor(readonly key: SignerKey) {}

  get size(): number {
    return this.leafHashes.length;
  }

  /** Appends `count` random leaves (or the given ones). */
  append(count: number, leaves?: readonly Uint8Array[]): void {
    for (let i = 0; i < count; i++) this.leafHashes.push(hasher.leaf(leaves?.[i] ?? randomBytes(40)));
  }

  /** A copy of the first `size` leaves: it diverges from this log when either appends more. */
  fork(size = this.size): CheckpointLog {
    const other = new CheckpointLog(this.key);
    other.leafHashes.push(...this.leafHashes.slice(0, size));
    return other;
  }

  root(size = this.size): Promise<Hash> {
    return treeHash(hasher, size, memoryHashReader(hasher, this.leafHashes));
  }

  async checkpoint(size = this.size): Promise<string> {
    return signNote(formatCheckpoint({ origin: this.key.name, size, root: await this.root(size) }), [this.key.signer]);
  }

  proof(oldSize: number, newSize = this.size): Promise<Hash[]> {
    if (oldSize === 0 || oldSize === newSize) return Promise.resolve([]);
    return consistencyProof(hasher, oldSize, newSize, memoryHashReader(hasher, this.leafHashes));
  }
}

export function noteBytes(note: string): Uint8Array {
  return utf8(note);
}

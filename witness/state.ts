// The witness's own durable state, behind a small interface: per log, the latest checkpoint it
// cosigned (C2SP tlog-witness: persisted before answering); per observed series, what it last
// logged; per URL, the last ETag; and evidence of log forks. The level implementation writes
// every change with sync, one atomic batch at a time, so a kill at any point loses nothing
// that was acknowledged. Node-only.
import type { Level } from 'level';
import { openLevel } from '../log/level-open.js';
import { fromBase64, toBase64 } from '../log/bytes.js';
import type { Hash } from '../log/tree.js';
import type { LastObservation } from './observation.js';
import { LruCache } from '../log/lru.js';

export interface CosignedCheckpoint {
  readonly size: number;
  readonly root: Hash;
  /** The signed checkpoint note as received (evidence if the log later contradicts it). */
  readonly note: string;
  /**
   * The checkpoint with the log signatures that verified and this witness's cosignature, as
   * tlog-witness's monitoring endpoint serves it. Stored with the size, in the same write.
   */
  readonly cosigned?: string;
}

/** Two checkpoints, both signed by the log, that cannot both be true. */
export interface ForkEvidence {
  readonly origin: string;
  readonly cosigned: string;
  readonly conflicting: string;
  readonly reason: 'same-size-other-root' | 'inconsistent-proof';
  /** Milliseconds since the epoch. */
  readonly at: number;
}

export interface PendingObservation {
  readonly entry: Uint8Array;
  /** The record to keep once the log has the entry. */
  readonly last: LastObservation;
}

export interface WitnessState {
  latestCosigned(origin: string): Promise<CosignedCheckpoint | undefined>;
  /** Durable before it resolves. Callers serialise per origin (see cosigner.ts). */
  putCosigned(origin: string, checkpoint: CosignedCheckpoint): Promise<void>;
  allCosigned(): Promise<Array<{ origin: string; checkpoint: CosignedCheckpoint }>>;
  recordFork(evidence: ForkEvidence): Promise<void>;
  forks(): Promise<ForkEvidence[]>;
  lastObservation(subject: string): Promise<LastObservation | undefined>;
  /** What a subject's observation now is, once logged; clears its pending one in the same write. */
  putLastObservation(subject: string, last: LastObservation): Promise<void>;
  /**
   * The signed entry of an observation sent to the log and not answered yet: written before it
   * is sent, so that a witness killed meanwhile sends the same bytes again instead of a new
   * observation (the log answers the index it has for bytes it has: never logged twice).
   */
  pendingObservation(subject: string): Promise<PendingObservation | undefined>;
  /** Records a pending observation, or with undefined forgets it (the log refused it). */
  putPendingObservation(subject: string, pending: PendingObservation | undefined): Promise<void>;
  /** The releases last logged for a series (index, project, source): to notice removals. */
  observedVersions(series: string): Promise<string[] | undefined>;
  putObservedVersions(series: string, versions: readonly string[]): Promise<void>;
  /** The last project list of an index (name → serial), for discovering changed projects. */
  projectSerials(indexUrl: string): Promise<Record<string, number | null> | undefined>;
  putProjectSerials(indexUrl: string, serials: Readonly<Record<string, number | null>>): Promise<void>;
  etag(url: string): Promise<string | undefined>;
  putEtag(url: string, etag: string): Promise<void>;
  /** When a series was last fetched in full (without an ETag), milliseconds since the epoch. */
  fetchedAt(series: string): Promise<number | undefined>;
  putFetchedAt(series: string, ms: number): Promise<void>;
  close(): Promise<void>;
}

// Key prefixes: c = cosigned checkpoint by origin, f = fork evidence, o = observation,
// v = observed versions of a series, s = project serials of an index, e = ETag, p = an
// observation sent to the log and not answered yet.
const COSIGNED = 'c\u0000';
const FORK = 'f\u0000';
const OBSERVED = 'o\u0000';
const ETAG = 'e\u0000';
const FETCHED = 't\u0000';
const VERSIONS = 'v\u0000';
const SERIALS = 's\u0000';
const PENDING = 'p\u0000';

interface StoredCheckpoint {
  size: number;
  root: string;
  note: string;
  cosigned?: string;
}

function fromStored(s: StoredCheckpoint): CosignedCheckpoint {
  return { size: s.size, root: fromBase64(s.root), note: s.note, cosigned: s.cosigned };
}

// Records held in memory: a sweep reads two per view, and a LevelDB get costs ~35 µs of the
// event loop, most of an idle sweep. This process is the only writer, so the cache is exact.
const CACHED_RECORDS = 200_000;

export class LevelWitnessState implements WitnessState {
  private forkCount = 0;
  /** JSON text by key, null for a key known to be absent. */
  private readonly cache = new LruCache<string, string | null>(CACHED_RECORDS);
  /** Counts writes, so that a read racing one never caches the value from before it. */
  private writes = 0;

  private constructor(private readonly db: Level<string, string>) {}

  static async open(directory: string): Promise<LevelWitnessState> {
    const db = await openLevel<string, string>(directory, { keyEncoding: 'utf8', valueEncoding: 'utf8' }, 'the witness state');
    const state = new LevelWitnessState(db);
    state.forkCount = (await state.forks()).length;
    return state;
  }

  close(): Promise<void> {
    return this.db.close();
  }

  private async read<T>(key: string): Promise<T | undefined> {
    let text = this.cache.get(key);
    if (text === undefined) {
      const before = this.writes;
      text = (await this.db.get(key)) ?? null;
      if (this.writes === before) this.cache.set(key, text);
    }
    return text === null ? undefined : (JSON.parse(text) as T);
  }

  private async write(key: string, value: unknown): Promise<void> {
    const text = JSON.stringify(value);
    this.writes++;
    try {
      await this.db.put(key, text, { sync: true });
    } finally {
      this.writes++;
    }
    this.cache.set(key, text);
  }

  async latestCosigned(origin: string): Promise<CosignedCheckpoint | undefined> {
    const stored = await this.read<StoredCheckpoint>(COSIGNED + origin);
    return stored === undefined ? undefined : fromStored(stored);
  }

  putCosigned(origin: string, c: CosignedCheckpoint): Promise<void> {
    return this.write(COSIGNED + origin, { size: c.size, root: toBase64(c.root), note: c.note, cosigned: c.cosigned } satisfies StoredCheckpoint);
  }

  async allCosigned(): Promise<Array<{ origin: string; checkpoint: CosignedCheckpoint }>> {
    const out: Array<{ origin: string; checkpoint: CosignedCheckpoint }> = [];
    for await (const [key, value] of this.db.iterator({ gte: COSIGNED, lt: 'c\u0001' })) {
      out.push({ origin: key.slice(COSIGNED.length), checkpoint: fromStored(JSON.parse(value) as StoredCheckpoint) });
    }
    return out;
  }

  async recordFork(evidence: ForkEvidence): Promise<void> {
    this.forkCount += 1;
    await this.write(FORK + String(this.forkCount).padStart(12, '0'), evidence);
  }

  async forks(): Promise<ForkEvidence[]> {
    const out: ForkEvidence[] = [];
    for await (const value of this.db.values({ gte: FORK, lt: 'f\u0001' })) out.push(JSON.parse(value) as ForkEvidence);
    return out;
  }

  lastObservation(subject: string): Promise<LastObservation | undefined> {
    return this.read<LastObservation>(OBSERVED + subject);
  }

  async putLastObservation(subject: string, last: LastObservation): Promise<void> {
    const text = JSON.stringify(last);
    this.writes++;
    try {
      await this.db.batch([{ type: 'put', key: OBSERVED + subject, value: text }, { type: 'del', key: PENDING + subject }], { sync: true });
    } finally {
      this.writes++;
    }
    this.cache.set(OBSERVED + subject, text);
    this.cache.set(PENDING + subject, null);
  }

  async pendingObservation(subject: string): Promise<PendingObservation | undefined> {
    const stored = await this.read<{ entry: string; last: LastObservation }>(PENDING + subject);
    return stored === undefined ? undefined : { entry: fromBase64(stored.entry), last: stored.last };
  }

  async putPendingObservation(subject: string, pending: PendingObservation | undefined): Promise<void> {
    if (pending !== undefined) return this.write(PENDING + subject, { entry: toBase64(pending.entry), last: pending.last });
    this.writes++;
    try {
      await this.db.del(PENDING + subject, { sync: true });
    } finally {
      this.writes++;
    }
    this.cache.set(PENDING + subject, null);
  }

  observedVersions(series: string): Promise<string[] | undefined> {
    return this.read<string[]>(VERSIONS + series);
  }

  putObservedVersions(series: string, versions: readonly string[]): Promise<void> {
    return this.write(VERSIONS + series, versions);
  }

  projectSerials(indexUrl: string): Promise<Record<string, number | null> | undefined> {
    return this.read<Record<string, number | null>>(SERIALS + indexUrl);
  }

  putProjectSerials(indexUrl: string, serials: Readonly<Record<string, number | null>>): Promise<void> {
    return this.write(SERIALS + indexUrl, serials);
  }

  etag(url: string): Promise<string | undefined> {
    return this.read<string>(ETAG + url);
  }

  fetchedAt(series: string): Promise<number | undefined> {
    return this.read<number>(FETCHED + series);
  }

  putFetchedAt(series: string, ms: number): Promise<void> {
    return this.write(FETCHED + series, ms);
  }

  putEtag(url: string, etag: string): Promise<void> {
    return this.write(ETAG + url, etag);
  }
}

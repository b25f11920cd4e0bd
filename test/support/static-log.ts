// A tiled log served from memory, and able to lie: the auditor's adversary in tests and its
// loopback source in the bench. It serves what `diptych serve` serves for reading (checkpoint,
// hash tiles, entry bundles, /api/v1/log and the project views), built independently of the
// sequencer: entries come from a function, hash tiles are computed level by level here, and
// each answer can be rewritten by a fault hook (a forked or rolled-back tree, a corrupted tile,
// a truncated bundle, a checkpoint with too few cosignatures or another origin).
import type { GovernanceState } from '../../monitor/governance.js';
import { alertView } from '../../monitor/views.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeBundle } from '../../log/bundle.js';
import { formatCheckpoint } from '../../log/checkpoint.js';
import { cosign, type Cosigner } from '../../log/cosignature.js';
import { DiptychError, statusOf } from '../../log/errors.js';
import { signNote, type SignerKey } from '../../log/note.js';
import { projectView } from '../../log/project-views.js';
import { LogState, replayLogState } from '../../monitor/log-state.js';
import type { ProjectState } from '../../log/project-state.js';
import { hashTileSpan, tileHashReader, TILE_WIDTH } from '../../log/tile.js';
import { parseTilePath } from '../../log/tile-path.js';
import { treeHash, HASH_SIZE, type Hash, type MerkleHasher } from '../../log/tree.js';

const FULL = TILE_WIDTH * HASH_SIZE;

/** A log's entries: entry(i) for i below size, the same bytes every call. */
export interface EntrySource {
  readonly size: number;
  entry(index: number): Uint8Array;
  /** The encoded bundle of entries [start, start + width), when the source has a faster way. */
  bundle?(start: number, width: number): Uint8Array;
}

export function arraySource(entries: readonly Uint8Array[]): EntrySource {
  return { size: entries.length, entry: (i) => entries[i]! };
}

/** Every hash tile level of a tree: levels[k] holds the nodes at height 8k, left to right. */
export class StaticTree {
  private constructor(
    readonly h: MerkleHasher,
    readonly source: EntrySource,
    readonly levels: Uint8Array[],
  ) {}

  static build(h: MerkleHasher, source: EntrySource): StaticTree {
    const leaves = new Uint8Array(source.size * HASH_SIZE);
    for (let i = 0; i < source.size; i++) leaves.set(h.leaf(source.entry(i)), i * HASH_SIZE);
    const levels = [leaves];
    for (let below = leaves; below.length >= FULL; ) {
      const count = Math.floor(below.length / FULL);
      const next = new Uint8Array(count * HASH_SIZE);
      for (let i = 0; i < count; i++) next.set(hashTileSpan(h, below, i * TILE_WIDTH, TILE_WIDTH), i * HASH_SIZE);
      levels.push(next);
      below = next;
    }
    return new StaticTree(h, source, levels);
  }

  get size(): number {
    return this.source.size;
  }

  /** The tile a tree of `size` leaves serves at this path (any width it has), or undefined. */
  tile(level: number, index: number, width: number, size: number): Uint8Array | undefined {
    const nodes = Math.floor(size / TILE_WIDTH ** level);
    if (index * TILE_WIDTH + width > nodes) return undefined;
    return this.levels[level]?.subarray(index * FULL, (index * TILE_WIDTH + width) * HASH_SIZE);
  }

  bundle(index: number, width: number, size: number): Uint8Array | undefined {
    const start = index * TILE_WIDTH;
    if (start + width > size) return undefined;
    if (this.source.bundle) return this.source.bundle(start, width);
    return encodeBundle(Array.from({ length: width }, (_, i) => this.source.entry(start + i)));
  }

  root(size: number): Promise<Hash> {
    return treeHash(this.h, size, tileHashReader(this.h, async (level, index) => this.levels[level]?.subarray(index * FULL)));
  }
}


/** The log key and witnesses that sign what the server serves. */
export interface Signers {
  readonly logKey: SignerKey;
  readonly witnesses?: readonly Cosigner[];
}

/** A signed checkpoint of the tree at `size`, cosigned by the given witnesses. */
export async function signedCheckpoint(tree: StaticTree, size: number, signers: Signers, origin = signers.logKey.name): Promise<string> {
  const text = formatCheckpoint({ origin, size, root: await tree.root(size) });
  const note = signNote(text, [signers.logKey.signer]);
  const timestamp = Math.floor(Date.now() / 1000);
  return note + (signers.witnesses ?? []).map((w) => cosign(text, w, timestamp)).join('');
}

/** Rewrites of what the server answers; each gets the path and the honest bytes. */
export interface Faults {
  tile?(path: string, bytes: Uint8Array): Uint8Array;
  bundle?(path: string, bytes: Uint8Array): Uint8Array;
  project?(name: string, view: unknown): unknown;
}

/** What the server serves right now: a tree at a size, under a checkpoint note. */
export interface Served {
  readonly tree: StaticTree;
  readonly size: number;
  readonly checkpoint: string;
  readonly projects: ProjectState;
  /** Alerts and suspensions served at /api/v1/alerts; none when absent. */
  readonly alerts?: GovernanceState;
}

/** The key policies and releases of the first `size` entries, by the log's own replay. */
export async function replayedProjects(source: EntrySource, size: number): Promise<ProjectState> {
  // The log's own replay; no entry here is the log's (policy, suspension), so no log keyid.
  const state = new LogState();
  await replayLogState(state, async (s, e) => Array.from({ length: e - s }, (_, i) => source.entry(s + i)), size, '');
  return state.projects;
}

export async function served(tree: StaticTree, size: number, signers: Signers, origin?: string): Promise<Served> {
  return { tree, size, checkpoint: await signedCheckpoint(tree, size, signers, origin), projects: await replayedProjects(tree.source, size) };
}

export class StaticLogServer {
  faults: Faults = {};
  /** Paths requested, for tests that count what an auditor fetched. */
  readonly requests: string[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    public current: Served,
    readonly verifierKey: string,
  ) {}

  static async start(current: Served, verifierKey: string): Promise<StaticLogServer> {
    let self: StaticLogServer | undefined;
    const server = createServer((req, res) => self!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new StaticLogServer(server, `http://127.0.0.1:${port}`, current, verifierKey);
    return self;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0]!;
    this.requests.push(path);
    try {
      const answer = this.answer(path);
      const body = typeof answer.body === 'string' ? Buffer.from(answer.body) : answer.body;
      res.writeHead(200, { 'content-type': answer.type, 'content-length': body.length });
      res.end(body);
    } catch (e) {
      const err = e instanceof DiptychError ? e : new DiptychError('internal_error', String(e));
      const body = JSON.stringify({ error: { code: err.code, message: err.message } });
      res.writeHead(statusOf(err.code), { 'content-type': 'application/json' });
      res.end(body);
    }
  }

  private answer(path: string): { body: Uint8Array | string; type: string } {
    const { tree, size, checkpoint, projects } = this.current;
    const json = (value: unknown) => ({ body: JSON.stringify(value), type: 'application/json' });
    if (path === '/checkpoint') return { body: checkpoint, type: 'text/plain; charset=utf-8' };
    if (path === '/api/v1/log') return json({ origin: this.verifierKey.split('+')[0], verifierKey: this.verifierKey, size });
    if (path === '/api/v1/projects') return json({ projects: projects.projectNames() });
    if (path === '/api/v1/alerts') return json(this.current.alerts?.allAlerts().map(alertView) ?? []);
    if (path.startsWith('/api/v1/projects/')) {
      const name = decodeURIComponent(path.slice('/api/v1/projects/'.length));
      const view = projectView(projects, name);
      return json(this.faults.project ? this.faults.project(name, view) : view);
    }
    if (path.startsWith('/tile/')) {
      const t = parseTilePath(path.slice(1));
      const bytes = t.kind === 'hash' ? tree.tile(t.level, t.index, t.width, size) : tree.bundle(t.index, t.width, size);
      if (bytes === undefined) throw new DiptychError('tile_not_found', `${path} is beyond the tree`);
      const rewrite = t.kind === 'hash' ? this.faults.tile : this.faults.bundle;
      return { body: rewrite ? rewrite(path, bytes) : bytes, type: 'application/octet-stream' };
    }
    throw new DiptychError('not_found', `no route for ${path}`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

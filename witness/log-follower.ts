// Reading the log the witness writes to, to keep its monitor current: the log's size from
// GET /api/v1/log, then the entries from the C2SP entry bundles (full bundles are immutable and
// cacheable, so following a big log costs one request per 256 entries). The monitor is a
// function of the entries, so a restarted witness rebuilds it by reading from 0. Node-only.
import { Pool } from 'undici';
import { decodeBundle } from '../log/bundle.js';
import { DiptychError } from '../log/errors.js';
import { TILE_WIDTH } from '../log/tile.js';
import { entriesPath } from '../log/tile-path.js';
import { userAgent } from './version.js';
import { trimTrailingSlashes } from '../log/trim-slashes.js';

/** What follows the log: told each entry in order, from index `size`. */
export interface EntrySink {
  readonly size: number;
  ingest(entry: Uint8Array): void;
}

export class LogFollower {
  private readonly pool: Pool;
  private readonly base: string;
  private readonly ua = userAgent();

  constructor(logUrl: string, timeoutMs = 30_000) {
    const url = new URL(logUrl);
    this.base = trimTrailingSlashes(url.pathname);
    this.pool = new Pool(url.origin, { connections: 4, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  }

  private async get(path: string): Promise<Uint8Array> {
    const res = await this.pool.request({ path: `${this.base}${path}`, method: 'GET', headers: { 'user-agent': this.ua } });
    const bytes = new Uint8Array(await res.body.arrayBuffer());
    if (res.statusCode !== 200) throw new DiptychError('log_unreachable', `GET ${path} answered ${res.statusCode}`);
    return bytes;
  }

  async size(): Promise<number> {
    const info = JSON.parse(new TextDecoder().decode(await this.get('/api/v1/log'))) as { size?: unknown };
    if (!Number.isSafeInteger(info.size)) throw new DiptychError('invalid_response', 'GET /api/v1/log gave no size');
    return info.size as number;
  }

  /** Feeds the sink every entry it has not seen, up to the log's current size; returns it. */
  async follow(sink: EntrySink): Promise<number> {
    const size = await this.size();
    while (sink.size < size) {
      const tile = Math.floor(sink.size / TILE_WIDTH);
      const width = Math.min(TILE_WIDTH, size - tile * TILE_WIDTH);
      const entries = decodeBundle(await this.get(`/${entriesPath(tile, width)}`), width);
      for (const entry of entries.slice(sink.size - tile * TILE_WIDTH)) sink.ingest(entry);
    }
    return size;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

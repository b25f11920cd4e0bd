// Binary reads of a log's tiles and entry bundles (C2SP tlog-tiles) for the auditor, over a
// keep-alive connection pool (undici), so that a full audit streams thousands of bundles
// without a handshake each. A missing resource names its path; a log that cannot be reached at
// all is an UnreachableError (exit 3).
import { Pool } from 'undici';
import { DiptychError } from '../log/errors.js';
import { FULL_TILE_BYTES, type Tile } from '../log/tile.js';
import { entriesPath, tilePath } from '../log/tile-path.js';
import { MAX_ENTRY_SIZE } from '../log/bundle.js';
import { UnreachableError } from './args.js';

const TIMEOUT_MS = 30_000;

export interface TileFetcher {
  tile(tile: Tile): Promise<Uint8Array>;
  bundle(index: number, width: number): Promise<Uint8Array>;
  /** How many tiles and bundles were fetched. */
  readonly counts: { tiles: number; bundles: number };
  close(): Promise<void>;
}

export function tileFetcher(logUrl: string, connections = 16): TileFetcher {
  const base = new URL(logUrl.endsWith('/') ? logUrl : `${logUrl}/`);
  const pool = new Pool(base.origin, { connections, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
  const counts = { tiles: 0, bundles: 0 };
  const get = async (path: string, maxBytes: number): Promise<Uint8Array> => {
    let res;
    try {
      res = await pool.request({ path: base.pathname + path, method: 'GET' });
    } catch (e) {
      throw new UnreachableError(`could not reach ${base.origin} (${(e as NodeJS.ErrnoException).code ?? (e as Error).name})`);
    }
    if (res.statusCode === 404) {
      await res.body.dump();
      throw new DiptychError('tile_not_found', `the log does not serve ${path}`);
    }
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new DiptychError('http_error', `${path}: the log answered HTTP ${res.statusCode}`);
    }
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      length += chunk.length;
      // A bound per resource keeps a hostile log from filling memory with one answer.
      if (length > maxBytes) throw new DiptychError('response_too_large', `${path} is larger than ${maxBytes} bytes`);
      chunks.push(chunk);
    }
    const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
    return new Uint8Array(all.buffer, all.byteOffset, all.length);
  };
  return {
    counts,
    async tile(tile) {
      counts.tiles++;
      return get(tilePath(tile), FULL_TILE_BYTES);
    },
    async bundle(index, width) {
      counts.bundles++;
      return get(entriesPath(index, width), width * (2 + MAX_ENTRY_SIZE));
    },
    close: () => pool.close(),
  };
}

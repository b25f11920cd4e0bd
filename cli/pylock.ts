// PEP 751 lock files (pylock.toml), parsed with smol-toml: every [[packages]] entry's sdist,
// wheels and archive with a sha256 hash. VCS and directory sources have no file hash to check
// and are skipped; a file entry without a sha256 is an error (nothing to verify it by).
import { parse } from 'smol-toml';
import { DiptychError } from '../log/errors.js';
import type { PinnedHash } from './pinned-hash.js';

type Table = Record<string, unknown>;

function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The filename of a file entry: its `name`, else the last segment of its url or path. */
function filenameOf(file: Table, where: string): string | undefined {
  if (typeof file['name'] === 'string') return file['name'];
  let location: string | undefined;
  if (typeof file['url'] === 'string') {
    try {
      location = new URL(file['url']).pathname;
    } catch {
      throw new DiptychError('invalid_lock_file', `${where}: ${JSON.stringify(file['url'])} is not a URL`);
    }
  } else if (typeof file['path'] === 'string') location = file['path'];
  return location === undefined ? undefined : percentDecoded(location.split('/').pop() ?? '') || undefined;
}

/** %-escapes decoded; a '%' that starts no valid escape is kept as it is. */
function percentDecoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function pinOf(pkg: Table, file: Table, where: string): PinnedHash {
  const hashes = file['hashes'];
  const sha256 = isTable(hashes) ? hashes['sha256'] : undefined;
  if (typeof sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(sha256)) {
    throw new DiptychError('no_hash', `${where}: ${String(pkg['name'])} has a file without a sha256 hash`);
  }
  const version = typeof pkg['version'] === 'string' ? pkg['version'] : undefined;
  return { project: String(pkg['name']), version, filename: filenameOf(file, where), sha256: sha256.toLowerCase(), where };
}

export function parsePylock(text: string, file: string): PinnedHash[] {
  let doc: Table;
  try {
    doc = parse(text) as Table;
  } catch (e) {
    throw new DiptychError('invalid_lock_file', `${file}: not TOML (${(e as Error).message.split('\n')[0]})`);
  }
  const packages = doc['packages'];
  if (!Array.isArray(packages)) throw new DiptychError('invalid_lock_file', `${file}: no [[packages]] (PEP 751)`);
  const pins: PinnedHash[] = [];
  packages.forEach((pkg: unknown, i) => {
    const where = `${file} packages[${i}]`;
    if (!isTable(pkg) || typeof pkg['name'] !== 'string') throw new DiptychError('invalid_lock_file', `${where}: a package needs a name`);
    const files = [pkg['sdist'], pkg['archive'], ...(Array.isArray(pkg['wheels']) ? pkg['wheels'] : [])].filter(isTable);
    for (const f of files) pins.push(pinOf(pkg, f, where));
  });
  return pins;
}

// C2SP tlog-tiles resource paths: tile/<L>/<N>[.p/<W>] and tile/entries/<N>[.p/<W>].
// The parser accepts only the canonical spelling, so every resource has exactly one URL (CDN
// caches and immutable-tile headers depend on that). Browser-safe.
import { DiptychError } from './errors.js';
import { TILE_WIDTH, type Tile } from './tile.js';

/** Highest tile level: a 64-bit tree size needs at most 8 levels, the spec allows up to 63. */
export const MAX_TILE_LEVEL = 63;

export type ParsedTilePath =
  | { readonly kind: 'hash'; readonly level: number; readonly index: number; readonly width: number }
  | { readonly kind: 'entries'; readonly index: number; readonly width: number };

function invalid(path: string, why: string): never {
  throw new DiptychError('invalid_tile_path', `${JSON.stringify(path)}: ${why}`);
}

// Encoding a tile that cannot exist is refused with the parser's code, so a handler passing
// request values through gets a 400, not a 500.
function unencodable(why: string): never {
  throw new DiptychError('invalid_tile_path', why);
}

function checkIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0) unencodable(`invalid tile index ${index}`);
}

function checkWidth(width: number): void {
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) unencodable(`invalid tile width ${width}`);
}

/** <N>: 3-digit groups from the right, the leftmost zero-padded, all but the last prefixed "x". */
export function encodeTileIndex(index: number): string {
  checkIndex(index);
  let digits = String(index);
  digits = digits.padStart(Math.ceil(digits.length / 3) * 3, '0');
  const groups: string[] = [];
  for (let i = 0; i < digits.length; i += 3) groups.push(digits.slice(i, i + 3));
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

function suffix(width: number): string {
  checkWidth(width);
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

/** Path of a hash tile; width 256 is the full tile. */
export function tilePath(tile: Tile): string {
  if (!Number.isInteger(tile.level) || tile.level < 0 || tile.level > MAX_TILE_LEVEL) {
    unencodable(`invalid tile level ${tile.level}`);
  }
  return `tile/${tile.level}/${encodeTileIndex(tile.index)}${suffix(tile.width)}`;
}

/** Path of the entry bundle holding entries [index·256, index·256 + width). */
export function entriesPath(index: number, width: number): string {
  return `tile/entries/${encodeTileIndex(index)}${suffix(width)}`;
}

// Shape only; the numeric rules (no redundant leading group, ranges) are checked after the match.
const TILE_PATH = /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;

/** Parses a path relative to the log's prefix (no leading slash); anything else is invalid_tile_path. */
export function parseTilePath(path: string): ParsedTilePath {
  const m = TILE_PATH.exec(path);
  if (m === null) invalid(path, 'not a tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>] path');
  const levelText = m[1]!;
  const indexText = m[2]!;
  const widthText = m[3];
  if (indexText.startsWith('x000')) invalid(path, 'tile index has a redundant leading zero group');
  const index = Number(indexText.replace(/[x/]/g, ''));
  if (!Number.isSafeInteger(index)) invalid(path, 'tile index is too large');
  let width = TILE_WIDTH;
  if (widthText !== undefined) {
    width = Number(widthText);
    if (width >= TILE_WIDTH) invalid(path, `partial tile width must be 1..${TILE_WIDTH - 1}`);
  }
  if (levelText === 'entries') return { kind: 'entries', index, width };
  const level = Number(levelText);
  if (level > MAX_TILE_LEVEL) invalid(path, `tile level must be 0..${MAX_TILE_LEVEL}`);
  return { kind: 'hash', level, index, width };
}

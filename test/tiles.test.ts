// C2SP tlog-tiles: paths (log/tile-path.ts), entry bundles (log/bundle.ts) and the tile math and
// TileEdge of log/tile.ts, checked against real and generated tiled logs on disk.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeBundle, encodeBundle, MAX_ENTRY_SIZE } from '../log/bundle.js';
import { fromBase64, fromUtf8, toHex, utf8 } from '../log/bytes.js';
import { nobleCrypto } from '../log/crypto.js';
import { DiptychError, statusOf } from '../log/errors.js';
import { createNodeCrypto } from '../log/node-crypto.js';
import {
  changedTiles,
  TILE_WIDTH,
  TileEdge,
  tileHashReader,
  tilesForSize,
  tileWidthAt,
  type Tile,
  type TileSource,
} from '../log/tile.js';
import { encodeTileIndex, entriesPath, parseTilePath, tilePath, type ParsedTilePath } from '../log/tile-path.js';
import { memoryHashReader, merkleHasher, treeHash, type Hash, type MerkleHasher } from '../log/tree.js';
import { loadVector, vectorPath } from './support/vectors.js';
import { thrown } from './support/assert-code.js';
import { prng } from './support/prng.js';
import { levelsOf } from './support/reference-tree.js';

const crypto = createNodeCrypto();
const node = merkleHasher(crypto);
const noble = merkleHasher(nobleCrypto);

type TileWithBytes = Tile & { bytes: Uint8Array };



const pathsOf = (tiles: readonly Tile[]): string[] => tiles.map((t) => tilePath(t));
const sorted = (xs: Iterable<string>): string[] => [...xs].sort();


/** Reference tile contents: the hashes at tree level 8·level, straight from the levels. */
function referenceTile(levels: Hash[][], tile: Tile): Uint8Array {
  const row = levels[8 * tile.level]!.slice(tile.index * TILE_WIDTH, tile.index * TILE_WIDTH + tile.width);
  assert.is(row.length, tile.width, `reference for ${tilePath(tile)}`);
  const out = new Uint8Array(row.length * 32);
  row.forEach((hash, i) => out.set(hash, i * 32));
  return out;
}

/** A TileSource over tiles stored by path, serving each tile at its width for `size`. */
function sourceAt(size: number, read: (path: string) => Uint8Array | undefined): TileSource {
  return async (level, index) => {
    const width = tileWidthAt(size, level, index);
    return width === 0 ? undefined : read(tilePath({ level, index, width }));
  };
}

/** Appends in one call; checks the returned tiles are exactly changedTiles and correct. */
function appendChecked(edge: TileEdge, leafHashes: readonly Hash[], levels: Hash[][]): TileWithBytes[] {
  const before = edge.treeSize;
  const tiles = edge.append(leafHashes);
  assert.is(edge.treeSize, before + leafHashes.length);
  assert.equal(sorted(pathsOf(tiles)), sorted(pathsOf(changedTiles(before, edge.treeSize))), `append ${before}->${edge.treeSize}`);
  for (const t of tiles) assert.equal(t.bytes, referenceTile(levels, t), tilePath(t));
  return tiles;
}

// ------------------------------------------------------------------ paths

const paths = suite('tiles: C2SP paths');

interface PathVector { level: number; index: number; width: number; path: string; xmodPath: string }

paths('tile-paths.json: all 324 paths encode, parse back, and their x/mod forms are rejected', () => {
  const file = loadVector<{ paths: PathVector[]; xmodParseTilePath: Array<{ path: string; xmodParses: boolean }> }>('merkle/tile-paths.json');
  assert.is(file.paths.length, 324);
  for (const v of file.paths) {
    const encoded = v.level === -1 ? entriesPath(v.index, v.width) : tilePath({ level: v.level, index: v.index, width: v.width });
    assert.is(encoded, v.path);
    const want: ParsedTilePath =
      v.level === -1 ? { kind: 'entries', index: v.index, width: v.width } : { kind: 'hash', level: v.level, index: v.index, width: v.width };
    assert.equal(parseTilePath(v.path), want, v.path);
    assert.is(thrown(() => parseTilePath(v.xmodPath)).code, 'invalid_tile_path', v.xmodPath);
  }
  assert.is(file.xmodParseTilePath.length, 8);
  for (const v of file.xmodParseTilePath) {
    let ours = true;
    try {
      parseTilePath(v.path);
    } catch {
      ours = false;
    }
    assert.is(ours, !v.xmodParses, `${v.path} is valid in exactly one of C2SP and x/mod 0.7.0`);
  }
});

paths('index encoding: 3-digit groups, x on all but the last', () => {
  const cases: Array<[number, string]> = [
    [0, '000'],
    [5, '005'],
    [999, '999'],
    [1000, 'x001/000'],
    [1234067, 'x001/x234/067'],
    [1000000000, 'x001/x000/x000/000'],
    [Number.MAX_SAFE_INTEGER, 'x009/x007/x199/x254/x740/991'],
  ];
  for (const [index, text] of cases) assert.is(encodeTileIndex(index), text);
  assert.is(tilePath({ level: 63, index: 1, width: 255 }), 'tile/63/001.p/255');
  assert.is(entriesPath(1000, 256), 'tile/entries/x001/000');
});

paths('non-canonical or malformed paths are invalid_tile_path', () => {
  const bad = [
    '', 'tile', 'tile/', 'tile/0', 'tile/0/', '/tile/0/000', 'tile/0/000/', 'tile//000', 'tile/0//000',
    'tile/0/1', 'tile/0/01', 'tile/0/0001', 'tile/00/000', 'tile/01/000', 'tile/-1/000', 'tile/64/000', 'tile/100/000',
    'tile/0/000.p/0', 'tile/0/000.p/256', 'tile/0/000.p/01', 'tile/0/000.p/', 'tile/0/000.p', 'tile/0/000.p/1/',
    'tile/0/000.p/+1', 'tile/0/000.P/1', 'tile/0/000.p/1.p/2', 'tile/0/000.p/1000',
    'tile/0/x000/001', 'tile/0/x000/000', 'tile/0/x001', 'tile/0/x001/', 'tile/0/1234/067', 'tile/0/x1234/067',
    'tile/0/x01/000', 'tile/0/X001/000', 'tile/0/001/002', 'tile/0/00a', 'tile/0/ 000', 'tile/0/000 ', 'tile/0/000\n',
    'tile/0/../000', 'tile/../0/000', 'tile/0/./000', 'tile/data/000', 'tile/entry/000', 'tile/Entries/000',
    'TILE/0/000', 'tile\\0\\000', 'tile/0/000?x', 'tile/0/000#x', 'tile/8/0/000', 'tile/8/data/000',
    'tile/0/x009/x007/x199/x254/x740/992', 'tile/0/x999/x999/x999/x999/x999/x999/999', 'tile/entries/000.p/256',
    'tile/0/\u0660\u0660\u0660', 'tile/\u0661/000',
  ];
  for (const p of bad) {
    const e = thrown(() => parseTilePath(p));
    assert.is(e.code, 'invalid_tile_path', JSON.stringify(p));
  }
  assert.is(statusOf('invalid_tile_path'), 400);
  // The largest safe index still parses.
  assert.equal(parseTilePath('tile/0/x009/x007/x199/x254/x740/991'), { kind: 'hash', level: 0, index: Number.MAX_SAFE_INTEGER, width: 256 });
});

paths('random tiles round-trip: parse(encode(t)) = t and encode(parse(p)) = p', () => {
  const rand = prng(7);
  for (let k = 0; k < 5000; k++) {
    const digits = 1 + Math.floor(rand() * 16);
    const index = Math.min(Number.MAX_SAFE_INTEGER, Math.floor(rand() * 10 ** digits));
    const width = rand() < 0.3 ? 256 : 1 + Math.floor(rand() * 255);
    const level = Math.floor(rand() * 64);
    const hp = tilePath({ level, index, width });
    assert.equal(parseTilePath(hp), { kind: 'hash', level, index, width });
    const ep = entriesPath(index, width);
    assert.equal(parseTilePath(ep), { kind: 'entries', index, width });
    const back = parseTilePath(hp);
    assert.is(back.kind === 'hash' ? tilePath(back) : '', hp);
  }
});

paths('encoding refuses tiles that cannot exist', () => {
  for (const t of [
    { level: 0, index: 0, width: 0 },
    { level: 0, index: 0, width: 257 },
    { level: 0, index: -1, width: 1 },
    { level: 0, index: 1.5, width: 1 },
    { level: 64, index: 0, width: 1 },
    { level: -1, index: 0, width: 1 },
    { level: 0, index: 2 ** 53, width: 1 },
  ]) {
    assert.is(thrown(() => tilePath(t)).code, 'invalid_tile_path', JSON.stringify(t));
  }
  assert.is(thrown(() => entriesPath(0, 0)).code, 'invalid_tile_path');
});

paths.run();

// ------------------------------------------------------------------ bundles

const bundles = suite('tiles: entry bundles');

bundles('uint16 big-endian length + bytes, round trip', () => {
  assert.is(toHex(encodeBundle([utf8('one'), utf8('two')])), '00036f6e65000374776f');
  assert.equal(encodeBundle([]), new Uint8Array(0));
  assert.equal(decodeBundle(new Uint8Array(0)), []);
  const big = new Uint8Array(MAX_ENTRY_SIZE).fill(7);
  const encoded = encodeBundle([utf8('a'), big, utf8('b')]);
  assert.is(toHex(encoded.subarray(3, 5)), 'ffff');
  const decoded = decodeBundle(encoded, 3);
  assert.equal(decoded, [utf8('a'), big, utf8('b')]);
  // A zero-length entry is well framed (other logs may have them) even though we never write one.
  assert.equal(decodeBundle(Uint8Array.of(0, 0, 0, 1, 9)), [new Uint8Array(0), Uint8Array.of(9)]);
});

bundles('entries outside 1..65535 bytes are entry_too_large (413)', () => {
  for (const size of [0, MAX_ENTRY_SIZE + 1, 100_000]) {
    const e = thrown(() => encodeBundle([utf8('ok'), new Uint8Array(size)]));
    assert.is(e.code, 'entry_too_large');
    assert.match(e.message, /entry 1 /);
  }
  assert.is(statusOf('entry_too_large'), 413);
});

bundles('every truncation is malformed_bundle (400); prefixes at entry boundaries decode to fewer entries', () => {
  const entries = [utf8('first'), utf8('x'), new Uint8Array(300).fill(1), utf8('last entry')];
  const encoded = encodeBundle(entries);
  const boundaries = new Map<number, number>();
  let at = 0;
  entries.forEach((e, i) => {
    boundaries.set(at, i);
    at += 2 + e.length;
  });
  boundaries.set(at, entries.length);
  for (let cut = 0; cut <= encoded.length; cut++) {
    const prefix = encoded.subarray(0, cut);
    const count = boundaries.get(cut);
    if (count === undefined) {
      assert.is(thrown(() => decodeBundle(prefix)).code, 'malformed_bundle', `cut at ${cut}`);
    } else {
      assert.equal(decodeBundle(prefix), entries.slice(0, count));
      if (count !== entries.length) assert.is(thrown(() => decodeBundle(prefix, entries.length)).code, 'malformed_bundle');
    }
  }
  assert.is(thrown(() => decodeBundle(Uint8Array.of(0xff, 0xff, 1))).code, 'malformed_bundle');
  assert.is(statusOf('malformed_bundle'), 400);
});

bundles.run();

// ------------------------------------------------------------------ tile math

const math = suite('tiles: which tiles exist and change');

/** Paths in tilesForSize(newSize) but not tilesForSize(oldSize), in tilesForSize order. */
function newTilePaths(oldSize: number, newSize: number): string[] {
  const had = new Set(pathsOf(tilesForSize(oldSize)));
  return pathsOf(tilesForSize(newSize)).filter((p) => !had.has(p));
}

math('xmod-0.7.0-differences.json: we list only the new tiles, unlike x/mod 0.7.0 NewTiles', async () => {
  interface Differences {
    emptyTreeRoot: { expected: string; xmod070TreeHash0: string };
    newTiles: { cases: Array<{ old: number; new: number; expected: string[]; xmodNewTiles: string[] }> };
  }
  const file = loadVector<Differences>('merkle/xmod-0.7.0-differences.json');
  // RFC 6962 side: MTH({}) = SHA-256(""), not x/mod 0.7.0's 32 zero bytes.
  assert.is(toHex(await treeHash(node, 0, memoryHashReader(node, []))), file.emptyTreeRoot.expected);
  assert.is.not(file.emptyTreeRoot.expected, file.emptyTreeRoot.xmod070TreeHash0);
  assert.is(file.newTiles.cases.length, 9);
  let overListed = 0;
  for (const c of file.newTiles.cases) {
    assert.equal(pathsOf(changedTiles(c.old, c.new)), c.expected, `${c.old}->${c.new}`);
    assert.equal(newTilePaths(c.old, c.new), c.expected);
    // x/mod's paths are the old format: none of them is a path we serve.
    for (const p of c.xmodNewTiles) assert.throws(() => parseTilePath(p));
    // Converted to today's paths, x/mod's list does cover what is needed.
    const converted = new Set(c.xmodNewTiles.map((p) => p.replace(/^tile\/8\/(data|[0-9]+)\//, (_, l: string) => `tile/${l === 'data' ? 'entries' : l}/`)));
    for (const p of c.expected) assert.ok(converted.has(p), `${c.old}->${c.new}: x/mod lists ${p}`);
    if (c.xmodNewTiles.length > c.expected.length) overListed++;
  }
  assert.is(overListed, 5); // 0->255, 0->300, 256->300, 300->301, 0->1000
});

math('changedTiles(old, new) = tilesForSize(new) minus tilesForSize(old), for many pairs', () => {
  let pairs = 0;
  for (let n = 0; n <= 260; n++) {
    for (let m = 0; m <= n; m++) {
      assert.equal(pathsOf(changedTiles(m, n)), newTilePaths(m, n), `${m}->${n}`);
      pairs++;
    }
  }
  const rand = prng(99);
  const special = [65535, 65536, 65537, 131071, 131072, 16777215, 16777216, 16777217];
  for (let k = 0; k < 500; k++) {
    const n = k < special.length ? special[k]! : Math.floor(rand() * 300_000);
    const m = k % 3 === 0 ? Math.max(0, n - Math.floor(rand() * 600)) : Math.floor(rand() * (n + 1));
    if (n > 300_000) {
      // Too many tiles to list: check that each changed tile has its width at the new size.
      const changed = changedTiles(m, n);
      assert.ok(changed.every((t) => tileWidthAt(n, t.level, t.index) === t.width));
      continue;
    }
    assert.equal(pathsOf(changedTiles(m, n)), newTilePaths(m, n), `${m}->${n}`);
    pairs++;
  }
  assert.ok(pairs > 34_000);
});

math('tilesForSize lists full tiles then the partial one, level by level, with widths from tileWidthAt', () => {
  assert.equal(tilesForSize(0), []);
  assert.equal(pathsOf(tilesForSize(65537)).slice(-4), ['tile/0/255', 'tile/0/256.p/1', 'tile/1/000', 'tile/2/000.p/1']);
  for (const size of [1, 255, 256, 257, 1000, 65536, 70000]) {
    for (const t of tilesForSize(size)) assert.is(tileWidthAt(size, t.level, t.index), t.width);
  }
});

math.run();

// ------------------------------------------------------------------ tiled logs on disk

const logs = suite('tiles: real and generated tiled logs');

interface TilesLog {
  directory: string;
  origin: string;
  entries: { values?: string[]; pattern?: string; count?: number };
  entryBundlesPresent?: boolean;
  checkpoints: Array<{ path: string; size: string; rootHex: string }>;
  files: Array<{ path: string; type: string; width?: number; bytes: number; sha256: string }>;
}

/** Raw bytes of a file under shared/vectors, undefined if absent (a missing tile). */
function readVectorBytes(rel: string): Uint8Array | undefined {
  const path = vectorPath(rel);
  if (!existsSync(path)) return undefined;
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

for (const name of ['tessera-testdata-log', 'sunlight-mirror', 'generated-1000']) {
  logs(`${name}: tiles and bundles rebuilt byte for byte; roots from the tiles on disk`, async () => {
    const log = loadVector<TilesLog>(`tiles/${name}.json`);
    const dir = `tiles/${log.directory}`;
    const read = (p: string) => readVectorBytes(`${dir}/${p}`);
    const entries = log.entries.values
      ? log.entries.values.map(utf8)
      : Array.from({ length: log.entries.count! }, (_, i) => utf8(log.entries.pattern!.replace('{i}', String(i))));
    const leafHashes = entries.map((e) => node.leaf(e));
    const levels = levelsOf(node, leafHashes);
    const sizes = [...new Set(log.checkpoints.map((c) => Number(c.size)))].sort((a, b) => a - b);
    const withBundles = log.entryBundlesPresent !== false;

    // Grow the log checkpoint by checkpoint, as the sequencer would, keeping every resource written.
    const rebuilt = new Map<string, Uint8Array>();
    const edge = TileEdge.empty(node);
    for (const size of sizes) {
      const before = edge.treeSize;
      for (const t of appendChecked(edge, leafHashes.slice(before, size), levels)) rebuilt.set(tilePath(t), t.bytes);
      for (const t of changedTiles(before, size).filter((t) => t.level === 0)) {
        const slice = entries.slice(t.index * TILE_WIDTH, t.index * TILE_WIDTH + t.width);
        if (withBundles) rebuilt.set(entriesPath(t.index, t.width), encodeBundle(slice));
      }
    }

    const onDisk = walk(vectorPath(dir)).map((p) => relative(vectorPath(dir), p).split('\\').join('/'));
    const resources = onDisk.filter((p) => p.startsWith('tile/'));
    assert.equal(sorted(resources), sorted(rebuilt.keys()), 'the directory holds exactly the rebuilt resources');
    const needed = new Set(sizes.flatMap((s) => pathsOf(tilesForSize(s))));
    if (withBundles) for (const s of sizes) for (const t of tilesForSize(s).filter((t) => t.level === 0)) needed.add(entriesPath(t.index, t.width));
    assert.equal(sorted(needed), sorted(rebuilt.keys()), 'the union of tilesForSize over the checkpoints');
    for (const [path, bytes] of rebuilt) {
      assert.equal(read(path), bytes, path);
      const parsed = parseTilePath(path);
      if (parsed.kind === 'entries') {
        const slice = entries.slice(parsed.index * TILE_WIDTH, parsed.index * TILE_WIDTH + parsed.width);
        assert.equal(decodeBundle(read(path)!, parsed.width), slice);
      }
    }
    for (const f of log.files) assert.is(toHex(crypto.sha256(read(f.path)!)), f.sha256, f.path);

    for (const c of log.checkpoints) {
      const size = Number(c.size);
      const lines = fromUtf8(read(c.path)!).split('\n');
      assert.equal([lines[0], lines[1], toHex(fromBase64(lines[2]!))], [log.origin, c.size, c.rootHex], c.path);
      for (const p of pathsOf(tilesForSize(size))) assert.ok(read(p), `${c.path} needs ${p}`);
      const fromDisk = tileHashReader(node, sourceAt(size, read));
      assert.is(toHex(await treeHash(node, size, fromDisk)), c.rootHex, `${c.path} root from the tiles alone`);
      assert.is(toHex(await treeHash(noble, size, tileHashReader(noble, sourceAt(size, read)))), c.rootHex);
    }
  });
}

logs('TileEdge.load from the tiles on disk continues each log identically', async () => {
  const log = loadVector<TilesLog>('tiles/generated-1000.json');
  const leafHashes = Array.from({ length: 1000 }, (_, i) => node.leaf(utf8(`leaf-${i}`)));
  const levels = levelsOf(node, leafHashes);
  const read = (p: string) => readVectorBytes(`tiles/${log.directory}/${p}`);
  for (const c of log.checkpoints) {
    const size = Number(c.size);
    const edge = await TileEdge.load(node, size, sourceAt(size, read));
    assert.is(edge.treeSize, size);
    appendChecked(edge, leafHashes.slice(size), levels);
  }
});

logs.run();

// ------------------------------------------------------------------ leaf-strings tile listings

const listings = suite('tiles: leaf-strings tile listings');

interface ListedTile { path: string; xmodPath: string; level: number; index: number; width: number; bytes: number; sha256: string; contentsHex?: string; entries?: number }

for (const n of [300, 1000, 70000]) {
  listings(`leaf-strings-${n}: exactly the tiles and bundles a size-${n} log serves, same digests`, async () => {
    const file = loadVector<{ tiles: { treeSize: number; tiles: ListedTile[]; entryBundles: ListedTile[] } }>(`merkle/leaf-strings-${n}.json`);
    assert.is(file.tiles.treeSize, n);
    const entries = Array.from({ length: n }, (_, i) => utf8(`leaf-${i}`));
    const edge = TileEdge.empty(node);
    const built = new Map(edge.append(entries.map((e) => node.leaf(e))).map((t) => [tilePath(t), t.bytes]));
    const expected = tilesForSize(n);
    assert.equal(file.tiles.tiles.map((t) => t.path), pathsOf(expected));
    assert.equal(sorted(built.keys()), sorted(pathsOf(expected)), 'one batch writes every tile of the size');
    const level0 = expected.filter((t) => t.level === 0);
    assert.equal(file.tiles.entryBundles.map((t) => t.path), level0.map((t) => entriesPath(t.index, t.width)));
    for (const t of file.tiles.tiles) {
      assert.equal(parseTilePath(t.path), { kind: 'hash', level: t.level, index: t.index, width: t.width });
      assert.throws(() => parseTilePath(t.xmodPath));
      const bytes = built.get(t.path)!;
      assert.is(bytes.length, t.bytes);
      assert.is(toHex(crypto.sha256(bytes)), t.sha256, t.path);
      if (t.contentsHex !== undefined) assert.is(toHex(bytes), t.contentsHex);
    }
    for (const b of file.tiles.entryBundles) {
      assert.equal(parseTilePath(b.path), { kind: 'entries', index: b.index, width: b.width });
      const bytes = encodeBundle(entries.slice(b.index * TILE_WIDTH, b.index * TILE_WIDTH + b.width));
      assert.is(bytes.length, b.bytes);
      assert.is(b.entries, b.width);
      assert.is(toHex(crypto.sha256(bytes)), b.sha256, b.path);
      if (b.contentsHex !== undefined) assert.is(toHex(bytes), b.contentsHex);
    }
    if (n === 300) assert.ok([...file.tiles.tiles, ...file.tiles.entryBundles].every((t) => t.contentsHex !== undefined));
  });
}

listings.run();

// ------------------------------------------------------------------ TileEdge

const edges = suite('tiles: TileEdge growth and reload');
const N = 66_000; // crosses into level-2 tiles at 65536

edges(`appending ${N} leaves in random batches = one at a time = the reference tiles`, () => {
  const leafHashes = Array.from({ length: N }, (_, i) => node.leaf(utf8(`e${i}`)));
  const levels = levelsOf(node, leafHashes);
  const single = new Map<string, Uint8Array>();
  const one = TileEdge.empty(node);
  for (const leaf of leafHashes) for (const t of one.append([leaf])) single.set(tilePath(t), t.bytes);
  for (const seed of [1, 2, 3]) {
    const rand = prng(seed);
    const batched = new Map<string, Uint8Array>();
    const edge = TileEdge.empty(node);
    while (edge.treeSize < N) {
      // Mostly small batches, some crossing several tiles at once.
      const max = rand() < 0.1 ? 3000 : 40;
      const k = Math.min(N - edge.treeSize, Math.floor(rand() * max));
      for (const t of appendChecked(edge, leafHashes.slice(edge.treeSize, edge.treeSize + k), levels)) batched.set(tilePath(t), t.bytes);
    }
    // One at a time also writes every intermediate partial tile; batches skip some of them.
    for (const [p, bytes] of batched) assert.equal(single.get(p), bytes, p);
    for (const p of pathsOf(tilesForSize(N))) assert.ok(batched.has(p), `seed ${seed}: ${p}`);
    assert.ok(batched.size < single.size);
  }
  assert.ok(single.has('tile/2/000.p/1'));
});

edges('TileEdge.load at any size from stored tiles continues identically; clone is independent', async () => {
  const n = 70_000;
  const leafHashes = Array.from({ length: n }, (_, i) => node.leaf(utf8(`e${i}`)));
  const levels = levelsOf(node, leafHashes);
  const store = new Map<string, Uint8Array>();
  const edge = TileEdge.empty(node);
  for (let at = 0; at < n; at += 1000) for (const t of edge.append(leafHashes.slice(at, at + 1000))) store.set(tilePath(t), t.bytes);
  // Every tile of every size is a prefix of the widest tile with its index; serve it from there.
  const widest = (level: number, index: number) => store.get(tilePath({ level, index, width: tileWidthAt(n, level, index) }));
  const prefixSource = (size: number): TileSource => async (level, index) => {
    const width = tileWidthAt(size, level, index);
    return width === 0 ? undefined : widest(level, index)?.slice(0, width * 32);
  };
  const rand = prng(5);
  const sizes = [0, 1, 2, 255, 256, 257, 511, 512, 65535, 65536, 65537, 69999];
  for (let k = 0; k < 40; k++) sizes.push(Math.floor(rand() * n));
  for (const size of sizes) {
    const loaded = await TileEdge.load(node, size, prefixSource(size));
    assert.is(loaded.treeSize, size);
    const width0 = size % TILE_WIDTH;
    const partial0 = width0 === 0 ? undefined : referenceTile(levels, { level: 0, index: Math.floor(size / TILE_WIDTH), width: width0 });
    assert.equal(loaded.partial(0), partial0);
    const copy = loaded.clone();
    appendChecked(copy, leafHashes.slice(size, Math.min(n, size + 700)), levels);
    assert.is(loaded.treeSize, size, 'the clone grew, not the original');
    appendChecked(loaded, leafHashes.slice(size, Math.min(n, size + 300)), levels);
  }
});

edges('TileEdge.load and tileHashReader report a missing tile as state_inconsistent', async () => {
  const none: TileSource = async () => undefined;
  const e = await TileEdge.load(node, 300, none).then(
    () => assert.unreachable('load should fail'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof DiptychError && e.code === 'state_inconsistent');
  const r = await treeHash(node, 300, tileHashReader(node, none)).then(
    () => assert.unreachable('treeHash should fail'),
    (err: unknown) => err,
  );
  assert.ok(r instanceof DiptychError && r.code === 'state_inconsistent');
  assert.equal(await TileEdge.load(node, 0, none).then((x) => x.treeSize), 0);
});

edges('tileHashReader = memoryHashReader for every complete subtree of a 1000-leaf tree', async () => {
  for (const h of [node, noble]) {
    const leafHashes = Array.from({ length: 1000 }, (_, i) => h.leaf(utf8(`leaf-${i}`)));
    const store = new Map(TileEdge.empty(h).append(leafHashes).map((t) => [tilePath(t), t.bytes]));
    const tiles = tileHashReader(h, sourceAt(1000, (p) => store.get(p)));
    const memory = memoryHashReader(h, leafHashes);
    const subtrees = [];
    for (let level = 0; 2 ** level <= 1000; level++) {
      for (let index = 0; (index + 1) * 2 ** level <= 1000; index++) subtrees.push({ level, index });
    }
    assert.is(subtrees.length, 1994);
    const a = await tiles.readHashes(subtrees);
    const b = await memory.readHashes(subtrees);
    assert.equal(a.map(toHex), b.map(toHex));
    // And every subtree one by one (a reader must answer each call on its own too).
    for (let i = 0; i < subtrees.length; i += 37) assert.equal(await tiles.readHashes([subtrees[i]!]), [b[i]!]);
  }
});

edges.run();

// The verification library (log/verify-lib.ts) must run in a browser: walking the compiled
// module graph from it, no file may import a Node built-in (node:… or a bare built-in name) or
// a package outside the browser-safe ones, nor use Node's globals. Then the library is used the
// way docs/verification.md shows, with its default @noble crypto and with node:crypto swapped in.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as lib from '../log/verify-lib.js';
import { createNodeCrypto } from '../log/node-crypto.js';
import { proofBundle } from '../api/proof-bundle.js';
import { keysEntry, newSignerKey, postEntry, serveTestLog } from './support/log-fixture.js';

// Pure JavaScript packages with no Node-only imports of their own.
const BROWSER_SAFE_PACKAGES = [/^@noble\/(hashes|curves)\//, /^canonicalize$/];
const IMPORT = /(?:^|[;\s])(?:import|export)\s*(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
// Node's globals; a comment mentioning them is fine, so comments are stripped first.
const NODE_GLOBALS = /\b(Buffer|process|require|__dirname|__filename)\b/;

const LIB = resolve(dirname(fileURLToPath(import.meta.url)), '../log/verify-lib.js');

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** Every file reachable from `entry` by relative imports, and every bare specifier met. */
function walk(entry: string): { files: string[]; bare: Map<string, string> } {
  const files: string[] = [];
  const bare = new Map<string, string>(); // specifier → first importer
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.includes(file)) continue;
    files.push(file);
    const source = stripComments(readFileSync(file, 'utf8'));
    for (const m of source.matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('.')) pending.push(resolve(dirname(file), spec));
      else if (!bare.has(spec)) bare.set(spec, file);
    }
  }
  return { files, bare };
}

const test = suite('verify-lib');

test('the library imports nothing Node-only, transitively', () => {
  const { files, bare } = walk(LIB);
  assert.ok(files.length > 10, `walked ${files.length} files`);
  for (const [spec, importer] of bare) {
    const builtin = spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!);
    assert.not.ok(builtin, `${importer} imports the Node built-in ${spec}`);
    assert.ok(BROWSER_SAFE_PACKAGES.some((p) => p.test(spec)), `${importer} imports ${spec}, not a known browser-safe package`);
  }
  for (const file of files) {
    const hit = NODE_GLOBALS.exec(stripComments(readFileSync(file, 'utf8')));
    assert.is(hit, null, `${file} uses the Node global ${hit?.[1]}`);
  }
});

test('the walker does find Node imports (it is not vacuous)', () => {
  const { bare } = walk(resolve(dirname(LIB), 'node-crypto.js'));
  assert.ok(bare.has('node:crypto'));
});

test('a bundle from a real log verifies with the library, with @noble and with node:crypto', async () => {
  const log = await serveTestLog();
  try {
    await postEntry(log.url, keysEntry(newSignerKey('lib@example.org'), 'verify-lib'));
    const bundle = JSON.parse(JSON.stringify(await proofBundle(log.log, [0]))) as unknown;
    const trust = { logKey: log.log.key.verifierKey };
    for (const crypto of [lib.nobleCrypto, createNodeCrypto()]) {
      const verified = lib.verifyProofBundle(bundle, trust, crypto);
      assert.is(verified.entries[0]!.envelope.envelope.payloadType, 'application/vnd.diptych.keys+json');
      assert.is(verified.checkpoint.size, 1);
    }
  } finally {
    await log.close();
  }
});

test.run();

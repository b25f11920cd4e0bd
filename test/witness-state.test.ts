// The witness state's in-memory cache must never hide a write: reads racing writes, reads after
// writes, and a reopened state all see what was last written durably.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LevelWitnessState } from '../witness/state.js';

test('reads see the last write, racing or not, and after reopening', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'diptych-wstate-'));
  try {
    let state = await LevelWitnessState.open(dir);
    assert.is(await state.etag('https://index.example/a'), undefined, 'absent first (and cached as absent)');
    await state.putEtag('https://index.example/a', '"one"');
    assert.is(await state.etag('https://index.example/a'), '"one"', 'the write replaces the cached absence');
    for (let i = 0; i < 50; i++) {
      // A read started while a write is in flight must not cache the older value.
      const [, during] = await Promise.all([state.putEtag('https://index.example/a', `"v${i}"`), state.etag('https://index.example/a')]);
      assert.ok(during === `"v${i}"` || during === (i === 0 ? '"one"' : `"v${i - 1}"`), `read during write ${i}: ${during}`);
      assert.is(await state.etag('https://index.example/a'), `"v${i}"`, `read after write ${i}`);
    }
    await state.putObservedVersions('series', ['1.0', '1.1']);
    await state.close();
    state = await LevelWitnessState.open(dir);
    assert.is(await state.etag('https://index.example/a'), '"v49"');
    assert.equal(await state.observedVersions('series'), ['1.0', '1.1']);
    await state.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();

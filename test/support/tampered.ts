// Tampered data directories: each change to one stored record must make `diptych serve` refuse
// to start, exiting 1 before it listens, with one line naming state_inconsistent. Used by the
// crash and fault tests.
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { ChildExitedError, startChildServer } from './child-server.js';

/** A label and a change to the LevelDB directory; it returns the keys it changed. */
export type Tamper = [label: string, tamper: (db: string) => Promise<string[]>];

/**
 * Copies `pristine` into `base` once untouched (it must start, with `size` entries: the
 * failures then come from the changes alone) and once per tamper, each of which must change
 * exactly one stored value and make the server refuse to start.
 */
export async function assertEachTamperRefused(base: string, pristine: string, size: number, cases: readonly Tamper[]): Promise<void> {
  const control = join(base, 'control');
  await cp(pristine, control, { recursive: true });
  const ok = await startChildServer({ dataDir: control });
  assert.is(ok.info.size, size, 'the untouched copy starts');
  await ok.stop('SIGTERM');
  for (const [label, tamper] of cases) {
    const dir = join(base, label.replace(/\W+/g, '-'));
    await cp(pristine, dir, { recursive: true });
    assert.is((await tamper(join(dir, 'db'))).length, 1, `${label}: one stored value changed`);
    let failure: unknown;
    try {
      const started = await startChildServer({ dataDir: dir });
      await started.stop('SIGKILL');
    } catch (e) {
      failure = e;
    }
    if (!(failure instanceof ChildExitedError)) {
      assert.unreachable(`${label}: the server started anyway (${String(failure)})`);
      return;
    }
    assert.is(failure.exit.code, 1, `${label}: exit code`);
    assert.is(failure.stdout, '', `${label}: nothing on stdout (it never listened)`);
    const lines = failure.stderr.split('\n').filter((l) => l !== '');
    assert.is(lines.length, 1, `${label}: one line: ${failure.stderr}`);
    assert.match(lines[0]!, /state_inconsistent/, label);
    assert.not.match(lines[0]!, /listening|\bat /, label);
  }
}

// uvu/assert has no `rejects`: these await a promise that must fail with a DiptychError of a
// given code, and hand the error back so a test can look further at it.
import * as assert from 'uvu/assert';
import { DiptychError } from '../../log/errors.js';

export async function expectCode(promise: Promise<unknown>, code: string, label = ''): Promise<DiptychError> {
  let value: unknown;
  try {
    value = await promise;
  } catch (e) {
    if (!(e instanceof DiptychError)) {
      assert.unreachable(`${label}: expected DiptychError(${code}), got ${String(e)}`);
      throw e;
    }
    assert.is(e.code, code, `${label}: expected ${code}, got ${e.code} (${e.message})`);
    return e;
  }
  assert.unreachable(`${label}: expected DiptychError(${code}), resolved with ${JSON.stringify(value)?.slice(0, 200)}`);
  throw new Error('unreachable');
}

/** The DiptychError code a promise rejects with, or 'ok'. Other errors propagate. */
export async function settledCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (e) {
    if (e instanceof DiptychError) return e.code;
    throw e;
  }
}

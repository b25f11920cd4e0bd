// Asserts that a function throws a DiptychError with a given code, and returns the error.
import * as assert from 'uvu/assert';
import { DiptychError } from '../../log/errors.js';

export function assertCode(fn: () => unknown, code: string, label = ''): DiptychError {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof DiptychError)) throw e;
    assert.is(e.code, code, `${label}: expected ${code}, got ${e.code} (${e.message})`);
    return e;
  }
  assert.unreachable(`${label}: expected DiptychError(${code}), nothing was thrown`);
  throw new Error('unreachable');
}

/** Runs fn and returns the DiptychError code it throws, or 'ok'. Other errors propagate. */
export function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof DiptychError) return e.code;
    throw e;
  }
}

/** The DiptychError a call throws; fails the test if it returns. */
export function thrown(fn: () => unknown): DiptychError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DiptychError) return e;
    throw e;
  }
  assert.unreachable('expected a DiptychError');
  throw new Error('unreachable');
}

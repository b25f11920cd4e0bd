// Shared settings of the property/fuzz suite (test/fuzz/): how many cases each property runs,
// the one "typed error only" check, and a tally of cases for docs/robustness.md.
//
// `npm test` runs each property a bounded number of times (its `base`); `npm run fuzz` sets
// FUZZ_RUNS (default there 20000) and every property runs that many cases instead. FUZZ_SEED
// replays a failing run (fast-check prints the seed and path of a counterexample).
// FUZZ_REPORT=<file> appends one JSON line per property: {property, runs}.
import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { DiptychError, ERROR_STATUS } from '../../log/errors.js';

const envRuns = Number(process.env['FUZZ_RUNS'] ?? '');
/** Cases per property when FUZZ_RUNS is set (the long run), else undefined. */
export const FUZZ_RUNS: number | undefined = Number.isSafeInteger(envRuns) && envRuns > 0 ? envRuns : undefined;
const envSeed = Number(process.env['FUZZ_SEED'] ?? '');
const SEED: number | undefined = Number.isSafeInteger(envSeed) && process.env['FUZZ_SEED'] !== undefined ? envSeed : undefined;

/** The number of cases a property runs: `base` in npm test, FUZZ_RUNS in the long run. */
export function runs(base: number): number {
  return FUZZ_RUNS ?? base;
}

function record(name: string, numRuns: number): void {
  const file = process.env['FUZZ_REPORT'];
  if (file) appendFileSync(file, JSON.stringify({ property: name, runs: numRuns }) + '\n');
}

/** fc.assert with the suite's run count, recorded under `name`. */
export function check<T>(name: string, arbitrary: fc.Arbitrary<T>, predicate: (value: T) => boolean | void, base = 300): void {
  const numRuns = runs(base);
  fc.assert(fc.property(arbitrary, predicate), { numRuns, ...(SEED !== undefined ? { seed: SEED } : {}) });
  record(name, numRuns);
}

/** The async form of `check`, for properties that talk to a server. */
export async function checkAsync<T>(name: string, arbitrary: fc.Arbitrary<T>, predicate: (value: T) => Promise<boolean | void>, base = 100): Promise<void> {
  const numRuns = runs(base);
  await fc.assert(fc.asyncProperty(arbitrary, predicate), { numRuns, ...(SEED !== undefined ? { seed: SEED } : {}) });
  record(name, numRuns);
}

/** Codes a parser may throw: those of the one table in log/errors.ts. */
const KNOWN_CODES: readonly string[] = Object.keys(ERROR_STATUS);

export class UntypedError extends Error {
  constructor(readonly original: unknown) {
    super(`not a typed DiptychError with a known code: ${original instanceof Error ? `${original.name}: ${original.message}` : String(original)}`);
  }
}

/**
 * Runs fn; returns 'ok' and its value, or the code of the DiptychError it threw. Anything
 * else thrown (a TypeError, a RangeError, a DiptychError with a code outside the table)
 * fails the property. With `only`, the code must be one of those instead (the CLI's lock-file
 * parsers have their own codes, which never reach HTTP).
 */
export function typed<T>(fn: () => T, only?: readonly string[]): { ok: true; code: 'ok'; value: T } | { ok: false; code: string } {
  try {
    return { ok: true, code: 'ok', value: fn() };
  } catch (e) {
    if (!(e instanceof DiptychError) || !(only ?? KNOWN_CODES).includes(e.code)) throw new UntypedError(e);
    return { ok: false, code: e.code };
  }
}

/** `typed` for a promise. */
export async function typedAsync<T>(promise: Promise<T>, only?: readonly string[]): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (e) {
    if (!(e instanceof DiptychError) || !(only ?? KNOWN_CODES).includes(e.code)) throw new UntypedError(e);
    return e.code;
  }
}

/** Bytes that are mostly printable ASCII and UTF-8, with some of everything else. */
export function looseBytes(maxLength = 300): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ maxLength }),
    fc.string({ maxLength, unit: 'binary' }).map((s) => new TextEncoder().encode(s)),
    fc.string({ maxLength }).map((s) => new TextEncoder().encode(s)),
  );
}

/** One random edit of a byte string: flip a bit, delete, insert or duplicate a byte. */
export function mutation(): fc.Arbitrary<{ kind: number; at: number; bit: number; byte: number }> {
  return fc.record({ kind: fc.integer({ min: 0, max: 3 }), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }), byte: fc.integer({ min: 0, max: 255 }) });
}

/** Applies a mutation; the result always differs from the input. */
export function mutate(bytes: Uint8Array, m: { kind: number; at: number; bit: number; byte: number }): Uint8Array {
  const at = bytes.length === 0 ? 0 : m.at % bytes.length;
  const out = Array.from(bytes);
  if (m.kind === 0 && out.length > 0) out[at] = out[at]! ^ (1 << m.bit);
  else if (m.kind === 2 && out.length > 0) out.splice(at, 1);
  else if (m.kind === 3) out.splice(at, 0, bytes[at] ?? m.byte);
  else out.splice(at, 0, m.byte);
  return Uint8Array.from(out);
}

export { fc };

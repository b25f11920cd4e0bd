// RFC 8785 JSON Canonicalization Scheme (JCS): the one serialisation of every JSON object
// diptych signs or logs. A thin, strict layer over the `canonicalize` package (by the RFC's
// author). Browser-safe.
//
// Policy, beyond RFC 8785 itself:
// * Only JSON values are accepted for serialisation: null, booleans, finite numbers,
//   well-formed strings, arrays and plain objects. Object properties whose value is
//   `undefined` are omitted (the usual meaning of an absent optional field); anything else
//   that JSON.stringify would silently drop or rewrite (undefined in arrays, functions,
//   symbols, bigints, Dates and other class instances, toJSON) is an error, so that what is
//   signed is exactly what the caller wrote.
// * parseCanonical accepts only the exact JCS bytes of a value. Duplicate names, whitespace,
//   escapes JCS would not use and number spellings such as 1.0 all differ from those bytes
//   and are rejected as non_canonical_json.
// * By default parseCanonical accepts only numbers that are safe integers (|n| < 2^53). Every
//   diptych payload number is a count, size, index or serial; floats are where JCS
//   implementations in other languages disagree with ECMAScript, so a log entry that holds
//   one could not be re-verified everywhere. `allowNonIntegers` lifts this for generic use.
// * Nesting deeper than MAX_DEPTH is rejected: canonicalize recurses, and a 64 KiB entry
//   could otherwise nest deep enough to exhaust the stack.
import canonicalize from 'canonicalize';
import { utf8 } from './bytes.js';
import { DiptychError } from './errors.js';

export const MAX_DEPTH = 64;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface CanonicalOptions {
  /** Accept any finite number instead of safe integers only (RFC 8785 in full). */
  allowNonIntegers?: boolean;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// ES2024's String.prototype.isWellFormed where the runtime has it (Node 20 does), the regex
// elsewhere.
const nativeWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed;

/** True when the string is well-formed UTF-16, i.e. has a UTF-8 encoding. */
export function isWellFormed(text: string): boolean {
  return nativeWellFormed !== undefined ? nativeWellFormed.call(text) : !LONE_SURROGATE.test(text);
}

// Decodes what must be the exact bytes of a JCS text; a BOM stays in the text, so that such
// bytes never compare equal to a serialisation.
const exactDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The JCS text of a JSON value. Throws DiptychError('invalid_json') outside the model. */
export function canonicalJson(value: unknown, options: CanonicalOptions = {}): string {
  const code = 'invalid_json';
  return jcsText(value, checkValue(value, 0, code, options.allowNonIntegers === true));
}

/** The UTF-8 bytes of the JCS text of a JSON value. */
export function canonicalBytes(value: unknown, options: CanonicalOptions = {}): Uint8Array {
  return utf8(canonicalJson(value, options));
}

/**
 * The JCS text of a checked value. JCS writes strings and numbers exactly as JSON.stringify
 * does (RFC 8785 §3.2.2) and differs only in property order; when every object's properties
 * are already in JCS order, JSON.stringify is the JCS text and several times faster than
 * sorting. Integer-like names are enumerated first in numeric order whatever order they were
 * written in, so objects holding them take the sorting path.
 */
function jcsText(value: unknown, inJcsOrder: boolean): string {
  const text = inJcsOrder ? JSON.stringify(value) : canonicalize(value);
  // Unreachable after checkValue, which rejects every input that has no JSON text.
  if (text === undefined) throw new DiptychError('invalid_json', 'value has no JSON form');
  return text;
}

/**
 * Parses bytes that must be exactly the JCS form of a JSON value. Bytes that are not UTF-8
 * JSON, or hold values outside the accepted model, throw DiptychError(code); valid
 * JSON in any other form throws DiptychError('non_canonical_json').
 */
export function parseCanonical(bytes: Uint8Array, code = 'invalid_json', options: CanonicalOptions = {}): JsonValue {
  let text: string;
  try {
    text = exactDecoder.decode(bytes);
  } catch {
    throw new DiptychError(code, 'not valid UTF-8');
  }
  // A BOM before valid JSON is JSON in another form than JCS, not malformed JSON.
  const bom = text.charCodeAt(0) === 0xfeff;
  let value: unknown;
  try {
    value = JSON.parse(bom ? text.slice(1) : text);
  } catch {
    throw new DiptychError(code, 'not valid JSON');
  }
  assertCanonicalText(value, text, code, options);
  return value as JsonValue;
}

/**
 * Checks that `bytes`, from which `value` was parsed, are exactly the JCS form of `value`:
 * for callers that parsed once to check structure first.
 */
export function assertCanonical(value: unknown, bytes: Uint8Array, code = 'invalid_json', options: CanonicalOptions = {}): void {
  let text: string;
  try {
    text = exactDecoder.decode(bytes);
  } catch {
    throw new DiptychError('non_canonical_json', 'JSON is not in RFC 8785 canonical form');
  }
  assertCanonicalText(value, text, code, options);
}

/** assertCanonical for callers that hold the decoded text (decoded without dropping a BOM). */
export function assertCanonicalText(value: unknown, text: string, code = 'invalid_json', options: CanonicalOptions = {}): void {
  const inJcsOrder = checkValue(value, 0, code, options.allowNonIntegers === true);
  if (jcsText(value, inJcsOrder) !== text) {
    throw new DiptychError('non_canonical_json', 'JSON is not in RFC 8785 canonical form');
  }
}

/** Throws unless value is in the accepted model; answers whether its objects' properties are in JCS order. */
function checkValue(value: unknown, depth: number, code: string, anyNumber: boolean): boolean {
  if (depth > MAX_DEPTH) throw new DiptychError(code, `JSON nested deeper than ${MAX_DEPTH}`);
  switch (typeof value) {
    case 'boolean':
      return true;
    case 'string':
      if (!isWellFormed(value)) throw new DiptychError(code, 'string holds a lone surrogate');
      return true;
    case 'number':
      checkNumber(value, code, anyNumber);
      return true;
    case 'object': {
      if (value === null) return true;
      if (!Array.isArray(value)) return checkObject(value, depth, code, anyNumber);
      let inOrder = true;
      for (const item of value) inOrder = checkValue(item, depth + 1, code, anyNumber) && inOrder;
      return inOrder;
    }
    default:
      throw new DiptychError(code, `${typeof value} is not a JSON value`);
  }
}

function checkNumber(value: number, code: string, anyNumber: boolean): void {
  if (!Number.isFinite(value)) throw new DiptychError(code, 'NaN and Infinity are not JSON numbers');
  if (!anyNumber && !Number.isSafeInteger(value)) {
    throw new DiptychError(code, 'numbers must be integers within ±(2^53-1)');
  }
}

function checkObject(value: object, depth: number, code: string, anyNumber: boolean): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new DiptychError(code, 'only plain objects are JSON objects');
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    throw new DiptychError(code, 'objects with toJSON are not serialised as written');
  }
  const record = value as Record<string, unknown>;
  let inOrder = true;
  let previous: string | undefined;
  for (const key of Object.keys(record)) {
    if (!isWellFormed(key)) throw new DiptychError(code, 'property name holds a lone surrogate');
    const item = record[key];
    // An omitted property is not serialised, so it does not count for the order either.
    if (item === undefined) continue;
    // JCS orders names by UTF-16 code units, which is what < compares.
    if (previous !== undefined && !(previous < key)) inOrder = false;
    previous = key;
    inOrder = checkValue(item, depth + 1, code, anyNumber) && inOrder;
  }
  return inOrder;
}

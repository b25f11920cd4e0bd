// Small shape checks shared by the payload parsers of project policies and release manifests.
// Browser-safe.
import { DiptychError } from './errors.js';
import type { JsonValue } from './jcs.js';

export type JsonObject = { readonly [key: string]: JsonValue };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object has every `required` field, only those and `optional` ones: invalid_payload. */
export function checkFields(value: unknown, what: string, required: readonly string[], optional: readonly string[] = []): JsonObject {
  if (!isObject(value)) throw new DiptychError('invalid_payload', `${what} must be a JSON object`);
  const missing = required.filter((k) => !Object.hasOwn(value, k));
  if (missing.length > 0) throw new DiptychError('invalid_payload', `${what} lacks ${missing.join(', ')}`);
  const extra = Object.keys(value).filter((k) => !required.includes(k) && !optional.includes(k));
  if (extra.length > 0) throw new DiptychError('invalid_payload', `${what} has unknown field(s) ${extra.join(', ')}`);
  return value;
}

export function checkArray(value: unknown, what: string, max: number): readonly JsonValue[] {
  if (!Array.isArray(value)) throw new DiptychError('invalid_payload', `${what} must be an array`);
  if (value.length > max) throw new DiptychError('invalid_payload', `${what} has more than ${max} items`);
  return value as JsonValue[];
}

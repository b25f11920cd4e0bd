// C2SP tlog-tiles entry bundles: each entry as a big-endian uint16 length and its bytes, back to
// back, with no header or count. Browser-safe.
import { DiptychError } from './errors.js';

/** Largest entry a bundle can frame (uint16 length). */
export const MAX_ENTRY_SIZE = 0xffff;

export function encodeBundle(entries: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  entries.forEach((entry, i) => {
    // Empty entries are refused too: a log entry is a non-empty DSSE envelope (SPEC §3).
    if (entry.length < 1 || entry.length > MAX_ENTRY_SIZE) {
      throw new DiptychError('entry_too_large', `entry ${i} is ${entry.length} bytes, allowed 1..${MAX_ENTRY_SIZE}`);
    }
    length += 2 + entry.length;
  });
  const out = new Uint8Array(length);
  let at = 0;
  for (const entry of entries) {
    out[at] = entry.length >>> 8;
    out[at + 1] = entry.length & 0xff;
    out.set(entry, at + 2);
    at += 2 + entry.length;
  }
  return out;
}

/**
 * Splits a bundle into its entries (views into `bytes`). A length prefix or entry cut short is
 * malformed_bundle; `expectedCount`, when given, must match exactly, since a bundle of width W
 * holds W entries. Zero-length entries are well framed and returned: other logs may have them.
 */
export function decodeBundle(bytes: Uint8Array, expectedCount?: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length) {
      throw new DiptychError('malformed_bundle', `bundle ends inside the length of entry ${out.length}`);
    }
    const length = (bytes[at]! << 8) | bytes[at + 1]!;
    if (at + 2 + length > bytes.length) {
      throw new DiptychError('malformed_bundle', `entry ${out.length} needs ${length} bytes, ${bytes.length - at - 2} remain`);
    }
    out.push(bytes.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  }
  if (expectedCount !== undefined && out.length !== expectedCount) {
    throw new DiptychError('malformed_bundle', `bundle holds ${out.length} entries, expected ${expectedCount}`);
  }
  return out;
}

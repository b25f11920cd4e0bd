// pip requirements files in hash-checking mode: `name[extras]==version ; markers \
//     --hash=sha256:<hex> ...`. Only the parts verify-lock needs: pinned requirements and their
// sha256 hashes. A requirement without a sha256 hash, or not pinned with ==, cannot be
// checked against a manifest and is reported as an error rather than skipped silently.
import { DiptychError } from '../log/errors.js';
import type { PinnedHash } from './pinned-hash.js';

// No two adjacent quantifiers can match the same characters (the space after the extras belongs
// to the optional group), so a long run of spaces is matched in one pass, not retried per split.
const PINNED = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\]\s*)?===?\s*([A-Za-z0-9][A-Za-z0-9._+!-]*)/;
const SHA256 = /--hash[=\s]+sha256:([0-9a-fA-F]{64})(?![0-9a-fA-F])/g;

/** Logical lines (backslash continuations joined, comments dropped) with their first line number. */
function logicalLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let current: { line: number; text: string } | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const uncommented = raw.replace(/(^|\s)#.*$/, '');
    const continued = /\\\s*$/.test(uncommented);
    const part = uncommented.replace(/\\\s*$/, ' ');
    current = current ? { line: current.line, text: current.text + ' ' + part } : { line: i + 1, text: part };
    if (!continued) {
      if (current.text.trim()) out.push({ line: current.line, text: current.text.trim() });
      current = undefined;
    }
  });
  if (current?.text.trim()) out.push({ line: current.line, text: current.text.trim() });
  return out;
}

export function parseRequirements(text: string, file: string): PinnedHash[] {
  const pins: PinnedHash[] = [];
  for (const { line, text: req } of logicalLines(text)) {
    if (req.startsWith('-')) continue; // options: --index-url, -r, -c, ...
    const where = `${file}:${line}`;
    const m = PINNED.exec(req);
    if (!m) throw new DiptychError('unpinned_requirement', `${where}: ${req.split(/\s/)[0]} is not pinned with ==; a lock file pins every requirement`);
    const hashes = [...req.matchAll(SHA256)].map((h) => h[1]!.toLowerCase());
    if (hashes.length === 0) throw new DiptychError('no_hash', `${where}: ${m[1]}==${m[2]} has no --hash=sha256: pin`);
    for (const sha256 of hashes) pins.push({ project: m[1]!, version: m[2]!, sha256, where });
  }
  return pins;
}

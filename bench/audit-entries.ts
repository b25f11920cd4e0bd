// A synthetic log for the audit benchmark, as a function of the index, so that a million
// entries cost no memory and no signing: mostly ~450-byte observation entries (one template,
// its payload numbered by patching base64 in place), and every 1000th a real, signed keys or
// release entry (ten per project), so that the audit has key policies and releases to derive.
import { randomBytes } from 'node:crypto';
import { canonicalBytes } from '../log/jcs.js';
import { canonicalEnvelopeBytes, signEnvelope } from '../log/dsse.js';
import { DerivedState } from '../log/audit-replay.js';
import { toBase64, utf8 } from '../log/bytes.js';
import { encodeBundle } from '../log/bundle.js';
import { TILE_WIDTH } from '../log/tile.js';
import { nodeEd25519Signer, createNodeCrypto } from '../log/node-crypto.js';
import { ed25519NoteSigner, formatVerifierKey, ED25519_TYPE } from '../log/note.js';
import { formatTimestamp } from '../log/timestamp.js';
import type { ProjectState } from '../log/project-state.js';
import type { EntrySource } from '../test/support/static-log.js';

const OBSERVATION = 'application/vnd.diptych.observation+json';
const GOVERNED_EVERY = 1000;
const DIGITS = 12; // a multiple of 3, so its base64 is 16 characters of its own

/** The template entry, and where in it the 16 base64 characters of the entry number go. */

const BENCH_LOG_KEY = formatVerifierKey('bench.log', ED25519_TYPE, new Uint8Array(32));

function observationTemplate(): { bytes: Uint8Array; at: number } {
  const payload = (pad: string) => ({
    a: pad,
    files: [{ filename: 'synthetic_pkg-1.0-py3-none-any.whl', sha256: 'ab'.repeat(32), size: 123456, uploadTime: '2025-01-01T00:00:00Z', yanked: false }],
    indexUrl: 'https://pypi.org',
    lastSerial: 123456789,
    n: '#'.repeat(DIGITS),
    observedAt: '2025-01-01T00:00:00Z',
    project: 'synthetic-pkg',
    source: 'json',
    version: '1.0',
    witness: 'witness.bench/w1+0badc0de',
  });
  for (let pad = ''; ; pad += 'x') {
    const json = new TextDecoder().decode(canonicalBytes(payload(pad)));
    const digitsAt = json.indexOf('#'.repeat(DIGITS));
    if (digitsAt % 3 !== 0) continue;
    const envelope = { payload: toBase64(utf8(json)), payloadType: OBSERVATION, signatures: [{ keyid: 'witness.bench/w1+0badc0de', sig: toBase64(randomBytes(64)) }] };
    const bytes = canonicalEnvelopeBytes(envelope);
    return { bytes, at: '{"payload":"'.length + (digitsAt / 3) * 4 };
  }
}

/** Keys and release entries: for each project, its first key policy and nine releases. */
function governedEntries(count: number): Uint8Array[] {
  const crypto = createNodeCrypto();
  const out: Uint8Array[] = [];
  for (let p = 0; out.length < count; p++) {
    const signer = ed25519NoteSigner(`maintainer${p}@example.org`, nodeEd25519Signer(randomBytes(32)), crypto);
    const project = `bench-project-${p}`;
    const vkey = formatVerifierKey(signer.name, ED25519_TYPE, signer.publicKey, crypto);
    out.push(canonicalEnvelopeBytes(signEnvelope('application/vnd.diptych.keys+json', { project, keys: [vkey], threshold: 1, seq: 1 }, [signer])));
    for (let v = 0; v < 9 && out.length < count; v++) {
      const files = [{ filename: `bench_project_${p}-1.${v}.tar.gz`, sha256: 'cd'.repeat(32), size: 1000 + v }];
      const payload = { project, version: `1.${v}`, files, created: formatTimestamp(Date.parse('2025-01-01T00:00:00Z')) };
      out.push(canonicalEnvelopeBytes(signEnvelope('application/vnd.diptych.release+json', payload, [signer])));
    }
  }
  return out;
}

export interface SyntheticLog extends EntrySource {
  /** The key policies and releases of the whole log, derived from its governed entries. */
  projects(): ProjectState;
}

export function syntheticLog(size: number): SyntheticLog {
  const { bytes: template, at } = observationTemplate();
  const governed = governedEntries(Math.ceil(size / GOVERNED_EVERY));
  const patch = (out: Uint8Array, offset: number, index: number): void => {
    const digits = Buffer.from(String(index).padStart(DIGITS, '0')).toString('base64');
    for (let i = 0; i < digits.length; i++) out[offset + at + i] = digits.charCodeAt(i);
  };
  const entry = (index: number): Uint8Array => {
    if (index % GOVERNED_EVERY === 0) return governed[index / GOVERNED_EVERY]!;
    const out = template.slice();
    patch(out, 0, index);
    return out;
  };
  // The server's side of the benchmark must keep up with the auditor on a shared machine: a
  // bundle with no governed entry is one template bundle with the numbers patched in.
  const plain = encodeBundle(Array.from({ length: TILE_WIDTH }, () => template));
  const stride = 2 + template.length;
  return {
    size,
    entry,
    bundle(start, width) {
      const hasGoverned = Math.floor((start + width - 1) / GOVERNED_EVERY) * GOVERNED_EVERY >= start;
      if (hasGoverned) return encodeBundle(Array.from({ length: width }, (_, i) => entry(start + i)));
      const out = plain.slice(0, width * stride);
      for (let i = 0; i < width; i++) patch(out, i * stride + 2, start + i);
      return out;
    },
    projects() {
      // Derived with the auditor's replay of the governed entries alone (a full replay of a
      // million entries would take the server longer than the audit).
      // No entry here is the log's own (policy, suspension), so any key does for the log's.
      const state = new DerivedState(BENCH_LOG_KEY);
      governed.forEach((e, k) => state.apply(k * GOVERNED_EVERY, e));
      return state.projects;
    },
  };
}

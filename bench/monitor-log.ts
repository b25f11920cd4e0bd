// A synthetic diptych log for the monitor bench, built in memory as the log stores its entries
// (JCS DSSE envelopes): per project a key policy, 3 release manifests of 2 or 3 files, and an
// observation of each release by each of 2 witnesses. A small deterministic fraction of the
// observations is tampered with, so that the monitor has findings to make.
//
// Signatures. The monitor trusts what the log admitted and does not verify signatures (engine.ts
// evaluates project entries with every keyid counted as verified, and never looks at witness
// signatures), so each key signs one message for real with node:crypto and that signature is
// reused in every envelope it appears on: the entries have the right form and keyids, but their
// signatures verify only over that first message. Signing 1,000,000 envelopes would take longer
// than ingesting them.
//
// The JSON is written with JSON.stringify over objects whose keys are in sorted order, which for
// ASCII strings and integers is exactly JCS; the monitor refuses (and the bench counts) any entry
// that is not canonical.
import { createHash, randomBytes } from 'node:crypto';
import { nodeEd25519Signer } from '../log/node-crypto.js';
import { generateSignerKey, parseSignerKey, type SignerKey } from '../log/note.js';
import { pae } from '../log/dsse.js';
import { KEYS_TYPE } from '../log/project-policy.js';
import { RELEASE_TYPE } from '../log/release-manifest.js';
import { OBSERVATION_TYPE } from '../monitor/observation-payload.js';

export const ENTRIES_PER_PROJECT = 10; // keys + 3 × (manifest + 2 observations)
const RELEASES_PER_PROJECT = 3;
const BLOCK = 1000; // projects whose entries are interleaved as a log would hold them
const INDEX_URL = 'https://pypi.org/';
const T0 = Date.UTC(2026, 10, 1, 0, 0, 0);
const MIN = 60_000;

export interface SyntheticLog {
  /** Every entry's bytes, back to back; entry i is bytes[offsets[i], offsets[i + 1]). */
  readonly bytes: Buffer;
  readonly offsets: Uint32Array;
  readonly count: number;
  readonly projects: number;
  readonly releases: number;
  readonly observations: number;
  /** Observations made to differ from the manifest (a changed hash or a missing file). */
  readonly tampered: number;
  readonly generateMs: number;
  entry(i: number): Uint8Array;
}

interface Key {
  readonly vkey: string;
  readonly keyid: string;
  /** One real signature of this key, reused on every envelope it signs (see above). */
  readonly sig: string;
}

function benchKey(name: string): Key {
  const { signerKey } = generateSignerKey(name, randomBytes(32));
  const key: SignerKey = parseSignerKey(signerKey, nodeEd25519Signer);
  const sig = Buffer.from(key.signer.sign(pae(KEYS_TYPE, Buffer.from('{}')))).toString('base64');
  const keyid = key.verifierKey.split('+').slice(0, 2).join('+');
  return { vkey: key.verifierKey, keyid, sig };
}

function envelope(payloadType: string, payload: object, key: Key): string {
  const p = Buffer.from(JSON.stringify(payload)).toString('base64');
  return JSON.stringify({ payload: p, payloadType, signatures: [{ keyid: key.keyid, sig: key.sig }] });
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const hex = (s: string): string => createHash('sha256').update(s).digest('hex');

interface File {
  filename: string;
  sha256: string;
  size: number;
}

interface Release {
  project: string;
  version: string;
  files: File[];
  createdMs: number;
  serial: number;
  /** Which tampering its observations show (0: none). */
  tamper: number;
}

/** Builds `count` entries (rounded down to whole projects). */
export function buildMonitorLog(count: number): SyntheticLog {
  const start = performance.now();
  const maintainers = Array.from({ length: 16 }, (_, i) => benchKey(`maintainer${i}.example.org`));
  const witnesses = [benchKey('witness-a.example.org'), benchKey('witness-b.example.org')];
  const projects = Math.floor(count / ENTRIES_PER_PROJECT);
  const total = projects * ENTRIES_PER_PROJECT;
  let bytes = Buffer.allocUnsafe(total * 1100);
  const offsets = new Uint32Array(total + 1);
  let n = 0;
  const push = (text: string): void => {
    if (bytes.length - offsets[n]! < text.length) {
      const grown = Buffer.allocUnsafe(bytes.length * 2);
      bytes.copy(grown, 0, 0, offsets[n]);
      bytes = grown;
    }
    offsets[n + 1] = offsets[n]! + bytes.write(text, offsets[n]!, 'latin1');
    n++;
  };
  let releaseCount = 0;
  let tampered = 0;
  for (let b = 0; b < projects; b += BLOCK) {
    const block: Release[] = [];
    const end = Math.min(projects, b + BLOCK);
    for (let p = b; p < end; p++) {
      const project = `proj-${p}`;
      const key = maintainers[p % maintainers.length]!;
      push(envelope(KEYS_TYPE, { keys: [key.vkey], project, seq: 1, threshold: 1 }, key));
      for (let v = 0; v < RELEASES_PER_PROJECT; v++) {
        const r = releaseCount++;
        const version = `1.${v}.0`;
        const stem = `proj_${p}-${version}`;
        const files: File[] = [{ filename: `${stem}.tar.gz`, sha256: hex(`${stem}.tar.gz`), size: 10_000 + (r % 5000) }];
        files.push({ filename: `${stem}-py3-none-any.whl`, sha256: hex(`${stem}-py3`), size: 8_000 + (r % 3000) });
        if (r % 2 === 0) files.push({ filename: `${stem}-cp312-cp312-manylinux_2_17_x86_64.whl`, sha256: hex(`${stem}-cp312`), size: 90_000 + r % 7000 });
        // One release in 500 served with another sdist hash to both witnesses, one in 500 another
        // wheel hash to witness b only, one in 1000 without its wheel to witness a, 2 h later.
        const tamper = r % 500 === 7 ? 1 : r % 500 === 257 ? 2 : r % 1000 === 503 ? 3 : 0;
        block.push({ project, version, files, createdMs: T0 + r * 1000, serial: 1_000_000 + p, tamper });
      }
    }
    for (const r of block) {
      const key = maintainers[Number(r.project.slice(5)) % maintainers.length]!;
      push(envelope(RELEASE_TYPE, { created: iso(r.createdMs), files: r.files, project: r.project, version: r.version }, key));
    }
    for (let w = 0; w < witnesses.length; w++) {
      const witness = witnesses[w]!;
      for (const r of block) {
        let files = r.files;
        let observedAt = r.createdMs + 10 * MIN;
        if (r.tamper === 1) files = [{ ...files[0]!, sha256: hex(`evil ${files[0]!.filename}`) }, ...files.slice(1)];
        if (r.tamper === 2 && w === 1) files = [files[0]!, { ...files[1]!, sha256: hex(`evil ${files[1]!.filename}`) }, ...files.slice(2)];
        if (r.tamper === 3 && w === 0) {
          files = files.filter((f) => !f.filename.endsWith('py3-none-any.whl'));
          observedAt = r.createdMs + 120 * MIN;
        }
        if (files !== r.files) tampered++;
        const served = files.map((f) => ({ filename: f.filename, sha256: f.sha256, size: f.size, uploadTime: iso(r.createdMs + MIN), yanked: false }));
        const payload = { files: served, indexUrl: INDEX_URL, lastSerial: r.serial, observedAt: iso(observedAt), project: r.project, source: 'json', version: r.version, witness: witness.vkey };
        push(envelope(OBSERVATION_TYPE, payload, witness));
      }
    }
  }
  bytes = bytes.subarray(0, offsets[n]);
  return {
    bytes,
    offsets,
    count: n,
    projects,
    releases: releaseCount,
    observations: releaseCount * witnesses.length,
    tampered,
    generateMs: performance.now() - start,
    entry: (i) => bytes.subarray(offsets[i], offsets[i + 1]),
  };
}

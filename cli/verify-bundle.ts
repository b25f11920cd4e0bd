// `diptych verify --bundle FILE --log-key VKEY [--witnesses FILE --quorum K]`: checks an offline
// proof bundle (log/proof-bundle.ts) with no network: a `submit` receipt, the answer of
// GET /api/v1/entries/<i>?bundle=1, or a monitor's alert evidence.
import { readFile } from 'node:fs/promises';
import { toHex } from '../log/bytes.js';
import { DiptychError } from '../log/errors.js';
import { createNodeCrypto } from '../log/node-crypto.js';
import { verifyProofBundle, type VerifiedBundle } from '../log/proof-bundle.js';
import { EXIT_OK, UsageError } from './args.js';
import { checkAlertEvidence } from '../monitor/evidence.js';
import type { WitnessTrust } from './witness-file.js';

async function readBundle(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new DiptychError('file_unreadable', `cannot read ${file} (${e.code ?? 'error'})`);
  });
  try {
    return JSON.parse(text);
  } catch {
    throw new DiptychError('malformed_proof_bundle', `${file} is not JSON`);
  }
}

function summary(file: string, verified: VerifiedBundle) {
  return {
    file,
    ok: true,
    origin: verified.checkpoint.origin,
    checkpointSize: verified.checkpoint.size,
    cosigned: verified.cosignatures.length,
    entries: verified.entries.map((e) => ({ index: e.index, payloadType: e.envelope.envelope.payloadType, leafHash: toHex(e.leafHash) })),
  };
}

/** Verifies the bundle in `file`; a failure throws (exit 1 with its code). */
export async function verifyBundleCommand(file: string, logKey: string | undefined, witnesses: WitnessTrust | undefined, json: boolean): Promise<number> {
  // Offline means the log cannot vouch for its own key: it must come from the command line.
  if (logKey === undefined) throw new UsageError('--bundle needs --log-key VKEY (it is checked with no network)');
  const verified = verifyProofBundle(await readBundle(file), { logKey, witnessKeys: witnesses?.witnessKeys, quorum: witnesses?.quorum }, createNodeCrypto());
  // An alert's bundle also carries its evidence: the claim must follow from the signed entries.
  const s = { ...summary(file, verified), alerts: checkAlertEvidence(verified.entries, logKey) };
  if (json) process.stdout.write(JSON.stringify(s) + '\n');
  else {
    const cosigned = witnesses === undefined ? '' : `, ${s.cosigned} of the trusted witnesses cosigned`;
    process.stdout.write(`${file}: OK (${s.entries.length} entr${s.entries.length === 1 ? 'y' : 'ies'} in ${s.origin} at checkpoint size ${s.checkpointSize}${cosigned})\n`);
    for (const e of s.entries) process.stdout.write(`  entry ${e.index}: ${e.payloadType}\n`);
    for (const a of s.alerts) process.stdout.write(`  alert ${a.id.slice(0, 16)}… ${a.severity} ${a.kind}, shown by its evidence: ${a.shown.join('; ')}\n`);
  }
  return EXIT_OK;
}

// `diptych submit`: POSTs an envelope (in its JCS form, the exact log entry) to the log, prints
// its index and saves the log's receipt next to the file: index, leaf hash, checkpoint and
// inclusion proof, enough to prove later that the log holds the entry (SPEC §5).
import { writeFile } from 'node:fs/promises';
import { fromBase64, toHex, utf8 } from '../log/bytes.js';
import { openCheckpoint } from '../log/checkpoint.js';
import { noteVerifier } from '../log/note.js';
import { verifyInclusion } from '../log/proof.js';
import { canonicalEnvelopeBytes, checkEnvelope } from '../log/dsse.js';
import { DiptychError } from '../log/errors.js';
import { merkleHasher } from '../log/tree.js';
import { makeProofBundle } from '../log/proof-bundle.js';
import { EXIT_OK, UsageError, parseCommand, urlFlag } from './args.js';
import { readDocument } from './document-file.js';
import { joinUrl, postJson } from './http-json.js';
import { isEnvelope } from './statement.js';

export const SUBMIT_HELP = `Usage: diptych submit F --log URL [--log-key VKEY]

Submits the signed envelope in F to the log. Prints the entry's index and writes the receipt to
F with .json replaced by .receipt.json: an offline proof bundle (checkpoint, entries:[{index,
entry, inclusionProof}]) with the entry's index, leafHash and the log URL besides, which
'diptych verify --bundle RECEIPT --log-key VKEY' checks with no network. Its checkpoint is the
log-signed one the append was answered with; a witnessed bundle of the entry is served later at
GET /api/v1/entries/<index>?bundle=1.
Submitting the same envelope again gives the same index. A refusal exits 1 and prints the log's
error code and explanation. With --log-key, the receipt is checked before it is saved: its
checkpoint must be signed by that key and its inclusion proof must lead to the checkpoint's root.

Options:
  --log URL       the log
  --log-key VKEY  the log's verifier key, to check the receipt
  --json          print the receipt instead of the index
  -h, --help      this help
`;

export interface Receipt {
  index: number;
  leafHash: string;
  checkpoint: string;
  inclusionProof: string[];
}

export function receiptPath(file: string): string {
  return file.endsWith('.json') ? `${file.slice(0, -5)}.receipt.json` : `${file}.receipt.json`;
}

/** The receipt's checkpoint is signed by the log key and its proof puts the entry in that tree. */
async function checkReceipt(receipt: Receipt, entry: Uint8Array, vkey: string): Promise<void> {
  const verifier = noteVerifier(vkey);
  const { checkpoint } = openCheckpoint(utf8(receipt.checkpoint), verifier, { origin: verifier.name });
  const h = merkleHasher();
  verifyInclusion(h, receipt.index, checkpoint.size, h.leaf(entry), receipt.inclusionProof.map((p) => fromBase64(p)), checkpoint.root);
}

export async function submitCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { log: { type: 'string' }, 'log-key': { type: 'string' } }, true);
  if (values.help) {
    process.stdout.write(SUBMIT_HELP);
    return EXIT_OK;
  }
  if (positionals.length !== 1) throw new UsageError('give exactly one envelope file');
  const logUrl = urlFlag(values.log, '--log');
  const file = positionals[0]!;
  const doc = await readDocument(file);
  if (!isEnvelope(doc)) throw new DiptychError('unsigned_payload', `${file} is a bare payload; sign it first with 'diptych sign ${file} --key SKEY'`);
  const entry = canonicalEnvelopeBytes(checkEnvelope(doc).envelope);
  const { body } = await postJson<Receipt>(joinUrl(logUrl, '/api/v1/entries'), entry);
  // The log names the leaf it stored; it must be the hash of exactly what was sent.
  if (body.leafHash !== toHex(merkleHasher().leaf(entry))) throw new DiptychError('invalid_response', 'the log answered with the leaf hash of another entry');
  if (values['log-key'] !== undefined) await checkReceipt(body, entry, values['log-key']);
  const bundle = makeProofBundle(body.checkpoint, [{ index: body.index, entry, proof: body.inclusionProof.map((p) => fromBase64(p)) }]);
  const receipt = { ...bundle, index: body.index, leafHash: body.leafHash, log: logUrl };
  await writeFile(receiptPath(file), JSON.stringify(receipt, null, 2) + '\n');
  process.stdout.write(values.json ? JSON.stringify(receipt) + '\n' : `${body.index}\n`);
  return EXIT_OK;
}

// `diptych sign`: adds signatures to an envelope file, or turns a bare payload into a signed
// envelope. Each maintainer runs it with their own key; the order does not matter (signatures
// are kept sorted, so the same signers always give the same log entry).
import { EXIT_OK, UsageError, parseCommand } from './args.js';
import { emitDocument, readDocument } from './document-file.js';
import { describeDocument, loadSigners, signDocument, signerKeyids } from './statement.js';

export const SIGN_HELP = `Usage: diptych sign ENVELOPE_OR_PAYLOAD --key SKEY [--key SKEY…] [--type T] [--out F]

Adds a signature by each --key to a DSSE envelope, or wraps a bare payload (as written by
'diptych keys' or 'diptych manifest' without --key) in a new envelope. The file is rewritten
in place unless --out is given. Key files must not be readable by other users.

Options:
  --key SKEY    signer key file written by diptych keygen (mode 0600), repeatable
  --type T      payloadType of a bare payload (default: inferred, keys or release)
  --out F       write here instead of over the input ('-' for stdout)
  --json        print {"out", "payloadType", "signatures"} (keyids)
  -h, --help    this help
`;

export async function signCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { key: { type: 'string', multiple: true }, type: { type: 'string' }, out: { type: 'string' } }, true);
  if (values.help) {
    process.stdout.write(SIGN_HELP);
    return EXIT_OK;
  }
  if (positionals.length !== 1) throw new UsageError('give exactly one ENVELOPE_OR_PAYLOAD file');
  const keyFiles = values.key ?? [];
  if (keyFiles.length === 0) throw new UsageError('--key is required');
  const input = positionals[0]!;
  const signed = signDocument(await readDocument(input), await loadSigners(keyFiles), values.type);
  const out = values.out ?? input;
  await emitDocument(signed, out === '-' ? undefined : out);
  if (out === '-') return EXIT_OK;
  if (values.json) process.stdout.write(JSON.stringify({ out, payloadType: signed['payloadType'], signatures: signerKeyids(signed) }) + '\n');
  else process.stdout.write(`${out}: ${describeDocument(signed)}\n`);
  return EXIT_OK;
}

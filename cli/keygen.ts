// `diptych keygen`: a new Ed25519 signer key in a 0600 file; only the vkey goes to stdout.
import { writeNewSignerKeyFile } from '../log/log-key.js';
import { isValidKeyName } from '../log/note.js';
import { EXIT_OK, UsageError, parseCommand, requireString } from './args.js';

export const KEYGEN_HELP = `Usage: diptych keygen --name NAME [--out FILE]

Creates an Ed25519 signing key in the C2SP signed-note form (PRIVATE+KEY+name+id+key) and
writes it to FILE with mode 0600 (default: NAME.key, with '/' replaced by '_'). Never
overwrites a file. Prints the verifier key (name+id+key) on stdout, nothing else.

Options:
  --name NAME   key name, e.g. log.example.org/diptych or alice@example.org (no spaces, no '+')
  --out FILE    where to write the signer key
  --json        print {"vkey", "keyFile"} instead
  -h, --help    this help
`;

export async function keygenCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, { name: { type: 'string' }, out: { type: 'string' } });
  if (values.help) {
    process.stdout.write(KEYGEN_HELP);
    return EXIT_OK;
  }
  const name = requireString(values.name, '--name');
  if (!isValidKeyName(name)) throw new UsageError('--name must be non-empty, without white space or "+"');
  const out = values.out ?? `${name.replace(/[/\\]/g, '_')}.key`;
  const key = await writeNewSignerKeyFile(out, name);
  process.stdout.write(values.json ? JSON.stringify({ vkey: key.verifierKey, keyFile: out }) + '\n' : key.verifierKey + '\n');
  return EXIT_OK;
}

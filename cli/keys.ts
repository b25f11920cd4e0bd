// `diptych keys init|add|remove|revoke|rotate`: writes a project's next key policy (SPEC §3)
// as an envelope signed by the --key files, or as a bare payload for `diptych sign` when no key
// is at hand. Changes after init read the current policy from the log to get seq and keys.
import { firstKeysPayload, nextKeysPayload, type CurrentPolicy, type KeysChange } from '../log/keys-change.js';
import { normalizeProjectName } from '../log/project-name.js';
import { EXIT_OK, UsageError, integerFlag, parseCommand, requireString, urlFlag } from './args.js';
import { emitDocument } from './document-file.js';
import { getJson, joinUrl } from './http-json.js';
import { describeDocument, loadSigners, signDocument, signerKeyids } from './statement.js';

export const KEYS_HELP = `Usage: diptych keys init   --project P --vkey VKEY [--vkey VKEY…] --threshold N [--key SKEY…] [--out F]
       diptych keys add    --project P --log URL --vkey VKEY [--vkey…] [--threshold N] [--key SKEY…] [--out F]
       diptych keys remove --project P --log URL --keyid K [--keyid…] [--threshold N] [--key SKEY…] [--out F]
       diptych keys revoke --project P --log URL --keyid K --since TIME [--threshold N] [--key SKEY…] [--out F]
       diptych keys rotate --project P --log URL --vkey VKEY [--vkey…] --threshold N [--key SKEY…] [--out F]

Writes a project key policy entry (application/vnd.diptych.keys+json). init is the first one
(seq 1), trusted on first use: it must be signed by threshold of the keys it names. The others
fetch the current policy from the log and write seq + 1, to be signed by threshold of the
CURRENT keys. revoke also removes the key; signatures it made on manifests created at or after
TIME (RFC 3339 UTC, e.g. 2025-06-01T00:00:00Z) stop counting.

Without --key the payload is written unsigned; sign it with 'diptych sign F --key SKEY'.
Without --out the result goes to stdout.

Options:
  --project P      project name (written PEP 503-normalised)
  --vkey VKEY      a maintainer's verifier key (name+hex8+base64), repeatable
  --keyid K        a current key's keyid (name+hex8) or vkey, repeatable
  --threshold N    signatures needed from now on (add/remove/revoke: unchanged by default)
  --since TIME     revoke: when the key may first have been compromised
  --key SKEY       signer key file (mode 0600) to sign with, repeatable
  --log URL        the log, to read the current policy
  --out F          where to write the entry
  --json           print {"out", "seq", "keys", "threshold", "signedBy"} when writing to --out
  -h, --help       this help
`;

const OPTIONS = {
  project: { type: 'string' },
  vkey: { type: 'string', multiple: true },
  keyid: { type: 'string', multiple: true },
  threshold: { type: 'string' },
  since: { type: 'string' },
  key: { type: 'string', multiple: true },
  log: { type: 'string' },
  out: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseCommand<typeof OPTIONS>>['values'];

function changeOf(action: string, v: Values): KeysChange {
  const threshold = integerFlag(v.threshold, '--threshold', 1, 100);
  const vkeys = v.vkey ?? [];
  const keyids = v.keyid ?? [];
  switch (action) {
    case 'add':
    case 'rotate':
      if (vkeys.length === 0) throw new UsageError(`keys ${action} needs at least one --vkey`);
      if (action === 'add') return { kind: 'add', vkeys, threshold };
      if (threshold === undefined) throw new UsageError('keys rotate needs --threshold');
      return { kind: 'rotate', vkeys, threshold };
    case 'remove':
    case 'revoke':
      if (keyids.length === 0) throw new UsageError(`keys ${action} needs at least one --keyid`);
      if (action === 'remove') return { kind: 'remove', keyids, threshold };
      return { kind: 'revoke', keyids, since: requireString(v.since, '--since'), threshold };
    default:
      throw new UsageError(`unknown keys action '${action}' (init, add, remove, revoke, rotate)`);
  }
}

async function currentPolicy(logUrl: string, project: string): Promise<CurrentPolicy> {
  const view = await getJson<{ keys: CurrentPolicy }>(joinUrl(logUrl, `/api/v1/projects/${encodeURIComponent(normalizeProjectName(project))}`));
  return view.keys;
}

async function payloadFor(action: string | undefined, v: Values) {
  if (action === undefined) throw new UsageError('give an action: init, add, remove, revoke or rotate');
  const project = requireString(v.project, '--project');
  if (action === 'init') {
    const threshold = integerFlag(requireString(v.threshold, '--threshold'), '--threshold', 1, 100)!;
    if ((v.vkey ?? []).length === 0) throw new UsageError('keys init needs at least one --vkey');
    return firstKeysPayload(project, v.vkey!, threshold);
  }
  const change = changeOf(action, v);
  return nextKeysPayload(project, await currentPolicy(urlFlag(v.log, '--log'), project), change);
}

export async function keysCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, OPTIONS, true);
  if (values.help) {
    process.stdout.write(KEYS_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
  const payload = await payloadFor(positionals[0], values);
  const doc = signDocument(payload, await loadSigners(values.key ?? []));
  await emitDocument(doc, values.out);
  if (values.out === undefined) return EXIT_OK;
  if (values.json) {
    process.stdout.write(JSON.stringify({ out: values.out, seq: payload.seq, keys: payload.keys, threshold: payload.threshold, signedBy: signerKeyids(doc) }) + '\n');
  }
  else process.stdout.write(`wrote ${values.out}: ${payload.project} key policy seq ${payload.seq}, ${describeDocument(doc)}\n`);
  return EXIT_OK;
}

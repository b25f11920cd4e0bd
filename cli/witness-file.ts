// The witnesses a client trusts, from `--witnesses FILE [--quorum K]`: a list of vkeys, one a
// line (blank lines and # comments ignored), or a JSON log policy file (SPEC §8), whose
// `witnesses[].vkey` are taken and whose cosignatureQuorum is the default quorum.
import { readFile } from 'node:fs/promises';
import { DiptychError } from '../log/errors.js';
import { parseVerifierKey } from '../log/note.js';
import { parsePolicy } from '../log/policy.js';
import { UsageError, integerFlag } from './args.js';

export interface WitnessTrust {
  readonly witnessKeys: readonly string[];
  readonly quorum: number;
}

export const WITNESS_FLAGS = { witnesses: { type: 'string' }, quorum: { type: 'string' } } as const;

export const WITNESS_HELP = `  --witnesses FILE the witnesses you trust: one vkey a line (# comments), or a JSON log
                   policy file (SPEC §8; its witnesses[].vkey); the checkpoint must carry
                   valid cosignatures from --quorum of them
  --quorum K       how many of them must have cosigned; default: the policy file's
                   cosignatureQuorum, or every witness listed in a plain list
`;

/** Parses a witnesses file's text; `source` names it in errors. */
export function parseWitnessFile(text: string, source: string): { witnessKeys: string[]; defaultQuorum: number } {
  if (text.trimStart().startsWith('{')) {
    const policy = parsePolicy(text);
    const witnessKeys = policy.witnesses.map((w) => w.vkey);
    return { witnessKeys, defaultQuorum: policy.cosignatureQuorum };
  }
  const witnessKeys: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line.length === 0) return;
    try {
      parseVerifierKey(line);
    } catch (e) {
      throw new DiptychError('malformed_key', `${source} line ${i + 1}: ${(e as Error).message}`);
    }
    witnessKeys.push(line);
  });
  if (new Set(witnessKeys).size !== witnessKeys.length) throw new DiptychError('malformed_key', `${source} names a witness twice`);
  return { witnessKeys, defaultQuorum: witnessKeys.length };
}

/** The witness trust of --witnesses/--quorum, or undefined when neither is given. */
export async function witnessTrustFlags(values: { witnesses?: string; quorum?: string }): Promise<WitnessTrust | undefined> {
  if (values.witnesses === undefined) {
    if (values.quorum !== undefined) throw new UsageError('--quorum needs --witnesses FILE');
    return undefined;
  }
  const text = await readFile(values.witnesses, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new DiptychError('file_unreadable', `cannot read ${values.witnesses} (${e.code ?? 'error'})`);
  });
  const { witnessKeys, defaultQuorum } = parseWitnessFile(text, values.witnesses);
  if (witnessKeys.length === 0) throw new UsageError(`${values.witnesses} names no witness`);
  const quorum = integerFlag(values.quorum, '--quorum', 1, witnessKeys.length) ?? defaultQuorum;
  // A policy file with quorum 0 names witnesses but asks nothing of them: ask for one at least.
  return { witnessKeys, quorum: Math.max(1, quorum) };
}

// A pure harness for the project-policy rules: signs entries with real Ed25519 keys, runs them
// through evaluateEntry in log order over a ProjectState, and reports each outcome as a code.
import { randomBytes } from 'node:crypto';
import { outcome } from './assert-code.js';
import { checkEnvelope, signEnvelope } from '../../log/dsse.js';
import { nobleEd25519Signer } from '../../log/crypto.js';
import { generateSignerKey, parseSignerKey, type SignerKey } from '../../log/note.js';
import { evaluateEntry, signaturesOf, type EntryRuleOptions } from '../../log/project-entry.js';
import { ProjectState } from '../../log/project-state.js';
import type { ParsedEnvelope } from '../../log/dsse.js';

export function makeKey(name: string): SignerKey {
  return parseSignerKey(generateSignerKey(name, randomBytes(32)).signerKey, nobleEd25519Signer);
}

export function keyidOf(key: SignerKey): string {
  return key.verifierKey.slice(0, key.verifierKey.indexOf('+', key.name.length + 1));
}

export function sign(payloadType: string, payload: Record<string, unknown>, signers: readonly SignerKey[]): ParsedEnvelope {
  return checkEnvelope(signEnvelope(payloadType, payload, signers.map((k) => k.signer)));
}

export class PolicyHarness {
  readonly state = new ProjectState();
  readonly entries: ParsedEnvelope[] = [];

  constructor(private readonly options: EntryRuleOptions = { foreignTypes: 'accept' }) {}

  /** Submits an entry; 'ok' or the refusal code. `verified` defaults to every signature. */
  submit(parsed: ParsedEnvelope, verified: readonly string[] | 'all' = 'all'): string {
    return outcome(() => {
      const change = evaluateEntry(this.state, parsed, signaturesOf(parsed, verified), this.entries.length, this.options);
      if (change) this.state.apply(change);
      this.entries.push(parsed);
    });
  }
}

/** The refusal code of a call, or 'ok'. */
export const errorCode = outcome;

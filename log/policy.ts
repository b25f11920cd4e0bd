// The log policy file (SPEC §8): which witnesses the log accepts and asks to cosign, and which
// trusted parties may escalate. Browser-safe parsing; recording it in the log comes with the
// monitor.
import { DiptychError } from './errors.js';
import { parseVerifierKey } from './note.js';

export interface PolicyWitness {
  readonly vkey: string;
  readonly url?: string;
}

export interface LogPolicy {
  readonly witnesses: readonly PolicyWitness[];
  readonly cosignatureQuorum: number;
  readonly trustedParties: readonly string[];
  readonly escalationQuorum: number;
}

export const EMPTY_POLICY: LogPolicy = { witnesses: [], cosignatureQuorum: 0, trustedParties: [], escalationQuorum: 0 };

const fail = (message: string): never => {
  throw new DiptychError('invalid_policy', message);
};

function checkVkey(vkey: unknown, what: string): string {
  if (typeof vkey !== 'string') fail(`${what} must be a vkey string`);
  try {
    parseVerifierKey(vkey as string);
  } catch (e) {
    fail(`${what}: ${(e as Error).message}`);
  }
  return vkey as string;
}

function checkQuorum(value: unknown, max: number, what: string, min: number): number {
  if (value === undefined) return Math.min(max, min);
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    fail(`${what} must be an integer from ${min} to ${max}`);
  }
  return value as number;
}

export function parsePolicy(text: string): LogPolicy {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fail('the policy file is not JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('the policy is a JSON object');
  const p = raw as Record<string, unknown>;
  const known = new Set(['witnesses', 'cosignatureQuorum', 'trustedParties', 'escalationQuorum']);
  for (const k of Object.keys(p)) if (!known.has(k)) fail(`unknown policy field ${k}`);
  const witnesses = (Array.isArray(p.witnesses) ? p.witnesses : p.witnesses === undefined ? [] : fail('witnesses is a list')) as unknown[];
  const parsedWitnesses = witnesses.map((w, i): PolicyWitness => {
    if (typeof w !== 'object' || w === null) return fail(`witnesses[${i}] is an object`);
    const { vkey, url } = w as Record<string, unknown>;
    if (url !== undefined && (typeof url !== 'string' || !/^https?:\/\//.test(url))) fail(`witnesses[${i}].url must be an http(s) URL`);
    return url === undefined ? { vkey: checkVkey(vkey, `witnesses[${i}].vkey`) } : { vkey: checkVkey(vkey, `witnesses[${i}].vkey`), url: url as string };
  });
  const parties = (Array.isArray(p.trustedParties) ? p.trustedParties : p.trustedParties === undefined ? [] : fail('trustedParties is a list')) as unknown[];
  const trustedParties = parties.map((v, i) => checkVkey(v, `trustedParties[${i}]`));
  const cosigning = parsedWitnesses.filter((w) => w.url !== undefined).length;
  return {
    witnesses: parsedWitnesses,
    cosignatureQuorum: checkQuorum(p.cosignatureQuorum, cosigning, 'cosignatureQuorum', 0),
    trustedParties,
    escalationQuorum: trustedParties.length === 0 ? checkQuorum(p.escalationQuorum, 0, 'escalationQuorum', 0) : checkQuorum(p.escalationQuorum, trustedParties.length, 'escalationQuorum', 1),
  };
}

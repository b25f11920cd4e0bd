// The log policy file (SPEC §8): which witnesses the log accepts and asks to cosign, and which
// trusted parties may escalate. Browser-safe parsing; the log records the policy in force as
// an entry (monitor/suspension-publisher.ts).
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

/** 1-based line of a character offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * The line a message is about: a JSON syntax error's position, or the line of the top-level
 * field a message names first (`escalationQuorum must be…`, `trustedParties[1]: …`).
 */
function lineOf(text: string, message: string): number | undefined {
  const position = /at position (\d+)/.exec(message);
  if (position) return lineAt(text, Number(position[1]));
  const field = /^(witnesses|cosignatureQuorum|trustedParties|escalationQuorum|unknown policy field (\S+))/.exec(message);
  if (!field) return undefined;
  const at = text.indexOf(`"${field[2] ?? field[1]}"`);
  return at < 0 ? undefined : lineAt(text, at);
}

/** Parses a policy file; refusals name the line (`source:line: message`) as well as the field. */
export function parsePolicy(text: string, source = 'policy'): LogPolicy {
  try {
    return parsePolicyText(text);
  } catch (e) {
    if (!(e instanceof DiptychError)) throw e;
    const line = lineOf(text, e.message);
    throw new DiptychError(e.code, `${source}${line === undefined ? '' : `:${line}`}: ${e.message}`);
  }
}

function parsePolicyText(text: string): LogPolicy {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return fail(`not JSON (${(e as Error).message})`);
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

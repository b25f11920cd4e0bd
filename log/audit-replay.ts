// The derived state an auditor recomputes from the entries (key policies and releases, SPEC §3;
// alerts, escalations and suspensions, monitor/governance.ts),
// with the same rules as the log's own start-up replay (monitor/log-state.ts replayLogState),
// one entry at a time as a full audit streams them. Browser-safe.
//
// Only `keys` and `release` entries change this state, and most of a log is other kinds. The
// payloadType is read straight from the entry bytes when they have the JCS shape every logged
// envelope has ({"payload":"<base64>","payloadType":"…",…}), so the rest are not JSON-parsed:
// that keeps a full audit near hashing speed. Anything of another shape takes the full path,
// exactly as the replay would, so the result is the same either way.
import { utf8 } from './bytes.js';
import { parseEnvelope } from './dsse.js';
import { DiptychError } from './errors.js';
import { evaluateEntry, signaturesOf } from './project-entry.js';
import { KEYS_TYPE } from './project-policy.js';
import { ProjectState } from './project-state.js';
import { RELEASE_TYPE } from './release-manifest.js';
import { keyHandle, parseVerifierKey } from './note.js';
import { GOVERNANCE_TYPES, GovernanceState, evaluateGovernanceEntry, type GovernanceContext } from '../monitor/governance.js';

const HEAD = utf8('{"payload":"');
const MIDDLE = utf8('","payloadType":"');
// Every type that changes derived state: key policies and releases, and what acts on alerts.
const GOVERNED = [KEYS_TYPE, RELEASE_TYPE, ...GOVERNANCE_TYPES].map(utf8);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function startsAt(bytes: Uint8Array, at: number, end: number, prefix: Uint8Array): boolean {
  if (at + prefix.length > end) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

/**
 * Whether an entry can change the derived state: 'no' when its bytes show a payloadType other
 * than keys or release, 'yes' when they show one of those, 'parse' when they do not have the
 * expected shape and only the full parse can tell.
 */
export function governedEntry(bytes: Uint8Array): 'yes' | 'no' | 'parse' {
  return governedEntryAt(bytes, 0, bytes.length);
}

/** governedEntry of the entry bytes[start, end), without a view of them (a full audit's hot loop). */
export function governedEntryAt(bytes: Uint8Array, start: number, end: number): 'yes' | 'no' | 'parse' {
  if (!startsAt(bytes, start, end, HEAD)) return 'parse';
  // One native indexOf, not a loop in JavaScript: this runs for every entry of the log. Inside
  // a JSON string a literal quote is always escaped, so the first quote not preceded by a
  // backslash ends the payload; one that is preceded by one is left to the full parse.
  const payloadEnd = bytes.indexOf(QUOTE, start + HEAD.length);
  if (payloadEnd < 0 || payloadEnd >= end || bytes[payloadEnd - 1] === BACKSLASH || !startsAt(bytes, payloadEnd, end, MIDDLE)) return 'parse';
  const typeStart = payloadEnd + MIDDLE.length;
  const typeEnd = bytes.indexOf(QUOTE, typeStart);
  if (typeEnd < 0 || typeEnd >= end) return 'parse';
  // An escape in the type (\u0041 is "A") could spell a governed type another way.
  for (let i = typeStart; i < typeEnd; i++) if (bytes[i] === BACKSLASH) return 'parse';
  return GOVERNED.some((g) => g.length === typeEnd - typeStart && startsAt(bytes, typeStart, typeEnd, g)) ? 'yes' : 'no';
}

export class DerivedState {
  readonly projects = new ProjectState();
  /** Alerts, escalations, acknowledgements, suspensions and the policy in force. */
  readonly governance = new GovernanceState();
  /** Entries the rules refuse today (as the log's replay skips them). */
  skipped = 0;
  private readonly context: GovernanceContext;

  /** `logKey`: the log's vkey, the only signer of its policy and suspension entries. */
  constructor(logKey: string) {
    const key = parseVerifierKey(logKey);
    this.context = { logKeyid: keyHandle(key.name, key.keyId), projectPolicy: (p) => this.projects.policy(p) };
  }

  /**
   * Applies entry `index`; true when it changed the state. Replaying just those entries, in
   * order, rebuilds the same state (a resumed audit keeps them instead of re-reading the log).
   */
  apply(index: number, bytes: Uint8Array): boolean {
    if (governedEntry(bytes) === 'no') return false;
    try {
      const parsed = parseEnvelope(bytes);
      const sigs = signaturesOf(parsed, 'all');
      const change = evaluateEntry(this.projects, parsed, sigs, index, { foreignTypes: 'accept' });
      if (change !== undefined) {
        this.projects.apply(change);
        return true;
      }
      const governed = evaluateGovernanceEntry(this.governance, parsed, sigs, index, this.context);
      if (governed !== undefined) this.governance.apply(governed);
      return governed !== undefined;
    } catch (e) {
      if (!(e instanceof DiptychError)) throw e;
      this.skipped++;
      return false;
    }
  }
}

// The next keys payload of a project (SPEC §3) from its current policy and one change: what
// `diptych keys add|remove|revoke|rotate` write. Pure and browser-safe; the result is checked
// with parseKeysPayload, so a change that would lock everybody out is refused before signing.
import { DiptychError } from './errors.js';
import { formatTimestamp, parseTimestamp } from './timestamp.js';
import { keyidOfVkey, parseKeysPayload } from './project-policy.js';
import { normalizeProjectName } from './project-name.js';

/** The policy as GET /api/v1/projects/<name> shows it (its `keys` field). */
export interface CurrentPolicy {
  readonly seq: number;
  readonly threshold: number;
  readonly keys: readonly string[];
}

export type KeysChange =
  | { readonly kind: 'add'; readonly vkeys: readonly string[]; readonly threshold?: number }
  | { readonly kind: 'remove'; readonly keyids: readonly string[]; readonly threshold?: number }
  | { readonly kind: 'revoke'; readonly keyids: readonly string[]; readonly since: string; readonly threshold?: number }
  | { readonly kind: 'rotate'; readonly vkeys: readonly string[]; readonly threshold: number };

export type KeysPayloadJson = {
  project: string;
  keys: string[];
  threshold: number;
  seq: number;
  revoked?: { keyid: string; since: string }[];
};

/** A project's first policy (seq 1): trusted on first use, signed by `threshold` of `vkeys`. */
export function firstKeysPayload(project: string, vkeys: readonly string[], threshold: number): KeysPayloadJson {
  const payload = { project: normalizeProjectName(project), keys: [...vkeys], threshold, seq: 1 };
  parseKeysPayload(payload);
  return payload;
}

/** A keyid given as itself or as the full vkey. */
function asKeyid(text: string): string {
  return text.split('+').length > 2 ? keyidOfVkey(text) : text;
}

function without(current: CurrentPolicy, keyids: readonly string[]): string[] {
  const drop = new Set(keyids.map(asKeyid));
  for (const id of drop) {
    if (!current.keys.some((v) => keyidOfVkey(v) === id)) throw new DiptychError('unknown_key', `${id} is not one of the project's current keys`);
  }
  return current.keys.filter((v) => !drop.has(keyidOfVkey(v)));
}

/** The keys payload with seq + 1 that makes `change` to `current`. */
export function nextKeysPayload(project: string, current: CurrentPolicy, change: KeysChange): KeysPayloadJson {
  const base = { project: normalizeProjectName(project), seq: current.seq + 1 };
  let payload: KeysPayloadJson;
  switch (change.kind) {
    case 'add':
      payload = { ...base, keys: [...current.keys, ...change.vkeys], threshold: change.threshold ?? current.threshold };
      break;
    case 'remove':
      payload = { ...base, keys: without(current, change.keyids), threshold: change.threshold ?? current.threshold };
      break;
    case 'revoke': {
      // A canonical `since` (whole seconds, Z) so that two maintainers preparing the same
      // revocation produce the same payload and can sign one envelope.
      const since = formatTimestamp(parseTimestamp(change.since, 'since'));
      const revoked = change.keyids.map((k) => ({ keyid: asKeyid(k), since }));
      payload = { ...base, keys: without(current, change.keyids), threshold: change.threshold ?? current.threshold, revoked };
      break;
    }
    case 'rotate':
      payload = { ...base, keys: [...change.vkeys], threshold: change.threshold };
      break;
  }
  parseKeysPayload(payload);
  return payload;
}

// Client-side checks against a log, using only the browser-safe verification modules: a
// checkpoint whose signature verifies under the log's key, and an entry proven to be in the
// tree of that checkpoint (RFC 9162 inclusion proof). Nothing the log says is taken on trust
// beyond what these checks cover. With witnesses, the checkpoint must also carry a quorum of
// their cosignatures (log/checkpoint-trust.ts).
import { fromBase64 } from '../log/bytes.js';
import { checkpointVerifiers, openTrustedCheckpoint } from '../log/checkpoint-trust.js';
import { nobleCrypto, type Crypto } from '../log/crypto.js';
import { canonicalEnvelopeBytes, parseEnvelope, type Envelope } from '../log/dsse.js';
import { DiptychError } from '../log/errors.js';
import { verifyInclusion } from '../log/proof.js';
import { RELEASE_TYPE, parseReleasePayload, type ReleasePayload } from '../log/release-manifest.js';
import { merkleHasher } from '../log/tree.js';
import { getJson, getText, joinUrl } from './http-json.js';
import type { WitnessTrust } from './witness-file.js';

export interface TrustedCheckpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
  /** The signed note as served, cosignature lines included. */
  readonly note: Uint8Array;
  /** How many of the trusted witnesses cosigned it (0 when none were required). */
  readonly cosigned: number;
}

/** The keys a client checks a log's checkpoint with (`--log-key`, `--witnesses`, `--quorum`). */
export interface LogTrust {
  /** The log's vkey; without it, the key the log names itself (with a warning). */
  readonly logKey?: string;
  readonly witnesses?: WitnessTrust;
}

/** The log key to check with: the trusted one, or the one the log names, with a warning. */
export async function resolveLogKey(logUrl: string, vkey: string | undefined, warn: (line: string) => void): Promise<string> {
  if (vkey !== undefined) return vkey;
  const key = (await getJson<{ verifierKey: string }>(joinUrl(logUrl, '/api/v1/log'))).verifierKey;
  warn(`warning: no --log-key given; trusting the key the log itself names (${key.slice(0, key.lastIndexOf('+'))})`);
  return key;
}

/**
 * Opens a served checkpoint note under the trust: signed by the log key with its name as origin,
 * and, with witnesses, cosigned by their quorum (insufficient_cosignatures otherwise).
 */
export function trustCheckpoint(note: Uint8Array, logKey: string, witnesses: WitnessTrust | undefined, crypto: Crypto = nobleCrypto): TrustedCheckpoint {
  const verifiers = checkpointVerifiers({ logKey, witnessKeys: witnesses?.witnessKeys, quorum: witnesses?.quorum }, crypto);
  const { checkpoint, cosignatures } = openTrustedCheckpoint(note, verifiers);
  return { origin: checkpoint.origin, size: checkpoint.size, root: checkpoint.root, note, cosigned: cosignatures.length };
}

/**
 * The log's current checkpoint, checked under `trust` (see trustCheckpoint). Without a log key,
 * the key comes from the log itself (GET /api/v1/log), which proves consistency only, not
 * identity: warn.
 */
export async function fetchTrustedCheckpoint(logUrl: string, trust: LogTrust, warn: (line: string) => void): Promise<TrustedCheckpoint> {
  const key = await resolveLogKey(logUrl, trust.logKey, warn);
  const note = new TextEncoder().encode(await getText(joinUrl(logUrl, '/checkpoint')));
  return trustCheckpoint(note, key, trust.witnesses);
}

/** fetchTrustedCheckpoint with the log key only. */
export async function fetchCheckpoint(logUrl: string, vkey: string | undefined, warn: (line: string) => void): Promise<TrustedCheckpoint> {
  return fetchTrustedCheckpoint(logUrl, { logKey: vkey }, warn);
}

/** Checks that the entry bytes are leaf `index` of the checkpoint's tree. */
export async function proveInclusion(logUrl: string, index: number, entry: Uint8Array, checkpoint: TrustedCheckpoint): Promise<void> {
  if (index >= checkpoint.size) throw new DiptychError('not_in_checkpoint', `entry ${index} is not in the checkpoint of size ${checkpoint.size}`);
  const { proof } = await getJson<{ proof: string[] }>(joinUrl(logUrl, `/api/v1/proof/inclusion?index=${index}&size=${checkpoint.size}`));
  const h = merkleHasher();
  verifyInclusion(h, index, checkpoint.size, h.leaf(entry), proof.map((p) => fromBase64(p)), checkpoint.root);
}

/** Release manifest entry `index`, proven to be in the checkpoint's tree. */
export async function fetchProvenRelease(logUrl: string, index: number, checkpoint: TrustedCheckpoint): Promise<ReleasePayload> {
  const { envelope } = await getJson<{ envelope: Envelope }>(joinUrl(logUrl, `/api/v1/entries/${index}`));
  const entry = canonicalEnvelopeBytes(envelope);
  const parsed = parseEnvelope(entry);
  if (parsed.envelope.payloadType !== RELEASE_TYPE) throw new DiptychError('not_a_manifest', `entry ${index} is a ${parsed.envelope.payloadType}, not a release manifest`);
  await proveInclusion(logUrl, index, entry, checkpoint);
  return parseReleasePayload(parsed.payload);
}

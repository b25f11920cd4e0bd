// Client-side checks against a log, using only the browser-safe verification modules: a
// checkpoint whose signature verifies under the log's key, and an entry proven to be in the
// tree of that checkpoint (RFC 9162 inclusion proof). Nothing the log says is taken on trust
// beyond what these checks cover.
import { fromBase64 } from '../log/bytes.js';
import { openCheckpoint } from '../log/checkpoint.js';
import { canonicalEnvelopeBytes, parseEnvelope, type Envelope } from '../log/dsse.js';
import { DiptychError } from '../log/errors.js';
import { noteVerifier } from '../log/note.js';
import { verifyInclusion } from '../log/proof.js';
import { RELEASE_TYPE, parseReleasePayload, type ReleasePayload } from '../log/release-manifest.js';
import { merkleHasher } from '../log/tree.js';
import { getJson, getText, joinUrl } from './http-json.js';

export interface TrustedCheckpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
}

/**
 * The log's current checkpoint, its signature checked with `vkey`. Without one, the key comes
 * from the log itself (GET /api/v1/log), which proves consistency only, not identity: warn.
 */
export async function fetchCheckpoint(logUrl: string, vkey: string | undefined, warn: (line: string) => void): Promise<TrustedCheckpoint> {
  let key = vkey;
  if (key === undefined) {
    key = (await getJson<{ verifierKey: string }>(joinUrl(logUrl, '/api/v1/log'))).verifierKey;
    warn(`warning: no --log-key given; trusting the key the log itself names (${key.slice(0, key.lastIndexOf('+'))})`);
  }
  const verifier = noteVerifier(key);
  const note = new TextEncoder().encode(await getText(joinUrl(logUrl, '/checkpoint')));
  const { checkpoint } = openCheckpoint(note, verifier, { origin: verifier.name });
  return { origin: checkpoint.origin, size: checkpoint.size, root: checkpoint.root };
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

// Signing statements from the CLI: loads signer key files (refused when others can read them),
// turns a bare payload into an envelope (its payloadType given or inferred) and adds signatures.
import { addSignature, checkEnvelope, signEnvelope, type Envelope } from '../log/dsse.js';
import { DiptychError } from '../log/errors.js';
import { readSignerKeyFile } from '../log/log-key.js';
import type { NoteSigner } from '../log/note.js';
import type { JsonObject } from '../log/payload-fields.js';
import { KEYS_TYPE } from '../log/project-policy.js';
import { RELEASE_TYPE } from '../log/release-manifest.js';
import { UsageError } from './args.js';

export async function loadSigners(paths: readonly string[]): Promise<NoteSigner[]> {
  const signers: NoteSigner[] = [];
  for (const path of paths) signers.push((await readSignerKeyFile(path)).signer);
  return signers;
}

export function isEnvelope(doc: Envelope | JsonObject): doc is Envelope {
  return Object.hasOwn(doc, 'payloadType') && Object.hasOwn(doc, 'payload') && Object.hasOwn(doc, 'signatures');
}

/** The payloadType of a bare payload: --type if given, else from the fields it has. */
export function payloadTypeOf(payload: JsonObject, given: string | undefined): string {
  if (given !== undefined) return given;
  if (Object.hasOwn(payload, 'keys') && Object.hasOwn(payload, 'threshold')) return KEYS_TYPE;
  if (Object.hasOwn(payload, 'files') && Object.hasOwn(payload, 'version')) return RELEASE_TYPE;
  throw new UsageError('cannot tell the payload type from the file; pass --type');
}

/**
 * The document signed by every signer: an envelope gains signatures, a bare payload becomes an
 * envelope. With no signers a bare payload stays bare, to be signed later with `diptych sign`.
 */
export function signDocument(doc: JsonObject, signers: readonly NoteSigner[], type?: string): Envelope | JsonObject {
  if (isEnvelope(doc)) {
    let envelope = checkEnvelope(doc).envelope;
    if (type !== undefined && type !== envelope.payloadType) {
      throw new DiptychError('invalid_envelope', `the envelope's payloadType is ${envelope.payloadType}, not ${type}`);
    }
    for (const signer of signers) envelope = addSignature(envelope, signer);
    return envelope;
  }
  if (signers.length === 0) return doc;
  return signEnvelope(payloadTypeOf(doc, type), doc, signers);
}

/** The keyids that signed the document (none for a bare payload). */
export function signerKeyids(doc: Envelope | JsonObject): string[] {
  return isEnvelope(doc) ? doc.signatures.map((s) => s.keyid) : [];
}

/** One line for people: what was written and who signed it (keyids only, never key material). */
export function describeDocument(doc: Envelope | JsonObject): string {
  if (!isEnvelope(doc)) return 'unsigned payload (sign it with diptych sign)';
  return `${doc.payloadType} signed by ${doc.signatures.map((s) => s.keyid).join(', ')}`;
}

// Statement files: envelopes and bare payloads as JSON on disk, read and written by the
// keys, manifest and sign commands. Written pretty-printed for people to review before signing;
// the bytes that get logged are always the JCS form (canonicalEnvelopeBytes at submit time).
import { readFile, writeFile } from 'node:fs/promises';
import { DiptychError } from '../log/errors.js';
import { isObject, type JsonObject } from '../log/payload-fields.js';

export async function readDocument(path: string): Promise<JsonObject> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new DiptychError('file_unreadable', `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DiptychError('invalid_json', `${path} is not JSON`);
  }
  if (!isObject(value)) throw new DiptychError('invalid_json', `${path} does not hold a JSON object`);
  return value;
}

export function formatDocument(doc: unknown): string {
  return JSON.stringify(doc, null, 2) + '\n';
}

/** Writes the document to `out`, or prints it on stdout when there is no `out`. */
export async function emitDocument(doc: unknown, out: string | undefined): Promise<void> {
  if (out === undefined) process.stdout.write(formatDocument(doc));
  else await writeFile(out, formatDocument(doc));
}

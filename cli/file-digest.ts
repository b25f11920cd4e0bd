// SHA-256 and size of a local file, streamed so that large wheels never sit in memory.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { DiptychError } from '../log/errors.js';

export interface FileDigest {
  readonly sha256: string;
  readonly size: number;
}

export async function digestFile(path: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DiptychError('file_unreadable', `cannot read ${path}${code ? ` (${code})` : ''}`);
  }
  return { sha256: hash.digest('hex'), size };
}

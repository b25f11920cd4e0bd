// Reads a request body with a size limit. On Node it reads the IncomingMessage directly: going
// through the web Request body (ReadableStream, AbortSignal) cost more than the rest of an
// append. Other runtimes (and app.request in tests) take the standard path.
import type { Context } from 'hono';
import type { IncomingMessage } from 'node:http';
import { DiptychError } from '../log/errors.js';

export async function readBody(c: Context, maxSize: number, code = 'entry_too_large'): Promise<Uint8Array> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming !== undefined && typeof incoming.on === 'function') return readIncoming(incoming, maxSize, code);
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > maxSize) throw tooLarge(maxSize, code);
  const body = new Uint8Array(await c.req.arrayBuffer());
  if (body.length > maxSize) throw tooLarge(maxSize, code);
  return body;
}

function tooLarge(maxSize: number, code: string): DiptychError {
  return new DiptychError(code, `the body is larger than ${maxSize} bytes`);
}

/** The body of a Node request, refused with `code` beyond maxSize (declared or as it arrives). */
export function readIncoming(incoming: IncomingMessage, maxSize: number, code = 'entry_too_large'): Promise<Uint8Array> {
  const declared = incoming.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxSize) return Promise.reject(tooLarge(maxSize, code));
  // Listeners rather than `for await`: the async iterator allocated more per request than the
  // rest of reading a body.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= maxSize) {
        chunks.push(chunk);
        return;
      }
      // What else arrives is dropped; the answer closes the connection (see errorAnswer).
      stop();
      reject(tooLarge(maxSize, code));
    };
    const onEnd = (): void => {
      stop();
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      resolve(new Uint8Array(body.buffer, body.byteOffset, body.length));
    };
    // The client went away mid-body (Node's "aborted"): its request is malformed, not our failure.
    const onError = (): void => {
      stop();
      reject(new DiptychError('bad_request', 'the request body ended before its declared length'));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
  });
}

// Reads a request body with a size limit. On Node it reads the IncomingMessage directly: going
// through the web Request body (ReadableStream, AbortSignal) cost more than the rest of an
// append. Other runtimes (and app.request in tests) take the standard path.
import type { Context } from 'hono';
import type { IncomingMessage } from 'node:http';
import { DiptychError } from '../log/errors.js';

export async function readBody(c: Context, maxSize: number, code = 'entry_too_large'): Promise<Uint8Array> {
  const tooLarge = (): DiptychError => new DiptychError(code, `the body is larger than ${maxSize} bytes`);
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > maxSize) throw tooLarge();
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming === undefined || typeof incoming.on !== 'function') {
    const body = new Uint8Array(await c.req.arrayBuffer());
    if (body.length > maxSize) throw tooLarge();
    return body;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxSize) throw tooLarge();
    chunks.push(chunk);
  }
  const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  return new Uint8Array(body.buffer, body.byteOffset, body.length);
}

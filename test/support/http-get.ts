// A bare node:http GET for tests of test servers: no retries, no redirects, and a connection
// that closes without a response (or mid-body) is reported as such instead of thrown.
import { request, type IncomingHttpHeaders } from 'node:http';

export interface RawReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Uint8Array;
  readonly text: string;
}

export type GetOutcome = { ok: true; reply: RawReply } | { ok: false; error: string; status?: number };

export function rawGet(base: string, path: string, headers: Record<string, string> = {}): Promise<GetOutcome> {
  const url = new URL(base);
  if (url.hostname !== '127.0.0.1') throw new Error(`refusing a non-loopback address: ${base}`);
  return new Promise((resolve) => {
    const req = request({ host: url.hostname, port: url.port, path, headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('error', (e) => resolve({ ok: false, error: e.message, status: res.statusCode }));
      res.on('aborted', () => resolve({ ok: false, error: 'aborted', status: res.statusCode }));
      res.on('end', () => {
        if (!res.complete) return resolve({ ok: false, error: 'incomplete body', status: res.statusCode });
        const all = Buffer.concat(parts);
        const body = new Uint8Array(all.buffer, all.byteOffset, all.length);
        resolve({ ok: true, reply: { status: res.statusCode ?? 0, headers: res.headers, body, text: all.toString('utf8') } });
      });
    });
    req.on('error', (e) => resolve({ ok: false, error: e.message }));
    req.end();
  });
}

/** rawGet that must succeed. */
export async function get(base: string, path: string, headers: Record<string, string> = {}): Promise<RawReply> {
  const outcome = await rawGet(base, path, headers);
  if (!outcome.ok) throw new Error(`GET ${path} failed: ${outcome.error}`);
  return outcome.reply;
}

/** A POST with a Content-Length body; resolves with whatever the server answers. */
export function post(base: string, path: string, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<RawReply> {
  const url = new URL(base);
  if (url.hostname !== '127.0.0.1') throw new Error(`refusing a non-loopback address: ${base}`);
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, method: 'POST', headers: { ...headers, 'content-length': String(bytes.length) } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const all = Buffer.concat(parts);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: new Uint8Array(all.buffer, all.byteOffset, all.length), text: all.toString('utf8') });
        });
      },
    );
    req.on('error', reject);
    req.end(bytes);
  });
}

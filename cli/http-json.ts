// The CLI's HTTP client (undici): GET and POST JSON against a diptych log or a package index.
// A server's {"error": {code, message}} becomes a DiptychError (exit 1, the code printed); a
// server that cannot be reached at all becomes an UnreachableError (exit 3, SPEC §6).
import { request } from 'undici';
import { DiptychError } from '../log/errors.js';
import { UnreachableError } from './args.js';
import { trimTrailingSlashes } from '../log/trim-slashes.js';

const TIMEOUT_MS = 30_000;
// Answers are small JSON documents; a bound keeps a hostile server from filling memory.
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface HttpAnswer {
  readonly status: number;
  readonly text: string;
}

/** `base` (which may have a path) joined with an absolute `path`. */
export function joinUrl(base: string, path: string): string {
  return trimTrailingSlashes(base) + path;
}

// PyPI redirects non-canonical project URLs (301); a few hops are followed for GETs only.
const MAX_REDIRECTS = 3;

async function send(url: string, method: 'GET' | 'POST', body?: Uint8Array, contentType?: string): Promise<HttpAnswer> {
  for (let hops = 0; ; hops++) {
    const answer = await sendOnce(url, method, body, contentType);
    if (method !== 'GET' || answer.location === undefined || ![301, 302, 303, 307, 308].includes(answer.status)) return answer;
    if (hops === MAX_REDIRECTS) throw new DiptychError('too_many_redirects', `${url} redirects more than ${MAX_REDIRECTS} times`);
    url = new URL(answer.location, url).toString();
  }
}

async function sendOnce(url: string, method: 'GET' | 'POST', body?: Uint8Array, contentType?: string): Promise<HttpAnswer & { location?: string }> {
  let res;
  try {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (contentType) headers['content-type'] = contentType;
    res = await request(url, { method, body, headers, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).name;
    throw new UnreachableError(`could not reach ${new URL(url).origin} (${code})`);
  }
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > MAX_BODY_BYTES) throw new DiptychError('response_too_large', `${url} answered more than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const location = res.headers['location'];
  return { status: res.statusCode, text: Buffer.concat(chunks).toString('utf8'), location: typeof location === 'string' ? location : undefined };
}

/** The server's own error, when it sent one in the SPEC §5 shape; else a generic one. */
function failure(url: string, answer: HttpAnswer): DiptychError {
  try {
    const body = JSON.parse(answer.text) as { error?: { code?: unknown; message?: unknown } };
    const { code, message } = body.error ?? {};
    if (typeof code === 'string' && typeof message === 'string') return new DiptychError(code, message);
  } catch {
    // not JSON: fall through
  }
  return new DiptychError('http_error', `${url} answered HTTP ${answer.status}`);
}

function parse<T>(url: string, answer: HttpAnswer): T {
  if (answer.status < 200 || answer.status > 299) throw failure(url, answer);
  try {
    return JSON.parse(answer.text) as T;
  } catch {
    throw new DiptychError('invalid_response', `${url} did not answer JSON`);
  }
}

/** GET a JSON document; the caller names the shape it relies on and checks what it uses. */
export async function getJson<T>(url: string): Promise<T> {
  return parse<T>(url, await send(url, 'GET'));
}

/** GET a text document (a checkpoint). */
export async function getText(url: string): Promise<string> {
  const answer = await send(url, 'GET');
  if (answer.status !== 200) throw failure(url, answer);
  return answer.text;
}

/** POST a JSON body; returns the status (201 created, 200 already there) and the answer. */
export async function postJson<T>(url: string, body: Uint8Array): Promise<{ status: number; body: T }> {
  const answer = await send(url, 'POST', body, 'application/json');
  return { status: answer.status, body: parse<T>(url, answer) };
}

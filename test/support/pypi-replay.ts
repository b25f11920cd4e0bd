// A PyPI stand-in for tests, the demo and incident rehearsals: a real HTTP server on 127.0.0.1
// (port 0) serving the recorded responses of ../shared/fixtures/pypi with PyPI's headers, and a
// control API (plain methods) to make it misbehave the ways a real index or its CDN can.
//
//   GET /pypi/<p>/json, /pypi/<p>/<v>/json    JSON API (application/json)
//   GET /simple/<p>/                          PEP 691 JSON or PEP 503 HTML by Accept (HTML fallback)
//   GET /simple/                              project list, same negotiation
//
// Every answer carries X-PyPI-Last-Serial (when the view has one) and an ETag; If-None-Match
// gets 304. Non-normalised names and missing trailing slashes get 301 as on PyPI.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadRecordedProjects, normalizeName, type RecordedProject } from './pypi-fixtures.js';
import { prng } from './prng.js';
import { FaultPlan, type Fault, type FaultOptions } from './replay-faults.js';
import { negotiateSimple, type SimpleFormat } from './replay-negotiation.js';
import {
  ALL_VIEWS,
  ProjectViews,
  addFileEdits,
  changeHashEdits,
  removeFileEdits,
  removeReleaseEdits,
  yankEdits,
  type NewFile,
  type View,
  type ViewEdits,
} from './replay-views.js';

export type { Fault, FaultOptions } from './replay-faults.js';
export type { NewFile, View } from './replay-views.js';
export { ALL_VIEWS } from './replay-views.js';

export interface ReplayOptions {
  /** Seed of the PRNG that picks requests for fractional faults. */
  seed?: number;
  /** The recorded projects (default: all fixtures). */
  projects?: Map<string, RecordedProject>;
}

export interface EditOptions {
  /** The views to change (default all three): fewer makes the APIs disagree. */
  views?: readonly View[];
  /** Keep the serial; by default an edit bumps the edited views' serial past every view's. */
  keepSerial?: boolean;
}

export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

const MAX_RECORDED_REQUESTS = 2000;
const encoder = new TextEncoder();

function etagOf(body: Uint8Array, contentType: string): string {
  return `"${createHash('sha256').update(contentType).update(body).digest('base64url').slice(0, 22)}"`;
}

export class ReplayIndex {
  /** Requests received, oldest first (the most recent MAX_RECORDED_REQUESTS). */
  readonly requests: RequestRecord[] = [];
  requestCount = 0;
  /** Requests being answered now, and the most at once so far (to check client concurrency). */
  inFlight = 0;
  maxInFlight = 0;
  private readonly projects = new Map<string, ProjectViews>();
  private readonly faults: FaultPlan;
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(private readonly server: Server, readonly url: string, options: ReplayOptions) {
    this.faults = new FaultPlan(prng(options.seed ?? 1));
    for (const [name, recorded] of options.projects ?? loadRecordedProjects()) this.projects.set(name, new ProjectViews(recorded));
  }

  static start(options: ReplayOptions = {}): Promise<ReplayIndex> {
    const server = createServer({ keepAliveTimeout: 5_000 });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        const index = new ReplayIndex(server, `http://127.0.0.1:${port}`, options);
        server.on('request', (req, res) => index.handle(req, res));
        resolve(index);
      });
    });
  }

  close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    return new Promise((done) => {
      this.server.close(() => done());
      this.server.closeAllConnections();
    });
  }

  // -------------------------------------------------------------------------------------------
  // Control API

  projectNames(): string[] {
    return [...this.projects.keys()].sort();
  }

  /** The live views of a project (its documents as currently served). */
  project(name: string): ProjectViews {
    const views = this.projects.get(normalizeName(name));
    if (views === undefined) throw new Error(`the replay index has no project ${name}`);
    return views;
  }

  /** Serves another hash for a filename (PyPI filenames are immutable: this is the attack). */
  changeFileHash(project: string, filename: string, sha256: string, options: EditOptions = {}): void {
    this.apply(project, changeHashEdits(filename, sha256), options, filename);
  }

  removeFile(project: string, filename: string, options: EditOptions = {}): void {
    this.apply(project, removeFileEdits(filename), options, filename);
  }

  addFile(project: string, version: string, file: NewFile, options: EditOptions = {}): void {
    this.apply(project, addFileEdits(version, file), options, file.filename);
  }

  /** Removes a release; its files are taken from the JSON API view. */
  removeRelease(project: string, version: string, options: EditOptions = {}): void {
    this.apply(project, removeReleaseEdits(version, this.filenames(project, version)), options, version);
  }

  yankRelease(project: string, version: string, reason: string, options: EditOptions = {}): void {
    this.apply(project, yankEdits(this.filenames(project, version), reason), options, version);
  }

  /** Sets the serial the views claim, e.g. lower than before (a stale or frozen view). */
  setSerial(project: string, serial: number, views: readonly View[] = ALL_VIEWS): void {
    this.project(project).setSerial(serial, views);
  }

  /** Deletes a project: every API answers 404 for it, as PyPI does after a deletion. */
  removeProject(project: string): void {
    this.project(project);
    this.projects.delete(normalizeName(project));
  }

  /** Makes requests misbehave; see Fault. Rules apply in the order added. */
  inject(fault: Fault, options: FaultOptions = {}): void {
    this.faults.add(fault, options);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Filenames of a release as the JSON API view lists them. */
  filenames(project: string, version: string): string[] {
    const files = this.project(project).json?.releases[version];
    if (files === undefined) throw new Error(`${project} has no release ${version} in the JSON API view`);
    return files.map((f) => f.filename);
  }

  private apply(project: string, edits: ViewEdits, options: EditOptions, subject: string): void {
    const views = this.project(project);
    const chosen = options.views ?? ALL_VIEWS;
    const next = views.maxSerial() + 1;
    if (!views.edit(chosen, edits)) throw new Error(`${project} has no ${subject} in the chosen views`);
    if (options.keepSerial !== true) views.setSerial(next, chosen);
  }

  // -------------------------------------------------------------------------------------------
  // Serving

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    this.requestCount += 1;
    this.requests.push({ method: req.method ?? 'GET', path, headers: req.headers });
    if (this.requests.length > MAX_RECORDED_REQUESTS) this.requests.shift();
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    res.once('close', () => (this.inFlight -= 1));
    const fault = this.faults.pick(path);
    if (fault?.kind === 'slow') {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.respond(req, res, undefined);
      }, fault.delayMs);
      this.timers.add(timer);
      return;
    }
    this.respond(req, res, fault);
  }

  private respond(req: IncomingMessage, res: ServerResponse, fault: Fault | undefined): void {
    if (res.destroyed) return;
    if (fault?.kind === 'close') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') return sendAnswer(res, faultStatus(fault.status, fault.retryAfter));
    if (fault?.kind === 'redirect') return sendAnswer(res, redirect(fault.location, fault.status ?? 302));
    if (fault?.kind === 'oversize') return sendOversize(res, fault.bytes, fault.chunked === true);
    const answer = this.route(req);
    const etag = answer.headers['etag'];
    if (answer.status === 200 && etag !== undefined && matchesEtag(req.headers['if-none-match'], etag)) {
      const { ['content-type']: _type, ...rest } = answer.headers;
      return sendAnswer(res, { status: 304, headers: rest, body: new Uint8Array(0) });
    }
    if (fault?.kind === 'content-type') answer.headers['content-type'] = fault.contentType;
    if (fault?.kind === 'truncate') answer.body = answer.body.subarray(0, Math.floor(answer.body.length / 2));
    if (fault?.kind === 'close-mid-body') {
      res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
      res.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)), () => req.socket.destroy());
      return;
    }
    sendAnswer(res, answer);
  }

  private route(req: IncomingMessage): Answer {
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(405, 'Method Not Allowed');
    const url = new URL(req.url ?? '/', 'http://replay.invalid');
    const parts = url.pathname.split('/');
    // ['', 'pypi', name, 'json'] or ['', 'pypi', name, version, 'json']
    if (parts[1] === 'pypi' && parts.at(-1) === 'json' && (parts.length === 4 || parts.length === 5)) {
      return this.jsonApi(decodeURIComponent(parts[2]!), parts.length === 5 ? decodeURIComponent(parts[3]!) : undefined);
    }
    if (url.pathname === '/simple/') return this.simpleRoot(req.headers['accept']);
    if (parts[1] === 'simple' && parts.length >= 3 && parts.length <= 4 && parts[2] !== '') {
      const name = decodeURIComponent(parts[2]!);
      if (parts.length === 3 || parts[3] !== '' || normalizeName(name) !== name) return redirect(`/simple/${normalizeName(name)}/`, 301);
      return this.simplePage(name, req.headers['accept']);
    }
    return plain(404, 'Not Found');
  }

  private jsonApi(name: string, version: string | undefined): Answer {
    const normal = normalizeName(name);
    if (normal !== name) return redirect(version === undefined ? `/pypi/${normal}/json` : `/pypi/${normal}/${version}/json`, 301);
    const views = this.projects.get(name);
    const body = version === undefined ? views?.body('json') : views?.releaseBody(version);
    if (views === undefined || body === undefined) return jsonNotFound();
    return ok(body, 'application/json', views.serial('json'), { 'cache-control': 'max-age=900, public' });
  }

  private simplePage(name: string, accept: string | undefined): Answer {
    const views = this.projects.get(name);
    if (views === undefined) return plain(404, 'Not Found');
    const hasJson = views.simpleJson !== undefined;
    const format = negotiateSimple(accept, hasJson);
    const view: View = format === 'json' ? 'simple-json' : 'simple-html';
    const body = views.body(view);
    if (body === undefined) return plain(404, 'Not Found');
    return ok(body, contentTypeOf(format), views.serial(view), { vary: 'Accept', 'cache-control': 'max-age=600, public' });
  }

  private simpleRoot(accept: string | undefined): Answer {
    const entries = [...this.projects.values()].map((v) => ({ name: v.name, '_last-serial': v.maxSerial() }));
    const serial = Math.max(0, ...entries.map((e) => e['_last-serial']));
    const format = negotiateSimple(accept, true);
    const body =
      format === 'json'
        ? JSON.stringify({ meta: { 'api-version': '1.1', '_last-serial': serial }, projects: entries.map((e) => ({ name: e.name, '_last-serial': e['_last-serial'] })) }) + '\n'
        : '<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n    <title>Simple index</title>\n  </head>\n  <body>\n' +
          entries.map((e) => `    <a href="/simple/${e.name}/">${e.name}</a>\n`).join('') +
          `  </body>\n</html>\n<!--SERIAL ${serial}-->`;
    return ok(encoder.encode(body), contentTypeOf(format), serial, { vary: 'Accept' });
  }
}

function contentTypeOf(format: SimpleFormat): string {
  if (format === 'json') return 'application/vnd.pypi.simple.v1+json';
  if (format === 'html-v1') return 'application/vnd.pypi.simple.v1+html';
  return 'text/html; charset=utf-8';
}

function ok(body: Uint8Array, contentType: string, serial: number | undefined, extra: Record<string, string>): Answer {
  const headers: Record<string, string> = { 'content-type': contentType, etag: etagOf(body, contentType), ...extra };
  if (serial !== undefined) {
    headers['x-pypi-last-serial'] = String(serial);
    headers['access-control-expose-headers'] = 'X-PyPI-Last-Serial';
  }
  return { status: 200, headers, body };
}

function plain(status: number, text: string): Answer {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: encoder.encode(text + '\n') };
}

function jsonNotFound(): Answer {
  return { status: 404, headers: { 'content-type': 'application/json' }, body: encoder.encode('{"message": "Not Found"}') };
}

function redirect(location: string, status: number): Answer {
  return { status, headers: { location, 'content-type': 'text/plain; charset=utf-8' }, body: encoder.encode(`Moved to ${location}\n`) };
}

function faultStatus(status: number, retryAfter: string | undefined): Answer {
  const answer = plain(status, status === 429 ? 'Too Many Requests' : 'Service Unavailable');
  if (retryAfter !== undefined) answer.headers['retry-after'] = retryAfter;
  return answer;
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

function sendAnswer(res: ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
  res.end(answer.status === 304 ? undefined : answer.body);
}

// A JSON-looking body of `bytes` bytes, written in chunks so the server never holds it whole.
function sendOversize(res: ServerResponse, bytes: number, chunked: boolean): void {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (!chunked) headers['content-length'] = String(bytes);
  res.writeHead(200, headers);
  const chunk = encoder.encode(' '.repeat(64 * 1024));
  let left = bytes;
  const pump = (): void => {
    while (left > 0 && !res.destroyed) {
      const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= part.length;
      if (!res.write(part)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  res.on('close', () => (left = 0));
  pump();
}

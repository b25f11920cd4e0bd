// The recorded PyPI responses in ../shared/fixtures/pypi (see SOURCES.md there), loaded into the
// documents the replay index serves. Found from wherever the compiled tests run, like
// vectors.ts does; DIPTYCH_PYPI_FIXTURES overrides the search.
//
// Each project gets three views, as PyPI has: the JSON API document, the PEP 691 JSON simple
// page and the PEP 503 HTML simple page. Recorded views are kept byte for byte. A project
// recorded only through the JSON API gets its simple JSON synthesised from that (PyPI renders
// both from one database), and a project without a recorded HTML page gets one rendered from
// its simple JSON. Projects recorded only as HTML (attrs, qypi, requests, urllib3) have no
// JSON views at all: they stand for an old mirror without PEP 691.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file as the JSON API lists it (only the fields the replay index touches are typed). */
export interface JsonApiFile {
  filename: string;
  url: string;
  size: number;
  digests: { sha256: string; [k: string]: string };
  upload_time: string;
  upload_time_iso_8601?: string;
  requires_python: string | null;
  yanked?: boolean;
  yanked_reason?: string | null;
  [k: string]: unknown;
}

export interface JsonApiDoc {
  info: { name: string; version: string; [k: string]: unknown };
  last_serial: number;
  releases: Record<string, JsonApiFile[]>;
  urls: JsonApiFile[];
  [k: string]: unknown;
}

export interface SimpleJsonFile {
  filename: string;
  url: string;
  hashes: { sha256?: string; [k: string]: string | undefined };
  'requires-python'?: string | null;
  size?: number;
  'upload-time'?: string;
  yanked: boolean | string;
  [k: string]: unknown;
}

export interface SimpleJsonDoc {
  meta: { 'api-version': string; '_last-serial'?: number; [k: string]: unknown };
  name: string;
  versions?: string[];
  files: SimpleJsonFile[];
  [k: string]: unknown;
}

/** A project's documents; the replay index mutates copies of these. */
export interface RecordedProject {
  /** PEP 503-normalised name. */
  readonly name: string;
  readonly json: JsonApiDoc | undefined;
  readonly simpleJson: SimpleJsonDoc | undefined;
  readonly html: string;
  /** Exact recorded bytes, served as long as a view is unchanged. */
  readonly raw: { json?: Uint8Array; simpleJson?: Uint8Array; html?: Uint8Array };
  /** Recorded release documents (`/pypi/<p>/<v>/json`), by version. */
  readonly releases: ReadonlyMap<string, Uint8Array>;
}

export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

export function findPypiFixturesDir(): string {
  const override = process.env['DIPTYCH_PYPI_FIXTURES'];
  if (override !== undefined && override !== '') return resolve(override);
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, '..', 'shared', 'fixtures', 'pypi');
    if (isDirectory(candidate)) return resolve(candidate);
    if (dirname(dir) === dir) throw new Error('no shared/fixtures/pypi directory beside any ancestor of the tests');
  }
}

function readDir(dir: string, ext: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  if (!isDirectory(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name.endsWith(ext)) out.set(name.slice(0, -ext.length), new Uint8Array(readFileSync(join(dir, name))));
  }
  return out;
}

const decoder = new TextDecoder();

function parse<T>(bytes: Uint8Array): T {
  return JSON.parse(decoder.decode(bytes)) as T;
}

/** All recorded projects, by normalised name (edited/ fixtures are left out: they are edited). */
export function loadRecordedProjects(dir = findPypiFixturesDir()): Map<string, RecordedProject> {
  const json = readDir(join(dir, 'json'), '.json');
  const simpleJson = readDir(join(dir, 'simple-json'), '.json');
  const html = readDir(join(dir, 'simple-html'), '.html');
  const projectDocs = new Map<string, JsonApiDoc>();
  const releaseDocs = new Map<string, Map<string, Uint8Array>>();
  for (const bytes of json.values()) {
    const doc = parse<JsonApiDoc>(bytes);
    const name = normalizeName(doc.info.name);
    if ((doc as { releases?: unknown }).releases !== undefined) projectDocs.set(name, doc);
    else {
      const byVersion = releaseDocs.get(name) ?? new Map<string, Uint8Array>();
      byVersion.set(doc.info.version, bytes);
      releaseDocs.set(name, byVersion);
    }
  }
  const names = new Set([...projectDocs.keys(), ...simpleJson.keys(), ...html.keys()].map(normalizeName));
  const out = new Map<string, RecordedProject>();
  for (const name of names) {
    const jsonBytes = json.get(name);
    const doc = projectDocs.get(name);
    const simpleBytes = simpleJson.get(name);
    const simple = simpleBytes !== undefined ? parse<SimpleJsonDoc>(simpleBytes) : doc !== undefined ? simpleFromJsonApi(name, doc) : undefined;
    const htmlBytes = html.get(name);
    const page = htmlBytes !== undefined ? decoder.decode(htmlBytes) : simple !== undefined ? htmlFromSimple(simple) : '';
    const raw = { json: doc !== undefined ? jsonBytes : undefined, simpleJson: simpleBytes, html: htmlBytes };
    out.set(name, { name, json: doc, simpleJson: simple, html: page, raw, releases: releaseDocs.get(name) ?? new Map() });
  }
  return out;
}

/** The simple JSON page PyPI would render for the files a JSON API document lists. */
export function simpleFromJsonApi(name: string, doc: JsonApiDoc): SimpleJsonDoc {
  const files: SimpleJsonFile[] = [];
  const versions: string[] = [];
  for (const [version, list] of Object.entries(doc.releases)) {
    if (list.length > 0) versions.push(version);
    for (const f of [...list].sort((a, b) => (a.filename < b.filename ? -1 : 1))) files.push(simpleFileFromJsonApi(f));
  }
  return { meta: { 'api-version': '1.1', '_last-serial': doc.last_serial }, name, versions, files };
}

export function simpleFileFromJsonApi(f: JsonApiFile): SimpleJsonFile {
  return {
    'core-metadata': false,
    'data-dist-info-metadata': false,
    filename: f.filename,
    hashes: { sha256: f.digests.sha256 },
    'requires-python': f.requires_python,
    size: f.size,
    'upload-time': f.upload_time_iso_8601 ?? `${f.upload_time}Z`,
    url: f.url,
    yanked: f.yanked === true ? (f.yanked_reason ?? true) : false,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** One PEP 503 anchor line, as Warehouse writes it. */
export function htmlAnchor(f: SimpleJsonFile): string {
  const sha = f.hashes.sha256 === undefined ? '' : `#sha256=${f.hashes.sha256}`;
  let attrs = '';
  if (typeof f['requires-python'] === 'string' && f['requires-python'] !== '') {
    attrs += ` data-requires-python="${escapeHtml(f['requires-python'])}"`;
  }
  if (f.yanked !== false) attrs += ` data-yanked="${f.yanked === true ? '' : escapeHtml(f.yanked)}"`;
  return `    <a href="${escapeHtml(f.url)}${sha}"${attrs} >${escapeHtml(f.filename)}</a><br />\n`;
}

/** The PEP 503 page Warehouse renders for a simple JSON page. */
export function htmlFromSimple(doc: SimpleJsonDoc): string {
  const serial = doc.meta['_last-serial'];
  return (
    '<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n' +
    `    <title>Links for ${escapeHtml(doc.name)}</title>\n  </head>\n  <body>\n    <h1>Links for ${escapeHtml(doc.name)}</h1>\n` +
    doc.files.map(htmlAnchor).join('') +
    '    </body>\n</html>\n' +
    (serial === undefined ? '' : `<!--SERIAL ${serial}-->`)
  );
}

// Parsers from index response bodies to IndexView: the JSON API (project and release), PEP 691
// JSON and PEP 503 HTML. Shapes are checked field by field; anything off is a typed failure
// (invalid_document, missing_hash, name_mismatch, unsupported_api_version), never a throw.
import type { FetchFailureReason } from './fetch-result.js';
import { versionFromFilename } from './filename-version.js';
import { scanHtml } from './html-scan.js';
import type { IndexFile, IndexView } from './index-view.js';
import { pep503Normalize } from '../log/project-name.js';

export type ParseResult = { ok: true; view: IndexView } | { ok: false; reason: FetchFailureReason; message: string };

export interface ParseContext {
  readonly project: string;
  readonly serialHeader: number | null;
  readonly etag: string | null;
}

type Obj = { readonly [key: string]: unknown };

class Invalid extends Error {
  constructor(readonly reason: FetchFailureReason, message: string) {
    super(message);
  }
}

const SHA256 = /^[0-9a-f]{64}$/;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function field<T>(o: Obj, key: string, check: (v: unknown) => v is T, what: string): T {
  const v = o[key];
  if (!check(v)) throw new Invalid('invalid_document', `${what}: ${key} is missing or malformed`);
  return v;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isArray = (v: unknown): v is unknown[] => Array.isArray(v);

function sha256Of(value: unknown, filename: string): string {
  const hex = typeof value === 'string' ? value.toLowerCase() : undefined;
  if (hex === undefined) throw new Invalid('missing_hash', `${filename} has no sha256`);
  if (!SHA256.test(hex)) throw new Invalid('invalid_document', `${filename} has a malformed sha256`);
  return hex;
}

function run(fn: () => IndexView): ParseResult {
  try {
    return { ok: true, view: fn() };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, reason: e.reason, message: e.message };
    throw e;
  }
}

function parseJson(text: string): Obj {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Invalid('invalid_json', `the body is not JSON (${(e as Error).message})`);
  }
  if (!isObj(value)) throw new Invalid('invalid_document', 'the body is not a JSON object');
  return value;
}

function checkName(ctx: ParseContext, name: string): void {
  if (pep503Normalize(name) !== ctx.project) throw new Invalid('name_mismatch', `asked for ${ctx.project}, the index answered for ${name}`);
}

function jsonApiFile(raw: unknown, version: string): IndexFile {
  if (!isObj(raw)) throw new Invalid('invalid_document', 'a file entry is not an object');
  const filename = field(raw, 'filename', isString, 'file');
  const digests = field(raw, 'digests', isObj, filename);
  const uploadTime = raw['upload_time_iso_8601'] ?? (isString(raw['upload_time']) ? `${raw['upload_time']}Z` : null);
  const yanked = raw['yanked'] === true;
  return {
    filename,
    version,
    sha256: sha256Of(digests['sha256'], filename),
    size: field(raw, 'size', isCount, filename),
    yanked,
    yankedReason: yanked && isString(raw['yanked_reason']) ? raw['yanked_reason'] : null,
    uploadTime: isString(uploadTime) ? uploadTime : null,
  };
}

/** /pypi/<p>/json */
export function parseJsonApiProject(text: string, ctx: ParseContext): ParseResult {
  return run(() => {
    const doc = parseJson(text);
    const info = field(doc, 'info', isObj, 'document');
    checkName(ctx, field(info, 'name', isString, 'info'));
    const releases = field(doc, 'releases', isObj, 'document');
    const files: IndexFile[] = [];
    for (const [version, list] of Object.entries(releases)) {
      if (!isArray(list)) throw new Invalid('invalid_document', `releases.${version} is not a list`);
      for (const f of list) files.push(jsonApiFile(f, version));
    }
    const bodySerial = isCount(doc['last_serial']) ? doc['last_serial'] : null;
    return { project: ctx.project, source: 'json', format: 'json-api', serial: ctx.serialHeader ?? bodySerial, etag: ctx.etag, versions: Object.keys(releases), files };
  });
}

/** /pypi/<p>/<v>/json (PyPI may answer for the canonical spelling of the version asked for). */
export function parseJsonApiRelease(text: string, ctx: ParseContext): ParseResult {
  return run(() => {
    const doc = parseJson(text);
    const info = field(doc, 'info', isObj, 'document');
    checkName(ctx, field(info, 'name', isString, 'info'));
    const served = field(info, 'version', isString, 'info');
    const urls = field(doc, 'urls', isArray, 'document');
    const files = urls.map((f) => jsonApiFile(f, served));
    const bodySerial = isCount(doc['last_serial']) ? doc['last_serial'] : null;
    return { project: ctx.project, source: 'json', format: 'json-api', serial: ctx.serialHeader ?? bodySerial, etag: ctx.etag, versions: [served], files };
  });
}

function checkApiVersion(version: string | undefined): void {
  if (version === undefined) return; // pre-PEP 629 pages have none
  if (version.split('.')[0] !== '1') throw new Invalid('unsupported_api_version', `Simple API version ${version} (major 1 expected)`);
}

function simpleJsonFile(raw: unknown, project: string, versions: readonly string[] | undefined): IndexFile {
  if (!isObj(raw)) throw new Invalid('invalid_document', 'a file entry is not an object');
  const filename = field(raw, 'filename', isString, 'file');
  const hashes = field(raw, 'hashes', isObj, filename);
  const yanked = raw['yanked'];
  if (typeof yanked !== 'boolean' && typeof yanked !== 'string' && yanked !== undefined) throw new Invalid('invalid_document', `${filename}: yanked is malformed`);
  const isYanked = yanked === true || typeof yanked === 'string';
  return {
    filename,
    version: versionFromFilename(project, filename, versions),
    sha256: sha256Of(hashes['sha256'], filename),
    size: isCount(raw['size']) ? raw['size'] : null,
    yanked: isYanked,
    yankedReason: typeof yanked === 'string' ? yanked : null,
    uploadTime: isString(raw['upload-time']) ? raw['upload-time'] : null,
  };
}

/** /simple/<p>/ as PEP 691 JSON */
export function parseSimpleJson(text: string, ctx: ParseContext): ParseResult {
  return run(() => {
    const doc = parseJson(text);
    const meta = field(doc, 'meta', isObj, 'document');
    checkApiVersion(field(meta, 'api-version', isString, 'meta'));
    checkName(ctx, field(doc, 'name', isString, 'document'));
    const versionList = doc['versions'];
    const versions = isArray(versionList) && versionList.every(isString) ? versionList : undefined;
    const files = field(doc, 'files', isArray, 'document').map((f) => simpleJsonFile(f, ctx.project, versions));
    const bodySerial = isCount(meta['_last-serial']) ? meta['_last-serial'] : null;
    const allVersions = versions ?? [...new Set(files.flatMap((f) => (f.version === null ? [] : [f.version])))];
    return { project: ctx.project, source: 'simple', format: 'pep691', serial: ctx.serialHeader ?? bodySerial, etag: ctx.etag, versions: allVersions, files };
  });
}

/** /simple/<p>/ as PEP 503 HTML */
export function parseSimpleHtml(text: string, ctx: ParseContext): ParseResult {
  return run(() => {
    const page = scanHtml(text);
    // An empty file list must mean an empty project, not a body that is not a page at all.
    if (!page.sawDocument) throw new Invalid('invalid_document', 'the body is not an HTML page');
    const repoVersion = page.metas.find((m) => m.get('name') === 'pypi:repository-version')?.get('content');
    checkApiVersion(repoVersion);
    const files = page.anchors.map((a): IndexFile => {
      const href = a.attrs.get('href') ?? '';
      const fragment = href.includes('#') ? href.slice(href.indexOf('#') + 1) : '';
      const hash = fragment.startsWith('sha256=') ? fragment.slice(7) : undefined;
      const yanked = a.attrs.get('data-yanked');
      return {
        filename: a.text,
        version: versionFromFilename(ctx.project, a.text),
        sha256: sha256Of(hash, a.text),
        size: null,
        yanked: yanked !== undefined,
        yankedReason: yanked === undefined || yanked === '' ? null : yanked,
        uploadTime: null,
      };
    });
    const serialComment = page.comments.find((c) => /^SERIAL [0-9]{1,15}$/.test(c));
    const bodySerial = serialComment === undefined ? null : Number(serialComment.slice(7));
    const versions = [...new Set(files.flatMap((f) => (f.version === null ? [] : [f.version])))];
    return { project: ctx.project, source: 'simple', format: 'pep503', serial: ctx.serialHeader ?? bodySerial, etag: ctx.etag, versions, files };
  });
}

/** The PEP 691 project list (/simple/ as JSON): each project's serial, and the index's. */
export interface ProjectList {
  readonly serial: number | null;
  readonly etag: string | null;
  /** Normalised name → `_last-serial` (null when the index does not say). */
  readonly projects: ReadonlyMap<string, number | null>;
}

export type ProjectListResult = { ok: true; list: ProjectList } | { ok: false; reason: FetchFailureReason; message: string };

export function parseProjectList(text: string, serialHeader: number | null, etag: string | null): ProjectListResult {
  try {
    const doc = parseJson(text);
    const meta = field(doc, 'meta', isObj, 'document');
    checkApiVersion(field(meta, 'api-version', isString, 'meta'));
    const projects = new Map<string, number | null>();
    for (const entry of field(doc, 'projects', isArray, 'document')) {
      if (!isObj(entry)) throw new Invalid('invalid_document', 'a project entry is not an object');
      const serial = entry['_last-serial'];
      projects.set(pep503Normalize(field(entry, 'name', isString, 'project')), isCount(serial) ? serial : null);
    }
    const bodySerial = isCount(meta['_last-serial']) ? meta['_last-serial'] : null;
    return { ok: true, list: { serial: serialHeader ?? bodySerial, etag, projects } };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, reason: e.reason, message: e.message };
    throw e;
  }
}

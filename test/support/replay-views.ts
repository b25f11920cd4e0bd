// The three views of one project in the replay index (JSON API, simple JSON, simple HTML) and
// the edits the control API makes to them. Each view is edited on its own document, so a test
// can change one view and not the others (JSON and Simple APIs disagreeing, as a stale CDN
// object or a split view would make them). Recorded bytes are served until a view is edited.
//
// HTML is edited as text, anchor by anchor: the replay index must not depend on the HTML parser
// of the product it tests.
import {
  htmlAnchor,
  simpleFileFromJsonApi,
  type JsonApiDoc,
  type JsonApiFile,
  type RecordedProject,
  type SimpleJsonDoc,
} from './pypi-fixtures.js';

export type View = 'json' | 'simple-json' | 'simple-html';
export const ALL_VIEWS: readonly View[] = ['json', 'simple-json', 'simple-html'];

/** A file to add to a release. */
export interface NewFile {
  filename: string;
  sha256: string;
  size: number;
  /** ISO 8601 with Z; defaults to a fixed time. */
  uploadTime?: string;
  url?: string;
}

const encoder = new TextEncoder();

export class ProjectViews {
  json: JsonApiDoc | undefined;
  simpleJson: SimpleJsonDoc | undefined;
  html: string;
  private readonly changed = new Set<View>();

  constructor(readonly recorded: RecordedProject) {
    this.json = recorded.json === undefined ? undefined : structuredClone(recorded.json);
    this.simpleJson = recorded.simpleJson === undefined ? undefined : structuredClone(recorded.simpleJson);
    this.html = recorded.html;
  }

  get name(): string {
    return this.recorded.name;
  }

  /** The bytes to serve for a view: the recording while unchanged, else the edited document. */
  body(view: View): Uint8Array | undefined {
    const raw = this.recorded.raw;
    if (view === 'json') {
      if (this.json === undefined) return undefined;
      return !this.changed.has(view) && raw.json !== undefined ? raw.json : encoder.encode(JSON.stringify(this.json) + '\n');
    }
    if (view === 'simple-json') {
      if (this.simpleJson === undefined) return undefined;
      return !this.changed.has(view) && raw.simpleJson !== undefined ? raw.simpleJson : encoder.encode(JSON.stringify(this.simpleJson) + '\n');
    }
    if (this.html === '') return undefined;
    return !this.changed.has(view) && raw.html !== undefined ? raw.html : encoder.encode(this.html);
  }

  /** The serial a view claims (X-PyPI-Last-Serial), if any. */
  serial(view: View): number | undefined {
    if (view === 'json') return this.json?.last_serial;
    if (view === 'simple-json') return this.simpleJson?.meta['_last-serial'];
    const m = /<!--SERIAL (\d+)-->/.exec(this.html);
    return m === null ? undefined : Number(m[1]);
  }

  maxSerial(): number {
    return Math.max(0, ...ALL_VIEWS.map((v) => this.serial(v) ?? 0));
  }

  /** A release document: the recording while the JSON view is unchanged, else built from it. */
  releaseBody(version: string): Uint8Array | undefined {
    const recorded = this.recorded.releases.get(version);
    if (recorded !== undefined && !this.changed.has('json')) return recorded;
    const doc = this.json;
    const files = doc?.releases[version];
    if (doc === undefined || files === undefined) return undefined;
    const yanked = files.some((f) => f.yanked === true);
    const info = { ...doc.info, version, yanked, yanked_reason: yanked ? (files[0]?.yanked_reason ?? null) : null };
    return encoder.encode(JSON.stringify({ info, last_serial: doc.last_serial, urls: files, vulnerabilities: [] }) + '\n');
  }

  setSerial(serial: number, views: readonly View[]): void {
    for (const view of views) {
      if (view === 'json' && this.json !== undefined) this.json.last_serial = serial;
      if (view === 'simple-json' && this.simpleJson !== undefined) this.simpleJson.meta['_last-serial'] = serial;
      if (view === 'simple-html' && this.html !== '') {
        const comment = `<!--SERIAL ${serial}-->`;
        this.html = /<!--SERIAL \d+-->/.test(this.html) ? this.html.replace(/<!--SERIAL \d+-->/, comment) : this.html + comment;
      }
      this.changed.add(view);
    }
  }

  /** Applies an edit to each view's document; returns whether the file or release existed in any. */
  edit(views: readonly View[], edits: ViewEdits): boolean {
    let found = false;
    for (const view of views) {
      if (view === 'json' && this.json !== undefined) found = edits.json(this.json) || found;
      if (view === 'simple-json' && this.simpleJson !== undefined) found = edits.simpleJson(this.simpleJson) || found;
      if (view === 'simple-html' && this.html !== '') {
        const next = edits.html(this.html);
        found = next !== this.html || found;
        this.html = next;
      }
      this.changed.add(view);
    }
    return found;
  }
}

export interface ViewEdits {
  json(doc: JsonApiDoc): boolean;
  simpleJson(doc: SimpleJsonDoc): boolean;
  html(page: string): string;
}

function jsonFiles(doc: JsonApiDoc): JsonApiFile[] {
  return [...Object.values(doc.releases).flat(), ...doc.urls];
}

// The [start, end) of the anchor line naming a file, including its <br> and newline.
function anchorSpan(page: string, filename: string): [number, number] | undefined {
  const close = page.indexOf(`>${filename}</a>`);
  if (close < 0) return undefined;
  const start = page.lastIndexOf('\n', page.lastIndexOf('<a', close)) + 1;
  const nl = page.indexOf('\n', close);
  return [start, nl < 0 ? page.length : nl + 1];
}

export function changeHashEdits(filename: string, sha256: string): ViewEdits {
  return {
    json(doc) {
      const files = jsonFiles(doc).filter((f) => f.filename === filename);
      for (const f of files) f.digests = { ...f.digests, sha256 };
      return files.length > 0;
    },
    simpleJson(doc) {
      const files = doc.files.filter((f) => f.filename === filename);
      for (const f of files) f.hashes = { ...f.hashes, sha256 };
      return files.length > 0;
    },
    html(page) {
      const span = anchorSpan(page, filename);
      if (span === undefined) return page;
      const line = page.slice(span[0], span[1]).replace(/#sha256=[0-9a-f]*/, `#sha256=${sha256}`);
      return page.slice(0, span[0]) + line + page.slice(span[1]);
    },
  };
}

export function removeFileEdits(filename: string): ViewEdits {
  return {
    json(doc) {
      let found = false;
      for (const [version, files] of Object.entries(doc.releases)) {
        const kept = files.filter((f) => f.filename !== filename);
        found ||= kept.length !== files.length;
        doc.releases[version] = kept;
      }
      doc.urls = doc.urls.filter((f) => f.filename !== filename);
      return found;
    },
    simpleJson(doc) {
      const before = doc.files.length;
      doc.files = doc.files.filter((f) => f.filename !== filename);
      return doc.files.length !== before;
    },
    html(page) {
      const span = anchorSpan(page, filename);
      return span === undefined ? page : page.slice(0, span[0]) + page.slice(span[1]);
    },
  };
}

function jsonApiFile(file: NewFile): JsonApiFile {
  const uploadTime = file.uploadTime ?? '2026-11-01T00:00:00.000000Z';
  return {
    comment_text: '',
    digests: { sha256: file.sha256 },
    downloads: -1,
    filename: file.filename,
    has_sig: false,
    packagetype: file.filename.endsWith('.whl') ? 'bdist_wheel' : 'sdist',
    python_version: file.filename.endsWith('.whl') ? 'py3' : 'source',
    requires_python: null,
    size: file.size,
    upload_time: uploadTime.slice(0, 19),
    upload_time_iso_8601: uploadTime,
    url: file.url ?? `https://files.pythonhosted.org/packages/00/00/${file.sha256}/${file.filename}`,
    yanked: false,
    yanked_reason: null,
  };
}

export function addFileEdits(version: string, file: NewFile): ViewEdits {
  const entry = jsonApiFile(file);
  const simple = simpleFileFromJsonApi(entry);
  return {
    json(doc) {
      (doc.releases[version] ??= []).push(structuredClone(entry));
      if (doc.info.version === version) doc.urls.push(structuredClone(entry));
      return true;
    },
    simpleJson(doc) {
      doc.files.push(structuredClone(simple));
      if (doc.versions !== undefined && !doc.versions.includes(version)) doc.versions.push(version);
      return true;
    },
    html(page) {
      const at = page.lastIndexOf('</body>');
      const lineStart = page.lastIndexOf('\n', at) + 1;
      return page.slice(0, lineStart) + htmlAnchor(simple) + page.slice(lineStart);
    },
  };
}

/** Removes a release's files from every view (and the release itself from the JSON API). */
export function removeReleaseEdits(version: string, filenames: readonly string[]): ViewEdits {
  const perFile = filenames.map(removeFileEdits);
  return {
    json(doc) {
      const found = doc.releases[version] !== undefined;
      delete doc.releases[version];
      if (doc.info.version === version) doc.urls = [];
      return found;
    },
    simpleJson(doc) {
      const found = perFile.map((e) => e.simpleJson(doc)).some(Boolean);
      if (doc.versions !== undefined) doc.versions = doc.versions.filter((v) => v !== version);
      return found;
    },
    html: (page) => perFile.reduce((p, e) => e.html(p), page),
  };
}

export function yankEdits(filenames: readonly string[], reason: string): ViewEdits {
  const names = new Set(filenames);
  return {
    json(doc) {
      const files = jsonFiles(doc).filter((f) => names.has(f.filename));
      for (const f of files) Object.assign(f, { yanked: true, yanked_reason: reason });
      return files.length > 0;
    },
    simpleJson(doc) {
      const files = doc.files.filter((f) => names.has(f.filename));
      for (const f of files) f.yanked = reason === '' ? true : reason;
      return files.length > 0;
    },
    html(page) {
      let out = page;
      for (const name of filenames) {
        const span = anchorSpan(out, name);
        if (span === undefined) continue;
        const line = out.slice(span[0], span[1]).replace(/ data-yanked="[^"]*"/, '').replace(/<a /, `<a data-yanked="${reason.replace(/"/g, '&quot;')}" `);
        out = out.slice(0, span[0]) + line + out.slice(span[1]);
      }
      return out;
    },
  };
}

// The index document parsers and their helpers, on the recorded files directly: every PEP 503
// page agrees with its PEP 691 twin, legacy and browser-saved pages, filename → version, and the
// retry timing arithmetic.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { versionFromFilename } from '../witness/filename-version.js';
import { decodeEntities, scanHtml } from '../witness/html-scan.js';
import { parseJsonApiProject, parseSimpleHtml, parseSimpleJson, type ParseResult } from '../witness/index-docs.js';
import type { IndexView } from '../witness/index-view.js';
import { pep503Normalize } from '../log/project-name.js';
import { DEFAULT_BACKOFF, parseRetryAfter, retryDelay } from '../witness/retry.js';
import { findPypiFixturesDir } from './support/pypi-fixtures.js';

const FIXTURES = findPypiFixturesDir();
const read = (rel: string): string => readFileSync(join(FIXTURES, rel), 'utf8');
const ctx = (project: string) => ({ project, serialHeader: null, etag: null });
const test = suite('index-docs');

function ok(result: ParseResult, label: string): IndexView {
  if (!result.ok) throw new Error(`${label}: ${result.reason}: ${result.message}`);
  return result.view;
}

const keys = (v: IndexView): string[] => v.files.map((f) => `${f.filename} ${f.sha256} ${f.yanked} ${f.yankedReason}`).sort();

test('each PEP 503 page equals its PEP 691 twin: files, hashes, yanks, serial', () => {
  for (const project of ['black', 'numpy', 'pytest', 'pytz', 'snowballstemmer', 'xo-gd']) {
    const html = ok(parseSimpleHtml(read(`simple-html/${project}.html`), ctx(project)), project);
    const json = ok(parseSimpleJson(read(`simple-json/${project}.json`), ctx(project)), project);
    assert.equal(keys(html), keys(json), project);
    if (json.serial !== null) assert.is(html.serial, json.serial, `${project}: serial`);
  }
});

test('older and odd pages: 2018-2019 PyPI, browser-saved, legacy md5-only', () => {
  const counts: Record<string, number> = { requests: 185, urllib3: 72, attrs: 30, qypi: 12 };
  for (const [project, n] of Object.entries(counts)) {
    const v = ok(parseSimpleHtml(read(`simple-html/${project}.html`), ctx(project)), project);
    assert.is(v.files.length, n, project);
    assert.ok(v.files.every((f) => f.version !== null), `${project}: versions`);
  }
  const django = ok(parseSimpleHtml(read('edited/simple-html/django.html'), ctx('django')), 'django');
  assert.is(django.files.length, 469);
  assert.is(django.serial, 10536007, 'the SERIAL comment moved into <body> is still found');
  const api = ok(parseJsonApiProject(read('json/django.json'), ctx('django')), 'django api');
  const known = new Map(api.files.map((f) => [f.filename, f.sha256]));
  assert.ok(django.files.every((f) => !known.has(f.filename) || known.get(f.filename) === f.sha256));
  const luigi = parseSimpleHtml(read('simple-html/luigi.html'), ctx('luigi'));
  assert.is(luigi.ok ? 'ok' : luigi.reason, 'missing_hash', 'md5-only pages are not observations');
});

test('malformed documents', () => {
  const reason = (r: ParseResult): string => (r.ok ? 'ok' : r.reason);
  assert.is(reason(parseJsonApiProject('{"info":', ctx('x'))), 'invalid_json');
  assert.is(reason(parseJsonApiProject('[]', ctx('x'))), 'invalid_document');
  assert.is(reason(parseJsonApiProject(read('json/flask.json'), ctx('django'))), 'name_mismatch');
  const noHash = '{"meta":{"api-version":"1.1"},"name":"x","files":[{"filename":"x-1.tar.gz","url":"u","hashes":{}}]}';
  assert.is(reason(parseSimpleJson(noHash, ctx('x'))), 'missing_hash');
  assert.is(reason(parseSimpleJson('{"meta":{"api-version":"2.0"},"name":"x","files":[]}', ctx('x'))), 'unsupported_api_version');
  assert.is(reason(parseSimpleJson('{"meta":{"api-version":"1.4"},"name":"x","files":[]}', ctx('x'))), 'ok');
  assert.is(reason(parseSimpleHtml('{"files": []}', ctx('x'))), 'invalid_document');
  assert.is(reason(parseSimpleHtml('<html><body></body></html>', ctx('x'))), 'ok', 'a project without files');
});

test('the HTML scanner: attributes, entities, broken markup, no backtracking', () => {
  const page = scanHtml(`<A HREF='u#sha256=ab' data-yanked data-requires-python="&gt;=3.6">x&amp;y</A><a href=v>z<b>!</b></a><!--SERIAL 5--><a href="unterminated`);
  assert.is(page.anchors.length, 2);
  assert.is(page.anchors[0]!.attrs.get('href'), 'u#sha256=ab');
  assert.is(page.anchors[0]!.attrs.get('data-yanked'), '');
  assert.is(page.anchors[0]!.attrs.get('data-requires-python'), '>=3.6');
  assert.is(page.anchors[0]!.text, 'x&y');
  assert.is(page.anchors[1]!.text, 'z!');
  assert.equal(page.comments, ['SERIAL 5']);
  assert.is(decodeEntities('&#x41;&#66;&bogus;&'), 'AB&bogus;&');
  const hostile = '<a ' + 'x='.repeat(50_000) + '<'.repeat(50_000);
  assert.is(scanHtml(hostile).anchors.length, 0);
});

test('versions from filenames', () => {
  const cases: Array<[string, string, string | null]> = [
    ['black', 'black-22.1.0-cp310-cp310-win_amd64.whl', '22.1.0'],
    ['black', 'black-22.1.0.tar.gz', '22.1.0'],
    ['xo-gd', 'xo_gd-3.1.4.1.tar.gz', '3.1.4.1'],
    ['zope.interface', 'zope.interface-5.0-py2.7.egg', '5.0'],
    ['pytz', 'pytz-2004b.win32.exe', '2004b'],
    ['foo', 'foo-1.0.linux-x86_64.tar.gz', '1.0'],
    ['foo', 'foo-1.0.zip', '1.0'],
    ['foo', 'bar-1.0.tar.gz', null],
    ['foo', 'foo.txt', null],
  ];
  for (const [project, filename, version] of cases) assert.is(versionFromFilename(project, filename), version, filename);
  assert.is(versionFromFilename('foo', 'foo-1.0.1.tar.gz', ['1.0', '1.0.1']), '1.0.1', 'longest known version');
  assert.is(pep503Normalize('Zope.Interface__x'), 'zope-interface-x');
});

test('Retry-After and backoff arithmetic', () => {
  const now = Date.UTC(2026, 0, 1);
  assert.is(parseRetryAfter('120', now), 120_000);
  assert.is(parseRetryAfter(new Date(now + 5_000).toUTCString(), now), 5_000);
  assert.is(parseRetryAfter('Thu, 01 Jan 2015 00:00:00 GMT', now), 0);
  assert.is(parseRetryAfter('soon', now), undefined);
  assert.is(retryDelay(DEFAULT_BACKOFF, 1, undefined, () => 0.999), 499);
  assert.is(retryDelay(DEFAULT_BACKOFF, 20, undefined, () => 0.5), 15_000, 'capped');
  assert.is(retryDelay(DEFAULT_BACKOFF, 1, 9_000, () => 0), 9_000);
  assert.is(retryDelay(DEFAULT_BACKOFF, 1, 10 * 60_000, () => 0), undefined);
});

test.run();

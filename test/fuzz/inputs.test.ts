// Property/fuzz tests of what diptych reads from outside the log (issue 8): PyPI JSON API,
// PEP 691 JSON and PEP 503 HTML responses (a hostile or broken index), and the lock files
// `verify-lock` reads (requirements.txt, pylock.toml). The index parsers never throw: every
// failure is a typed ParseResult. The lock-file parsers throw only DiptychError with their
// own codes. Recorded PyPI responses, edited byte by byte, are the seeds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseJsonApiProject, parseJsonApiRelease, parseProjectList, parseSimpleHtml, parseSimpleJson, type ParseResult } from '../../witness/index-docs.js';
import { decodeEntities, scanHtml } from '../../witness/html-scan.js';
import { parseRequirements } from '../../cli/requirements-lock.js';
import { parsePylock } from '../../cli/pylock.js';
import { findPypiFixturesDir } from '../support/pypi-fixtures.js';
import { check, fc, mutate, mutation, typed } from '../support/fuzz.js';

const FAILURE_REASONS = new Set(['invalid_json', 'invalid_document', 'missing_hash', 'name_mismatch', 'unsupported_api_version']);
const LOCK_CODES = ['unpinned_requirement', 'no_hash', 'invalid_lock_file'];
const dir = findPypiFixturesDir();
const fixture = (...path: string[]): string => readFileSync(join(dir, ...path), 'utf8');
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** A parse result is either a typed failure or a view whose files all carry a sha256. */
function checkResult(r: ParseResult, label: string): void {
  if (!r.ok) {
    assert.ok(FAILURE_REASONS.has(r.reason), `${label}: unknown failure reason ${r.reason}`);
    assert.type(r.message, 'string');
    return;
  }
  for (const f of r.view.files) {
    assert.match(f.sha256, /^[0-9a-f]{64}$/, `${label}: ${f.filename}`);
    assert.type(f.filename, 'string');
  }
}

const ctx = (project: string) => ({ project, serialHeader: null, etag: null });

/** Documents edited by a few random byte edits: mostly still JSON/HTML, subtly wrong. */
function edited(text: string): fc.Arbitrary<string> {
  const bytes = encoder.encode(text);
  return fc.array(mutation(), { minLength: 1, maxLength: 4 }).map((ms) => decoder.decode(ms.reduce<Uint8Array>((b, m) => mutate(b, m), bytes)));
}

const jsonish = fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify(v));
const anyText = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300, unit: 'binary' }), jsonish);

test('PyPI JSON API and PEP 691 responses: never a throw, only typed failures', () => {
  const project = fixture('json', 'snowballstemmer.json');
  const release = fixture('json', 'asgiref-3.11.0.json');
  const simple = JSON.stringify({
    meta: { 'api-version': '1.1', '_last-serial': 5 },
    name: 'snowballstemmer',
    versions: ['2.2.0', '3.0.1'],
    files: JSON.parse(project).releases['2.2.0'].map((f: { filename: string; digests: { sha256: string }; size: number }) => ({ filename: f.filename, hashes: { sha256: f.digests.sha256 }, size: f.size, yanked: false })),
  });
  // The unedited documents parse.
  for (const [r, label] of [[parseJsonApiProject(project, ctx('snowballstemmer')), 'project'], [parseJsonApiRelease(release, ctx('asgiref')), 'release'], [parseSimpleJson(simple, ctx('snowballstemmer')), 'simple']] as const) {
    assert.ok(r.ok, `${label} fixture parses`);
    assert.ok(r.ok && r.view.files.length > 0);
  }
  check('pypi: JSON API project (edited fixture / any text)', fc.oneof(edited(project), anyText), (text) => {
    checkResult(parseJsonApiProject(text, ctx('snowballstemmer')), 'project');
  }, 400);
  check('pypi: JSON API release (edited fixture / any text)', fc.oneof(edited(release), anyText), (text) => {
    checkResult(parseJsonApiRelease(text, ctx('asgiref')), 'release');
  }, 400);
  check('pypi: PEP 691 project page (edited / any text)', fc.oneof(edited(simple), anyText), (text) => {
    checkResult(parseSimpleJson(text, ctx('snowballstemmer')), 'simple');
  }, 400);
  const list = JSON.stringify({ meta: { 'api-version': '1.1', '_last-serial': 9 }, projects: [{ name: 'Django', '_last-serial': 3 }, { name: 'zope.interface' }] });
  check('pypi: PEP 691 project list (edited / any text)', fc.oneof(edited(list), anyText), (text) => {
    const r = parseProjectList(text, null, null);
    if (!r.ok) assert.ok(FAILURE_REASONS.has(r.reason), r.reason);
  }, 400);
  // Shapes with the right keys and wrong value types everywhere.
  const fileLike = fc.record({ filename: fc.oneof(fc.string(), fc.jsonValue()), digests: fc.oneof(fc.record({ sha256: fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.jsonValue()) }), fc.jsonValue()), hashes: fc.jsonValue(), size: fc.jsonValue(), yanked: fc.jsonValue(), upload_time: fc.jsonValue(), 'upload-time': fc.jsonValue() }, { requiredKeys: [] });
  const docLike = fc.record({ info: fc.oneof(fc.record({ name: fc.oneof(fc.constant('snowballstemmer'), fc.jsonValue()), version: fc.jsonValue() }, { requiredKeys: [] }), fc.jsonValue()), releases: fc.oneof(fc.dictionary(fc.string(), fc.array(fileLike, { maxLength: 3 })), fc.jsonValue()), urls: fc.oneof(fc.array(fileLike, { maxLength: 3 }), fc.jsonValue()), meta: fc.oneof(fc.record({ 'api-version': fc.oneof(fc.constantFrom('1.0', '2.0', '1'), fc.jsonValue()) }), fc.jsonValue()), name: fc.jsonValue(), files: fc.oneof(fc.array(fileLike, { maxLength: 3 }), fc.jsonValue()), versions: fc.jsonValue(), last_serial: fc.jsonValue() }, { requiredKeys: [] }).map((d) => JSON.stringify(d));
  check('pypi: JSON documents of the right shape with wrong types', docLike, (text) => {
    checkResult(parseJsonApiProject(text, ctx('snowballstemmer')), 'project');
    checkResult(parseJsonApiRelease(text, ctx('snowballstemmer')), 'release');
    checkResult(parseSimpleJson(text, ctx('snowballstemmer')), 'simple');
  }, 800);
});

test('PEP 503 HTML: never a throw; scanning is linear on hostile markup', () => {
  const page = fixture('simple-html', 'snowballstemmer.html');
  assert.ok(parseSimpleHtml(page, ctx('snowballstemmer')).ok, 'the recorded page parses');
  const tags = fc.array(fc.oneof(fc.constantFrom('<a href="x#sha256=', '<a ', '</a>', '<!--', '-->', '<html>', '<meta name="pypi:repository-version" content="', '"', "'", '=', '>', '<', '&amp;', '&#x', '&#', ';', 'data-yanked', ' ', '\n', 'SERIAL 12'), fc.string({ maxLength: 6 })), { maxLength: 40 }).map((p) => p.join(''));
  check('pypi: PEP 503 page (edited / tag soup / any text)', fc.oneof(edited(page), tags, anyText), (html) => {
    checkResult(parseSimpleHtml(html, ctx('snowballstemmer')), 'html');
    const scanned = scanHtml(html);
    for (const a of scanned.anchors) assert.type(a.text, 'string');
    assert.type(decodeEntities(html), 'string');
  }, 800);
  // Unterminated constructs, repeated: a backtracking scanner would be quadratic here. These
  // are 200k-character pages; they finish in milliseconds because the scanner is linear.
  for (const unit of ['<a href="', '<!--', '<a x=', '&#x1', '<a ', '<', '&', '<a href=x>']) {
    const html = '<html>' + unit.repeat(200_000 / unit.length);
    checkResult(parseSimpleHtml(html, ctx('snowballstemmer')), `repeated ${unit}`);
  }
});

test('requirements files: typed on any text; pinned hashes found; linear on adversarial lines', () => {
  const sha = 'a'.repeat(64);
  const good = `# a comment\nTwin-Panels[extra] == 1.0 ; python_version >= "3.8" \\\n    --hash=sha256:${sha} \\\n    --hash sha256:${'B'.repeat(64)}\n--index-url https://example.org/simple\n`;
  assert.equal(parseRequirements(good, 'r.txt').map((p) => [p.project, p.version, p.sha256]), [['Twin-Panels', '1.0', sha], ['Twin-Panels', '1.0', 'b'.repeat(64)]]);
  const reqLike = fc.array(fc.oneof(fc.constantFrom('twin', '==', '===', '1.0', '[x]', ' ', '\\', '\n', '#', '--hash=sha256:', sha, ';', '-r x', '\r\n', '\t', '['), fc.string({ maxLength: 5 })), { maxLength: 30 }).map((p) => p.join(''));
  check('lock: parseRequirements(any)', fc.oneof(reqLike, anyText, edited(good)), (text) => {
    const r = typed(() => parseRequirements(text, 'r.txt'), LOCK_CODES);
    if (r.ok) for (const pin of r.value) assert.match(pin.sha256, /^[0-9a-f]{64}$/);
  }, 1500);
  // Lines built to make a backtracking pattern retry every split of a long run: the whole
  // file is parsed in one pass per line, so these take milliseconds (they took minutes with
  // the earlier `\s*(?:\[…\])?\s*` pattern: quadratic in the run of spaces).
  for (const line of [`a${' '.repeat(200_000)}!`, `a${' '.repeat(100_000)}[${' '.repeat(100_000)}`, `a==1 ${'--hash '.repeat(30_000)}`, `${'\\'.repeat(100_000)}x`, `a ${'#'.repeat(100_000)}`, `a${' \t'.repeat(100_000)}=`]) {
    typed(() => parseRequirements(line, 'r.txt'), LOCK_CODES);
  }
});

test('pylock.toml: typed on any text, including hostile URLs and paths', () => {
  const sha = 'c'.repeat(64);
  const good = `lock-version = "1.0"\n[[packages]]\nname = "twin-panels"\nversion = "1.0"\n[packages.sdist]\nurl = "https://files.example/twin_panels-1.0.tar.gz"\nhashes = {sha256 = "${sha}"}\n[[packages.wheels]]\npath = "./dist/twin_panels-1.0-py3-none-any.whl"\nhashes = {sha256 = "${sha}"}\n`;
  assert.equal(parsePylock(good, 'pylock.toml').map((p) => p.filename), ['twin_panels-1.0.tar.gz', 'twin_panels-1.0-py3-none-any.whl']);
  const value = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('%', '%zz', 'http://[::1', 'not a url', '%E0%A4%A', 'https://x/%ff%fe', '/a/%'));
  const pkg = fc.record({ name: value, version: value, url: value, path: value, sha: fc.oneof(fc.constant(sha), value) }).map(
    (p) => `[[packages]]\nname = ${JSON.stringify(p.name)}\nversion = ${JSON.stringify(p.version)}\n[packages.sdist]\nurl = ${JSON.stringify(p.url)}\nhashes = {sha256 = ${JSON.stringify(p.sha)}}\n[[packages.wheels]]\npath = ${JSON.stringify(p.path)}\nhashes = {sha256 = ${JSON.stringify(p.sha)}}\n`,
  );
  check('lock: parsePylock(any)', fc.oneof(pkg, anyText, edited(good)), (text) => {
    typed(() => parsePylock(text, 'pylock.toml'), LOCK_CODES);
  }, 800);
});

test.run();

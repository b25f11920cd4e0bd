// The PyPI replay index (test/support/pypi-replay.ts) over real HTTP: recorded bytes and headers,
// PEP 691 negotiation, conditional requests, PyPI's redirects, every edit of the control API,
// and every fault. The witness tests rely on all of this behaving as described.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { findPypiFixturesDir, loadRecordedProjects, type JsonApiDoc, type RecordedProject, type SimpleJsonDoc } from './support/pypi-fixtures.js';
import { ReplayIndex } from './support/pypi-replay.js';
import { syntheticProjects } from './support/synthetic-projects.js';
import { get, rawGet } from './support/http-get.js';

const PEP691 = 'application/vnd.pypi.simple.v1+json';
const FIXTURES = findPypiFixturesDir();
const fixture = (rel: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, rel)));

const test = suite<{ recorded: Map<string, RecordedProject>; index: ReplayIndex }>('pypi-replay');

test.before(async (ctx) => {
  ctx.recorded = loadRecordedProjects();
});
test.before.each(async (ctx) => {
  ctx.index = await ReplayIndex.start({ projects: ctx.recorded, seed: 7 });
});
test.after.each(async (ctx) => {
  await ctx.index.close();
});

const jsonOf = <T>(text: string): T => JSON.parse(text) as T;

test('JSON API: recorded bytes, content type, serial header and ETag', async ({ index }) => {
  const r = await get(index.url, '/pypi/black/json');
  assert.is(r.status, 200);
  assert.ok(Buffer.from(r.body).equals(fixture('json/black.json')), 'bytes as recorded');
  assert.is(r.headers['content-type'], 'application/json');
  assert.is(r.headers['x-pypi-last-serial'], '18838616');
  assert.match(String(r.headers['etag']), /^"[A-Za-z0-9_-]{22}"$/);
  const release = await get(index.url, '/pypi/asgiref/3.11.0/json');
  assert.ok(Buffer.from(release.body).equals(fixture('json/asgiref-3.11.0.json')), 'recorded release document');
  const built = jsonOf<JsonApiDoc>((await get(index.url, '/pypi/black/22.1.0/json')).text);
  assert.is(built.info.version, '22.1.0');
  assert.ok(built.urls.length > 0);
  const missing = await get(index.url, '/pypi/no-such-project/json');
  assert.is(missing.status, 404);
  assert.is(missing.headers['content-type'], 'application/json');
});

test('Simple API: PEP 691 negotiation with HTML fallback', async ({ index }) => {
  const asJson = await get(index.url, '/simple/black/', { accept: `${PEP691}, text/html;q=0.01` });
  assert.is(asJson.headers['content-type'], PEP691);
  assert.is(asJson.headers['vary'], 'Accept');
  assert.ok(Buffer.from(asJson.body).equals(fixture('simple-json/black.json')));
  const noAccept = await get(index.url, '/simple/black/');
  assert.is(noAccept.headers['content-type'], 'text/html; charset=utf-8');
  assert.ok(Buffer.from(noAccept.body).equals(fixture('simple-html/black.html')));
  const v1html = await get(index.url, '/simple/black/', { accept: 'application/vnd.pypi.simple.v1+html' });
  assert.is(v1html.headers['content-type'], 'application/vnd.pypi.simple.v1+html');
  const unsatisfiable = await get(index.url, '/simple/black/', { accept: 'application/xml' });
  assert.is(unsatisfiable.status, 200, 'PyPI falls back to HTML instead of 406');
  assert.is(unsatisfiable.headers['content-type'], 'text/html; charset=utf-8');
  const preferHtml = await get(index.url, '/simple/black/', { accept: `${PEP691};q=0.1, text/html` });
  assert.is(preferHtml.headers['content-type'], 'text/html; charset=utf-8');
  for (const r of [asJson, noAccept]) assert.is(r.headers['x-pypi-last-serial'], '18838616');
});

test('JSON-only projects get a synthesised simple page; HTML-only ones act as an old mirror', async ({ index }) => {
  const api = jsonOf<JsonApiDoc>((await get(index.url, '/pypi/django/json')).text);
  const simple = jsonOf<SimpleJsonDoc>((await get(index.url, '/simple/django/', { accept: PEP691 })).text);
  const fromApi = Object.values(api.releases).flat().map((f) => `${f.filename} ${f.digests.sha256}`).sort();
  assert.equal(simple.files.map((f) => `${f.filename} ${f.hashes.sha256}`).sort(), fromApi);
  assert.is(simple.meta['_last-serial'], api.last_serial);
  const html = await get(index.url, '/simple/django/');
  assert.is((html.text.match(/<a /g) ?? []).length, fromApi.length);
  const mirror = await get(index.url, '/simple/requests/', { accept: PEP691 });
  assert.is(mirror.headers['content-type'], 'text/html; charset=utf-8');
  assert.is(mirror.headers['x-pypi-last-serial'], '3961406');
  assert.is((await get(index.url, '/pypi/requests/json')).status, 404);
});

test('non-normalised names and missing slashes are redirected on the same host', async ({ index }) => {
  const a = await get(index.url, '/simple/Django/');
  assert.is(a.status, 301);
  assert.is(a.headers['location'], '/simple/django/');
  assert.is((await get(index.url, '/simple/django')).headers['location'], '/simple/django/');
  assert.is((await get(index.url, '/pypi/Xo_GD/json')).headers['location'], '/pypi/xo-gd/json');
});

test('ETag and If-None-Match: 304 until the view changes', async ({ index }) => {
  const first = await get(index.url, '/simple/pytz/', { accept: PEP691 });
  const etag = String(first.headers['etag']);
  const again = await get(index.url, '/simple/pytz/', { accept: PEP691, 'if-none-match': etag });
  assert.is(again.status, 304);
  assert.is(again.body.length, 0);
  assert.is(again.headers['x-pypi-last-serial'], '17488092');
  const html = await get(index.url, '/simple/pytz/', { 'if-none-match': etag });
  assert.is(html.status, 200, 'the HTML representation has its own ETag');
  const file = index.filenames('pytz', '2023.3')[0]!;
  index.changeFileHash('pytz', file, 'ab'.repeat(32));
  const changed = await get(index.url, '/simple/pytz/', { accept: PEP691, 'if-none-match': etag });
  assert.is(changed.status, 200);
  assert.is.not(changed.headers['etag'], etag);
});

test('changeFileHash in every view bumps every serial past the old maximum', async ({ index }) => {
  const [file] = index.filenames('black', '22.1.0');
  const hash = 'cd'.repeat(32);
  index.changeFileHash('black', file!, hash);
  const api = await get(index.url, '/pypi/black/json');
  const doc = jsonOf<JsonApiDoc>(api.text);
  assert.is(doc.releases['22.1.0']!.find((f) => f.filename === file)!.digests.sha256, hash);
  assert.is(doc.last_serial, 18838617);
  assert.is(api.headers['x-pypi-last-serial'], '18838617');
  const simple = jsonOf<SimpleJsonDoc>((await get(index.url, '/simple/black/', { accept: PEP691 })).text);
  assert.is(simple.files.find((f) => f.filename === file)!.hashes.sha256, hash);
  const html = await get(index.url, '/simple/black/');
  assert.ok(html.text.includes(`#sha256=${hash}`));
  assert.ok(html.text.endsWith('<!--SERIAL 18838617-->'));
  assert.is(html.headers['x-pypi-last-serial'], '18838617');
});

test('an edit to some views only makes the APIs disagree', async ({ index }) => {
  const [file] = index.filenames('numpy', '1.25.1');
  index.changeFileHash('numpy', file!, 'ef'.repeat(32), { views: ['simple-json'], keepSerial: true });
  const api = jsonOf<JsonApiDoc>((await get(index.url, '/pypi/numpy/json')).text);
  const simple = jsonOf<SimpleJsonDoc>((await get(index.url, '/simple/numpy/', { accept: PEP691 })).text);
  const apiHash = api.releases['1.25.1']!.find((f) => f.filename === file)!.digests.sha256;
  const simpleHash = simple.files.find((f) => f.filename === file)!.hashes.sha256;
  assert.is.not(apiHash, simpleHash);
  assert.is(api.last_serial, simple.meta['_last-serial'], 'same serial, different content: a split view');
  const html = await get(index.url, '/simple/numpy/');
  assert.ok(html.text.includes(`#sha256=${apiHash}`));
});

test('remove and add files and releases, yank, roll the serial back', async ({ index }) => {
  const files = index.filenames('xo-gd', '3.1.4.1');
  index.removeFile('xo-gd', files[0]!);
  let simple = jsonOf<SimpleJsonDoc>((await get(index.url, '/simple/xo-gd/', { accept: PEP691 })).text);
  assert.not.ok(simple.files.some((f) => f.filename === files[0]));
  index.addFile('xo-gd', '9.9.9', { filename: 'xo-gd-9.9.9.tar.gz', sha256: '01'.repeat(32), size: 1234 });
  simple = jsonOf<SimpleJsonDoc>((await get(index.url, '/simple/xo-gd/', { accept: PEP691 })).text);
  const added = simple.files.find((f) => f.filename === 'xo-gd-9.9.9.tar.gz');
  assert.is(added?.size, 1234);
  assert.ok(simple.versions?.includes('9.9.9'));
  assert.ok((await get(index.url, '/simple/xo-gd/')).text.includes('>xo-gd-9.9.9.tar.gz</a>'));
  const release = jsonOf<JsonApiDoc>((await get(index.url, '/pypi/xo-gd/9.9.9/json')).text);
  assert.is(release.urls[0]?.digests.sha256, '01'.repeat(32));
  index.yankRelease('xo-gd', '9.9.9', 'broken');
  simple = jsonOf<SimpleJsonDoc>((await get(index.url, '/simple/xo-gd/', { accept: PEP691 })).text);
  assert.is(simple.files.find((f) => f.filename === 'xo-gd-9.9.9.tar.gz')?.yanked, 'broken');
  assert.ok((await get(index.url, '/simple/xo-gd/')).text.includes('data-yanked="broken"'));
  index.removeRelease('xo-gd', '9.9.9');
  const api = jsonOf<JsonApiDoc>((await get(index.url, '/pypi/xo-gd/json')).text);
  assert.is(api.releases['9.9.9'], undefined);
  assert.is((await get(index.url, '/pypi/xo-gd/9.9.9/json')).status, 404);
  index.setSerial('xo-gd', 5);
  const stale = await get(index.url, '/simple/xo-gd/');
  assert.is(stale.headers['x-pypi-last-serial'], '5');
  assert.ok(stale.text.endsWith('<!--SERIAL 5-->'));
  assert.throws(() => index.removeFile('xo-gd', 'no-such-file.tar.gz'));
});

test('faults: status with Retry-After for a count, then normal answers', async ({ index }) => {
  index.inject({ kind: 'status', status: 429, retryAfter: '3' }, { times: 2, path: '/simple/' });
  const a = await get(index.url, '/simple/pytz/');
  const b = await get(index.url, '/simple/pytz/');
  assert.is(a.status, 429);
  assert.is(b.headers['retry-after'], '3');
  assert.is((await get(index.url, '/pypi/pytz/json')).status, 200, 'other paths unaffected');
  assert.is((await get(index.url, '/simple/pytz/')).status, 200);
});

test('faults: a fraction of requests, the same ones for the same seed', async ({ recorded }) => {
  const statuses: number[][] = [];
  for (let run = 0; run < 2; run++) {
    const index = await ReplayIndex.start({ projects: recorded, seed: 42 });
    index.inject({ kind: 'status', status: 503, retryAfter: '0' }, { fraction: 0.3 });
    const seen: number[] = [];
    for (let i = 0; i < 40; i++) seen.push((await get(index.url, '/pypi/flask/json')).status);
    statuses.push(seen);
    await index.close();
  }
  assert.equal(statuses[0], statuses[1]);
  const failures = statuses[0]!.filter((s) => s === 503).length;
  assert.ok(failures > 2 && failures < 25, `${failures} of 40 failed`);
});

test('faults: closed connections, truncation, redirects, oversize bodies, content types, slowness', async ({ index }) => {
  index.inject({ kind: 'close' }, { times: 1 });
  assert.not.ok((await rawGet(index.url, '/pypi/flask/json')).ok);
  index.inject({ kind: 'close-mid-body' }, { times: 1 });
  const mid = await rawGet(index.url, '/pypi/flask/json');
  assert.not.ok(mid.ok);
  index.inject({ kind: 'truncate' }, { times: 1 });
  const truncated = await get(index.url, '/pypi/flask/json');
  assert.is(truncated.status, 200);
  assert.is(truncated.body.length, Math.floor(fixture('json/flask.json').length / 2));
  assert.throws(() => JSON.parse(truncated.text));
  index.inject({ kind: 'redirect', location: 'http://elsewhere.invalid/pypi/flask/json' }, { times: 1 });
  const moved = await get(index.url, '/pypi/flask/json');
  assert.is(moved.status, 302);
  assert.is(moved.headers['location'], 'http://elsewhere.invalid/pypi/flask/json');
  index.inject({ kind: 'oversize', bytes: 3_000_000, chunked: true }, { times: 1 });
  const big = await get(index.url, '/pypi/flask/json');
  assert.is(big.body.length, 3_000_000);
  assert.is(big.headers['content-length'], undefined);
  index.inject({ kind: 'content-type', contentType: 'text/plain' }, { times: 1 });
  assert.is((await get(index.url, '/pypi/flask/json')).headers['content-type'], 'text/plain');
  index.inject({ kind: 'slow', delayMs: 50 }, { times: 1 });
  assert.is((await get(index.url, '/pypi/flask/json')).status, 200);
  assert.is(index.requests.at(-1)?.path, '/pypi/flask/json');
});

test('the /simple/ root lists every project with its serial', async ({ index }) => {
  const root = jsonOf<{ projects: Array<{ name: string; '_last-serial': number }> }>((await get(index.url, '/simple/', { accept: PEP691 })).text);
  assert.equal(root.projects.map((p) => p.name).sort(), index.projectNames());
  assert.ok((await get(index.url, '/simple/')).text.includes('<a href="/simple/black/">black</a>'));
});

test('synthetic projects: three consistent views, distinct serials', async () => {
  const index = await ReplayIndex.start({ projects: syntheticProjects(50, { releases: 4 }) });
  try {
    const api = jsonOf<JsonApiDoc>((await get(index.url, '/pypi/synthetic-7/json')).text);
    const simple = jsonOf<SimpleJsonDoc>((await get(index.url, '/simple/synthetic-7/', { accept: PEP691 })).text);
    const html = await get(index.url, '/simple/synthetic-7/');
    assert.is(Object.keys(api.releases).length, 4);
    const hashes = Object.values(api.releases).flat().map((f) => f.digests.sha256).sort();
    assert.equal(simple.files.map((f) => f.hashes.sha256).sort(), hashes);
    assert.ok(hashes.every((h) => html.text.includes(`#sha256=${h}`)));
    assert.is(html.headers['x-pypi-last-serial'], '30000007');
    assert.is(index.projectNames().length, 50);
  } finally {
    await index.close();
  }
});

test.run();

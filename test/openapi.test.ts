// GET /api/v1/openapi.json is kept true (issue 9): every /api/v1 route the hono app registers is
// in the document and every documented operation is a route; and real answers of a real server
// (a real log on 127.0.0.1 with a key policy, a release, an observation, an alert and an
// escalation) validate against the document's schemas, errors included, with a status the
// operation documents. Every documented operation is exercised at least once.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OPENAPI_DOCUMENT } from '../api/openapi.js';
import { ERROR_STATUS } from '../log/errors.js';
import { escalationEntry } from './support/monitor-entries.js';
import { jsonOf, postEntry, request, textOf, type Reply } from './support/log-fixture.js';
import { FILENAME, PROJECT, startGovernedLog, storyEntries, type GovernedLog } from './support/governed-log.js';
import { SchemaChecker } from './support/json-schema.js';

type Doc = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

interface Ctx {
  g: GovernedLog;
  doc: Doc & Record<string, unknown>;
  alertId: string;
}

const test = suite<Ctx>('openapi');
test.before(async (ctx) => {
  ctx.g = await startGovernedLog();
  const { entries, alertId } = storyEntries(ctx.g);
  for (const e of entries) assert.is((await postEntry(ctx.g.url, e)).status, 201);
  assert.is((await postEntry(ctx.g.url, escalationEntry([ctx.g.party], alertId, 'suspend-project'))).status, 201);
  ctx.alertId = alertId;
  const reply = await request(ctx.g.url, '/api/v1/openapi.json');
  assert.is(reply.status, 200);
  assert.match(String(reply.headers['content-type']), /^application\/json/);
  ctx.doc = jsonOf(reply);
});
test.after(async (ctx) => {
  await ctx.g.close();
  assert.equal(ctx.g.internalErrors.map(String), [], 'no internal errors');
});

/** `/api/v1/entries/:index` → `/api/v1/entries/{index}` */
const template = (honoPath: string): string => honoPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

test('the served document is the module, OpenAPI 3.1, and every error code is documented', (ctx) => {
  assert.equal(ctx.doc, JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)));
  assert.is(ctx.doc.openapi, '3.1.0');
  assert.equal(ctx.doc['x-error-codes'], ERROR_STATUS);
});

test('every /api/v1 route of the app is documented, and every documented operation is a route', (ctx) => {
  const routes = new Set(ctx.g.app.routes.filter((r) => r.method !== 'ALL' && r.path.startsWith('/api/v1/')).map((r) => `${r.method} ${template(r.path)}`));
  const documented = new Set(Object.entries(ctx.doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)));
  assert.ok(routes.size >= 13, `the app's routes were found (${routes.size})`);
  assert.equal([...routes].filter((r) => !documented.has(r)).sort(), [], 'routes missing from the document');
  assert.equal([...documented].filter((d) => !routes.has(d)).sort(), [], 'documented operations that are no route');
});

/** Real requests, at least one per documented operation; the path template they exercise. */
function requests(ctx: Ctx): Array<{ op: string; path: string; method?: string; body?: string }> {
  const id = ctx.alertId;
  return [
    { op: 'GET /api/v1/log', path: '/api/v1/log' },
    { op: 'GET /api/v1/status', path: '/api/v1/status' },
    { op: 'POST /api/v1/entries', path: '/api/v1/entries', method: 'POST', body: '{}' },
    { op: 'POST /api/v1/entries', path: '/api/v1/entries', method: 'POST', body: 'x'.repeat(70_000) },
    { op: 'GET /api/v1/entries/{index}', path: '/api/v1/entries/1' },
    { op: 'GET /api/v1/entries/{index}', path: '/api/v1/entries/1?bundle=1' },
    { op: 'GET /api/v1/entries/{index}', path: '/api/v1/entries/999' },
    { op: 'GET /api/v1/entries/{index}', path: '/api/v1/entries/-1' },
    { op: 'GET /api/v1/proof/inclusion', path: '/api/v1/proof/inclusion?index=1&size=3' },
    { op: 'GET /api/v1/proof/inclusion', path: '/api/v1/proof/inclusion?index=1&hash=00' },
    { op: 'GET /api/v1/proof/consistency', path: '/api/v1/proof/consistency?from=1&to=3' },
    { op: 'GET /api/v1/proof/consistency', path: '/api/v1/proof/consistency?from=9&to=3' },
    { op: 'GET /api/v1/projects', path: '/api/v1/projects' },
    { op: 'GET /api/v1/projects/{name}', path: `/api/v1/projects/${PROJECT}` },
    { op: 'GET /api/v1/projects/{name}', path: '/api/v1/projects/no-such-project' },
    { op: 'GET /api/v1/projects/{name}/{version}', path: `/api/v1/projects/${PROJECT}/1.0` },
    { op: 'GET /api/v1/projects/{name}/{version}', path: `/api/v1/projects/${PROJECT}/9.9` },
    { op: 'GET /api/v1/files/{filename}', path: `/api/v1/files/${FILENAME}` },
    { op: 'GET /api/v1/files/{filename}', path: '/api/v1/files/nothing-1.0.tar.gz' },
    { op: 'GET /api/v1/alerts', path: '/api/v1/alerts' },
    { op: 'GET /api/v1/alerts', path: `/api/v1/alerts?project=${PROJECT}&kind=withheld-release&severity=suspect&since=0` },
    { op: 'GET /api/v1/alerts', path: '/api/v1/alerts?kind=nonsense' },
    { op: 'GET /api/v1/alerts/{id}', path: `/api/v1/alerts/${id}` },
    { op: 'GET /api/v1/alerts/{id}', path: `/api/v1/alerts/${id}?bundle=1` },
    { op: 'GET /api/v1/alerts/{id}', path: `/api/v1/alerts/${'0'.repeat(64)}` },
    { op: 'GET /api/v1/alerts/{id}', path: '/api/v1/alerts/xyz' },
    { op: 'GET /api/v1/openapi.json', path: '/api/v1/openapi.json' },
  ];
}

test('real answers for every operation validate against the document, errors included', async (ctx) => {
  const checker = new SchemaChecker(ctx.doc);
  const exercised = new Set<string>();
  const statuses: string[] = [];
  for (const r of requests(ctx)) {
    const [method, path] = r.op.split(' ') as [string, string];
    const operation = ctx.doc.paths[path]?.[method.toLowerCase()];
    assert.ok(operation, `${r.op} is documented`);
    const reply: Reply = await request(ctx.g.url, r.path, { method: r.method ?? 'GET', ...(r.body === undefined ? {} : { body: r.body, headers: { 'content-type': 'application/json' } }) });
    const documented = operation!.responses[String(reply.status)] as Record<string, unknown> | undefined;
    assert.ok(documented, `${r.method ?? 'GET'} ${r.path}: status ${reply.status} is documented for ${r.op} (${textOf(reply).slice(0, 200)})`);
    const response = (typeof documented!.$ref === 'string' ? checker.resolve(documented!.$ref) : documented!) as { content: Record<string, { schema: Record<string, unknown> }> };
    const schema = response.content['application/json']!.schema;
    assert.equal(checker.check(schema, jsonOf(reply)), [], `${r.method ?? 'GET'} ${r.path} (${reply.status}) matches the document`);
    exercised.add(r.op);
    statuses.push(`${reply.status}`);
  }
  assert.equal([...exercised].sort(), Object.entries(ctx.doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort(), 'every operation exercised');
  for (const s of ['200', '400', '404', '413']) assert.ok(statuses.includes(s), `a ${s} answer was checked`);
});

test('the checker refuses what the document does not describe (so the checks above can fail)', (ctx) => {
  const checker = new SchemaChecker(ctx.doc);
  const info = { $ref: '#/components/schemas/LogInfo' };
  const good = { origin: 'o', verifierKey: 'k', size: 1, witnesses: [], cosignatureQuorum: 0 };
  assert.equal(checker.check(info, good), []);
  assert.equal(checker.check(info, { ...good, size: -1 }), ['$.size: -1 is below 0']);
  assert.equal(checker.check(info, { ...good, extra: true }), ['$: extra is not in the schema']);
  assert.equal(checker.check(info, { ...good, witnesses: [3] }), ['$.witnesses[0]: 3 is not of type string']);
  const { origin: _, ...missing } = good;
  assert.equal(checker.check(info, missing), ['$: origin is required']);
  assert.equal(checker.check({ $ref: '#/components/schemas/Error' }, { error: { code: 'no_such_code', message: 'm' } }).length, 1);
});

test.run();

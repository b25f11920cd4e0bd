// HTTP fuzzing of every route of the log (issue 8), against a real server on 127.0.0.1 port 0:
// random paths, route parameters, query strings, methods and bodies. Properties:
//   - never a 500 (the served log also fails the test on any internal error it saw);
//   - every error is SPEC §5's JSON with a code from the one table and that code's status;
//   - a refused POST changes nothing: its entry is not in the log, the size is unchanged, and
//     no checkpoint ever has a second root for a size;
//   - an edited signed statement never changes derived state (project key policies).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesEqual, toBase64, toHex, utf8 } from '../../log/bytes.js';
import { ERROR_STATUS } from '../../log/errors.js';
import type { Hash } from '../../log/tree.js';
import { clientHasher, keysEntry, newSignerKey, openLogCheckpoint, postEntry, request, serveTestLog, strangerEntry, textOf, type Reply, type ServedLog } from '../support/log-fixture.js';
import { checkAsync, fc, looseBytes, mutate, mutation } from '../support/fuzz.js';

const decoder = new TextDecoder();

/** SPEC §5: not a 500; an error is {"error": {code, message}} with the code's status. */
/** The code of a refusal: SPEC §5's JSON, or the dashboard's HTML error page (api/dashboard/). */
function refusalCode(reply: Reply): { code: string; message: unknown } {
  const text = textOf(reply);
  if (!String(reply.headers['content-type']).startsWith('text/html')) {
    const body = JSON.parse(text) as { error: { code: string; message: string } };
    return body.error;
  }
  const code = /<code id="error-code">([a-z_]+)<\/code>/.exec(text)?.[1];
  assert.ok(code !== undefined, `an HTML error page names its code: ${text.slice(0, 200)}`);
  return { code: code!, message: '' };
}

function checkReply(reply: Reply, label: string): void {
  assert.ok(reply.status !== 500 && reply.status < 600 && reply.status >= 200, `${label}: status ${reply.status} ${textOf(reply).slice(0, 200)}`);
  if (reply.status < 400) return;
  const body = { error: refusalCode(reply) };
  const code = body.error.code;
  assert.ok(code in ERROR_STATUS, `${label}: unknown code ${code}`);
  assert.is(ERROR_STATUS[code as keyof typeof ERROR_STATUS], reply.status, `${label}: ${code} has status ${reply.status}`);
  assert.type(body.error.message, 'string');
}

/** Every byte a request target can carry: printable ASCII as is, the rest %-encoded. */
function target(raw: string): string {
  let out = '';
  for (const ch of raw) out += ch > ' ' && ch < '\x7f' ? ch : encodeURIComponent(ch).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
  return out || '/';
}

const piece = fc.oneof(
  fc.constantFrom('/', 'tile', 'entries', '0', '1', '256', 'x001', '000', '.p', '255', 'api', 'v1', 'log', 'status', 'proof', 'inclusion', 'consistency', 'projects', 'files', 'checkpoint', 'fuzz-project', '1.0', '?', '&', '=', 'index', 'size', 'hash', 'from', 'to', '%', '%00', '%2F', '..', '-1', '9007199254740993', '1e3', '0x10', ' ', '#'),
  fc.string({ maxLength: 6 }),
  fc.nat().map(String),
);
const pathLike = fc.array(piece, { minLength: 1, maxLength: 12 }).map((p) => target('/' + p.join('')));
const routes = [
  '/checkpoint', '/tile/0/000', '/tile/0/000.p/', '/tile/entries/000.p/', '/tile/1/000', '/api/v1/log', '/api/v1/status',
  '/api/v1/entries/', '/api/v1/proof/inclusion?', '/api/v1/proof/consistency?', '/api/v1/projects', '/api/v1/projects/', '/api/v1/files/',
  '/api/v1/alerts?', '/api/v1/alerts?project=', '/api/v1/alerts?kind=', '/api/v1/alerts?severity=', '/api/v1/alerts?since=', '/api/v1/alerts/',
  '/projects/', '/alerts/', '/files/', '/search?q=', '/witnesses',
];
const routeLike = fc.tuple(fc.constantFrom(...routes), fc.array(piece, { maxLength: 6 })).map(([r, p]) => target(r + p.join('')));
const queryValue = fc.oneof(fc.nat(40).map(String), fc.constantFrom('', '-1', '01', '1.5', '9007199254740992', '99999999999999999999', 'a'.repeat(64), '0'.repeat(64), 'NaN'), fc.string({ maxLength: 10 }));
const proofQuery = fc.tuple(fc.constantFrom('inclusion', 'consistency'), fc.array(fc.tuple(fc.constantFrom('index', 'size', 'hash', 'from', 'to', 'x'), queryValue), { maxLength: 4 })).map(
  ([kind, params]) => `/api/v1/proof/${kind}?${params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`,
);

interface Tracker {
  roots: Map<number, Hash>;
  vkey: string;
}

async function recordCheckpoint(url: string, t: Tracker): Promise<number> {
  const cp = openLogCheckpoint(textOf(await request(url, '/checkpoint')), t.vkey);
  const known = t.roots.get(cp.size);
  if (known) assert.ok(bytesEqual(known, cp.root), `a second root for size ${cp.size}`);
  else t.roots.set(cp.size, cp.root);
  return cp.size;
}

async function inLog(url: string, entry: Uint8Array): Promise<boolean> {
  const reply = await request(url, `/api/v1/proof/inclusion?hash=${toHex(clientHasher.leaf(entry))}`);
  checkReply(reply, 'lookup');
  return reply.status === 200;
}

let served: ServedLog;
const owner = newSignerKey('fuzz.example/owner');
const tracker: Tracker = { roots: new Map(), vkey: '' };

test.before(async () => {
  served = await serveTestLog({ verifyThreads: 0 });
  tracker.vkey = served.log.key.verifierKey;
  // Some content for the routes to find: a project with a key policy and a few other entries.
  for (const e of [keysEntry(owner, 'fuzz-project'), ...[0, 1, 2, 3].map((n) => strangerEntry('application/vnd.example.fuzz+json', { n }))]) {
    assert.is((await postEntry(served.url, e)).status, 201);
  }
  await recordCheckpoint(served.url, tracker);
});

test.after(async () => {
  await served.close();
});

test('GET: any path, route parameter and query string is answered, never with a 500', async () => {
  await checkAsync('http: GET any path', fc.oneof(pathLike, routeLike, proofQuery), async (path) => {
    checkReply(await request(served.url, path), path);
  }, 400);
});

test('other methods on every route: typed errors, nothing written', async () => {
  const before = served.log.sequencer.size;
  await checkAsync('http: methods x routes', fc.tuple(fc.constantFrom('PUT', 'DELETE', 'PATCH', 'POST', 'OPTIONS', 'HEAD'), fc.oneof(routeLike, pathLike), fc.option(looseBytes(100))), async ([method, path, body]) => {
    if (method === 'POST' && path === '/api/v1/entries') return; // the one write route: below
    const reply = await request(served.url, path, { method, ...(body === null ? {} : { body }) });
    if (method !== 'HEAD') checkReply(reply, `${method} ${path}`);
    else assert.ok(reply.status !== 500, `HEAD ${path}`);
  }, 200);
  assert.is(served.log.sequencer.size, before);
});

test('POST /api/v1/entries: any body is answered; a refused one changes nothing', async () => {
  const keyid = fc.oneof(fc.constant('fuzz.example/owner+00000000'), fc.string({ maxLength: 12 }).map((n) => `${n}+0badc0de`), fc.string({ maxLength: 20 }));
  const envelopeLike = fc.record({
    payload: fc.oneof(fc.jsonValue({ maxDepth: 3 }).map((v) => toBase64(utf8(JSON.stringify(v)))), fc.string({ maxLength: 30 })),
    payloadType: fc.oneof(fc.constantFrom('application/vnd.diptych.keys+json', 'application/vnd.diptych.release+json', 'application/vnd.diptych.observation+json', 'application/vnd.diptych.alert+json', 'application/vnd.diptych.policy+json'), fc.string({ maxLength: 20 })),
    signatures: fc.oneof(fc.array(fc.record({ keyid, sig: fc.uint8Array({ minLength: 1, maxLength: 64 }).map(toBase64) }), { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 })),
  }, { requiredKeys: [] });
  const body = fc.oneof(looseBytes(400), envelopeLike.map((e) => utf8(JSON.stringify(e))), fc.jsonValue({ maxDepth: 3 }).map((v) => utf8(JSON.stringify(v))));
  let accepted = 0;
  let refused = 0;
  await checkAsync('http: POST any body', body, async (bytes) => {
    const sizeBefore = await recordCheckpoint(served.url, tracker);
    const reply = await request(served.url, '/api/v1/entries', { method: 'POST', body: bytes, headers: { 'content-type': 'application/json' } });
    checkReply(reply, `POST ${decoder.decode(bytes).slice(0, 80)}`);
    if (reply.status >= 400) {
      refused++;
      assert.is(await recordCheckpoint(served.url, tracker), sizeBefore, 'a refused entry left the size as it was');
      if (bytes.length > 0) assert.not.ok(await inLog(served.url, bytes), 'a refused entry is not in the log');
    } else accepted++;
  }, 300);
  assert.ok(refused > 0, 'some bodies were refused');
  void accepted;
});

test('edited signed statements: refused, or accepted without changing any key policy', async () => {
  const stranger = newSignerKey('fuzz.example/stranger');
  const policyBefore = JSON.stringify(served.log.projects.projectNames());
  const ownerPolicy = (): string => JSON.stringify(served.log.projects.policy('fuzz-project'));
  const ownerBefore = ownerPolicy();
  let n = 0;
  await checkAsync('http: edited signed keys entries', fc.array(mutation(), { minLength: 1, maxLength: 3 }), async (ms) => {
    // A valid first policy for a new project, and a second policy of the existing project
    // signed by a stranger: each edited, never sent unedited.
    const fresh = keysEntry(stranger, `fuzz-new-${n++}`);
    const takeover = keysEntry(stranger, 'fuzz-project', 2);
    for (const original of [fresh, takeover]) {
      const edited = ms.reduce<Uint8Array>((b, m) => mutate(b, m), original);
      if (bytesEqual(edited, original)) continue;
      const reply = await postEntry(served.url, edited);
      checkReply(reply, 'edited keys entry');
    }
    assert.is(JSON.stringify(served.log.projects.projectNames()), policyBefore, 'no project gained a key policy from an edited statement');
    assert.is(ownerPolicy(), ownerBefore, 'the existing policy is unchanged');
  }, 150);
  // The stranger's unedited takeover is refused too (signed, but not by the current keys).
  const reply = await postEntry(served.url, keysEntry(stranger, 'fuzz-project', 2));
  assert.is(reply.status, 403, textOf(reply));
  assert.is(ownerPolicy(), ownerBefore);
});

test.run();

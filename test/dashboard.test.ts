// The dashboard against a real log built by `diptych demo` (cli/demo.ts: a log, two witnesses,
// a PyPI replay, a swapped file, alerts, escalations, a suspension and its lift), all on
// 127.0.0.1. First without JavaScript (plain HTTP: the key content must be in the HTML), then
// in Debian's Chromium driven by playwright-core: each page, the links between them, the
// in-page proof check (and its failure on a tampered bundle), escaping of text others wrote.
// Screenshots go to test/artifacts/ (git-ignored).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { runDemo, type DemoResult } from '../cli/demo.js';
import { readSignerKeyFile } from '../log/log-key.js';
import { jsonOf, postEntry, request, textOf, type Reply } from './support/log-fixture.js';
import { escalationEntry } from './support/monitor-entries.js';
import { ensureChromium, warnSkipped } from './support/chromium.js';

const ARTIFACTS = fileURLToPath(new URL('../../test/artifacts/', import.meta.url));
const PROJECT = 'snowballstemmer';

interface AlertJson {
  id: string;
  kind: string;
  entries: number[];
  evidence: number[];
  escalations: { index: number; action: string }[];
  lifted: { suspension: { index: number }; by: number[] }[];
}

interface Ctx {
  demo: DemoResult;
  size: number;
  mismatch: AlertJson;
  changed: AlertJson;
  browser?: Browser;
  context?: BrowserContext;
  /** Requests the browser tried to send anywhere but 127.0.0.1, and errors pages reported. */
  blocked: string[];
  pageErrors: string[];
}

const Dash = suite<Ctx>('dashboard', { blocked: [], pageErrors: [] } as unknown as Ctx);

async function get(ctx: Ctx, path: string): Promise<Reply> {
  return request(ctx.demo.logUrl, path);
}

async function html(ctx: Ctx, path: string, status = 200): Promise<string> {
  const reply = await get(ctx, path);
  assert.is(reply.status, status, path);
  assert.match(String(reply.headers['content-type']), /^text\/html; charset=utf-8/i, path);
  return textOf(reply);
}

/** The inner HTML of the first element opening with `open` (sections do not nest here). */
function section(page: string, open: string, close = '</section>'): string {
  const start = page.indexOf(open);
  assert.ok(start >= 0, `no ${open}`);
  return page.slice(start, page.indexOf(close, start));
}

const count = (text: string, needle: string): number => text.split(needle).length - 1;

/**
 * Waits until both witnesses have cosigned the whole tree (they cosign in the background after
 * the demo's last entry), so the served checkpoint no longer changes while pages are checked.
 */
async function settledSize(logUrl: string): Promise<number> {
  for (let i = 0; i < 800; i++) {
    const { size } = jsonOf<{ size: number }>(await request(logUrl, '/api/v1/log'));
    const { witnesses } = jsonOf<{ witnesses: { lastCosigned: number | null }[] }>(await request(logUrl, '/api/v1/status'));
    if (witnesses.length === 2 && witnesses.every((w) => w.lastCosigned === size)) return size;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the witnesses never cosigned the whole tree');
}

Dash.before(async (ctx) => {
  ctx.demo = await runDemo();
  ctx.size = await settledSize(ctx.demo.logUrl);
  const alerts = jsonOf<AlertJson[]>(await get(ctx, `/api/v1/alerts?project=${PROJECT}`));
  ctx.mismatch = alerts.find((a) => a.kind === 'hash-mismatch')!;
  ctx.changed = alerts.find((a) => a.kind === 'file-changed')!;
  const chromiumPath = ensureChromium();
  if ('missing' in chromiumPath) return warnSkipped(chromiumPath.missing);
  mkdirSync(ARTIFACTS, { recursive: true });
  ctx.browser = await chromium.launch({ executablePath: chromiumPath.path, args: ['--no-sandbox'] });
  ctx.context = await ctx.browser.newContext({ viewport: { width: 1280, height: 900 } });
  // Nothing but the servers of this test: any other address is refused and remembered.
  await ctx.context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1') return route.continue();
    ctx.blocked.push(url.href);
    return route.abort('blockedbyclient');
  });
});

Dash.after(async (ctx) => {
  await ctx.browser?.close();
  await ctx.demo?.close();
});

async function open(ctx: Ctx, path: string): Promise<Page> {
  const page = await ctx.context!.newPage();
  page.on('pageerror', (e) => ctx.pageErrors.push(`${path}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') ctx.pageErrors.push(`${path}: console: ${m.text()}`);
  });
  const response = await page.goto(ctx.demo.logUrl + path);
  assert.is(response?.status(), 200, path);
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });

Dash('without JavaScript: the overview shows the served checkpoint, its cosigners, suspensions and alerts', async (ctx) => {
  const reply = await get(ctx, '/');
  assert.match(String(reply.headers['content-security-policy']), /script-src 'self'/);
  const page = await html(ctx, '/');
  assert.ok(page.includes(`<dd id="checkpoint-size">${ctx.size}</dd>`), 'the checkpoint size');
  // Who cosigned: exactly the witnesses whose lines the served note carries.
  const note = textOf(await get(ctx, '/checkpoint'));
  const lines = note.slice(note.indexOf('\n\n') + 2).trim().split('\n').map((l) => l.split(' ')[1]!);
  const witnesses = lines.filter((name) => name !== 'log.demo').sort();
  assert.ok(witnesses.length >= 1, 'the demo log serves a cosigned checkpoint');
  const cosigners = [...section(page, '<dd id="cosigners">', '</dd>').matchAll(/>([a-z0-9.]+)\+[0-9a-f]{8}</g)].map((m) => m[1]).sort();
  assert.equal(cosigners, witnesses);
  assert.ok(section(page, '<section id="suspensions">').includes('None.'), 'the suspension was lifted');
  const alerts = section(page, '<section id="recent-alerts">');
  for (const a of [ctx.mismatch, ctx.changed]) assert.ok(alerts.includes(`href="/alerts/${a.id}"`), a.kind);
  assert.ok(section(page, '<section id="witness-health">').includes('up to date'));
});

Dash('without JavaScript: project, release and file pages show both panels, the swapped hash marked', async (ctx) => {
  const { sha256, tamperedSha256, sdist } = ctx.demo.release;
  // How many current views show the swapped hash, by the API (one per witness and index API).
  const release = jsonOf<{ observations: { files: { sha256: string }[] }[] }>(await get(ctx, `/api/v1/projects/${PROJECT}/9.0.0`));
  const views = release.observations.filter((o) => o.files.some((f) => f.sha256 === tamperedSha256)).length;
  assert.ok(views >= 2, 'both witnesses saw the swapped file');
  const observedFile = jsonOf<{ observed: { sha256: string }[] }>(await get(ctx, `/api/v1/files/${sdist}`)).observed;
  assert.is(observedFile.filter((o) => o.sha256 === tamperedSha256).length, views);
  for (const path of [`/projects/${PROJECT}`, `/projects/${PROJECT}/9.0.0`, `/files/${sdist}`]) {
    const page = await html(ctx, path);
    const signed = section(page, '<section class="panel signed">');
    const observed = section(page, '<section class="panel observed">');
    assert.ok(signed.includes(`<code class="hash">${sha256}</code>`), `${path}: the signed hash`);
    // Every witness's latest view shows the swapped file, each marked as a mismatch.
    assert.is(count(observed, `<code class="hash mismatch">${tamperedSha256}</code>`), views, `${path}: the observed hashes`);
    assert.not.ok(observed.includes(sha256), `${path}: no witness's latest view shows the signed hash`);
  }
  const project = await html(ctx, `/projects/${PROJECT}`);
  const policy = section(project, '<section id="key-policy">');
  assert.ok(policy.includes('2 of 2 keys') && policy.includes('>alice.dev+') && policy.includes('>bob.dev+'), 'the key policy');
  assert.ok(section(project, '<section id="alerts">').includes(`href="/alerts/${ctx.mismatch.id}"`));
});

Dash('without JavaScript: the alert page lists evidence, escalations and the lift', async (ctx) => {
  const a = ctx.mismatch;
  const page = await html(ctx, `/alerts/${a.id}`);
  for (const i of a.evidence) assert.ok(section(page, '<section id="evidence">').includes(`href="/api/v1/entries/${i}"`), `evidence ${i}`);
  for (const i of a.entries) assert.ok(section(page, '<section id="alert-entries">').includes(`href="/api/v1/proof/inclusion?index=${i}"`), `entry ${i}`);
  const escalations = section(page, '<section id="escalations">');
  assert.is(count(escalations, '<tr><td><a class="entry"'), a.escalations.length);
  assert.equal([...escalations.matchAll(/<td>(suspend-project|lift)<\/td>/g)].map((m) => m[1]), a.escalations.map((e) => e.action));
  const lifted = section(page, '<ul id="lifted">', '</ul>');
  assert.ok(lifted.includes(`href="/api/v1/entries/${a.lifted[0]!.suspension.index}"`), 'the lifted suspension');
  for (const i of a.lifted[0]!.by) assert.ok(lifted.includes(`href="/api/v1/entries/${i}"`), `lifted by ${i}`);
  assert.ok(page.includes(`data-bundle="/api/v1/alerts/${a.id}?bundle=1"`));
  assert.ok(page.includes('The in-page check needs JavaScript.'));
});

Dash('without JavaScript: witnesses, search, error pages; the C2SP and API routes are untouched', async (ctx) => {
  const observations = await observationsPerWitness(ctx);
  const witnesses = await html(ctx, '/witnesses');
  assert.is(count(witnesses, '<td class="observations">'), 2);
  for (const [vkey, n] of observations) {
    const row = section(witnesses, `<code title="${vkey}">`, '</tr>');
    assert.ok(row.includes(`<td class="observations">${n}</td>`), `${vkey.split('+')[0]} logged ${n}`);
  }
  assert.ok((await html(ctx, '/search?q=snow')).includes(`class="project-result" href="/projects/${PROJECT}"`));
  assert.ok((await html(ctx, `/search?q=${ctx.demo.release.sdist}`)).includes(`class="file-result" href="/files/${ctx.demo.release.sdist}"`));
  assert.ok((await html(ctx, '/search?q=nothing-here')).includes('id="no-results"'));
  const errors: [string, number, string][] = [
    ['/projects/nope', 404, 'project_not_found'],
    [`/projects/${PROJECT}/1.2.3`, 404, 'release_not_found'],
    [`/alerts/${'0'.repeat(64)}`, 404, 'alert_not_found'],
    ['/alerts/xyz', 400, 'invalid_parameter'],
    ['/files/nope-1.0.tar.gz', 404, 'file_not_found'],
    ['/projects/Bad%20Name', 400, 'invalid_project_name'],
  ];
  for (const [path, status, code] of errors) assert.ok((await html(ctx, path, status)).includes(`<code id="error-code">${code}</code>`), path);
  const checkpoint = await get(ctx, '/checkpoint');
  assert.is(checkpoint.headers['content-type'], 'text/plain; charset=utf-8');
  assert.ok(textOf(checkpoint).startsWith(`log.demo\n${ctx.size}\n`));
  assert.is(jsonOf<{ size: number }>(await get(ctx, '/api/v1/log')).size, ctx.size);
  assert.is(jsonOf<{ error: { code: string } }>(await get(ctx, '/api/v1/projects/nope')).error.code, 'project_not_found');
});

/** Observations per witness vkey, counted from the entries themselves. */
async function observationsPerWitness(ctx: Ctx): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < ctx.size; i++) {
    const { envelope } = jsonOf<{ envelope: { payloadType: string; payload: string } }>(await get(ctx, `/api/v1/entries/${i}`));
    if (envelope.payloadType !== 'application/vnd.diptych.observation+json') continue;
    const { witness } = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { witness: string };
    counts.set(witness, (counts.get(witness) ?? 0) + 1);
  }
  assert.is(counts.size, 2, 'both witnesses logged observations');
  return counts;
}

Dash('browser: overview → alert (escalations, lift, proof verified in the page) → entry JSON', async (ctx) => {
  if (!ctx.browser) return;
  const page = await open(ctx, '/');
  assert.is(await page.textContent('#checkpoint-size'), String(ctx.size));
  await shot(page, 'overview.png');
  const id = ctx.mismatch.id;
  await Promise.all([page.waitForURL(`**/alerts/${id}`), page.click(`#recent-alerts a.alert-link[href="/alerts/${id}"]`)]);
  await page.waitForSelector('#proof-check:is([data-state="verified"], [data-state="failed"])');
  const result = (await page.textContent('#proof-check output')) ?? '';
  assert.is(await page.getAttribute('#proof-check', 'data-state'), 'verified', result);
  assert.match(result, new RegExp(`^verified in your browser: ${new Set([...ctx.mismatch.entries, ...ctx.mismatch.evidence]).size} entries are in log\\.demo at size \\d+, signed by log\\.demo\\+`));
  assert.is(await page.locator('#escalations tbody tr').count(), ctx.mismatch.escalations.length);
  assert.equal(await page.locator('#escalations tbody tr td:nth-child(3)').allTextContents(), ['suspend-project', 'suspend-project', 'lift', 'lift']);
  assert.is(await page.locator('#lifted li').count(), 1);
  await shot(page, 'alert.png');
  const link = page.locator('#alert-entries a.entry').first();
  const href = (await link.getAttribute('href'))!;
  const [response] = await Promise.all([page.waitForResponse((r) => r.url().endsWith(href)), link.click()]);
  const entry = (await response.json()) as { index: number; payloadType: string };
  assert.is(entry.payloadType, 'application/vnd.diptych.alert+json');
  assert.is(`/api/v1/entries/${entry.index}`, href);
  assert.is(entry.index, ctx.mismatch.entries[0]);
  await page.close();
});

Dash('browser: a tampered proof bundle fails the in-page check, with its error code', async (ctx) => {
  if (!ctx.browser) return;
  const page = await ctx.context!.newPage();
  page.on('pageerror', (e) => ctx.pageErrors.push(`tampered: ${e.message}`));
  // One inclusion proof hash changed on its way to the page.
  await page.route((url) => url.pathname === `/api/v1/alerts/${ctx.changed.id}` && url.searchParams.get('bundle') === '1', async (route) => {
    const response = await route.fetch();
    const reply = (await response.json()) as { bundle?: { entries: { inclusionProof: string[] }[] }; entries?: { inclusionProof: string[] }[] };
    const entries = (reply.bundle ?? reply).entries!;
    const proof = entries[0]!.inclusionProof;
    proof[0] = (proof[0]!.startsWith('A') ? 'B' : 'A') + proof[0]!.slice(1);
    await route.fulfill({ response, json: reply });
  });
  await page.goto(`${ctx.demo.logUrl}/alerts/${ctx.changed.id}`);
  await page.waitForSelector('#proof-check:is([data-state="verified"], [data-state="failed"])');
  assert.is(await page.getAttribute('#proof-check', 'data-state'), 'failed');
  assert.is(await page.getAttribute('#proof-check', 'data-code'), 'invalid_proof');
  assert.match((await page.textContent('#proof-check output')) ?? '', /^verification failed: invalid_proof: /);
  await shot(page, 'alert-tampered.png');
  await page.close();
});

Dash('browser: search → project page, the two panels side by side', async (ctx) => {
  if (!ctx.browser) return;
  const { sha256, tamperedSha256 } = ctx.demo.release;
  const page = await open(ctx, '/');
  await page.fill('input[name="q"]', 'snowball');
  await Promise.all([page.waitForURL('**/search?q=snowball'), page.press('input[name="q"]', 'Enter')]);
  await shot(page, 'search.png');
  await Promise.all([page.waitForURL(`**/projects/${PROJECT}`), page.click('a.project-result')]);
  const signed = page.locator('.release .panel.signed');
  const observed = page.locator('.release .panel.observed');
  assert.equal(await signed.locator('.hash').allTextContents(), [sha256]);
  const marked = await observed.locator('.hash.mismatch').allTextContents();
  assert.ok(marked.length >= 2 && marked.every((h) => h === tamperedSha256), 'every witness view shows the swapped hash, marked');
  // The stylesheet applied (the CSP lets it in): mismatches are red, the panels side by side.
  assert.is(await observed.locator('.hash.mismatch').first().evaluate((e) => getComputedStyle(e).color), 'rgb(207, 34, 46)');
  const [left, right] = [(await signed.boundingBox())!, (await observed.boundingBox())!];
  assert.ok(left.x + left.width <= right.x && left.y === right.y, 'signed on the left, observed on the right, level');
  await shot(page, 'project.png');
  await page.close();
});

Dash('browser: witnesses and file pages', async (ctx) => {
  if (!ctx.browser) return;
  const page = await open(ctx, '/witnesses');
  assert.is(await page.locator('#witnesses tbody tr').count(), 2);
  for (const n of await page.locator('#witnesses td.last-cosigned').allTextContents()) assert.match(n, new RegExp(`^${ctx.size} up to date`));
  await shot(page, 'witnesses.png');
  await page.goto(`${ctx.demo.logUrl}/files/${ctx.demo.release.sdist}`);
  assert.equal(await page.locator('.panel.signed .hash').allTextContents(), [ctx.demo.release.sha256]);
  await Promise.all([page.waitForURL(`**/projects/${PROJECT}/9.0.0`), page.click('.panel.signed a[href$="/9.0.0"]')]);
  assert.is(await page.textContent('h1'), `${PROJECT} 9.0.0`);
  await shot(page, 'file.png');
  await page.close();
});

// Last: it adds an escalation to the log.
Dash('text others wrote is escaped: an escalation reason with markup, a search with markup', async (ctx) => {
  const psrt = await readSignerKeyFile(join(ctx.demo.dir, 'psrt.key'));
  const reason = `<script>document.title="pwned"</script><img src=x onerror="document.title='pwned'">`;
  assert.is((await postEntry(ctx.demo.logUrl, escalationEntry([psrt], ctx.mismatch.id, 'suspend-index', reason))).status, 201);
  const page = await html(ctx, `/alerts/${ctx.mismatch.id}`);
  assert.not.ok(page.includes('<script>document.title') || page.includes('<img src=x'), 'no markup from the reason');
  assert.ok(page.includes('&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;&lt;img src=x'), 'the reason as text');
  const search = await html(ctx, '/search?q=%3Cb%20id%3Dx%3Ebold%3C%2Fb%3E');
  assert.not.ok(search.includes('<b id=x>'));
  assert.ok(search.includes('&lt;b id=x&gt;bold&lt;/b&gt;'));
  if (!ctx.browser) return;
  const tab = await open(ctx, `/alerts/${ctx.mismatch.id}`);
  assert.ok(((await tab.textContent('#escalations')) ?? '').includes(reason), 'shown literally');
  assert.is(await tab.locator('#escalations img, #escalations script').count(), 0);
  assert.is(await tab.title(), 'critical hash-mismatch · diptych');
  await tab.close();
});

Dash('browser: no request left 127.0.0.1, no page reported an error', (ctx) => {
  if (!ctx.browser) return;
  assert.equal(ctx.blocked, []);
  assert.equal(ctx.pageErrors, []);
});

Dash.run();

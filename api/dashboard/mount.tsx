// The dashboard's routes on the log's hono app: server-rendered HTML pages outside the C2SP
// (/checkpoint, /tile/*) and JSON (/api/v1/*) routes, readable without JavaScript. A page that
// fails renders the HTML error page with SPEC §5's error code and status (an unknown project
// is a 404 project_not_found, as in the API).
import type { Context, Hono } from 'hono';
import type { JSX } from 'hono/jsx/jsx-runtime';
import { createNodeCrypto } from '../../log/node-crypto.js';
import { DiptychError, statusOf } from '../../log/errors.js';
import type { TransparencyLog } from '../../log/transparency-log.js';
import { fileView, projectView, versionView } from '../../log/project-views.js';
import { alertsView, viewJoins } from '../../monitor/views.js';
import { AlertPage } from './alert.js';
import { verifyScriptCache } from './assets.js';
import { alertPageData, overviewData, search, witnessRows } from './data.js';
import { FilePage, SearchPage, type ObservedJson } from './files.js';
import { ErrorPage } from './layout.js';
import { OverviewPage } from './overview.js';
import { ProjectPage, ReleasePage } from './project.js';
import { DASHBOARD_CSS } from './styles.js';
import { WitnessesPage } from './witnesses.js';

export interface DashboardOptions {
  /** Called with every unexpected (non-DiptychError) failure of a page. */
  onInternalError?: (error: unknown) => void;
}

// The pages show text that others wrote (alert and escalation reasons, filenames). JSX escapes
// it; the policy is the second guard: no inline script or style runs, nothing loads from
// elsewhere, and the pages cannot be framed.
const PAGE_HEADERS: Record<string, string> = {
  'cache-control': 'no-cache',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const MAX_QUERY = 256;

/** A path parameter of the route (hono types them only for literal paths). */
function param(c: Context, name: string): string {
  return c.req.param(name) ?? '';
}

type Page = (c: Context) => JSX.Element | Promise<JSX.Element>;

async function html(c: Context, status: number, element: JSX.Element): Promise<Response> {
  return c.html(`<!doctype html>\n${String(await element)}`, status as 200, PAGE_HEADERS);
}

function page(render: Page, onInternal?: (e: unknown) => void): (c: Context) => Promise<Response> {
  return async (c) => {
    try {
      return await html(c, 200, await render(c));
    } catch (error) {
      let e: DiptychError;
      if (error instanceof DiptychError) e = error;
      else {
        onInternal?.(error);
        e = new DiptychError('internal_error', 'internal error');
      }
      return html(c, statusOf(e.code), <ErrorPage status={statusOf(e.code)} code={e.code} message={e.message} />);
    }
  };
}

export function mountDashboard(app: Hono, log: TransparencyLog, options: DashboardOptions = {}): void {
  const crypto = createNodeCrypto();
  const joins = viewJoins(log.state);
  const get = (path: string, render: Page) => app.get(path, page(render, options.onInternalError));
  get('/', () => <OverviewPage d={overviewData(log, crypto)} />);
  get('/witnesses', () => <WitnessesPage rows={witnessRows(log, crypto)} treeSize={log.sequencer.size} quorum={log.policy.cosignatureQuorum} />);
  get('/search', (c) => {
    const query = (c.req.query('q') ?? '').trim();
    if (query.length > MAX_QUERY) throw new DiptychError('invalid_parameter', `a search is at most ${MAX_QUERY} characters`);
    return <SearchPage query={query} {...search(log, query)} />;
  });
  get('/projects/:name', (c) => {
    const view = projectView(log.projects, param(c, 'name'), joins);
    return <ProjectPage view={view} alerts={alertsView(log.state, { project: view.project })} />;
  });
  get('/projects/:name/:version', (c) => <ReleasePage view={versionView(log.projects, param(c, 'name'), param(c, 'version'), joins)} />);
  get('/alerts/:id', async (c) => <AlertPage {...await alertPageData(log, param(c, 'id'))} />);
  get('/files/:filename', (c) => filePage(log, param(c, 'filename'), joins));
  app.get('/assets/dashboard.css', (c) => c.body(DASHBOARD_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' }));
  const verifyScript = verifyScriptCache();
  app.get('/assets/verify.js', async (c) => c.body(await verifyScript(), 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }));
}

/** A file no manifest lists still has a page while some witness sees it served: that is news. */
function filePage(log: TransparencyLog, filename: string, joins: ReturnType<typeof viewJoins>): JSX.Element {
  const observed = joins.observed(filename) as readonly ObservedJson[];
  try {
    const file = fileView(log.projects, filename, joins);
    return <FilePage filename={filename} file={file} observed={observed} />;
  } catch (e) {
    if (!(e instanceof DiptychError && e.code === 'file_not_found') || observed.length === 0) throw e;
    return <FilePage filename={filename} observed={observed} />;
  }
}

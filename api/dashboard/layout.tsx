// The frame every dashboard page shares: head, navigation and the search form (a plain GET form,
// so searching works without JavaScript), and the error page. Text goes through hono's JSX,
// which escapes it; nothing here is ever raw HTML built from data.
import type { FC, PropsWithChildren } from 'hono/jsx';

export interface LayoutProps {
  readonly title: string;
  /** The search box's current text, on the search page. */
  readonly query?: string;
  /** Pages with an in-page proof check load the verification bundle. */
  readonly verifyScript?: boolean;
}

export const Layout: FC<PropsWithChildren<LayoutProps>> = ({ title, query, verifyScript, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${title} · diptych`}</title>
      <link rel="stylesheet" href="/assets/dashboard.css" />
    </head>
    <body>
      <header>
        <a class="brand" href="/">diptych</a>
        <nav>
          <a href="/">Overview</a>
          <a href="/witnesses">Witnesses</a>
          <a href="/api/v1/log">API</a>
        </nav>
        <form method="get" action="/search" role="search">
          <input type="search" name="q" value={query ?? ''} placeholder="project or filename" aria-label="project or filename" />
          <button type="submit">Search</button>
        </form>
      </header>
      <main>{children}</main>
      {verifyScript ? <script type="module" src="/assets/verify.js"></script> : null}
    </body>
  </html>
);

export const ErrorPage: FC<{ status: number; code: string; message: string }> = ({ status, code, message }) => (
  <Layout title={status === 404 ? 'Not found' : 'Error'}>
    <h1>{status === 404 ? 'Not found' : `Error ${status}`}</h1>
    <p class="notice">
      <code id="error-code">{code}</code>: {message}
    </p>
    <p>
      <a href="/">Back to the overview</a>
    </p>
  </Layout>
);

// The dashboard's one stylesheet, served at /assets/dashboard.css rather than inline, so that the
// pages' Content-Security-Policy can refuse every inline style and script: the pages show text
// that third parties wrote (alert reasons, filenames), and escaping is then not the only guard.
export const DASHBOARD_CSS = `
:root { color-scheme: light dark; --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --line: #8884; --soft: #8881; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, sans-serif; margin: 0; }
header { display: flex; flex-wrap: wrap; gap: 1em; align-items: center; padding: .6em 1.2em; border-bottom: 1px solid var(--line); }
header .brand { font-weight: 700; text-decoration: none; color: inherit; }
header nav { display: flex; gap: 1em; }
header form { margin-left: auto; display: flex; gap: .4em; }
main { padding: 0 1.2em 2em; max-width: 1400px; }
h1 { font-size: 1.5em; margin: .8em 0 .4em; }
h2 { font-size: 1.2em; margin: 1.4em 0 .4em; }
h3 { font-size: 1.05em; margin: 1em 0 .3em; }
table { border-collapse: collapse; width: 100%; margin: .3em 0 .8em; }
th, td { text-align: left; vertical-align: top; padding: .25em .5em; border-bottom: 1px solid var(--line); }
th { font-weight: 600; }
code, .hash { font-family: ui-monospace, monospace; font-size: .9em; }
.hash { word-break: break-all; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; margin: .4em 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; word-break: break-word; }
.panels { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
@media (max-width: 900px) { .panels { grid-template-columns: 1fr; } }
.panel { border: 1px solid var(--line); border-radius: 6px; padding: .2em .8em .6em; }
.observation h4 { font-size: .95em; font-weight: normal; margin: .8em 0 .2em; }
.panel h3 small, .muted { color: #888; font-weight: normal; }
.badge { display: inline-block; padding: 0 .45em; border-radius: 1em; font-size: .85em; border: 1px solid currentColor; white-space: nowrap; }
.ok { color: var(--ok); }
.mismatch, .bad, .critical, .suspended, .failed { color: var(--bad); }
.mismatch { font-weight: 600; background: var(--soft); }
.warn, .high, .suspect, .unsigned { color: var(--warn); }
.notice { border-left: 4px solid var(--bad); padding: .3em .8em; background: var(--soft); }
#proof-check { border: 1px solid var(--line); border-radius: 6px; padding: .4em .8em; }
#proof-check[data-state="verified"] output { color: var(--ok); font-weight: 600; }
#proof-check[data-state="failed"] output { color: var(--bad); font-weight: 600; }
`;

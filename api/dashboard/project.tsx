// The project page (/projects/<name>) and the release page (/projects/<name>/<version>): the key
// policy, then each release's two panels, then the alerts about the project or release.
import type { FC } from 'hono/jsx';
import type { projectView, versionView } from '../../log/project-views.js';
import { Layout } from './layout.js';
import { ReleasePanels } from './panels.js';
import { AlertTable, EntryLink, KeyName, projectHref, type AlertJson } from './parts.js';

type ProjectJson = ReturnType<typeof projectView>;
type VersionJson = ReturnType<typeof versionView>;

const KeyPolicy: FC<{ keys: ProjectJson['keys'] }> = ({ keys }) => (
  <section id="key-policy">
    <h2>Key policy</h2>
    <dl class="facts">
      <dt>threshold</dt><dd>{`${keys.threshold} of ${keys.keys.length} keys`}</dd>
      <dt>keys</dt>
      <dd>
        <ul>{keys.keys.map((k) => <li><KeyName vkey={k} /></li>)}</ul>
      </dd>
      <dt>revoked</dt>
      <dd>
        {keys.revoked.length === 0 ? <span class="muted">none</span> : (
          <ul>
            {keys.revoked.map((r) => (
              <li class="bad"><code>{r.keyid}</code>{` since ${r.since} `}<EntryLink index={r.index} /></li>
            ))}
          </ul>
        )}
      </dd>
      <dt>policy</dt><dd>{`seq ${keys.seq}, `}<EntryLink index={keys.index} /></dd>
    </dl>
  </section>
);

export const ProjectPage: FC<{ view: ProjectJson; alerts: readonly AlertJson[] }> = ({ view, alerts }) => (
  <Layout title={view.project}>
    <h1>{view.project}</h1>
    <p>
      <a href={`/api/v1/projects/${encodeURIComponent(view.project)}`}>JSON</a>
    </p>
    <KeyPolicy keys={view.keys} />
    {view.releases.length === 0 ? <p class="muted">No release manifest is logged for this project yet.</p> : null}
    {view.releases.map((r) => <ReleasePanels project={view.project} release={r} />)}
    <section id="alerts">
      <h2>Alerts</h2>
      <AlertTable alerts={alerts} />
    </section>
  </Layout>
);

export const ReleasePage: FC<{ view: VersionJson }> = ({ view }) => (
  <Layout title={`${view.project} ${view.version}`}>
    <h1>
      <a href={projectHref(view.project)}>{view.project}</a>{` ${view.version}`}
    </h1>
    <p>
      <a href={`/api/v1/projects/${encodeURIComponent(view.project)}/${encodeURIComponent(view.version)}`}>JSON</a>
    </p>
    <ReleasePanels project={view.project} release={view} />
    <section id="alerts">
      <h2>Alerts</h2>
      <AlertTable alerts={view.alerts as readonly AlertJson[]} />
    </section>
  </Layout>
);

// Small pieces the dashboard pages share: links to entries and their proofs, key names, times,
// badges, the alerts table, and the JSON shapes of the API views the pages render (the pages
// show what the API serves, from the same view functions).
import type { FC } from 'hono/jsx';
import type { alertView } from '../../monitor/views.js';

export type AlertJson = ReturnType<typeof alertView>;

/** One witness's latest view of a release, as viewJoins (monitor/views.ts) builds it. */
export interface ObservationJson {
  readonly witness: string;
  readonly indexUrl: string;
  readonly source: string;
  readonly index: number;
  readonly observedAt: string;
  readonly lastSerial: number | null;
  readonly files: readonly { readonly filename: string; readonly sha256: string; readonly yanked: boolean }[];
}

/** `name+keyid` of a vkey `name+keyid+key` (names never hold '+'); keyids pass through. */
export function keyidOf(vkey: string): string {
  return vkey.split('+').slice(0, 2).join('+');
}

export const projectHref = (project: string, version?: string): string =>
  `/projects/${encodeURIComponent(project)}${version === undefined ? '' : `/${encodeURIComponent(version)}`}`;
export const fileHref = (filename: string): string => `/files/${encodeURIComponent(filename)}`;
export const alertHref = (id: string): string => `/alerts/${id}`;
export const entryHref = (index: number): string => `/api/v1/entries/${index}`;

export const KeyName: FC<{ vkey: string }> = ({ vkey }) => (
  <code title={vkey}>{keyidOf(vkey)}</code>
);

export const EntryLink: FC<{ index: number }> = ({ index }) => (
  <a class="entry" href={entryHref(index)}>{`#${index}`}</a>
);

/** An entry with its offline proof bundle and its inclusion proof in the current tree. */
export const ProofLinks: FC<{ index: number }> = ({ index }) => (
  <span>
    <EntryLink index={index} /> (<a href={`${entryHref(index)}?bundle=1`}>bundle</a>,{' '}
    <a href={`/api/v1/proof/inclusion?index=${index}`}>inclusion proof</a>)
  </span>
);

export const Time: FC<{ at: string }> = ({ at }) => <time datetime={at}>{at}</time>;

export const Badge: FC<{ text: string; tone?: string }> = ({ text, tone }) => (
  <span class={`badge ${tone ?? text}`}>{text}</span>
);

export const Hash: FC<{ sha256: string; tone?: string }> = ({ sha256, tone }) => (
  <code class={tone === undefined ? 'hash' : `hash ${tone}`}>{sha256}</code>
);

/** What an alert is about, as links: project, release, file, or the index or log. */
export const AlertSubject: FC<{ alert: AlertJson }> = ({ alert }) => (
  <span>
    {alert.project !== undefined ? <a href={projectHref(alert.project)}>{alert.project}</a> : null}
    {alert.project !== undefined && alert.version !== undefined ? (
      <>
        {' '}
        <a href={projectHref(alert.project, alert.version)}>{alert.version}</a>
      </>
    ) : null}
    {alert.filename !== undefined ? (
      <>
        {' '}
        <a href={fileHref(alert.filename)}>{alert.filename}</a>
      </>
    ) : null}
    {alert.project === undefined ? <code>{alert.indexUrl ?? alert.origin ?? ''}</code> : null}
  </span>
);

export const AlertTable: FC<{ alerts: readonly AlertJson[] }> = ({ alerts }) =>
  alerts.length === 0 ? (
    <p class="muted">No alerts.</p>
  ) : (
    <table class="alerts">
      <thead>
        <tr><th>severity</th><th>kind</th><th>subject</th><th>status</th><th>raised</th><th>entries</th></tr>
      </thead>
      <tbody>
        {alerts.map((a) => (
          <tr>
            <td><Badge text={a.severity} /></td>
            <td><a class="alert-link" href={alertHref(a.id)}>{a.kind}</a></td>
            <td><AlertSubject alert={a} /></td>
            <td><Badge text={a.status} tone={a.status === 'open' ? 'warn' : a.status} /></td>
            <td><Time at={a.raisedAt} /></td>
            <td>{a.entries.map((i) => <><EntryLink index={i} /> </>)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );

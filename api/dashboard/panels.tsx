// The two panels of a release, side by side: on the left what the developers signed (the files
// of the still-valid manifests), on the right what each witness last saw the index serve. Every
// observed hash is compared with the signed one; a difference is marked on both sides.
import type { FC } from 'hono/jsx';
import type { ReleaseView } from '../../log/project-views.js';
import type { SignedFile } from '../../log/release-status.js';
import { Badge, EntryLink, Hash, KeyName, Time, fileHref, projectHref, type ObservationJson } from './parts.js';

export type Verdict = 'match' | 'mismatch' | 'unsigned';

export function verdictOf(signed: ReadonlyMap<string, string>, filename: string, sha256: string): Verdict {
  const expected = signed.get(filename);
  if (expected === undefined) return 'unsigned';
  return expected === sha256 ? 'match' : 'mismatch';
}

const VERDICT_TEXT: Record<Verdict, { text: string; tone: string }> = {
  match: { text: '= signed', tone: 'ok' },
  mismatch: { text: '≠ signed', tone: 'mismatch' },
  unsigned: { text: 'not signed', tone: 'unsigned' },
};

/** Per signed file, how many current views (a witness through one index API) show the signed hash, how many another. */
function agreement(file: SignedFile, observations: readonly ObservationJson[]): { same: number; other: number } {
  let same = 0;
  let other = 0;
  for (const o of observations) {
    const seen = o.files.find((f) => f.filename === file.filename);
    if (seen === undefined) continue;
    if (seen.sha256 === file.sha256) same++;
    else other++;
  }
  return { same, other };
}

const views = (n: number): string => (n === 1 ? '1 view shows' : `${n} views show`);

const SignedPanel: FC<{ files: readonly SignedFile[]; observations: readonly ObservationJson[] }> = ({ files, observations }) => (
  <section class="panel signed">
    <h3>Signed by the developers <small>manifest entries</small></h3>
    {files.length === 0 ? <p class="warn">No still-valid manifest signs any file of this release.</p> : null}
    <table>
      <thead><tr><th>file</th><th>sha256</th><th>size</th><th>entry</th><th>on the index</th></tr></thead>
      <tbody>
        {files.map((f) => {
          const a = agreement(f, observations);
          return (
            <tr data-filename={f.filename}>
              <td><a href={fileHref(f.filename)}>{f.filename}</a></td>
              <td><Hash sha256={f.sha256} /></td>
              <td>{String(f.size)}</td>
              <td><EntryLink index={f.index} /></td>
              <td>
                {a.other > 0 ? <Badge text={`${views(a.other)} another hash`} tone="mismatch" /> : null}
                {a.same > 0 ? <Badge text={`${views(a.same)} this hash`} tone="ok" /> : null}
                {a.same + a.other === 0 ? <span class="muted">not observed</span> : null}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  </section>
);

const ObservationTable: FC<{ o: ObservationJson; signed: ReadonlyMap<string, string> }> = ({ o, signed }) => {
  const listed = new Set(o.files.map((f) => f.filename));
  const missing = [...signed.keys()].filter((name) => !listed.has(name));
  return (
    <div class="observation">
      <h4>
        <KeyName vkey={o.witness} /> <span class="muted">{`via ${o.source} API of `}<code>{o.indexUrl}</code>, at </span><Time at={o.observedAt} />{' '}
        <EntryLink index={o.index} />
      </h4>
      <table>
        <tbody>
          {o.files.map((f) => {
            const v = VERDICT_TEXT[verdictOf(signed, f.filename, f.sha256)];
            return (
              <tr data-filename={f.filename} class={v.tone}>
                <td>{f.filename}</td>
                <td><Hash sha256={f.sha256} tone={v.tone} /></td>
                <td><Badge text={v.text} tone={v.tone} />{f.yanked ? <Badge text="yanked" tone="warn" /> : null}</td>
              </tr>
            );
          })}
          {missing.map((name) => (
            <tr data-filename={name} class="warn"><td>{name}</td><td>—</td><td><Badge text="signed, not served" tone="warn" /></td></tr>
          ))}
        </tbody>
      </table>
    </div>
  );
};

const ObservedPanel: FC<{ observations: readonly ObservationJson[]; signed: ReadonlyMap<string, string> }> = ({ observations, signed }) => (
  <section class="panel observed">
    <h3>Observed on the index <small>latest view of each witness</small></h3>
    {observations.length === 0 ? <p class="muted">No witness has observed this release yet.</p> : null}
    {observations.map((o) => <ObservationTable o={o} signed={signed} />)}
  </section>
);

export const ReleasePanels: FC<{ project: string; release: ReleaseView }> = ({ project, release }) => {
  const observations = release.observations as readonly ObservationJson[];
  const signed = new Map(release.manifest.files.map((f) => [f.filename, f.sha256]));
  return (
    <section class="release" id={`release-${release.version}`}>
      <h2>
        <a href={projectHref(project, release.version)}>{`${project} ${release.version}`}</a>{' '}
        <Badge text={release.status} tone={release.status === 'signed' ? 'ok' : 'bad'} />
      </h2>
      <p class="muted">
        {'manifests: '}
        {release.manifest.entries.map((i) => <><EntryLink index={i} /> </>)}
      </p>
      <div class="panels">
        <SignedPanel files={release.manifest.files} observations={observations} />
        <ObservedPanel observations={observations} signed={signed} />
      </div>
    </section>
  );
};

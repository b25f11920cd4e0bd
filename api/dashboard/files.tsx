// The file page (/files/<filename>): the hash the developers signed for one file and the hash
// each witness's view shows now, and the search results page (/search?q=).
import type { FC } from 'hono/jsx';
import type { fileView } from '../../log/project-views.js';
import { Layout } from './layout.js';
import { Badge, EntryLink, Hash, KeyName, Time, fileHref, projectHref } from './parts.js';

type FileJson = ReturnType<typeof fileView>;

/** One witness's current view of a file, as viewJoins (monitor/views.ts) builds it. */
export interface ObservedJson {
  readonly witness: string;
  readonly indexUrl: string;
  readonly sha256: string;
  readonly at: string;
  readonly index: number;
}

const Observed: FC<{ observed: readonly ObservedJson[]; signed?: string }> = ({ observed, signed }) => (
  <section class="panel observed">
    <h3>Observed on the index</h3>
    {observed.length === 0 ? <p class="muted">No witness's current view lists this file.</p> : null}
    <table>
      <tbody>
        {observed.map((o) => {
          const tone = signed === undefined ? 'unsigned' : o.sha256 === signed ? 'ok' : 'mismatch';
          return (
            <tr class={tone}>
              <td><KeyName vkey={o.witness} /><br /><code class="muted">{o.indexUrl}</code></td>
              <td><Hash sha256={o.sha256} tone={tone} /></td>
              <td><Time at={o.at} /> <EntryLink index={o.index} /></td>
              <td><Badge text={tone === 'ok' ? '= signed' : tone === 'mismatch' ? '≠ signed' : 'not signed'} tone={tone} /></td>
            </tr>
          );
        })}
      </tbody>
    </table>
  </section>
);

/** `file` is absent when no manifest lists the filename but witnesses saw it served. */
export const FilePage: FC<{ filename: string; file?: FileJson; observed: readonly ObservedJson[] }> = ({ filename, file, observed }) => (
  <Layout title={filename}>
    <h1>{filename}</h1>
    <div class="panels">
      <section class="panel signed">
        <h3>Signed by the developers</h3>
        {file === undefined ? <p class="mismatch">No manifest in the log lists this file.</p> : (
          <dl class="facts">
            <dt>release</dt><dd><a href={projectHref(file.project)}>{file.project}</a>{' '}<a href={projectHref(file.project, file.version)}>{file.version}</a></dd>
            <dt>sha256</dt><dd><Hash sha256={file.signedSha256} /></dd>
            <dt>size</dt><dd>{String(file.size)}</dd>
            <dt>manifest</dt><dd><EntryLink index={file.index} /></dd>
            <dt>status</dt><dd><Badge text={file.status} tone={file.status === 'signed' ? 'ok' : 'bad'} /></dd>
          </dl>
        )}
      </section>
      <Observed observed={observed} signed={file?.signedSha256} />
    </div>
  </Layout>
);

export const SearchPage: FC<{ query: string; projects: readonly string[]; files: readonly string[]; more: boolean }> = ({ query, projects, files, more }) => (
  <Layout title={`Search: ${query}`} query={query}>
    <h1>{query === '' ? 'Search' : `Results for “${query}”`}</h1>
    {query === '' ? <p>Type a project name or a filename.</p> : null}
    {query !== '' && projects.length + files.length === 0 ? <p id="no-results">No project or file matches.</p> : null}
    <ul id="results">
      {projects.map((p) => <li><a class="project-result" href={projectHref(p)}>{p}</a></li>)}
      {files.map((f) => <li><a class="file-result" href={fileHref(f)}>{f}</a></li>)}
    </ul>
    {more ? <p class="muted">More projects match; refine the search.</p> : null}
  </Layout>
);

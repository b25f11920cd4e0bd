// The alert page (/alerts/<id>): what the alert says, its entries and evidence with links to the
// entries and their proofs, the escalations, the maintainers' acknowledgement, the suspension
// in force and the ones lifted, and the in-page proof check (verify-page.ts).
import type { FC } from 'hono/jsx';
import { Layout } from './layout.js';
import { AlertSubject, Badge, EntryLink, Hash, ProofLinks, Time, type AlertJson } from './parts.js';

/** An entry the alert cites, with its payload type read from the log (e.g. "release"). */
export interface CitedEntry {
  readonly index: number;
  readonly type: string;
}

const Facts: FC<{ a: AlertJson }> = ({ a }) => (
  <dl class="facts" id="alert-facts">
    <dt>kind</dt><dd>{a.kind}</dd>
    <dt>severity</dt><dd><Badge text={a.severity} /></dd>
    <dt>status</dt><dd id="alert-status"><Badge text={a.status} tone={a.status === 'open' ? 'warn' : a.status} /></dd>
    <dt>subject</dt><dd><AlertSubject alert={a} /></dd>
    {a.indexUrl !== undefined ? <><dt>index</dt><dd><code>{a.indexUrl}</code></dd></> : null}
    {a.expected !== undefined ? <><dt>expected</dt><dd><Hash sha256={a.expected} /></dd></> : null}
    {a.observed !== undefined ? <><dt>observed</dt><dd><Hash sha256={a.observed} tone="mismatch" /></dd></> : null}
    {a.reason !== undefined ? <><dt>reason</dt><dd>{a.reason}</dd></> : null}
    <dt>raised</dt><dd><Time at={a.raisedAt} />{' by '}{a.raisedBy.map((k) => <><code>{k}</code> </>)}</dd>
    <dt>id</dt><dd><code class="hash">{a.id}</code></dd>
  </dl>
);

const Cited: FC<{ title: string; id: string; entries: readonly CitedEntry[] }> = ({ title, id, entries }) => (
  <section id={id}>
    <h2>{title}</h2>
    <ul>
      {entries.map((e) => (
        <li><ProofLinks index={e.index} />{` ${e.type}`}</li>
      ))}
    </ul>
  </section>
);

const Escalations: FC<{ a: AlertJson }> = ({ a }) => (
  <section id="escalations">
    <h2>Escalations</h2>
    {a.escalations.length === 0 ? <p class="muted">None.</p> : (
      <table>
        <thead><tr><th>entry</th><th>party</th><th>action</th><th>reason</th><th>at</th></tr></thead>
        <tbody>
          {a.escalations.map((e) => (
            <tr><td><EntryLink index={e.index} /></td><td><code>{e.party}</code></td><td>{e.action}</td><td>{e.reason}</td><td><Time at={e.at} /></td></tr>
          ))}
        </tbody>
      </table>
    )}
  </section>
);

const Governance: FC<{ a: AlertJson }> = ({ a }) => (
  <section id="governance">
    <h2>Acknowledgement and suspensions</h2>
    <p id="ack">
      {a.ack === null ? <span class="muted">Not acknowledged by the maintainers.</span> : (
        <>{'Acknowledged by the maintainers '}<EntryLink index={a.ack.index} />{`: ${a.ack.reason} (`}<Time at={a.ack.at} />)</>
      )}
    </p>
    {a.suspension !== null ? (
      <p class="notice" id="suspension">
        {`In force: ${a.suspension.scope === 'index' ? 'the whole index' : a.suspension.project ?? ''} suspended since `}<Time at={a.suspension.effectiveAt} />{' '}
        <EntryLink index={a.suspension.index} />{` by ${a.suspension.parties.join(', ')}`}
      </p>
    ) : null}
    <ul id="lifted">
      {a.lifted.map((l) => (
        <li>
          {`Suspension of ${l.suspension.scope === 'index' ? 'the whole index' : l.suspension.project ?? ''} `}<EntryLink index={l.suspension.index} />
          {' from '}<Time at={l.suspension.effectiveAt} />{` (parties ${l.suspension.parties.join(', ')}) lifted by `}
          {l.by.map((i) => <><EntryLink index={i} /> </>)}
        </li>
      ))}
    </ul>
  </section>
);

// The proof check runs in the browser (verify-page.ts); without JavaScript the section says how
// to check the same bundle with the CLI, which is the check that counts anyway.
const ProofCheck: FC<{ a: AlertJson }> = ({ a }) => (
  <section id="proof-check" data-state="idle" data-bundle={`/api/v1/alerts/${a.id}?bundle=1`} data-log="/api/v1/log" data-alert={a.id}>
    <h2>Proof check</h2>
    <p>
      {'The alert and its evidence, proven against one signed checkpoint: '}
      <a href={`/api/v1/alerts/${a.id}?bundle=1`}>proof bundle</a>.
    </p>
    <output>The in-page check needs JavaScript.</output>
    <p class="muted">
      {'The check in this page uses the log key this server names, so it shows the bundle is sound, not that the server is honest. '}
      {'With the log key you got from the operator: '}
      <code>{'diptych verify --bundle alert.json --log-key KEY'}</code>
    </p>
  </section>
);

export const AlertPage: FC<{ a: AlertJson; entries: readonly CitedEntry[]; evidence: readonly CitedEntry[] }> = ({ a, entries, evidence }) => (
  <Layout title={`${a.severity} ${a.kind}`} verifyScript>
    <h1>{`${a.kind} `}<Badge text={a.severity} /></h1>
    <p><a href={`/api/v1/alerts/${a.id}`}>JSON</a></p>
    <Facts a={a} />
    <Cited title="Alert entries" id="alert-entries" entries={entries} />
    <Cited title="Evidence" id="evidence" entries={evidence} />
    <Escalations a={a} />
    <Governance a={a} />
    <ProofCheck a={a} />
  </Layout>
);

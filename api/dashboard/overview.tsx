// The overview at /: the checkpoint the log serves and who cosigned it, witness health, the
// suspensions in force and the most recent alerts.
import type { FC } from 'hono/jsx';
import type { WitnessStatus } from '../../log/witness-client.js';
import type { suspensionsView } from '../../monitor/views.js';
import type { CheckpointSummary } from './checkpoint-summary.js';
import { Layout } from './layout.js';
import { AlertTable, Badge, EntryLink, KeyName, Time, alertHref, projectHref, type AlertJson } from './parts.js';

export interface OverviewData {
  readonly origin: string;
  readonly verifierKey: string;
  readonly treeSize: number;
  readonly projects: number;
  readonly cosignatureQuorum: number;
  readonly checkpoint: CheckpointSummary;
  readonly witnesses: readonly WitnessStatus[];
  readonly suspensions: ReturnType<typeof suspensionsView>;
  readonly recentAlerts: readonly AlertJson[];
  readonly alertCount: number;
}

const count = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** How far behind the tree a witness's last cosignature is, in words and a tone. */
export function witnessHealth(w: WitnessStatus, treeSize: number): { text: string; tone: string } {
  if (w.lastCosigned === null) return { text: 'not asked (no URL in the policy)', tone: 'muted' };
  if (w.lastCosigned >= treeSize) return { text: 'up to date', tone: 'ok' };
  return { text: `${treeSize - w.lastCosigned} entries behind`, tone: 'warn' };
}

const CheckpointFacts: FC<{ d: OverviewData }> = ({ d }) => (
  <section id="checkpoint">
    <h2>Latest checkpoint</h2>
    <dl class="facts">
      <dt>origin</dt><dd><code>{d.checkpoint.origin}</code></dd>
      <dt>size</dt><dd id="checkpoint-size">{String(d.checkpoint.size)}{d.checkpoint.size < d.treeSize ? ` (the tree holds ${d.treeSize}; witnesses cosign a little behind)` : ''}</dd>
      <dt>root</dt><dd><code class="hash">{d.checkpoint.rootHex}</code></dd>
      <dt>log key</dt><dd><code class="hash">{d.verifierKey}</code></dd>
      <dt>cosigned by</dt>
      <dd id="cosigners">
        {d.checkpoint.cosigners.length === 0 ? <span class="warn">no policy witness</span> : null}
        <ul>
          {d.checkpoint.cosigners.map((c) => (
            <li><KeyName vkey={c.vkey} /> at <Time at={c.at} /></li>
          ))}
        </ul>
        <span class="muted">{`quorum ${d.cosignatureQuorum}; served at `}<a href="/checkpoint">/checkpoint</a></span>
      </dd>
    </dl>
  </section>
);

const WitnessHealth: FC<{ d: OverviewData }> = ({ d }) => (
  <section id="witness-health">
    <h2>Witnesses</h2>
    {d.witnesses.length === 0 ? <p class="muted">The log's policy names no witnesses.</p> : null}
    <table>
      <tbody>
        {d.witnesses.map((w) => {
          const h = witnessHealth(w, d.treeSize);
          return (
            <tr>
              <td><KeyName vkey={w.vkey} /></td>
              <td>{w.lastCosigned === null ? '—' : `last cosigned size ${w.lastCosigned}`}</td>
              <td><Badge text={h.text} tone={h.tone} /></td>
            </tr>
          );
        })}
      </tbody>
    </table>
    <a href="/witnesses">All about the witnesses</a>
  </section>
);

const Suspensions: FC<{ d: OverviewData }> = ({ d }) => (
  <section id="suspensions">
    <h2>Suspensions in force</h2>
    {d.suspensions.suspended.index ? <p class="notice">The whole index is suspended: clients refuse every file.</p> : null}
    {d.suspensions.suspensions.length === 0 ? <p class="muted">None.</p> : (
      <table>
        <thead><tr><th>scope</th><th>alert</th><th>parties</th><th>entry</th><th>since</th></tr></thead>
        <tbody>
          {d.suspensions.suspensions.map((s) => (
            <tr>
              <td class="suspended">{s.scope === 'index' ? 'the index' : <a href={projectHref(s.project ?? '')}>{s.project}</a>}</td>
              <td><a href={alertHref(s.alert)}>{`${s.severity} ${s.kind}`}</a></td>
              <td>{s.parties.map((p) => <><code>{p}</code> </>)}</td>
              <td><EntryLink index={s.index} /></td>
              <td><Time at={s.effectiveAt} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </section>
);

export const OverviewPage: FC<{ d: OverviewData }> = ({ d }) => (
  <Layout title={d.origin}>
    <h1>{d.origin}</h1>
    <p>{`${count(d.treeSize, 'entry', 'entries')}; ${count(d.projects, 'project')} with a key policy; ${count(d.alertCount, 'alert')}.`}</p>
    <CheckpointFacts d={d} />
    <WitnessHealth d={d} />
    <Suspensions d={d} />
    <section id="recent-alerts">
      <h2>Recent alerts</h2>
      <AlertTable alerts={d.recentAlerts} />
      <a href="/api/v1/alerts">All alerts (JSON)</a>
    </section>
  </Layout>
);

// The witnesses page (/witnesses): each witness the log's policy names, where it cosigns, the
// size it last cosigned, whether it cosigned the checkpoint being served, and how many
// observations it has logged.
import type { FC } from 'hono/jsx';
import { Layout } from './layout.js';
import { witnessHealth } from './overview.js';
import { Badge, KeyName, Time } from './parts.js';

export interface WitnessRow {
  readonly vkey: string;
  readonly url?: string;
  readonly lastCosigned: number | null;
  /** When it cosigned the served checkpoint, if it did. */
  readonly cosignedServedAt?: string;
  readonly observations: number;
}

export const WitnessesPage: FC<{ rows: readonly WitnessRow[]; treeSize: number; quorum: number }> = ({ rows, treeSize, quorum }) => (
  <Layout title="Witnesses">
    <h1>Witnesses</h1>
    <p>{`The log's policy names ${rows.length} witnesses; the checkpoint it serves needs ${quorum} cosignatures. The tree holds ${treeSize} entries.`}</p>
    <table id="witnesses">
      <thead><tr><th>witness</th><th>cosigning URL</th><th>last cosigned size</th><th>served checkpoint</th><th>observations logged</th></tr></thead>
      <tbody>
        {rows.map((w) => {
          const h = witnessHealth(w, treeSize);
          return (
            <tr>
              <td><KeyName vkey={w.vkey} /></td>
              <td>{w.url === undefined ? <span class="muted">none</span> : <code>{w.url}</code>}</td>
              <td class="last-cosigned">{w.lastCosigned === null ? '—' : String(w.lastCosigned)} <Badge text={h.text} tone={h.tone} /></td>
              <td>{w.cosignedServedAt === undefined ? <span class="muted">not cosigned</span> : <>cosigned at <Time at={w.cosignedServedAt} /></>}</td>
              <td class="observations">{String(w.observations)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  </Layout>
);

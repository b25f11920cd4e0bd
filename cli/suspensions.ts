// Clients honour suspensions (SPEC §4): while a project (or the whole index) is suspended,
// `verify` and `verify-lock` refuse its files, naming the alert and the parties who escalated.
// The suspension state comes from the log's GET /api/v1/status, once per run.
import { DiptychError } from '../log/errors.js';
import { getJson, joinUrl } from './http-json.js';

interface SuspensionView {
  readonly scope: 'project' | 'index';
  readonly project?: string;
  readonly alert: string;
  readonly kind: string;
  readonly index: number;
  readonly parties: readonly string[];
}

interface StatusView {
  readonly suspensions?: readonly SuspensionView[];
}

/** A check that throws `suspended` for a project under a suspension, loaded on first use. */
export function suspensionCheck(logUrl: string): (project: string) => Promise<void> {
  let loaded: Promise<readonly SuspensionView[]> | undefined;
  return async (project) => {
    loaded ??= getJson<StatusView>(joinUrl(logUrl, '/api/v1/status')).then((s) => s.suspensions ?? []);
    const hit = (await loaded).find((s) => s.scope === 'index' || s.project === project);
    if (!hit) return;
    const what = hit.scope === 'index' ? 'the whole index is suspended' : `${project} is suspended`;
    throw new DiptychError(
      'suspended',
      `${what} (entry ${hit.index}) over ${hit.kind} alert ${hit.alert}, escalated by ${hit.parties.join(', ')}: do not install`,
    );
  };
}

// Discovering changed projects from the index's project list (PYPI-API.md §6: /simple/ as JSON
// lists every project with its `_last-serial`; poll it and diff). The first poll only records
// the list: a witness does not sweep all of PyPI because it just started. Later polls name every
// project whose serial moved, that is new, or that disappeared. The new list is kept only once
// the caller says those projects were observed (commit), so a failed sweep loses nothing.
import type { FetchFailureReason } from './fetch-result.js';
import type { IndexClient } from './index-client.js';
import type { WitnessState } from './state.js';

export type Serials = Readonly<Record<string, number | null>>;

export type Discovery =
  | { readonly ok: true; readonly changed: readonly string[]; commit(): Promise<void> }
  | { readonly ok: false; readonly reason: FetchFailureReason; readonly message: string };

/** Projects new, changed or gone between two lists. */
export function changedProjects(before: Serials, now: Serials): string[] {
  const out = Object.keys(now).filter((name) => !Object.hasOwn(before, name) || before[name] !== now[name]);
  for (const name of Object.keys(before)) if (!Object.hasOwn(now, name)) out.push(name);
  return out.sort();
}

export async function discoverChanged(client: IndexClient, state: WitnessState): Promise<Discovery> {
  const etagKey = JSON.stringify([client.baseUrl, 'project-list']);
  const result = await client.projectList({ etag: await state.etag(etagKey) });
  if (!result.ok) return { ok: false, reason: result.reason, message: result.message };
  if (result.notModified) return { ok: true, changed: [], commit: async () => undefined };
  const now: Serials = Object.fromEntries(result.value.projects);
  const before = await state.projectSerials(client.baseUrl);
  const etag = result.value.etag;
  return {
    ok: true,
    changed: before === undefined ? [] : changedProjects(before, now),
    async commit() {
      await state.putProjectSerials(client.baseUrl, now);
      if (etag !== null) await state.putEtag(etagKey, etag);
    },
  };
}

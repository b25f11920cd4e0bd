// Which release manifests still count, given the project's revocations. Browser-safe.
//
// Revocation semantics. A signature by key K on manifest M stops counting when K is revoked
// with `since` <= M.created. M then counts only if its remaining signatures still meet the
// threshold that applied when M was logged. Manifests signed before `since` stay valid, as do
// manifests signed by keys merely removed from the policy (no revocation).
//
// Why `created` and not log position alone: `since` is a wall-clock time ("the key leaked on
// Tuesday"), and entries carry no log timestamp. `created` is chosen by the signer, so on its
// own a thief could backdate it; the log therefore refuses manifests whose `created` is far from
// its clock when they arrive (release-manifest.ts Freshness, default 7 days back, 10 minutes
// ahead). A thief can thus backdate by at most that window: maintainers who revoke should set
// `since` at least that long before the first moment the key may have leaked. Log position
// still matters in one way: after the revocation entry, the key is not in the policy at all,
// so nothing it signs is admitted.
import type { ManifestFile, ManifestRecord, ReleaseState } from './release-manifest.js';

export interface RevocationTime {
  readonly sinceMs: number;
}

export type ReleaseStatus = 'signed' | 'revoked';

/** Whether M still counts under these revocations. */
export function manifestCounts(m: ManifestRecord, revoked: ReadonlyMap<string, RevocationTime>): boolean {
  const still = m.signers.filter((k) => {
    const r = revoked.get(k);
    return r === undefined || m.createdMs < r.sinceMs;
  });
  return still.length >= m.threshold;
}

export function validManifests(release: ReleaseState, revoked: ReadonlyMap<string, RevocationTime>): ManifestRecord[] {
  return release.manifests.filter((m) => manifestCounts(m, revoked));
}

export interface SignedFile extends ManifestFile {
  /** Leaf index of the first still-valid manifest that lists the file. */
  readonly index: number;
}

/** The files the still-valid manifests sign, in first-listed order. */
export function signedFiles(release: ReleaseState, revoked: ReadonlyMap<string, RevocationTime>): SignedFile[] {
  const files = new Map<string, SignedFile>();
  for (const m of validManifests(release, revoked)) {
    for (const f of m.files) if (!files.has(f.filename)) files.set(f.filename, { ...f, index: m.index });
  }
  return [...files.values()];
}

export function releaseStatus(release: ReleaseState, revoked: ReadonlyMap<string, RevocationTime>): ReleaseStatus {
  return validManifests(release, revoked).length > 0 ? 'signed' : 'revoked';
}

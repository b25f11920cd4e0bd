// One pinned file hash from a lock file: what verify-lock checks against signed manifests.
export interface PinnedHash {
  /** The project as the lock file spells it. */
  readonly project: string;
  readonly version?: string;
  /** The distribution filename, when the lock names it (pylock.toml does; requirements do not). */
  readonly filename?: string;
  /** Lowercase hex. */
  readonly sha256: string;
  /** Where in the lock file, for messages ("requirements.txt:12"). */
  readonly where: string;
}

// What one index response says about a project: the files it serves, with the facts a witness
// logs (SPEC §3 observation). One shape for all three sources, so they can be compared.

export type ViewSource = 'json' | 'simple';
export type ViewFormat = 'json-api' | 'pep691' | 'pep503';

export interface IndexFile {
  readonly filename: string;
  /** The release; null when a Simple page's filename does not say (left out of observations). */
  readonly version: string | null;
  /** Lower-case hex. */
  readonly sha256: string;
  /** Bytes; null when the view does not say (PEP 503 HTML, PEP 691 before 1.1). */
  readonly size: number | null;
  readonly yanked: boolean;
  readonly yankedReason: string | null;
  /** ISO 8601 UTC; null when the view does not say. */
  readonly uploadTime: string | null;
}

export interface IndexView {
  /** PEP 503-normalised. */
  readonly project: string;
  readonly source: ViewSource;
  readonly format: ViewFormat;
  /** X-PyPI-Last-Serial, else the serial in the body; null when neither is given. */
  readonly serial: number | null;
  readonly etag: string | null;
  /** Every release the view names, including releases without files (JSON API). */
  readonly versions: readonly string[];
  readonly files: readonly IndexFile[];
}

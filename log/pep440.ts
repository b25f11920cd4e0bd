// PEP 440 version normalisation, the subset diptych needs: deciding whether the version in a
// distribution filename is the release's version. Browser-safe.
//
// Comparison is of normalised strings, without packaging's trailing-zero stripping: "1.0" and
// "1.0.0" are different here. PyPI would serve both under one release, but a manifest that
// signs "foo-1.0.0.tar.gz" for version "1.0" is more likely a mistake than a wish, and being
// strict costs a maintainer one re-run of `manifest create`.

// The regex of packaging.version.VERSION_PATTERN, anchored, case-insensitive.
const PEP440 =
  /^\s*v?(?:(?<epoch>[0-9]+)!)?(?<release>[0-9]+(?:\.[0-9]+)*)(?<pre>[-_.]?(?<preL>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<preN>[0-9]+)?)?(?<post>-(?<postN1>[0-9]+)|[-_.]?(?<postL>post|rev|r)[-_.]?(?<postN2>[0-9]+)?)?(?<dev>[-_.]?dev[-_.]?(?<devN>[0-9]+)?)?(?:\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$/i;

const PRE_LABELS: Record<string, string> = { alpha: 'a', a: 'a', beta: 'b', b: 'b', c: 'rc', pre: 'rc', preview: 'rc', rc: 'rc' };

function int(text: string | undefined): string {
  return String(BigInt(text ?? '0'));
}

/** The PEP 440 normal form of a version, or undefined when it is not a PEP 440 version. */
export function normalizeVersion(version: string): string | undefined {
  const m = PEP440.exec(version);
  const g = m?.groups;
  if (!g) return undefined;
  let out = g['epoch'] !== undefined && int(g['epoch']) !== '0' ? `${int(g['epoch'])}!` : '';
  out += g['release']!.split('.').map(int).join('.');
  if (g['pre'] !== undefined) out += PRE_LABELS[g['preL']!.toLowerCase()]! + int(g['preN']);
  if (g['post'] !== undefined) out += `.post${int(g['postN1'] ?? g['postN2'])}`;
  if (g['dev'] !== undefined) out += `.dev${int(g['devN'])}`;
  if (g['local'] !== undefined) out += `+${g['local'].toLowerCase().replace(/[-_.]/g, '.')}`;
  return out;
}

/**
 * The key a release is stored under: the PEP 440 normal form, or for legacy versions that are
 * not PEP 440 (pytz's "2004d" is, "1.0-beta-x" may not be) the string itself, lowercased.
 */
export function versionKey(version: string): string {
  return normalizeVersion(version) ?? version.toLowerCase();
}

/** Whether two version strings name the same release (see versionKey). */
export function sameVersion(a: string, b: string): boolean {
  return versionKey(a) === versionKey(b);
}

// PEP 503 name normalisation: lower case, every run of '-', '_', '.' becomes one '-'.
export function normalizeProjectName(name: string): string {
  let out = '';
  let inRun = false;
  for (const ch of name.toLowerCase()) {
    const sep = ch === '-' || ch === '_' || ch === '.';
    if (sep && !inRun) out += '-';
    else if (!sep) out += ch;
    inRun = sep;
  }
  return out;
}

/** Valid PEP 508 names: ASCII letters and digits, with '.', '-', '_' inside. */
export function isValidProjectName(name: string): boolean {
  return /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(name);
}

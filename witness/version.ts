// diptych's own version, for the User-Agent PyPI asks heavy clients to send. Read from the
// package.json above this module, wherever the compiled code runs from (dist/witness/...).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function diptychVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'diptych' && typeof pkg.version === 'string') return pkg.version;
    }
    if (dirname(dir) === dir) return '0.0.0';
  }
}

/** `diptych/<version>`, plus a contact if the operator gives one (PyPI's etiquette). */
export function userAgent(contact?: string): string {
  const base = `diptych/${diptychVersion()}`;
  return contact === undefined || contact === '' ? base : `${base} (+${contact})`;
}

// The browser for the dashboard tests: Debian's Chromium, installed from the Debian package
// when missing (never a Playwright browser download). Where it cannot be installed (not root,
// no apt-get, no reachable Debian repository) the caller skips the browser tests, and says so
// loudly: a CI that silently ran no browser test would claim more than it checked.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

function apt(args: string[]): void {
  execFileSync('apt-get', args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function whyNotInstallable(): string | undefined {
  if (process.platform !== 'linux') return `this is ${process.platform}, not Debian`;
  if (process.getuid?.() !== 0) return 'installing the chromium package needs root';
  if (!existsSync('/usr/bin/apt-get')) return 'there is no apt-get here';
  return undefined;
}

/** Chromium's path, installing the package first if needed; else why there is none. */
export function ensureChromium(): { path: string } | { missing: string } {
  if (existsSync(CHROMIUM)) return { path: CHROMIUM };
  const why = whyNotInstallable();
  if (why !== undefined) return { missing: why };
  try {
    apt(['install', '-y', 'chromium']);
  } catch {
    // A fresh machine may have no package lists yet, or stale ones: refresh once and retry.
    try {
      apt(['update']);
      apt(['install', '-y', 'chromium']);
    } catch (e) {
      return { missing: `apt-get install chromium failed: ${String((e as { stderr?: Buffer }).stderr ?? e).trim().split('\n').slice(-3).join(' ')}` };
    }
  }
  return existsSync(CHROMIUM) ? { path: CHROMIUM } : { missing: `the chromium package installed no ${CHROMIUM}` };
}

export function warnSkipped(why: string): void {
  const bar = '!'.repeat(78);
  process.stderr.write(`\n${bar}\n!! SKIPPED: the dashboard's browser tests did not run: ${why}.\n!! Only the no-JavaScript HTTP checks of the pages ran. Install Debian's chromium to run them.\n${bar}\n\n`);
}

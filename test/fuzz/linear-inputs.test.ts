// Work linear in hostile input where it used to be quadratic (issue 8, docs/robustness.md):
// trailing-slash trims of URLs (log/trim-slashes.ts, was /\/+$/), and the release version of a
// distribution filename against a page's list of versions (witness/filename-version.ts, was
// every version tested against every file). Each new form is checked against the old one, kept
// here as the reference, on generated inputs; then run on inputs built to make the old forms
// take minutes (no timing is asserted: a quadratic form would not finish in the suite's time).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pep503Normalize } from '../../log/project-name.js';
import { trimTrailingSlashes } from '../../log/trim-slashes.js';
import { versionFromFilename } from '../../witness/filename-version.js';
import { joinUrl } from '../../cli/http-json.js';
import { check, fc } from '../support/fuzz.js';

/** The old versionFromFilename (before the linear rewrite), as the reference. */
function referenceVersion(project: string, filename: string, knownVersions?: readonly string[]): string | null {
  const EXTENSIONS = ['.tar.gz', '.tar.bz2', '.tar.xz', '.tar.Z', '.tgz', '.tbz', '.zip', '.tar', '.egg', '.exe', '.msi', '.rpm', '.dmg', '.whl'];
  const PLATFORM_MARKERS = ['.win32', '.win-', '.linux-', '.macosx-', '.cygwin-', '.freebsd-', '.darwin-', '.solaris-'];
  const ext = EXTENSIONS.find((e) => filename.endsWith(e));
  if (ext === undefined) return null;
  const stem = filename.slice(0, -ext.length);
  if (filename.endsWith('.whl')) {
    const parts = stem.split('-');
    return parts.length === 5 || parts.length === 6 ? (parts[1] ?? null) : null;
  }
  let rest: string | undefined;
  const target = pep503Normalize(project);
  for (let dash = stem.indexOf('-'); dash > 0; dash = stem.indexOf('-', dash + 1)) {
    if (pep503Normalize(stem.slice(0, dash)) === target) {
      rest = stem.slice(dash + 1);
      break;
    }
  }
  if (rest === undefined || rest === '') return null;
  if (knownVersions !== undefined && knownVersions.length > 0) {
    // Empty versions left out: the old form answered '' for them, the new one falls through.
    const fits = knownVersions.filter((v) => v !== '' && (rest === v || rest.startsWith(`${v}-`) || rest.startsWith(`${v}.`)));
    if (fits.length > 0) return fits.reduce((a, b) => (b.length > a.length ? b : a));
  }
  let version = rest.split('-')[0] ?? rest;
  for (const marker of PLATFORM_MARKERS) {
    const at = rest.indexOf(marker);
    if (at > 0) version = rest.slice(0, at);
  }
  return version === '' ? null : version;
}

// Small alphabets, so that names, separators and versions collide often.
const piece = fc.string({ unit: fc.constantFrom('a', 'B', '1', '0', '-', '_', '.', 'x', 'é'), maxLength: 12 });
const version = fc.string({ unit: fc.constantFrom('1', '0', '.', '-', 'a', 'b', 'r', 'c'), minLength: 1, maxLength: 8 });
const extension = fc.constantFrom('.tar.gz', '.zip', '.tar.bz2', '.egg', '.exe', '.whl', '.txt');

test('trimTrailingSlashes is /\\/+$/ (generated strings), and linear on 200k slashes', () => {
  check('trimTrailingSlashes', fc.string({ unit: fc.constantFrom('/', 'a', ':', '?', '/'), maxLength: 40 }), (s) => {
    assert.is(trimTrailingSlashes(s), s.replace(/\/+$/, ''));
  }, 2000);
  const n = 200_000;
  // (The old pattern itself is not run on these: it would take seconds to minutes.)
  assert.is(trimTrailingSlashes('/'.repeat(n) + 'x'), '/'.repeat(n) + 'x');
  assert.is(trimTrailingSlashes('http://h' + '/'.repeat(n)), 'http://h');
  assert.is(trimTrailingSlashes('/'.repeat(n)), '');
  assert.is(trimTrailingSlashes('x' + '/'.repeat(n) + 'y/'), 'x' + '/'.repeat(n) + 'y');
  assert.is(joinUrl('http://127.0.0.1:1/' + '/'.repeat(n) + 'a//', '/checkpoint'), 'http://127.0.0.1:1/' + '/'.repeat(n) + 'a/checkpoint');
});

test('versionFromFilename gives the old answers on generated names, filenames and version lists', () => {
  const input = fc.record({
    project: piece,
    name: piece,
    tail: piece,
    extension,
    versions: fc.option(fc.array(version, { maxLength: 8 }), { nil: undefined }),
    pick: fc.nat(),
  });
  check('versionFromFilename', input, ({ project, name, tail, extension, versions, pick }) => {
    // Half the cases use a known version in the filename, so that the fits are exercised.
    const v = versions && versions.length > 0 && pick % 2 === 0 ? versions[pick % versions.length]! : 'x';
    for (const filename of [`${name}-${v}${tail}${extension}`, `${project}-${v}${extension}`, `${project}-${v}-${tail}${extension}`, `${name}${extension}`]) {
      assert.is(versionFromFilename(project, filename, versions), referenceVersion(project, filename, versions), `${project} ${filename} ${JSON.stringify(versions)}`);
    }
  }, 3000);
});

test('versionFromFilename on a hostile page: many files, many versions, filenames of many dashes', () => {
  // The old forms: 20,000 files × 20,000 versions (4·10^8 prefix tests), and 100,000 dashes
  // each normalising a prefix of up to 200,000 characters (10^10 character steps).
  const count = 20_000;
  const versions = Array.from({ length: count }, (_, i) => `1.${i}`);
  let found = 0;
  for (let i = 0; i < count; i++) if (versionFromFilename('pkg', `pkg-1.${i}.tar.gz`, versions) === `1.${i}`) found++;
  assert.is(found, count);
  const dashes = 'a' + '-'.repeat(100_000) + '1.0.tar.gz';
  assert.is(versionFromFilename('b', dashes, versions), null);
  assert.is(versionFromFilename('a', 'a' + '_-'.repeat(50_000) + '-1.0.tar.gz', versions), null);
  // Versions that share long prefixes with the filename: the walk stops at the filename's end.
  const long = ['1' + '.1'.repeat(50_000), '1' + '.1'.repeat(49_999) + '.2'];
  assert.is(versionFromFilename('pkg', `pkg-${long[0]}.tar.gz`, long), long[0]);
});

test.run();

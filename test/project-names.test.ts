// Project names, PEP 440 versions and distribution filenames (log/project-name.ts, pep440.ts,
// dist-filename.ts), including every sdist and wheel name in the recorded PyPI fixtures.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { normalizeProjectName, requireNormalizedProject } from '../log/project-name.js';
import { normalizeVersion, sameVersion } from '../log/pep440.js';
import { checkDistFilename } from '../log/dist-filename.js';
import { errorCode } from './support/project-harness.js';

const FIXTURES = new URL('../../../shared/fixtures/pypi/json/', import.meta.url);

test('PEP 503 normalisation and PEP 508 validity', () => {
  const good: [string, string][] = [['Django', 'django'], ['zope.interface', 'zope-interface'], ['A__b-.-C', 'a-b-c'], ['x', 'x'], ['1', '1'], ['xo-gd', 'xo-gd']];
  for (const [name, want] of good) assert.is(normalizeProjectName(name), want, name);
  const bad: [string, string][] = [
    ['', 'invalid_project_name'], ['-foo', 'invalid_project_name'], ['foo_', 'invalid_project_name'], ['a b', 'invalid_project_name'],
    ['foo/bar', 'invalid_project_name'], ['x'.repeat(201), 'invalid_project_name'],
    ['dјango', 'non_ascii_project_name'], // Cyrillic je
    ['ﬂask', 'non_ascii_project_name'], // ligature
    ['reqυests', 'non_ascii_project_name'], // Greek upsilon
    ['ｄjango', 'non_ascii_project_name'], // fullwidth d
  ];
  for (const [name, code] of bad) assert.is(errorCode(() => normalizeProjectName(name)), code, name);
  assert.is(errorCode(() => requireNormalizedProject('Django')), 'project_name_not_normalized');
  assert.is(errorCode(() => requireNormalizedProject('zope_interface')), 'project_name_not_normalized');
  assert.is(errorCode(() => requireNormalizedProject(7)), 'invalid_project_name');
  assert.is(requireNormalizedProject('zope-interface'), 'zope-interface');
});

test('PEP 440 normal forms, strict about trailing zeros', () => {
  const table: [string, string | undefined][] = [
    ['1.0', '1.0'], ['v1.0RC1', '1.0rc1'], ['1.0-1', '1.0.post1'], ['1.0.dev', '1.0.dev0'], ['1!2.0', '1!2.0'], ['0!1.0', '1.0'],
    ['01.02', '1.2'], ['1.0+Ubuntu-1', '1.0+ubuntu.1'], ['1.0alpha2', '1.0a2'], ['1.0c1', '1.0rc1'], ['1.0-r3', '1.0.post3'],
    ['21.11b0', '21.11b0'], ['2004d', undefined], ['3.2.2-4', '3.2.2.post4'], ['not a version', undefined],
  ];
  for (const [v, want] of table) assert.is(normalizeVersion(v), want, v);
  assert.ok(sameVersion('1.0RC1', '1.0rc1'));
  assert.not.ok(sameVersion('1.0', '1.0.0'));
  assert.ok(sameVersion('2004d', '2004D'));
});

test('every recorded sdist and wheel name parses for its project and version; eggs and installers do not', () => {
  const outcomes = new Map<string, number>();
  const mismatches: string[] = [];
  for (const file of readdirSync(FIXTURES)) {
    const doc = JSON.parse(readFileSync(join(FIXTURES.pathname, file), 'utf8')) as {
      info: { name: string; version: string };
      urls: { filename: string; packagetype: string }[];
      releases?: Record<string, { filename: string; packagetype: string }[]>;
    };
    const project = normalizeProjectName(doc.info.name);
    for (const [version, files] of Object.entries(doc.releases ?? { [doc.info.version]: doc.urls })) {
      for (const f of files) {
        const code = errorCode(() => checkDistFilename(f.filename, project, version));
        const key = `${f.packagetype}:${code}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        if (code === 'filename_mismatch') mismatches.push(`${version} ${f.filename}`);
      }
    }
  }
  assert.is(outcomes.get('bdist_wheel:ok'), 2882);
  assert.is(outcomes.get('sdist:ok'), 1295);
  assert.is(outcomes.get('bdist_egg:invalid_filename'), 418);
  assert.is(outcomes.get('bdist_wininst:invalid_filename'), 34);
  // PyPI really serves these under a release whose version is not the file's.
  assert.equal(mismatches.sort(), ['1.10.0 numpy-1.10.0.post2.tar.gz', '1.10.0 numpy-1.10.0.post2.zip', '1.0.9 luigi-1.0.9.macosx-10.7-intel.tar.gz', '3.2.2-4 xo-gd-3.2.2-5.tar.gz'].sort());
});

test('filename refusals', () => {
  const cases: [string, string, string, string][] = [
    ['requests-2.0-py3-none-any.whl', 'foo', '2.0', 'filename_mismatch'],
    ['foo-2.1-py3-none-any.whl', 'foo', '2.0', 'filename_mismatch'],
    ['foo-2.0.0.tar.gz', 'foo', '2.0', 'filename_mismatch'],
    ['foobar-2.0.tar.gz', 'foo', '2.0', 'filename_mismatch'],
    ['foo-2.0-none-any.whl', 'foo', '2.0', 'invalid_filename'],
    ['foo-2.0-x-py3-none-any.whl', 'foo', '2.0', 'invalid_filename'],
    ['../foo-2.0.tar.gz', 'foo', '2.0', 'invalid_filename'],
    ['foo-2.0.rar', 'foo', '2.0', 'invalid_filename'],
    ['foo-2.0-py2.4.egg', 'foo', '2.0', 'invalid_filename'],
    ['fоo-2.0.tar.gz', 'foo', '2.0', 'invalid_filename'],
    ['', 'foo', '2.0', 'invalid_filename'],
  ];
  for (const [filename, project, version, code] of cases) assert.is(errorCode(() => checkDistFilename(filename, project, version)), code, filename);
  const ok: [string, string, string][] = [
    ['Foo_Bar-2.0-1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', 'foo-bar', '2.0'],
    ['foo_bar-2.0.tar.gz', 'foo-bar', '2.0'],
    ['foo-1.0rc1-py3-none-any.whl', 'foo', '1.0RC1'],
    ['foo-1.0+local_1-py3-none-any.whl', 'foo', '1.0+local.1'],
  ];
  for (const [filename, project, version] of ok) assert.is(errorCode(() => checkDistFilename(filename, project, version)), 'ok', filename);
});

test.run();

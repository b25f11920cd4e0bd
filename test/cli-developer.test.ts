// The developer CLI as maintainers and users run it, one child process per command, against a
// real log served on 127.0.0.1 (and the PyPI replay index for backfills): keygen, keys, manifest,
// sign, submit, verify and verify-lock, with SPEC §6's exit codes (0 ok, 1 failed, 2 usage,
// 3 unreachable). Every run is also checked never to print a private key.
import { createHash } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalEnvelopeBytes, signEnvelope } from '../log/dsse.js';
import type { SignerKey } from '../log/note.js';
import { KEYS_TYPE } from '../log/project-policy.js';
import { RELEASE_TYPE } from '../log/release-manifest.js';
import { formatTimestamp } from '../log/timestamp.js';
import { runCli, type CliRun } from './support/child-server.js';
import { jsonOf, newKeyPair, postEntry, removeDir, request, serveTestLog, tempDir, type ServedLog } from './support/log-fixture.js';
import { ReplayIndex } from './support/pypi-replay.js';

async function cli(args: readonly string[], code: number, label: string, cwd?: string): Promise<CliRun> {
  const run = await runCli(args, { cwd });
  assert.is(run.code, code, `${label}: exit code (stdout ${JSON.stringify(run.stdout)}, stderr ${JSON.stringify(run.stderr)})`);
  assert.not.match(run.stdout + run.stderr, /PRIVATE\+KEY/, `${label}: a private key was printed`);
  assert.not.match(run.stderr, /\n\s+at |\.js:\d+/, `${label}: stack trace`);
  return run;
}

/** Exactly one non-empty line. */
function oneLine(text: string, label: string): string {
  const lines = text.split('\n').filter((l) => l !== '');
  assert.is(lines.length, 1, `${label}: ${JSON.stringify(text)}`);
  return lines[0]!;
}

async function withLogAndDir(body: (served: ServedLog, dir: string) => Promise<void>): Promise<void> {
  const served = await serveTestLog();
  const dir = await tempDir('cli-dev');
  try {
    await body(served, dir);
  } finally {
    await removeDir(dir);
    await served.close();
  }
}

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

test('keygen → keys init → submit → manifest → sign by two → submit → verify good and tampered files', async () => {
  await withLogAndDir(async ({ url, log }, dir) => {
    const at = (name: string): string => join(dir, name);
    const alice = oneLine((await cli(['keygen', '--name', 'alice@example.org', '--out', at('alice.key')], 0, 'keygen A')).stdout, 'vkey A');
    const bob = oneLine((await cli(['keygen', '--name', 'bob@example.org', '--out', at('bob.key')], 0, 'keygen B')).stdout, 'vkey B');
    await cli(['keys', 'init', '--project', 'Twin.Panels', '--vkey', alice, '--vkey', bob, '--threshold', '2', '--key', at('alice.key'), '--key', at('bob.key'), '--out', at('keys.json')], 0, 'keys init');
    assert.is(oneLine((await cli(['submit', at('keys.json'), '--log', url], 0, 'submit keys')).stdout, 'index'), '0');
    const receipt = JSON.parse(await readFile(at('keys.receipt.json'), 'utf8')) as { index: number; checkpoint: string; inclusionProof: string[] };
    assert.is(receipt.index, 0);
    assert.match(receipt.checkpoint, /^localhost\/diptych\n1\n/);

    await writeFile(at('twin_panels-1.0.tar.gz'), 'the sdist');
    await writeFile(at('twin_panels-1.0-py3-none-any.whl'), 'the wheel');
    await cli(['manifest', 'create', '--project', 'twin-panels', '--version', '1.0', '--out', at('rel.json'), at('twin_panels-1.0.tar.gz'), at('twin_panels-1.0-py3-none-any.whl')], 0, 'manifest');
    await cli(['sign', at('rel.json'), '--key', at('alice.key')], 0, 'sign A');
    await cli(['submit', at('rel.json'), '--log', url], 1, 'one signature').then((r) => assert.match(oneLine(r.stderr, 'refusal'), /insufficient_signatures/));
    await cli(['sign', at('rel.json'), '--key', at('bob.key')], 0, 'sign B');
    assert.is(oneLine((await cli(['submit', at('rel.json'), '--log', url, '--log-key', log.key.verifierKey], 0, 'submit release')).stdout, 'index'), '1');
    const wrongKey = await cli(['submit', at('rel.json'), '--log', url, '--log-key', newKeyPair('localhost/diptych').key.verifierKey], 1, 'receipt under another key');
    assert.match(oneLine(wrongKey.stderr, 'wrong log key'), /no_verifiable_signature|unknown_key|invalid_signature/);

    const good = await cli(['verify', at('twin_panels-1.0.tar.gz'), at('twin_panels-1.0-py3-none-any.whl'), '--log', url, '--log-key', log.key.verifierKey], 0, 'verify good');
    assert.match(good.stdout, /twin_panels-1\.0\.tar\.gz: OK \(twin-panels 1\.0, entry 1/);
    await writeFile(at('twin_panels-1.0-py3-none-any.whl'), 'the wheel, with a backdoor');
    await cli(['verify', at('twin_panels-1.0.tar.gz'), '--log', url, '--log-key', log.key.verifierKey, '--project', 'other', '--version', '1.0'], 1, 'verify for another project');
    const bad = await cli(['verify', at('twin_panels-1.0-py3-none-any.whl'), '--log', url, '--log-key', log.key.verifierKey], 1, 'verify tampered');
    assert.match(oneLine(bad.stderr, 'reason'), /twin_panels-1\.0-py3-none-any\.whl: verification_failed: sha256 [0-9a-f]{64} is not the signed/);
    // Without --log-key the log's own key is used, with a warning; each file gets its own line.
    await writeFile(at('twin_panels-1.1.tar.gz'), 'never signed');
    const mixed = await cli(['verify', at('twin_panels-1.0.tar.gz'), at('twin_panels-1.1.tar.gz'), '--log', url], 1, 'verify good and unknown');
    assert.match(oneLine(mixed.stdout, 'the good one'), /twin_panels-1\.0\.tar\.gz: OK/);
    assert.match(mixed.stderr, /^warning: no --log-key/);
    assert.match(mixed.stderr, /\ndiptych verify: .*twin_panels-1\.1\.tar\.gz: file_not_found: [^\n]+\n$/);
  });
});

test('keys add reads the policy from the log: seq 2, signed by the current threshold', async () => {
  await withLogAndDir(async ({ url }, dir) => {
    const at = (name: string): string => join(dir, name);
    const alice = oneLine((await cli(['keygen', '--name', 'alice@example.org', '--out', at('a.key')], 0, 'keygen A')).stdout, 'vkey A');
    const carol = newKeyPair('carol@example.org').key.verifierKey;
    await cli(['keys', 'init', '--project', 'twin-panels', '--vkey', alice, '--threshold', '1', '--out', at('k1.json')], 0, 'unsigned init');
    await cli(['sign', at('k1.json'), '--key', at('a.key')], 0, 'sign init');
    await cli(['submit', at('k1.json'), '--log', url], 0, 'submit init');
    await cli(['keys', 'add', '--project', 'twin-panels', '--log', url, '--vkey', carol, '--threshold', '2', '--key', at('a.key'), '--out', at('k2.json')], 0, 'keys add');
    await cli(['submit', at('k2.json'), '--log', url], 0, 'submit add');
    const view = jsonOf<{ keys: { seq: number; threshold: number; keys: string[] } }>(await request(url, '/api/v1/projects/twin-panels'));
    assert.equal(view.keys, { ...view.keys, seq: 2, threshold: 2, keys: [alice, carol] });
    const lockout = await cli(['keys', 'remove', '--project', 'twin-panels', '--log', url, '--keyid', carol, '--key', at('a.key')], 1, 'remove to below threshold');
    assert.match(oneLine(lockout.stderr, 'lockout'), /invalid_threshold/);
  });
});

test('manifest from-index backfills from the replay index (following its redirect to the canonical name), listing the files it leaves out', async () => {
  const index = await ReplayIndex.start();
  try {
    await withLogAndDir(async ({ url }, dir) => {
      const at = (name: string): string => join(dir, name);
      index.addFile('asgiref', '3.11.0', { filename: 'asgiref-3.11.0.win32.exe', sha256: sha256('exe'), size: 3 });
      const vkey = oneLine((await cli(['keygen', '--name', 'django@example.org', '--out', at('d.key')], 0, 'keygen')).stdout, 'vkey');
      await cli(['keys', 'init', '--project', 'asgiref', '--vkey', vkey, '--threshold', '1', '--key', at('d.key'), '--out', at('k.json')], 0, 'keys init');
      await cli(['submit', at('k.json'), '--log', url], 0, 'submit keys');
      const run = await cli(['manifest', 'from-index', '--project', 'ASGIref', '--version', '3.11.0', '--index', index.url, '--key', at('d.key'), '--out', at('m.json'), '--json'], 0, 'from-index');
      const out = JSON.parse(run.stdout) as { files: { filename: string }[]; skipped: { filename: string }[] };
      assert.equal(out.files.map((f) => f.filename).sort(), index.filenames('asgiref', '3.11.0').filter((f) => !f.endsWith('.exe')).sort());
      assert.equal(out.skipped.map((s) => s.filename), ['asgiref-3.11.0.win32.exe']);
      assert.match(run.stderr, /skipped asgiref-3\.11\.0\.win32\.exe/);
      assert.equal(index.requests.map((r) => r.path), ['/pypi/ASGIref/3.11.0/json', '/pypi/asgiref/3.11.0/json']);
      await cli(['submit', at('m.json'), '--log', url], 0, 'submit backfill');
      const file = jsonOf<{ version: string; status: string }>(await request(url, `/api/v1/files/${out.files[0]!.filename}`));
      assert.equal([file.version, file.status], ['3.11.0', 'signed']);
    });
  } finally {
    await index.close();
  }
});

function signed(type: string, payload: Record<string, unknown>, key: SignerKey): Uint8Array {
  return canonicalEnvelopeBytes(signEnvelope(type, payload, [key.signer]));
}

test('verify-lock: requirements --hash pins and pylock.toml files must be listed by a signed manifest', async () => {
  await withLogAndDir(async ({ url, log }, dir) => {
    const key = newKeyPair('maint@example.org').key;
    const logKey = ['--log-key', log.key.verifierKey];
    const [sdist, wheel] = [sha256('sdist'), sha256('wheel')];
    const files = [{ filename: 'twin_panels-1.0.tar.gz', sha256: sdist, size: 5 }, { filename: 'twin_panels-1.0-py3-none-any.whl', sha256: wheel, size: 5 }];
    assert.is((await postEntry(url, signed(KEYS_TYPE, { project: 'twin-panels', keys: [key.verifierKey], threshold: 1, seq: 1 }, key))).status, 201);
    assert.is((await postEntry(url, signed(RELEASE_TYPE, { project: 'twin-panels', version: '1.0', files, created: formatTimestamp(Date.now()) }, key))).status, 201);
    const requirements = (wheelHash: string): string =>
      `# pinned\n--index-url https://index.example/simple\nTwin_Panels[extra]==1.0 ; python_version >= "3.9" \\\n    --hash=sha256:${sdist} \\\n    --hash=sha256:${wheelHash}\n`;
    await writeFile(join(dir, 'requirements.txt'), requirements(wheel));
    await cli(['verify-lock', join(dir, 'requirements.txt'), '--log', url, ...logKey], 0, 'good requirements');
    await writeFile(join(dir, 'requirements.txt'), requirements(sha256('evil')));
    const bad = await cli(['verify-lock', join(dir, 'requirements.txt'), '--log', url, ...logKey], 1, 'wrong hash in requirements');
    assert.match(oneLine(bad.stderr, 'requirements reason'), /requirements\.txt:3: Twin_Panels 1\.0 .*not_signed/);

    const pylock = (sdistHash: string): string =>
      `lock-version = "1.0"\ncreated-by = "test"\n\n[[packages]]\nname = "twin-panels"\nversion = "1.0"\n` +
      `wheels = [{ url = "https://files.example/twin_panels-1.0-py3-none-any.whl", hashes = { sha256 = "${wheel}" } }]\n` +
      `[packages.sdist]\nname = "twin_panels-1.0.tar.gz"\nhashes = { sha256 = "${sdistHash}" }\n`;
    await writeFile(join(dir, 'pylock.toml'), pylock(sdist));
    await cli(['verify-lock', join(dir, 'pylock.toml'), '--log', url, ...logKey], 0, 'good pylock');
    await writeFile(join(dir, 'pylock.toml'), pylock(sha256('evil')));
    const badLock = await cli(['verify-lock', join(dir, 'pylock.toml'), '--log', url, ...logKey, '--json'], 1, 'wrong hash in pylock');
    const report = JSON.parse(badLock.stdout) as { checked: number; failures: { filename: string; reason: string }[] };
    assert.is(report.checked, 2);
    assert.equal(report.failures.map((f) => f.filename), ['twin_panels-1.0.tar.gz']);
  });
});

test('usage errors exit 2, an unreachable log exits 3, a key file others can read is refused', async () => {
  const dir = await tempDir('cli-dev');
  try {
    for (const args of [['keys'], ['keys', 'init', '--project', 'p'], ['manifest', 'create', '--project', 'p', '--version', '1'], ['sign', 'x.json'], ['submit'], ['verify', 'f'], ['verify-lock', 'r.txt'], ['verify', '--bogus'], ['verify', 'f', '--log', 'not-a-url']]) {
      const run = await cli(args, 2, args.join(' '));
      assert.match(oneLine(run.stderr, args.join(' ')), /see diptych /);
    }
    for (const command of ['keys', 'manifest', 'sign', 'submit', 'verify', 'verify-lock']) {
      assert.match((await cli([command, '--help'], 0, `${command} --help`)).stdout, new RegExp(`^Usage: diptych ${command}`));
    }
    const port = await closedPort();
    await writeFile(join(dir, 'f.whl'), 'x');
    const run = await cli(['verify', join(dir, 'f.whl'), '--log', `http://127.0.0.1:${port}`], 3, 'unreachable');
    assert.match(oneLine(run.stderr, 'unreachable'), /could not reach http:\/\/127\.0\.0\.1:\d+/);
    const { text } = newKeyPair('open@example.org');
    await writeFile(join(dir, 'open.key'), text + '\n');
    await chmod(join(dir, 'open.key'), 0o644);
    await writeFile(join(dir, 'p.json'), JSON.stringify({ project: 'p', keys: [], threshold: 1, seq: 1 }));
    const refused = await cli(['sign', join(dir, 'p.json'), '--key', join(dir, 'open.key')], 1, 'readable key file');
    assert.match(oneLine(refused.stderr, 'insecure'), /insecure_key_file/);
  } finally {
    await removeDir(dir);
  }
});

test.run();

// The `diptych` command as users run it (a child process per run): help, exit codes (SPEC §6:
// 0 ok, 1 failed, 2 usage), keygen's key file and output, and serve refusing unsafe keys.
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSignerKey, parseVerifierKey } from '../log/note.js';
import { runCli, startChildServer, type CliRun } from './support/child-server.js';
import { newKeyPair, removeDir, request, tempDir } from './support/log-fixture.js';

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await tempDir('cli');
  try {
    await body(dir);
  } finally {
    await removeDir(dir);
  }
}

function expectExit(run: CliRun, code: number, label: string): void {
  assert.is(run.code, code, `${label}: exit code (stdout ${JSON.stringify(run.stdout)}, stderr ${JSON.stringify(run.stderr)})`);
}

/** A failure is reported in one line, without a stack trace. */
function expectOneLine(text: string, label: string): void {
  const lines = text.split('\n').filter((l) => l !== '');
  assert.is(lines.length, 1, `${label}: ${JSON.stringify(text)}`);
  assert.not.match(text, /\n\s+at |\.js:\d+/, `${label}: stack trace`);
}

test('--help for the command and its subcommands exits 0 and prints usage on stdout', async () => {
  for (const [args, usage] of [
    [['--help'], 'Usage: diptych <command>'],
    [['-h'], 'Usage: diptych <command>'],
    [['help'], 'Usage: diptych <command>'],
    [['serve', '--help'], 'Usage: diptych serve'],
    [['keygen', '--help'], 'Usage: diptych keygen'],
    [['keygen', '-h'], 'Usage: diptych keygen'],
  ] as const) {
    const run = await runCli(args);
    expectExit(run, 0, args.join(' '));
    assert.ok(run.stdout.startsWith(usage), `${args.join(' ')}: ${run.stdout.slice(0, 80)}`);
    assert.is(run.stderr, '', args.join(' '));
  }
});

test('usage errors exit 2: no command, unknown command, unknown flag, bad flag values', async () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /Usage: diptych/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['keygen', '--name', 'x', '--bogus'], /bogus/],
    [['serve', '--bogus'], /bogus/],
    [['keygen'], /--name is required/],
    [['keygen', '--name', 'has space'], /--name/],
    [['keygen', '--name', 'a+b'], /--name/],
    [['serve', '--port', '70000'], /--port/],
    [['serve', '--port', '-1'], /--port|-1/],
    [['serve', '--cadence', '0'], /--cadence/],
    [['serve', '--verify-threads', 'many'], /--verify-threads/],
    [['serve', 'extra-positional'], /extra-positional|positional/i],
  ];
  for (const [args, message] of cases) {
    const run = await runCli(args);
    expectExit(run, 2, args.join(' ') || '(none)');
    assert.match(run.stdout + run.stderr, message, args.join(' '));
  }
});

test('keygen writes a 0600 key file, prints only the vkey, and never overwrites', () =>
  withDir(async (dir) => {
    const file = join(dir, 'x.key');
    const run = await runCli(['keygen', '--name', 'x', '--out', file]);
    expectExit(run, 0, 'keygen');
    assert.is(run.stderr, '');
    assert.ok(run.stdout.endsWith('\n') && run.stdout.split('\n').length === 2, `one line: ${JSON.stringify(run.stdout)}`);
    const vkey = run.stdout.trim();
    const parsed = parseVerifierKey(vkey);
    assert.is(parsed.name, 'x');
    assert.is((await stat(file)).mode & 0o777, 0o600, 'mode 0600');
    const text = await readFile(file, 'utf8');
    assert.is(parseSignerKey(text.trim()).verifierKey, vkey, 'the printed vkey is the key in the file');
    assert.not.match(run.stdout, /PRIVATE/, 'no secret on stdout');

    const again = await runCli(['keygen', '--name', 'x', '--out', file]);
    assert.is.not(again.code, 0, 'refuses to overwrite');
    assert.is(again.stdout, '');
    expectOneLine(again.stderr, 'overwrite');
    assert.is(await readFile(file, 'utf8'), text, 'the existing key is untouched');

    const json = await runCli(['keygen', '--name', 'log.example/diptych', '--out', join(dir, 'j.key'), '--json']);
    expectExit(json, 0, 'keygen --json');
    const out = JSON.parse(json.stdout) as { vkey: string; keyFile: string };
    assert.equal(Object.keys(out).sort(), ['keyFile', 'vkey']);
    assert.is(parseVerifierKey(out.vkey).name, 'log.example/diptych');
    assert.is(out.keyFile, join(dir, 'j.key'));
  }));

test('keygen without --out writes NAME.key in the working directory', () =>
  withDir(async (dir) => {
    const run = await runCli(['keygen', '--name', 'log.example/a'], { cwd: dir });
    expectExit(run, 0, 'keygen');
    const text = await readFile(join(dir, 'log.example_a.key'), 'utf8');
    assert.is(parseSignerKey(text.trim()).verifierKey, run.stdout.trim());
  }));

test('serve refuses a key file other users can read (insecure_key_file), without printing it', () =>
  withDir(async (dir) => {
    const { key, text } = newKeyPair('cli.test/log');
    const file = join(dir, 'log.key');
    await writeFile(file, text + '\n', { mode: 0o600 });
    await chmod(file, 0o644);
    const run = await runCli(['serve', '--data', join(dir, 'data'), '--key', file, '--port', '0', '--host', '127.0.0.1', '--json']);
    assert.is.not(run.code, 0);
    assert.is(run.stdout, '', 'never listened');
    expectOneLine(run.stderr, 'insecure key');
    assert.match(run.stderr, /insecure_key_file/);
    // PRIVATE+KEY+name+id+material: the material is all after the fourth '+' (base64 holds '+';
    // after the last one, it could be a few characters that turn up in the path by chance).
    assert.not.ok(run.stderr.includes(text.split('+').slice(4).join('+')), 'the secret is not printed');

    // The same file made private is accepted: the refusal was about the mode alone.
    await chmod(file, 0o600);
    const server = await startChildServer({ dataDir: join(dir, 'data'), extraArgs: ['--key', file] });
    try {
      assert.is(server.info.verifierKey, key.verifierKey);
      assert.is(server.info.origin, 'cli.test/log');
      assert.is((await request(server.url, '/checkpoint')).status, 200);
    } finally {
      assert.equal(await server.stop('SIGTERM'), { code: 0, signal: null });
    }
  }));

test('serve creates a 0600 log key on first start, refuses another origin for it, and a second server on its data', () =>
  withDir(async (dir) => {
    const data = join(dir, 'data');
    const first = await startChildServer({ dataDir: data, extraArgs: ['--origin', 'cli.test/first'] });
    assert.is(first.info.origin, 'cli.test/first');
    assert.equal(await first.stop('SIGTERM'), { code: 0, signal: null });
    assert.is((await stat(join(data, 'log.key'))).mode & 0o777, 0o600);

    const mismatch = await runCli(['serve', '--data', data, '--origin', 'cli.test/other', '--port', '0', '--host', '127.0.0.1', '--json']);
    assert.is(mismatch.code, 1);
    assert.is(mismatch.stdout, '');
    expectOneLine(mismatch.stderr, 'origin mismatch');
    assert.match(mismatch.stderr, /origin_mismatch/);

    // One data directory, one server: a second one on it fails to open the database.
    const running = await startChildServer({ dataDir: data });
    try {
      const second = await runCli(['serve', '--data', data, '--port', '0', '--host', '127.0.0.1', '--json']);
      assert.is(second.code, 1);
      assert.is(second.stdout, '');
      expectOneLine(second.stderr, 'second server');
      assert.match(second.stderr, /not_ready/);
      assert.is((await request(running.url, '/checkpoint')).status, 200, 'the first one keeps serving');
    } finally {
      assert.equal(await running.stop('SIGTERM'), { code: 0, signal: null });
    }
  }));

test.run();

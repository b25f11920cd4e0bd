// A witness killed mid-cosign (issue 8), with the real `diptych witness serve` as a child
// process: add-checkpoint requests for a growing log (test/support/checkpoint-log.ts) are in
// flight when it is SIGKILLed, several times. After each restart the witness still knows every
// size it answered 200 for: it refuses another root for that size (422), refuses an old size
// below it (409 with the size it knows), never cosigns a size below one it acknowledged, and
// carries on cosigning the honest log.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toHex, utf8 } from '../log/bytes.js';
import { nobleCrypto } from '../log/crypto.js';
import { writeNewSignerKeyFile } from '../log/log-key.js';
import { formatAddCheckpoint } from '../witness/add-checkpoint.js';
import { CLI_PATH } from './support/child-server.js';
import { CheckpointLog } from './support/checkpoint-log.js';
import { newSignerKey, removeDir, request, tempDir, textOf, type Reply } from './support/log-fixture.js';

interface Witness {
  url: string;
  child: ChildProcess;
  exited: Promise<void>;
}

function startWitness(dir: string, keyFile: string, logVkey: string): Promise<Witness> {
  const args = [CLI_PATH, 'witness', 'serve', '--log', 'http://127.0.0.1:9', '--index', 'http://127.0.0.1:9', '--key', keyFile, '--data', join(dir, 'data'), '--log-vkey', logVkey, '--host', '127.0.0.1', '--port', '0', '--schedule', '0 0 1 1 *', '--json'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      const { url } = JSON.parse(out.slice(0, nl)) as { url: string };
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      resolve({ url, child, exited });
    });
    child.once('close', () => reject(new Error(`witness exited before listening: ${err}`)));
  });
}

async function addCheckpoint(url: string, log: CheckpointLog, oldSize: number, size: number): Promise<Reply> {
  const body = formatAddCheckpoint(oldSize, await log.proof(oldSize, size), await log.checkpoint(size));
  return request(url, '/add-checkpoint', { method: 'POST', body });
}

test('SIGKILL mid-cosign, 5 times: no size acknowledged is forgotten, never two roots for a size', async () => {
  const dir = await tempDir('witness-faults');
  try {
    const keyFile = join(dir, 'witness.key');
    await writeNewSignerKeyFile(keyFile, 'faults.test/witness');
    const logKey = newSignerKey('faults.test/log');
    const log = new CheckpointLog(logKey);
    const fork = new CheckpointLog(logKey); // same key, other leaves: a split view
    let acknowledged = 0; // the highest size the witness answered 200 for
    let requests = 0;
    let checks = 0;
    for (let round = 0; round < 5; round++) {
      const witness = await startWitness(dir, keyFile, logKey.verifierKey);
      // After a restart: what was acknowledged is remembered.
      if (acknowledged > 0) {
        const stale = await addCheckpoint(witness.url, log, 0, acknowledged);
        assert.is(stale.status, 409, `round ${round}: old size 0 below the acknowledged ${acknowledged}`);
        assert.ok(Number(textOf(stale).trim()) >= acknowledged, `round ${round}: the witness knows size ${textOf(stale).trim()} ≥ ${acknowledged}`);
        const known = Number(textOf(stale).trim());
        while (fork.size < known) fork.append(1);
        const other = await addCheckpoint(witness.url, fork, known, known);
        assert.is(other.status, 422, `round ${round}: another root for size ${known}: ${textOf(other)}`);
        const origin = toHex(nobleCrypto.sha256(utf8(logKey.name)));
        const latest = await request(witness.url, `/${origin}/checkpoint`);
        assert.is(latest.status, 200);
        assert.ok(textOf(latest).startsWith(`${logKey.name}\n${known}\n`), `round ${round}: the cosigned checkpoint it serves is of size ${known}`);
        acknowledged = known;
        checks += 3;
      }
      // Grow the log and have each new checkpoint cosigned; the kill lands while one is in flight.
      const killAfter = 3 + round * 2;
      let sent = 0;
      let dead = false;
      await Promise.all(
        Array.from({ length: 3 }, async () => {
          while (!dead) {
            log.append(1 + (sent % 3));
            const size = log.size;
            const old = acknowledged;
            sent++;
            if (sent === killAfter) setImmediate(() => witness.child.kill('SIGKILL'));
            let reply: Reply;
            try {
              requests++;
              reply = await addCheckpoint(witness.url, log, old, size);
            } catch {
              dead = true;
              return;
            }
            // 409: a concurrent request moved the witness on; anything else is a failure.
            assert.ok(reply.status === 200 || reply.status === 409, `round ${round}: ${reply.status} ${textOf(reply)}`);
            if (reply.status === 200) acknowledged = Math.max(acknowledged, size);
          }
        }),
      );
      await witness.exited;
      assert.is(witness.child.signalCode, 'SIGKILL');
    }
    // A last clean start: still consistent, still cosigning.
    const witness = await startWitness(dir, keyFile, logKey.verifierKey);
    const stale = await addCheckpoint(witness.url, log, 0, log.size);
    const known = Number(textOf(stale).trim());
    assert.ok(known >= acknowledged);
    log.append(5);
    const next = await addCheckpoint(witness.url, log, known, log.size);
    assert.is(next.status, 200, textOf(next));
    witness.child.kill('SIGTERM');
    await witness.exited;
    console.log(`robustness: witness mid-cosign: 5 kills, ${requests} add-checkpoint requests, ${checks} checks after restart, final size ${log.size}`);
  } finally {
    await removeDir(dir);
  }
});

test.run();

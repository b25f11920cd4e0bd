// A real log for the issue 9 tests (metrics, OpenAPI, logs): a TransparencyLog in a temp dir whose
// policy names one witness (with a URL when the test runs one) and one trusted party with an
// escalation quorum of 1, served by createApp on 127.0.0.1 port 0; and the entries of a small
// story: a key policy, a signed release, a witness's observation of it, an alert.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import { createLogServer } from '../../api/app.js';
import { listen, type RunningServer } from '../../api/server.js';
import type { SignerKey } from '../../log/note.js';
import { parsePolicy } from '../../log/policy.js';
import { TransparencyLog, type LogOptions } from '../../log/transparency-log.js';
import { alertEntry, alertPayload, observationEntry, releaseEntry, sha } from './monitor-entries.js';
import { keysEntry, newSignerKey, removeDir, tempDir } from './log-fixture.js';

export interface GovernedLog {
  readonly dir: string;
  readonly log: TransparencyLog;
  readonly app: Hono;
  readonly server: RunningServer;
  readonly url: string;
  /** The project's maintainer, the policy witness and the trusted party. */
  readonly alice: SignerKey;
  readonly witness: SignerKey;
  readonly party: SignerKey;
  readonly internalErrors: unknown[];
  close(): Promise<void>;
}

export interface GovernedLogOptions {
  logger?: Logger;
  /** The policy witness's key and cosigning URL (a running witness); default a key, no URL. */
  witness?: { key: SignerKey; url: string };
  /** The log's signer key text (PRIVATE+KEY+...), written as <dir>/log.key. */
  logKeyText?: string;
  /** Event hooks for the log (cli/log-events.ts), as `diptych serve` passes them. */
  hooks?: Pick<LogOptions, 'onCheckpoint' | 'onCosigned' | 'onWitnessError' | 'onPublishError'>;
}

export async function startGovernedLog(options: GovernedLogOptions = {}): Promise<GovernedLog> {
  const dir = await tempDir('governed');
  const alice = newSignerKey('alice.test/governed');
  const witness = options.witness?.key ?? newSignerKey('witness.test/governed');
  const party = newSignerKey('psrt.test/governed');
  const policy = parsePolicy(JSON.stringify({
    witnesses: [{ vkey: witness.verifierKey, ...(options.witness ? { url: options.witness.url } : {}) }],
    trustedParties: [party.verifierKey],
    escalationQuorum: 1,
  }));
  if (options.logKeyText !== undefined) await writeFile(join(dir, 'log.key'), options.logKeyText + '\n', { mode: 0o600 });
  const log = await TransparencyLog.open({ dataDir: dir, cadenceMs: 20, verifyThreads: 0, policy, witnessRetryMs: 50, ...options.hooks });
  const internalErrors: unknown[] = [];
  const { app, direct } = createLogServer(log, { logger: options.logger, onInternalError: (e) => internalErrors.push(e) });
  const server = await listen(app, { host: '127.0.0.1', port: 0, direct });
  return {
    dir, log, app, server, url: server.url, alice, witness, party, internalErrors,
    async close() {
      await server.close();
      await log.close();
      await removeDir(dir);
    },
  };
}

export const PROJECT = 'twin-panels';
export const FILENAME = 'twin_panels-1.0.tar.gz';

/** The story's entries, in log order: key policy, release 1.0, an observation, an alert on 2.0. */
export function storyEntries(g: GovernedLog): { entries: Uint8Array[]; alertId: string } {
  // `created` must be near the log's clock (SPEC §3), in whole seconds.
  const created = Math.floor(Date.now() / 1000) * 1000 - 60_000;
  const alert = alertPayload({ kind: 'withheld-release', project: PROJECT, version: '2.0' }, 'suspect');
  return {
    entries: [
      keysEntry(g.alice, PROJECT),
      releaseEntry([g.alice], PROJECT, '1.0', [{ filename: FILENAME, sha256: sha('a') }], created),
      observationEntry(g.witness, { project: PROJECT, version: '1.0', files: [{ filename: FILENAME, sha256: sha('a') }], observedAt: created + 1000 }),
      alertEntry(g.witness, alert),
    ],
    alertId: alert.id,
  };
}

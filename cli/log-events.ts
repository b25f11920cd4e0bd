// What `diptych serve` logs besides requests: new checkpoints, cosignatures and cosigning
// failures, and suspensions put in force or lifted. The log's hooks (LogOptions) are built before
// the log exists, so they are bound to it afterwards with attach(). Node-only.
import type { Logger } from 'pino';
import type { LogOptions, TransparencyLog } from '../log/transparency-log.js';
import { witnessLabel } from '../api/metrics.js';

type Hooks = Pick<LogOptions, 'onCheckpoint' | 'onCosigned' | 'onWitnessError' | 'onPublishError' | 'onSnapshotDropped'>;

export interface LogEvents {
  readonly hooks: Hooks;
  /** The log the hooks report on (for the suspensions in force at each checkpoint). */
  attach(log: TransparencyLog): void;
}

const messageOf = (e: unknown): string => (e as Error)?.message ?? String(e);

export function logEvents(logger: Logger): LogEvents {
  let log: TransparencyLog | undefined;
  const suspensions = suspensionTracker(logger);
  // Cosigning failures are the witnesses' business (down, refusing): each distinct failure is
  // logged once per witness, not once per checkpoint of a busy log.
  const lastFailure = new Map<string, string>();
  const hooks: Hooks = {
    onCheckpoint: (size) => {
      logger.info({ event: 'checkpoint', size }, 'checkpoint signed');
      if (log !== undefined) suspensions(log);
    },
    onCosigned: (vkey, size) => {
      lastFailure.delete(vkey);
      logger.debug({ event: 'cosigned', witness: witnessLabel(vkey), size }, 'witness cosigned');
    },
    onWitnessError: (vkey, e) => {
      const message = messageOf(e);
      if (lastFailure.get(vkey) === message) return;
      lastFailure.set(vkey, message);
      logger.warn({ event: 'witness_error', witness: vkey === '' ? '(all)' : witnessLabel(vkey), error: message }, 'cosigning failed');
    },
    onPublishError: (e) => logger.error({ event: 'suspension_publish_error', error: messageOf(e) }, 'a suspension could not be published; retrying'),
    onSnapshotDropped: (reason) => logger.warn({ event: 'state_snapshot_dropped', reason }, 'the derived-state snapshot does not match the log; replaying every entry'),
  };
  return {
    hooks,
    attach(opened) {
      log = opened;
      suspensions(opened);
    },
  };
}

/** Logs each suspension that came into force or was lifted since the last call. */
function suspensionTracker(logger: Logger): (log: TransparencyLog) => void {
  let known: Map<number, Record<string, unknown>> | undefined;
  return (log) => {
    const now = new Map<number, Record<string, unknown>>();
    for (const { alert, suspension } of log.state.governance.suspensions()) {
      const fields = { event: 'suspension', scope: suspension.scope, project: suspension.project, alert: alert.alert.id, kind: alert.alert.kind, index: suspension.index };
      now.set(suspension.index, fields);
      // At start, what is in force is stated once; afterwards only changes are news.
      if (known === undefined) logger.warn(fields, 'suspension in force');
      else if (!known.has(suspension.index)) logger.warn(fields, 'suspension published');
    }
    for (const [index, fields] of known ?? []) {
      if (!now.has(index)) logger.info({ ...fields, event: 'suspension_lifted' }, 'suspension lifted');
    }
    known = now;
  };
}

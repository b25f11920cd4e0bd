// TEST-ONLY fault injection. With DIPTYCH_FAULT=<point>[@<n>] in the environment, the process
// SIGKILLs itself the n-th time (default 1st) it passes the named point, so that crash tests can
// land a kill exactly between two steps of a write instead of hoping a timer does. Without the
// variable every call is one comparison and does nothing. Never set it outside tests.
//
// Points: after-sign (a checkpoint is signed, nothing stored), during-commit (the level batch
// with entries, tiles and checkpoint is handed to LevelDB, not yet acknowledged by it),
// after-commit (stored durably, no client answered yet).

const spec = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.['DIPTYCH_FAULT'];
const [point, countText] = spec === undefined ? [undefined, undefined] : spec.split('@');
const target = countText === undefined ? 1 : Number(countText);
let hits = 0;

export type FaultPoint = 'after-sign' | 'during-commit' | 'after-commit';

export function faultPoint(name: FaultPoint): void {
  if (point !== name || ++hits < target) return;
  const proc = (globalThis as { process?: { kill(pid: number, signal: string): void; pid: number } }).process!;
  proc.kill(proc.pid, 'SIGKILL');
}

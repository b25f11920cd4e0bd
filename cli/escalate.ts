// `diptych escalate` (SPEC §6) and `diptych ack`: the two statements people make about an alert.
// A trusted party escalates (suspend-project, suspend-index or lift); a project's maintainers
// acknowledge an alert about their own project, with their key threshold (one --key each, or
// sign the written envelope later with `diptych sign`). Both are signed here and submitted.
import { canonicalEnvelopeBytes, signEnvelope } from '../log/dsse.js';
import { formatTimestamp } from '../log/timestamp.js';
import type { NoteSigner } from '../log/note.js';
import { ACK_TYPE, ACTIONS, ESCALATION_TYPE } from '../monitor/governance-payloads.js';
import { EXIT_OK, UsageError, parseCommand, urlFlag } from './args.js';
import { joinUrl, postJson } from './http-json.js';
import { loadSigners } from './statement.js';

export const ESCALATE_HELP = `Usage: diptych escalate --alert ID --action ACTION --key SKEY --log URL [--reason TEXT]

Signs an escalation of an alert with a trusted party's key and submits it. When the log
policy's escalationQuorum of distinct trusted parties have escalated the same alert with the
same action, the log publishes a suspension (or, for lift, ends it); diptych verify and
verify-lock then refuse the project (or, for suspend-index, everything).

Options:
  --alert ID       the alert id (64 hex digits, from GET /api/v1/alerts)
  --action ACTION  suspend-project, suspend-index or lift
  --key SKEY       the trusted party's signer key file (mode 0600)
  --reason TEXT    why, for the record (default empty)
  --log URL        the log
  --json           print {"index", "alert", "action"}
  -h, --help       this help
`;

export const ACK_HELP = `Usage: diptych ack --alert ID --key SKEY [--key SKEY…] --log URL --reason TEXT

Acknowledges an alert about your project (a deliberate deletion, a re-upload under another
name), signed by your project's key threshold. Acknowledged alerts stay in the log, marked as
such, and can no longer be escalated. An alert under a suspension cannot be acknowledged.

Options:
  --alert ID    the alert id
  --key SKEY    a maintainer's signer key file, repeatable up to the threshold
  --reason TEXT what happened (required)
  --log URL     the log
  --json        print {"index", "alert"}
  -h, --help    this help
`;

function alertFlag(value: string | undefined): string {
  if (value === undefined || !/^[0-9a-f]{64}$/.test(value)) throw new UsageError('--alert is an alert id: 64 lowercase hex digits');
  return value;
}

/** Signs a statement and submits it; resolves to its log index. */
export async function postStatement(logUrl: string, type: string, payload: Record<string, unknown>, signers: readonly NoteSigner[]): Promise<number> {
  const envelope = signEnvelope(type, payload, signers);
  const { body } = await postJson<{ index: number }>(joinUrl(logUrl, '/api/v1/entries'), canonicalEnvelopeBytes(envelope));
  return body.index;
}

async function submitStatement(logUrl: string, type: string, payload: Record<string, unknown>, keyFiles: readonly string[]): Promise<number> {
  return postStatement(logUrl, type, payload, await loadSigners(keyFiles));
}

export async function escalateCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, { alert: { type: 'string' }, action: { type: 'string' }, key: { type: 'string' }, reason: { type: 'string' }, log: { type: 'string' } });
  if (values.help) {
    process.stdout.write(ESCALATE_HELP);
    return EXIT_OK;
  }
  const alert = alertFlag(values.alert);
  const action = values.action;
  if (action === undefined || !(ACTIONS as readonly string[]).includes(action)) throw new UsageError(`--action is one of ${ACTIONS.join(', ')}`);
  if (values.key === undefined) throw new UsageError('--key is required');
  const logUrl = urlFlag(values.log, '--log');
  const index = await submitStatement(logUrl, ESCALATION_TYPE, { alert, action, reason: values.reason ?? '', at: formatTimestamp(Date.now()) }, [values.key]);
  process.stdout.write(values.json ? JSON.stringify({ index, alert, action }) + '\n' : `escalated alert ${alert.slice(0, 16)}… with ${action}: entry ${index}\n`);
  return EXIT_OK;
}

export async function ackCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, { alert: { type: 'string' }, key: { type: 'string', multiple: true }, reason: { type: 'string' }, log: { type: 'string' } });
  if (values.help) {
    process.stdout.write(ACK_HELP);
    return EXIT_OK;
  }
  const alert = alertFlag(values.alert);
  if ((values.key ?? []).length === 0) throw new UsageError('--key is required');
  if (values.reason === undefined || values.reason.trim() === '') throw new UsageError('--reason is required: say what happened');
  const logUrl = urlFlag(values.log, '--log');
  const index = await submitStatement(logUrl, ACK_TYPE, { alert, reason: values.reason, at: formatTimestamp(Date.now()) }, values.key!);
  process.stdout.write(values.json ? JSON.stringify({ index, alert }) + '\n' : `acknowledged alert ${alert.slice(0, 16)}…: entry ${index}\n`);
  return EXIT_OK;
}

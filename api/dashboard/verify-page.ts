// The alert page's in-page proof check. Runs in the browser only: assets.ts bundles this module
// with esbuild into /assets/verify.js. It imports nothing but the verification library.
//
// It fetches the alert's proof bundle and the log's verifier key, checks the checkpoint's
// signature and every inclusion proof with @noble (log/verify-lib.ts), and checks that the
// bundle holds the alert's own entries and evidence.
//
// How much this proves: the key comes from /api/v1/log, on the same server as this page and the
// bundle, so a dishonest server can hand out a key of its own and a bundle that checks out under
// it. A "verified" here means the bundle is internally sound under the key the page names (it
// catches a corrupted or mismatched bundle, and shows which key it was); the page is only as
// trustworthy as the server that sent it. The real check pins the log key obtained from the
// operator out of band: `diptych verify --bundle FILE --log-key KEY`.
import { isDiptychError, verifyProofBundle, type VerifiedBundle } from '../../log/verify-lib.js';

interface LogInfo {
  readonly origin: string;
  readonly verifierKey: string;
  readonly witnesses: readonly string[];
}

interface AlertReply {
  readonly alert: { readonly id: string; readonly entries: readonly number[]; readonly evidence: readonly number[] };
  readonly bundle?: unknown;
}

class CheckFailure extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'omit' });
  const body = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
  if (!res.ok) throw new CheckFailure(body?.error?.code ?? `http_${res.status}`, body?.error?.message ?? `${url} answered ${res.status}`);
  return body as T;
}

/** The alert's own entries must be in the bundle and say they are this alert. */
function checkCoverage(reply: AlertReply, verified: VerifiedBundle, alertId: string): void {
  if (reply.alert.id !== alertId) throw new CheckFailure('alert_mismatch', `the bundle is about alert ${reply.alert.id}`);
  const byIndex = new Map(verified.entries.map((e) => [e.index, e]));
  for (const i of [...reply.alert.entries, ...reply.alert.evidence]) {
    if (!byIndex.has(i)) throw new CheckFailure('entry_missing', `entry ${i} is not in the bundle`);
  }
  for (const i of reply.alert.entries) {
    if (byIndex.get(i)!.envelope.payload['id'] !== alertId) throw new CheckFailure('alert_mismatch', `entry ${i} is not alert ${alertId}`);
  }
}

function summary(verified: VerifiedBundle, info: LogInfo): string {
  const cp = verified.checkpoint;
  const cosigned = verified.cosignatures.map((c) => c.name);
  const by = cosigned.length === 0 ? 'no witness cosignature' : `cosigned by ${cosigned.join(', ')}`;
  const keyid = info.verifierKey.split('+').slice(0, 2).join('+');
  return `verified in your browser: ${verified.entries.length} entries are in ${cp.origin} at size ${cp.size}, signed by ${keyid}, ${by}.`;
}

async function check(section: HTMLElement, output: HTMLOutputElement): Promise<void> {
  section.dataset['state'] = 'checking';
  output.textContent = 'checking…';
  try {
    const [info, reply] = await Promise.all([getJson<LogInfo>(section.dataset['log']!), getJson<AlertReply>(section.dataset['bundle']!)]);
    // The bundle is either beside the alert or the reply itself (other fields are ignored).
    const bundle = reply.bundle ?? reply;
    const verified = verifyProofBundle(bundle, { logKey: info.verifierKey, witnessKeys: info.witnesses, quorum: 0 });
    checkCoverage(reply, verified, section.dataset['alert']!);
    output.textContent = summary(verified, info);
    section.dataset['state'] = 'verified';
  } catch (e) {
    const code = e instanceof CheckFailure || isDiptychError(e) ? e.code : 'error';
    output.textContent = `verification failed: ${code}: ${(e as Error).message}`;
    section.dataset['code'] = code;
    section.dataset['state'] = 'failed';
  }
}

const section = document.getElementById('proof-check');
const output = section?.querySelector('output');
if (section && output) await check(section, output);

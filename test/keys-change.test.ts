// The next key policy the `keys` commands write (log/keys-change.ts): seq + 1, the key list of
// each change, canonical revocation times, and refusals before anything is signed. Each result
// is also fed to the policy state machine, so what the CLI writes is what the log accepts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { firstKeysPayload, nextKeysPayload, type CurrentPolicy } from '../log/keys-change.js';
import { KEYS_TYPE } from '../log/project-policy.js';
import { assertCode } from './support/assert-code.js';
import { PolicyHarness, keyidOf, makeKey, sign } from './support/project-harness.js';

const test = suite('keys-change');
const [A, B, C] = [makeKey('alice@example.org'), makeKey('bob@example.org'), makeKey('carol@example.org')];
const current: CurrentPolicy = { seq: 3, threshold: 2, keys: [A.verifierKey, B.verifierKey] };

test('init normalises the project name and starts at seq 1', () => {
  assert.equal(firstKeysPayload('Twin.Panels', [A.verifierKey], 1), { project: 'twin-panels', keys: [A.verifierKey], threshold: 1, seq: 1 });
  assertCode(() => firstKeysPayload('p', [A.verifierKey], 2), 'invalid_threshold', 'threshold above the keys');
  assertCode(() => firstKeysPayload('p', [A.verifierKey, A.verifierKey], 1), 'duplicate_key', 'same key twice');
});

test('add, remove, rotate: seq + 1, threshold kept unless given', () => {
  assert.equal(nextKeysPayload('p', current, { kind: 'add', vkeys: [C.verifierKey] }), { project: 'p', seq: 4, keys: [A.verifierKey, B.verifierKey, C.verifierKey], threshold: 2 });
  assert.equal(nextKeysPayload('p', current, { kind: 'remove', keyids: [keyidOf(B)], threshold: 1 }).keys, [A.verifierKey]);
  assert.equal(nextKeysPayload('p', current, { kind: 'remove', keyids: [B.verifierKey], threshold: 1 }).keys, [A.verifierKey], 'a vkey names its keyid');
  assert.equal(nextKeysPayload('p', current, { kind: 'rotate', vkeys: [C.verifierKey], threshold: 1 }).keys, [C.verifierKey]);
});

test('refused before signing: lockout, unknown key, bad since', () => {
  assertCode(() => nextKeysPayload('p', current, { kind: 'remove', keyids: [keyidOf(B)] }), 'invalid_threshold', 'threshold 2 of 1 key');
  assertCode(() => nextKeysPayload('p', current, { kind: 'remove', keyids: [keyidOf(C)] }), 'unknown_key', 'not a current key');
  assertCode(() => nextKeysPayload('p', current, { kind: 'revoke', keyids: [keyidOf(B)], since: 'yesterday', threshold: 1 }), 'invalid_timestamp', 'since');
  assertCode(() => nextKeysPayload('p', current, { kind: 'add', vkeys: [B.verifierKey] }), 'duplicate_key', 'already a key');
});

test('revoke removes the key and writes a canonical since; the log accepts the result', () => {
  const payload = nextKeysPayload('p', { seq: 1, threshold: 2, keys: [A.verifierKey, B.verifierKey] }, { kind: 'revoke', keyids: [keyidOf(B)], since: '2025-06-01T10:00:00.250Z', threshold: 1 });
  assert.equal(payload, { project: 'p', seq: 2, keys: [A.verifierKey], threshold: 1, revoked: [{ keyid: keyidOf(B), since: '2025-06-01T10:00:00Z' }] });
  const harness = new PolicyHarness();
  assert.is(harness.submit(sign(KEYS_TYPE, firstKeysPayload('p', [A.verifierKey, B.verifierKey], 2), [A, B])), 'ok');
  assert.is(harness.submit(sign(KEYS_TYPE, payload, [A, B])), 'ok');
  assert.equal([...harness.state.policy('p')!.revoked.keys()], [keyidOf(B)]);
});

test.run();

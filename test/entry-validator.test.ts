// The validator's key directories: a key is checked against the keyid it was found under,
// by hashing it, unless its directory vouches that every key it answers was parsed from a
// vkey with that keyid (keyIdsChecked).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseEnvelope } from '../log/dsse.js';
import { chainKeys, EntryValidator, selfNamedKeys, staticKeys, type KeyDirectory } from '../log/entry-validator.js';
import { createNodeCrypto } from '../log/node-crypto.js';
import { projectKeyDirectory } from '../log/project-admission.js';
import { ProjectState } from '../log/project-state.js';
import { inlineVerifier } from '../log/verify-pool.js';
import { ackKeyDirectory, LogState } from '../monitor/log-state.js';
import { assertCode } from './support/assert-code.js';
import { keysEntry, newSignerKey } from './support/log-fixture.js';

const crypto = createNodeCrypto();
const alice = newSignerKey('alice@example.org');
const mallory = newSignerKey('mallory@example.org');
const entry = keysEntry(alice, 'validated');
const aliceKeyid = parseEnvelope(entry).envelope.signatures[0]!.keyid;

const validator = (keys: KeyDirectory): EntryValidator => new EntryValidator(keys, inlineVerifier(crypto), crypto);

test("the log's own directories vouch for their keys' IDs; a chain vouches when all its parts do", () => {
  assert.ok(staticKeys([alice.verifierKey], crypto).keyIdsChecked);
  assert.ok(selfNamedKeys(crypto).keyIdsChecked);
  assert.ok(projectKeyDirectory(new ProjectState()).keyIdsChecked);
  assert.ok(ackKeyDirectory(new LogState()).keyIdsChecked);
  const custom: KeyDirectory = { publicKey: () => undefined };
  assert.ok(chainKeys(staticKeys([], crypto), selfNamedKeys(crypto)).keyIdsChecked);
  assert.not.ok(chainKeys(selfNamedKeys(crypto), custom).keyIdsChecked);
});

test('a key found under another key ID is refused when its directory does not vouch for it', async () => {
  // Mallory's key answered under Alice's keyid: hashing it shows the mismatch.
  const lying: KeyDirectory = { publicKey: (keyid) => (keyid === aliceKeyid ? mallory.ed25519.publicKey : undefined) };
  const error = await validator(lying).validate(entry).then(
    () => undefined,
    (e: unknown) => e,
  );
  assertCode(() => {
    throw error;
  }, 'invalid_signature');
  assert.match(String((error as Error).message), /another key ID/);
});

test('a right key validates through a vouching directory and through one that does not', async () => {
  const plain: KeyDirectory = { publicKey: (keyid) => (keyid === aliceKeyid ? alice.ed25519.publicKey : undefined) };
  for (const keys of [selfNamedKeys(crypto), staticKeys([alice.verifierKey], crypto), plain]) {
    assert.equal((await validator(keys).validate(entry)).verifiedKeyids, [aliceKeyid]);
  }
});

test.run();

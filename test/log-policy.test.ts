// The log policy file (SPEC §8): what loads, and refusals that name the line and the field.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePolicy } from '../log/policy.js';
import { thrown } from './support/assert-code.js';
import { newSignerKey } from './support/log-fixture.js';

const [a, b] = [newSignerKey('psrt.test/a').verifierKey, newSignerKey('foundation.test/b').verifierKey];

test('a policy with witnesses and trusted parties loads', () => {
  const p = parsePolicy(JSON.stringify({ witnesses: [{ vkey: a, url: 'http://127.0.0.1:1/' }], cosignatureQuorum: 1, trustedParties: [a, b], escalationQuorum: 2 }));
  assert.is(p.escalationQuorum, 2);
  assert.is(p.cosignatureQuorum, 1);
  assert.equal(parsePolicy('{}'), { witnesses: [], cosignatureQuorum: 0, trustedParties: [], escalationQuorum: 0 });
});

const refusals: Array<[string, string, RegExp]> = [
  ['quorum above the parties', `{\n  "trustedParties": ["${a}", "${b}"],\n  "escalationQuorum": 3\n}`, /^p\.json:3: escalationQuorum must be an integer from 1 to 2/],
  ['a quorum of 0 with parties', `{\n  "trustedParties": ["${a}"],\n  "escalationQuorum": 0\n}`, /^p\.json:3: escalationQuorum/],
  ['JSON syntax', `{\n  "trustedParties": [],\n  oops\n}`, /^p\.json:3: not JSON/],
  ['a bad vkey', `{\n  "witnesses": [],\n  "trustedParties": ["nope"]\n}`, /^p\.json:3: trustedParties\[0\]/],
  ['an unknown field', `{\n\n  "trustedparties": []\n}`, /^p\.json:3: unknown policy field trustedparties/],
  ['cosigning quorum above the witnesses with a URL', `{\n  "witnesses": [{"vkey": "${a}"}],\n  "cosignatureQuorum": 1\n}`, /^p\.json:3: cosignatureQuorum/],
];

for (const [name, text, message] of refusals) {
  test(`refused, naming the line: ${name}`, () => {
    const e = thrown(() => parsePolicy(text, 'p.json'));
    assert.is(e.code, 'invalid_policy');
    assert.match(e.message, message);
  });
}

test.run();

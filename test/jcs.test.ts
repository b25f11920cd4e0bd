// RFC 8785 canonical JSON (log/jcs.ts): the RFC's own examples, written out from its text,
// then diptych's stricter parsing policy.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fromHex, utf8 } from '../log/bytes.js';
import { MAX_DEPTH, canonicalBytes, canonicalJson, isWellFormed, parseCanonical } from '../log/jcs.js';
import { assertCode } from './support/assert-code.js';

const ANY = { allowNonIntegers: true };
const BS = '\\';

const test = suite('jcs');

// RFC 8785 §3.2.2: the sample input, as JSON text with its escapes and number spellings.
const SAMPLE_INPUT = `{
  "numbers": [333333333.33333329, 1E30, 4.50,
              2e-3, 0.000000000000000000000000001],
  "string": "${BS}u20ac$${BS}u000F${BS}u000aA'${BS}u0042${BS}u0022${BS}u005c${BS}${BS}${BS}"${BS}/",
  "literals": [null, true, false]
}`;
// §3.2.3: its canonical form.
const SAMPLE_OUTPUT = `{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"\u20ac$${BS}u000f${BS}nA'B${BS}"${BS}${BS}${BS}${BS}${BS}"/"}`;
// §3.2.4: the UTF-8 bytes of that canonical form.
const SAMPLE_BYTES = `
  7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72
  75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a
  5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31
  65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37
  5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30
  30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d`;

test('RFC 8785 §3.2.2–3.2.4: the sample object, its canonical text and bytes', () => {
  const value: unknown = JSON.parse(SAMPLE_INPUT);
  assert.is(canonicalJson(value, ANY), SAMPLE_OUTPUT);
  assert.equal(canonicalBytes(value, ANY), fromHex(SAMPLE_BYTES.replace(/\s+/g, '')));
  assert.equal(parseCanonical(utf8(SAMPLE_OUTPUT), 'invalid_json', ANY), value);
  // The sample holds non-integers, which diptych's default policy refuses.
  assertCode(() => canonicalJson(value), 'invalid_json');
  assertCode(() => parseCanonical(utf8(SAMPLE_OUTPUT)), 'invalid_json');
  assertCode(() => parseCanonical(utf8(SAMPLE_INPUT), 'invalid_json', ANY), 'non_canonical_json');
});

test('RFC 8785 §3.2.3: properties sort by UTF-16 code units', () => {
  const input = `{
    "${BS}u20ac": "Euro Sign",
    "${BS}r": "Carriage Return",
    "${BS}ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One",
    "${BS}ud83d${BS}ude00": "Emoji: Grinning Face",
    "${BS}u0080": "Control",
    "${BS}u00f6": "Latin Small Letter O With Diaeresis"
  }`;
  // (Compared as text: a JS object would list the integer-like key "1" first again.)
  assert.is(
    canonicalJson(JSON.parse(input)),
    `{"${BS}r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",` +
      `"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}`,
  );
});

test('RFC 8785 Appendix B: number serialisation from IEEE 754 bit patterns', () => {
  const table: [string, string][] = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ];
  const double = (bits: string): number => new DataView(fromHex(bits).buffer).getFloat64(0);
  for (const [bits, text] of table) assert.is(canonicalJson(double(bits), ANY), text, bits);
  // The table's NaN and Infinity rows are errors.
  for (const bits of ['7fffffffffffffff', '7ff0000000000000']) assertCode(() => canonicalJson(double(bits), ANY), 'invalid_json', bits);
});

test('parseCanonical: only the exact JCS bytes are accepted', () => {
  const ok = ['{}', '[]', 'null', 'true', '0', '-1', '"\u00e9"', '{"a":[1,{"b":null}],"b":"x"}', `"${BS}u001f"`, '"\u2028"', '9007199254740991'];
  for (const text of ok) assert.equal(parseCanonical(utf8(text)), JSON.parse(text), text);
  const nonCanonical = [
    '{ }', ' {}', '{}\n', '{"b":1,"a":2}', '{"a":1,"a":1}', '1.0', '1E2', '-0', '"\\u0041"', '"\\/"',
    '"\\u00e9"', `"${BS}u001F"`, '"\\t"'.replace('t', 'u0009'), '[1, 2]',
  ];
  for (const text of nonCanonical) assertCode(() => parseCanonical(utf8(text)), 'non_canonical_json', text);
  assertCode(() => parseCanonical(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d])), 'non_canonical_json', 'BOM');
  const invalid = ['', '{', 'NaN', "{'a':1}", '[1,]', '"\\ud800"', '{"\\udc00":1}', '1.5', '9007199254740992', '1e400'];
  for (const text of invalid) assertCode(() => parseCanonical(utf8(text)), 'invalid_json', text);
  assertCode(() => parseCanonical(new Uint8Array([0x22, 0xc3, 0x22])), 'invalid_json', 'bad UTF-8');
  assertCode(() => parseCanonical(utf8('1.5'), 'invalid_payload'), 'invalid_payload');
  // With any number allowed, a number beyond double precision parses but is not canonical.
  assertCode(() => parseCanonical(utf8('9007199254740993'), 'invalid_json', ANY), 'non_canonical_json');
  assert.is(parseCanonical(utf8('1.5'), 'invalid_json', ANY), 1.5);
});

test('nesting is bounded', () => {
  const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
  assert.ok(Array.isArray(parseCanonical(utf8(nested(MAX_DEPTH + 1)))));
  assertCode(() => parseCanonical(utf8(nested(MAX_DEPTH + 2))), 'invalid_json');
  assertCode(() => parseCanonical(utf8(nested(30000))), 'invalid_json');
});

test('canonicalJson: only JSON values, written exactly as given', () => {
  assert.is(canonicalJson({ b: 1, a: undefined, c: [true, null, 'x'] }), '{"b":1,"c":[true,null,"x"]}');
  assert.is(canonicalJson(Object.assign(Object.create(null) as object, { z: 1, y: 2 })), '{"y":2,"z":1}');
  assert.is(canonicalJson({ toJSON: 'a string property is data' }), '{"toJSON":"a string property is data"}');
  const refused: [string, unknown][] = [
    ['undefined', undefined],
    ['undefined in an array', [1, undefined]],
    ['function', () => 1],
    ['symbol', Symbol('s')],
    ['bigint', 1n],
    ['Date', new Date(0)],
    ['Map', new Map()],
    ['class instance', new (class Point { x = 1; })()],
    ['NaN', Number.NaN],
    ['Infinity', -Infinity],
    ['float', 0.5],
    ['unsafe integer', 2 ** 53],
    ['lone surrogate value', '\ud800'],
    ['lone surrogate key', { '\udc00': 1 }],
    ['toJSON method', { toJSON: () => 'x' }],
  ];
  for (const [label, value] of refused) assertCode(() => canonicalJson(value), 'invalid_json', label);
});

test('round trip: parseCanonical(canonicalBytes(v)) gives v back', () => {
  const values: unknown[] = [
    { project: 'requests', keys: ['a+00000000+AQ=='], threshold: 2, seq: 0, revoked: [] },
    { '\u00e9': { '\ud83d\ude00': [0, -9007199254740991, 9007199254740991] }, '': '', ' ': '\n\t"\\' },
    ['\u0000\u001f\u007f\u0080\u2028\u2029\ufeff'],
  ];
  for (const v of values) {
    const bytes = canonicalBytes(v);
    assert.equal(parseCanonical(bytes), v);
    assert.equal(canonicalBytes(parseCanonical(bytes)), bytes);
  }
});

test('isWellFormed finds lone surrogates anywhere', () => {
  for (const s of ['', 'abc', '\ud83d\ude00', 'a\ud83d\ude00b']) assert.ok(isWellFormed(s), JSON.stringify(s));
  for (const s of ['\ud800', '\udc00', 'a\ud800b', '\ude00\ud83d', '\ud83d\ud83d']) assert.not.ok(isWellFormed(s), JSON.stringify(s));
});

test.run();

// log/bytes.ts's base64 and hex against Node's Buffer as the reference, and the strictness
// Buffer does not have: one encoding per byte string.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromBase64, fromHex, toBase64, toHex, utf8 } from '../log/bytes.js';
import { DiptychError } from '../log/errors.js';
import { check, fc } from './support/fuzz.js';

test('base64: RFC 4648 §10 vectors', () => {
  const vectors: Array<[string, string]> = [
    ['', ''],
    ['f', 'Zg=='],
    ['fo', 'Zm8='],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg=='],
    ['fooba', 'Zm9vYmE='],
    ['foobar', 'Zm9vYmFy'],
  ];
  for (const [plain, encoded] of vectors) {
    const bytes = new TextEncoder().encode(plain);
    assert.is(toBase64(bytes), encoded);
    assert.equal(fromBase64(encoded), bytes);
  }
});

test('base64: non-canonical and malformed strings are refused with the given code', () => {
  // Non-zero unused bits, missing or misplaced padding, whitespace, the URL-safe alphabet.
  for (const bad of ['Zh==', 'Zm9=', 'Zg', 'Zg=', 'Z===', '=Zg=', 'Zg==Zg==', 'Zm 9v', 'Zm9v\n', '-_8=', 'Zm9v=', 'é123']) {
    assert.throws(() => fromBase64(bad), (e: DiptychError) => e.code === 'invalid_base64', bad);
  }
  assert.throws(() => fromBase64('Zh==', 'invalid_signature'), (e: DiptychError) => e.code === 'invalid_signature');
});

test('base64: any bytes, of any length, encode as Buffer does and decode back', () =>
  check('base64 round trip', fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ minLength: 8000, maxLength: 20000 })), (bytes) => {
    const encoded = toBase64(bytes);
    assert.is(encoded, Buffer.from(bytes).toString('base64'));
    assert.equal(fromBase64(encoded), bytes);
  }, 500));

test('hex: lowercase, as Buffer gives it, and parses back', () =>
  check('hex round trip', fc.uint8Array({ maxLength: 64 }), (bytes) => {
    const hex = toHex(bytes);
    assert.is(hex, Buffer.from(bytes).toString('hex'));
    assert.equal(fromHex(hex), bytes);
  }));

test('utf8: the same bytes as TextEncoder, short or long, ASCII or not', () =>
  check('utf8', fc.oneof(fc.string({ maxLength: 70 }), fc.string({ unit: 'grapheme', maxLength: 70 }), fc.string({ unit: 'binary', maxLength: 70 }), fc.string({ minLength: 60, maxLength: 200 })), (text) => {
    assert.equal(utf8(text), new TextEncoder().encode(text));
  }, 1000));

test.run();

/**
 * MMS value codecs against the byte layouts IEC 61850-8-1 and 7-3 fix (no library needed):
 * quality bit strings, UtcTime, bit string integers, and the app's quality from 61850 quality.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appQuality, bitStringToInt, decodeQuality, decodeUtcTime, describeQuality, encodeQuality, encodeUtcTime, intToBitString, scalarValue, valueLike } from './mms';
import { addCauseText, iedErrorText } from './errors';

test('quality: BER bit string layout (bit 0 = MSB of the first octet)', () => {
  // 13 bits in two octets: validity good, nothing set
  assert.equal(decodeQuality([0x00, 0x00]).validity, 'good');
  // validity "invalid" = 01 -> bit 1 -> 0x40
  assert.equal(decodeQuality([0x40, 0x00]).validity, 'invalid');
  // "reserved" = 10 -> bit 0 -> 0x80; "questionable" = 11 -> 0xC0
  assert.equal(decodeQuality([0x80, 0x00]).validity, 'reserved');
  const q = decodeQuality([0xc1, 0x18]);
  assert.equal(q.validity, 'questionable');
  assert.equal(q.oldData, true, 'bit 7 = 0x01 of octet 0');
  assert.equal(q.test, true, 'bit 11 = 0x10 of octet 1');
  assert.equal(q.operatorBlocked, true, 'bit 12 = 0x08 of octet 1');
  assert.equal(q.substituted, false);
  assert.equal(decodeQuality([0x00, 0x20]).substituted, true, 'bit 10 = 0x20 of octet 1');
  assert.equal(decodeQuality([0x20, 0x00]).overflow, true, 'bit 2');
  assert.equal(decodeQuality([0x10, 0x00]).outOfRange, true, 'bit 3');
  assert.equal(decodeQuality([0x02, 0x00]).failure, true, 'bit 6');
  assert.equal(decodeQuality([0x00, 0x40]).inaccurate, true, 'bit 9');
  assert.equal(describeQuality(q), 'questionable: oldData, test, operatorBlocked');
  // encode is the inverse
  assert.deepEqual(encodeQuality({ validity: 'questionable', oldData: true, test: true, operatorBlocked: true }), [0xc1, 0x18]);
  assert.deepEqual(encodeQuality({ validity: 'invalid', substituted: true }), [0x40, 0x20]);
  // a derived bit beyond a 13-bit string is ignored
  assert.equal(decodeQuality([0x00, 0x04], 13).derived, false);
  assert.equal(decodeQuality([0x00, 0x04], 14).derived, true);
});

test("quality: the app's quality from validity, detail quality, source, test and operator blocked", () => {
  const q = (bytes: number[]) => appQuality(decodeQuality(bytes));
  assert.deepEqual(q([0x00, 0x00]), { level: 'good' });
  assert.deepEqual(q([0x40, 0x00]), { level: 'bad', reason: 'device' }, 'invalid');
  assert.deepEqual(q([0x42, 0x00]), { level: 'bad', reason: 'device' }, 'invalid + failure');
  assert.deepEqual(q([0x80, 0x00]), { level: 'bad', reason: 'device' }, 'reserved validity is not trusted');
  assert.deepEqual(q([0xc1, 0x00]), { level: 'uncertain', reason: 'device' }, 'questionable + old data');
  assert.deepEqual(q([0x00, 0x20]), { level: 'uncertain', reason: 'manual' }, 'substituted');
  assert.deepEqual(q([0x00, 0x10]), { level: 'uncertain', reason: 'device' }, 'test');
  assert.deepEqual(q([0x00, 0x08]), { level: 'bad', reason: 'device' }, 'operator blocked: frozen, not from the process');
  assert.deepEqual(q([0x00, 0x28]), { level: 'bad', reason: 'device' }, 'blocked wins over substituted');
});

test('UtcTime: 4 octets seconds, 3 octets fraction, 1 octet time quality', () => {
  // 2023-11-14T22:13:20.123Z = 1700000000.123 s, as libiec61850 1.5.3 encodes it
  const bytes = [0x65, 0x53, 0xf1, 0x00, 0x1f, 0x7c, 0xed, 0x0a];
  assert.deepEqual(encodeUtcTime(1_700_000_000_123), bytes);
  const t = decodeUtcTime(bytes);
  assert.equal(t.ms, 1_700_000_000_123);
  assert.deepEqual(t.quality, { leapSecondsKnown: false, clockFailure: false, clockNotSynchronized: false, accuracyBits: 10 });
  const flags = decodeUtcTime([0, 0, 0, 1, 0x80, 0, 0, 0xe0 | 0x1f]);
  assert.equal(flags.ms, 1500);
  assert.deepEqual(flags.quality, { leapSecondsKnown: true, clockFailure: true, clockNotSynchronized: true, accuracyBits: 31 });
  // every millisecond of a second survives the round trip
  for (let ms = 0; ms < 1000; ms++) assert.equal(decodeUtcTime(encodeUtcTime(1_764_620_000_000 + ms)).ms, 1_764_620_000_000 + ms);
  assert.throws(() => decodeUtcTime([1, 2, 3]), /8 octets, got 3/);
  assert.throws(() => encodeUtcTime(-1), /at or after 1970/);
});

test('bit strings: integer with bit i of the string in bit i; Dbpos as a number', () => {
  // Dbpos (2 bits): intermediate 00, off 01, on 10, bad 11 -> bits "10" (on) = 0x80 -> integer 1 (bit 0 set)
  assert.equal(bitStringToInt([0x80], 2), 1);
  assert.equal(bitStringToInt([0x40], 2), 2);
  assert.deepEqual(intToBitString(2, 2), [0x40]);
  assert.deepEqual(intToBitString(0b1_0000_0000_0001, 13), [0x80, 0x08]);
  // as a point value a bit string reads first bit most significant: Dbpos on = "10" = 2, off = "01" = 1
  assert.equal(scalarValue({ type: 'bit-string', size: 2, bytes: [0x80] }), 2);
  assert.equal(scalarValue({ type: 'bit-string', size: 2, bytes: [0x40] }), 1);
  assert.equal(scalarValue({ type: 'bit-string', size: 2, bytes: [0xc0] }), 3);
  assert.throws(() => bitStringToInt([0, 0, 0, 0, 0], 33), /at most 32/);
});

test('values: a write takes the type of the attribute, refusing what does not fit with a sentence', () => {
  assert.deepEqual(valueLike({ type: 'float', value: 0 }, 12.5), { type: 'float', value: 12.5 });
  assert.deepEqual(valueLike({ type: 'boolean', value: false }, 1), { type: 'boolean', value: true });
  assert.deepEqual(valueLike({ type: 'integer', value: 0 }, -3), { type: 'integer', value: -3 });
  assert.throws(() => valueLike({ type: 'integer', value: 0 }, 1.5), /an integer attribute takes a whole number, not 1.5/);
  assert.throws(() => valueLike({ type: 'unsigned', value: 0 }, -1), /takes 0 to 4294967295/);
  assert.throws(() => valueLike({ type: 'float', value: 0 }, Number.NaN), /finite number/);
  assert.throws(() => valueLike({ type: 'boolean', value: false }, 2), /true or false/);
  assert.throws(() => valueLike({ type: 'structure', items: [] }, 1), /not supported/);
  assert.deepEqual(valueLike({ type: 'bit-string', size: 2, bytes: [0] }, 2), { type: 'bit-string', size: 2, bytes: [0x80] }, 'Dbpos on');
});

test('error codes become sentences people read', () => {
  assert.equal(iedErrorText(20), 'the device did not answer in time (IedClientError 20)');
  assert.equal(iedErrorText(12345), 'unknown error (IedClientError 12345)');
  assert.equal(addCauseText(10), 'blocked by interlocking (AddCause 10)');
});

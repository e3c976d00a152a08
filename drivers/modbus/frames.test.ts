import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeModbusTcp } from './frames';

test('Modbus TCP frames in words: requests, answers, exceptions, two ADUs in one chunk, a cut one', () => {
  const req = Uint8Array.of(0, 12, 0, 0, 0, 6, 1, 3, 0, 0, 0, 20);
  assert.equal(decodeModbusTcp('tx', req), 'FC3 read holding 0+20, unit 1, transaction 12');
  const ans = Uint8Array.of(0, 12, 0, 0, 0, 7, 1, 3, 4, 0, 1, 0, 2);
  assert.equal(decodeModbusTcp('rx', ans), 'FC3 answer: 4 data octets (2 registers), unit 1, transaction 12');
  const exc = Uint8Array.of(0, 13, 0, 0, 0, 3, 1, 0x83, 2);
  assert.equal(decodeModbusTcp('rx', exc), 'FC3 exception 2 (illegal data address), unit 1, transaction 13');
  assert.equal(
    decodeModbusTcp('rx', Uint8Array.from([...ans, ...exc])),
    'FC3 answer: 4 data octets (2 registers), unit 1, transaction 12 | FC3 exception 2 (illegal data address), unit 1, transaction 13',
  );
  assert.equal(decodeModbusTcp('tx', Uint8Array.of(0, 1, 0, 0, 0, 6, 1, 6, 0, 5, 0, 0x2a)), 'FC6 write register 5 = 42, unit 1, transaction 1');
  assert.match(decodeModbusTcp('rx', Uint8Array.of(0, 1, 0, 0, 0, 9, 1, 3, 6, 0)), /cut: 5 octets missing/);
  assert.match(decodeModbusTcp('rx', Uint8Array.of(0, 1, 0, 7, 0, 2, 1, 3)), /protocol id 7 is not Modbus/);
});

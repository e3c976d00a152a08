import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameRing } from './frames';

test('off by default: nothing is kept until capturing is turned on', () => {
  const ring = new FrameRing();
  ring.record('tx', Uint8Array.of(1, 2, 3));
  assert.equal(ring.enabled, false);
  assert.deepEqual(ring.list(), []);
  assert.equal(ring.supported, false, 'no decoder: the protocol does not record');
  ring.setEnabled(true);
  ring.record('tx', Uint8Array.of(1, 2, 3));
  assert.deepEqual(
    ring.list().map((f) => [f.seq, f.dir, f.hex, f.length, f.decoded]),
    [[1, 'tx', '01 02 03', 3, '3 octets']],
  );
});

test('bounded: the last `capacity` frames, each cut at maxBytes with its full length kept', () => {
  let t = 1000;
  const ring = new FrameRing({ capacity: 3, maxBytes: 4, now: () => t++ });
  ring.setEnabled(true);
  for (let i = 0; i < 10; i++) ring.record(i % 2 ? 'rx' : 'tx', Uint8Array.from({ length: 6 }, (_, j) => i * 16 + j));
  const l = ring.list();
  assert.deepEqual(l.map((f) => f.seq), [8, 9, 10], 'oldest first, only the last 3');
  assert.equal(l[2]!.hex, '90 91 92 93');
  assert.equal(l[2]!.length, 6);
  assert.match(l[2]!.decoded, /first 4 of 6 octets/);
  assert.deepEqual(ring.list(9).map((f) => f.seq), [10], 'afterSeq gives what is newer');
  // the kept bytes are a copy: the caller's buffer may be reused
  const b = Uint8Array.of(7, 7);
  ring.record('tx', b);
  b[0] = 0;
  assert.equal(ring.list().at(-1)!.hex, '07 07');
});

test('turns itself off after maxOnMs, and off empties the ring', () => {
  let t = 0;
  const ring = new FrameRing({ maxOnMs: 1000, now: () => t });
  ring.setEnabled(true);
  ring.record('tx', Uint8Array.of(1));
  assert.equal(ring.list().length, 1);
  t = 1001;
  ring.record('tx', Uint8Array.of(2));
  assert.equal(ring.enabled, false);
  assert.deepEqual(ring.list(), []);
});

test('decoding is lazy and a decoder that throws gives a sentence', () => {
  let calls = 0;
  const ring = new FrameRing({
    decode: (_d, b) => {
      calls++;
      if (b[0] === 0xff) throw new Error('bad start octet');
      return 'fine';
    },
  });
  ring.setEnabled(true);
  ring.record('rx', Uint8Array.of(0xff));
  ring.record('rx', Uint8Array.of(0x01));
  assert.equal(calls, 0, 'nothing decoded on the recording path');
  assert.deepEqual(ring.list().map((f) => f.decoded), ['not decodable: bad start octet', 'fine']);
});

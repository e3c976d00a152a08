/**
 * The IEC 104 codec against real exchanges with lib60870's server (test/fixtures/iec104):
 * every APDU parses, our summary of each equals tshark's, the general interrogation's values
 * are the server's, and every frame re-encodes to the same octets. Then malformed frames, and
 * round trips of the types the captures do not hold (time tags, commands, set-points).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApduReader, decodeApdu, encodeApdu, Iec104FrameError, qdsQuality, summary, TYPE_ID, type Apdu } from './codec';

const FIX = join(__dirname, '..', '..', 'test', 'fixtures', 'iec104');

function capture(name: string): Array<{ fromServer: boolean; hex: string; tshark: string }> {
  const hex = readFileSync(join(FIX, `${name}.hex.tsv`), 'utf8').trim().split('\n');
  const lines = readFileSync(join(FIX, `${name}.summary.txt`), 'utf8')
    .split('\n')
    .filter((l) => / IEC 60870-5(-104| ASDU) /.test(l))
    .map((l) => l.replace(/^.* IEC 60870-5(?:-104| ASDU) \d+ /, '').replace(/\s+/g, ' ').trim());
  assert.equal(hex.length, lines.length, `${name}: one tshark line per payload`);
  return hex.map((h, i) => {
    const [, src, , payload] = h.split('\t');
    return { fromServer: src === '2404', hex: payload as string, tshark: lines[i] as string };
  });
}

for (const name of ['iec104_cs104_server_simple_client', 'iec104_cs104_server_probe_commands']) {
  test(`${name}: every APDU parses, reads as tshark reads it, and re-encodes to the same octets`, () => {
    const frames = capture(name);
    assert.ok(frames.length >= 20);
    for (const f of frames) {
      const bytes = Buffer.from(f.hex, 'hex');
      const reader = new ApduReader();
      const apdus = reader.push(bytes);
      assert.equal(apdus.length, 1);
      assert.equal(reader.pending, 0);
      const a = decodeApdu(apdus[0]!);
      assert.equal(summary(a, f.fromServer), f.tshark, `frame ${f.hex}`);
      assert.equal(encodeApdu(a).toString('hex'), f.hex, `re-encoding ${f.tshark}`);
    }
  });
}

test('the general interrogation answers carry the values the server sends', () => {
  const frames = capture('iec104_cs104_server_simple_client').map((f) => decodeApdu(Buffer.from(f.hex, 'hex')));
  const objects = new Map<number, unknown>();
  for (const a of frames) if (a.kind === 'I' && a.asdu.cot === 20) for (const o of a.asdu.objects) objects.set(o.ioa, o.value);
  assert.equal(objects.get(100), -1);
  assert.equal(objects.get(101), 23);
  assert.equal(objects.get(102), 2300);
  assert.equal(objects.get(104), true);
  assert.equal(objects.get(105), false);
  assert.deepEqual([...objects.keys()].filter((k) => k >= 300 && k <= 307), [300, 301, 302, 303, 304, 305, 306, 307]);
  assert.equal(objects.get(500), 0xaaaa);
  const neg = capture('iec104_cs104_server_probe_commands')
    .map((f) => decodeApdu(Buffer.from(f.hex, 'hex')))
    .find((a): a is Extract<Apdu, { kind: 'I' }> => a.kind === 'I' && a.asdu.cot === 47);
  assert.ok(neg && neg.asdu.type === TYPE_ID.C_SC_NA_1 && neg.asdu.objects[0]?.ioa === 5001, 'a command to an unknown IOA is answered with cause 47');
});

test('a stream is split into APDUs whatever the reads: several in one, one across two', () => {
  const frames = capture('iec104_cs104_server_probe_commands').map((f) => Buffer.from(f.hex, 'hex'));
  const all = Buffer.concat(frames);
  const reader = new ApduReader();
  const got: Buffer[] = [];
  for (let i = 0; i < all.length; i += 7) got.push(...reader.push(all.subarray(i, i + 7)));
  assert.equal(got.length, frames.length);
  assert.equal(reader.pending, 0);
  assert.ok(got.every((g, i) => g.equals(frames[i]!)));
});

test('malformed frames are errors that say what is wrong', () => {
  const bad = (hex: string, re: RegExp): void => {
    assert.throws(
      () => {
        const r = new ApduReader();
        for (const a of r.push(Buffer.from(hex, 'hex'))) decodeApdu(a);
      },
      (e: Error) => e instanceof Iec104FrameError && re.test(e.message),
      hex,
    );
  };
  bad('670407000000', /stream octet 0 is 0x67, not the start octet 0x68/);
  bad('680207', /APDU length 2 is outside 4-253/);
  bad('680443000001', /U-frame control octets 2-4 are 00 00 01, not 00 00 00/);
  bad('680433000000', /U-frame control octet 0x33 is no known function/);
  bad('6806010000000000', /S-frame of length 6, not 4/);
  bad('680a000000000b0101000100', /I-frame \(0,0\) has 6 ASDU octets|needs/);
  bad('6812000000000b03030001006e00007e02000000', /type 11 \(M_ME_NB_1\) with 3 objects needs 18 octets after the header, the frame has 8/);
  bad('680e00000000ff01010001006e000000', /type 255 is not a type this client reads/);
  bad('6815000000001e0103000100c80000017bea3b1705860c', /M_SP_TB_1 IOA 200: the CP56Time2a 7b ea 3b 17 05 86 0c is not a valid time \(ms 60027, minute 59, hour 23, day 5, month 6\)/);
  assert.throws(() => decodeApdu(Buffer.from('68040b00000000', 'hex')), /length octet says 4, the frame has 5/);
});

test('time-tagged monitor types, commands and set-points round-trip, and tshark-style summaries name them', () => {
  const t = { ms: Date.UTC(2026, 11, 1, 23, 59, 58, 123), iv: false, su: false, dow: 2 };
  const q = { iv: false, nt: true, sb: false, bl: false, ov: false };
  const cases: Apdu[] = [
    { kind: 'I', ns: 5, nr: 9, asdu: { type: TYPE_ID.M_ME_TF_1!, sq: false, cot: 3, negative: false, test: false, oa: 0, ca: 7, objects: [{ ioa: 4001, value: 12.5, qds: q, time: t }] } },
    { kind: 'I', ns: 6, nr: 9, asdu: { type: TYPE_ID.M_SP_TB_1!, sq: false, cot: 3, negative: false, test: false, oa: 0, ca: 7, objects: [{ ioa: 10, value: true, qds: { ...q, nt: false, iv: true }, time: { ...t, iv: true } }] } },
    { kind: 'I', ns: 7, nr: 9, asdu: { type: TYPE_ID.M_DP_TB_1!, sq: false, cot: 3, negative: false, test: false, oa: 0, ca: 7, objects: [{ ioa: 11, value: 2, qds: { ...q, nt: false }, time: t }] } },
    { kind: 'I', ns: 8, nr: 9, asdu: { type: TYPE_ID.M_IT_TB_1!, sq: false, cot: 37, negative: false, test: false, oa: 0, ca: 7, objects: [{ ioa: 700, value: 123456, counter: { seq: 3, carry: false, adjusted: true }, qds: { iv: false, nt: false, sb: false, bl: false, ov: false }, time: t }] } },
    { kind: 'I', ns: 0, nr: 1, asdu: { type: TYPE_ID.C_SE_NC_1!, sq: false, cot: 6, negative: false, test: false, oa: 3, ca: 7, objects: [{ ioa: 6000, value: -42.25, select: true, qualifier: 0 }] } },
    { kind: 'I', ns: 1, nr: 1, asdu: { type: TYPE_ID.C_DC_TA_1!, sq: false, cot: 6, negative: false, test: false, oa: 3, ca: 7, objects: [{ ioa: 6001, value: 1, select: false, qualifier: 1, time: t }] } },
    { kind: 'I', ns: 2, nr: 1, asdu: { type: TYPE_ID.C_SC_NA_1!, sq: false, cot: 8, negative: false, test: false, oa: 3, ca: 7, objects: [{ ioa: 6002, value: true, select: true, qualifier: 0 }] } },
    { kind: 'I', ns: 3, nr: 1, asdu: { type: TYPE_ID.C_CI_NA_1!, sq: false, cot: 6, negative: false, test: false, oa: 0, ca: 7, objects: [{ ioa: 0, qoi: 5 }] } },
    { kind: 'I', ns: 4, nr: 1, asdu: { type: TYPE_ID.C_CS_NA_1!, sq: false, cot: 6, negative: false, test: false, oa: 0, ca: 7, objects: [{ ioa: 0, time: t }] } },
    { kind: 'S', nr: 32767 },
    { kind: 'U', fn: 'TESTFR con' },
  ];
  for (const a of cases) assert.deepEqual(decodeApdu(encodeApdu(a)), a, JSON.stringify(a));
  assert.equal(summary(cases[0]!, true), '-> I (5,9) ASDU=7 M_ME_TF_1 Spont IOA=4001');
  assert.equal(summary(cases[6]!, false), '<- I (2,1) ASDU=7 C_SC_NA_1 Deact IOA=6002');
  assert.throws(() => encodeApdu({ kind: 'I', ns: 0, nr: 0, asdu: { type: TYPE_ID.M_ME_NB_1!, sq: false, cot: 3, negative: false, test: false, oa: 0, ca: 1, objects: [{ ioa: 1, value: 40_000 }] } }), /IOA 1: scaled value 40000 does not fit 16 bits/);
  assert.throws(() => encodeApdu({ kind: 'I', ns: 0, nr: 0, asdu: { type: TYPE_ID.M_ME_TF_1!, sq: false, cot: 3, negative: false, test: false, oa: 0, ca: 1, objects: [{ ioa: 1, value: 1 }] } }), /M_ME_TF_1 IOA 1: a time tag is required/);
});

test('quality descriptors map to the app quality, invalid first', () => {
  const q = { iv: false, nt: false, sb: false, bl: false, ov: false };
  assert.deepEqual(qdsQuality(q), { level: 'good' });
  assert.deepEqual(qdsQuality({ ...q, iv: true, nt: true }), { level: 'bad', reason: 'device' });
  assert.deepEqual(qdsQuality({ ...q, bl: true }), { level: 'bad', reason: 'device' });
  assert.deepEqual(qdsQuality({ ...q, ov: true }), { level: 'uncertain', reason: 'out-of-range' });
  assert.deepEqual(qdsQuality({ ...q, nt: true }), { level: 'uncertain', reason: 'stale' });
  assert.deepEqual(qdsQuality({ ...q, sb: true }), { level: 'uncertain', reason: 'manual' });
});

/**
 * Our IEC 104 frames read by a third party: the codec encodes commands, set-points, time-tagged
 * monitor data and the APCI frames a client sends; they are written to a pcap as a TCP
 * conversation on port 2404 and decoded by tshark's IEC 60870-5-104 dissector (Debian's
 * tshark, installed by .ci/run). Every field tshark reads must be what we meant.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeApdu, TYPE_ID, type Apdu } from '../../../drivers/iec104/codec';
import { pcapOfTcp } from '../../support/pcap';

const haveTshark = spawnSync('tshark', ['--version']).status === 0;

test('tshark reads our frames as we meant them', { skip: haveTshark ? false : 'tshark is not installed (apt-get install tshark; .ci/run installs it)' }, () => {
  const t = { ms: Date.UTC(2026, 11, 1, 22, 15, 30, 250), iv: false, su: false };
  const frames: Array<{ fromServer: boolean; apdu: Apdu }> = [
    { fromServer: false, apdu: { kind: 'U', fn: 'STARTDT act' } },
    { fromServer: true, apdu: { kind: 'U', fn: 'STARTDT con' } },
    { fromServer: false, apdu: { kind: 'I', ns: 0, nr: 0, asdu: { type: TYPE_ID.C_IC_NA_1!, sq: false, cot: 6, negative: false, test: false, oa: 0, ca: 1, objects: [{ ioa: 0, qoi: 20 }] } } },
    { fromServer: true, apdu: { kind: 'I', ns: 0, nr: 1, asdu: { type: TYPE_ID.M_ME_TF_1!, sq: false, cot: 3, negative: false, test: false, oa: 0, ca: 1, objects: [{ ioa: 4001, value: 12.5, qds: { iv: false, nt: true, sb: false, bl: false, ov: false }, time: t }] } } },
    { fromServer: false, apdu: { kind: 'I', ns: 1, nr: 1, asdu: { type: TYPE_ID.C_SC_NA_1!, sq: false, cot: 6, negative: false, test: false, oa: 0, ca: 1, objects: [{ ioa: 5000, value: true, select: true, qualifier: 0 }] } } },
    { fromServer: false, apdu: { kind: 'I', ns: 2, nr: 1, asdu: { type: TYPE_ID.C_SE_NB_1!, sq: false, cot: 6, negative: false, test: false, oa: 0, ca: 1, objects: [{ ioa: 6000, value: -1234, select: false, qualifier: 0 }] } } },
    { fromServer: false, apdu: { kind: 'I', ns: 3, nr: 1, asdu: { type: TYPE_ID.C_CS_NA_1!, sq: false, cot: 6, negative: false, test: false, oa: 0, ca: 1, objects: [{ ioa: 0, time: t }] } } },
    { fromServer: false, apdu: { kind: 'S', nr: 1 } },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'esm-104-'));
  try {
    const file = join(dir, 'ours.pcap');
    writeFileSync(file, pcapOfTcp(frames.map((f) => ({ fromServer: f.fromServer, payload: encodeApdu(f.apdu) })), { client: 40_000, server: 2404 }));
    const fields = ['iec60870_104.type', 'iec60870_104.utype', 'iec60870_104.tx', 'iec60870_104.rx', 'iec60870_asdu.typeid', 'iec60870_asdu.causetx', 'iec60870_asdu.ioa', 'iec60870_asdu.float', 'iec60870_asdu.scalval', 'iec60870_asdu.sco.on', 'iec60870_asdu.sco.se', 'iec60870_asdu.qoi', 'iec60870_asdu.qds.nt', 'iec60870_asdu.cp56time'];
    const r = spawnSync('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=|', '-o', 'tcp.desegment_tcp_streams:TRUE', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => Object.fromEntries(l.split('|').map((v, i) => [fields[i]!, v])));
    assert.equal(rows.length, frames.length, r.stdout);
    if (process.env.ESM_DEBUG_TSHARK) console.log(r.stdout);
    assert.deepEqual([rows[0]!['iec60870_104.type'], rows[0]!['iec60870_104.utype']], ['0x00000003', '0x00000001'], 'U STARTDT act');
    assert.deepEqual([rows[1]!['iec60870_104.type'], rows[1]!['iec60870_104.utype']], ['0x00000003', '0x00000002'], 'U STARTDT con');
    assert.equal(rows[2]!['iec60870_104.type'], '0x00000000', 'I-frame');
    assert.deepEqual([rows[2]!['iec60870_asdu.typeid'], rows[2]!['iec60870_asdu.causetx'], rows[2]!['iec60870_asdu.qoi']], ['100', '6', '20']);
    assert.deepEqual([rows[3]!['iec60870_asdu.typeid'], rows[3]!['iec60870_asdu.ioa'], rows[3]!['iec60870_asdu.float'], rows[3]!['iec60870_asdu.qds.nt']], ['36', '4001', '12.5', '1']);
    assert.match(rows[3]!['iec60870_asdu.cp56time'] ?? '', /Dec\s+1, 2026 22:15:30\.250/);
    assert.deepEqual([rows[4]!['iec60870_asdu.typeid'], rows[4]!['iec60870_asdu.ioa'], rows[4]!['iec60870_asdu.sco.on'], rows[4]!['iec60870_asdu.sco.se']], ['45', '5000', '1', '1']);
    assert.deepEqual([rows[5]!['iec60870_asdu.typeid'], rows[5]!['iec60870_asdu.ioa'], rows[5]!['iec60870_asdu.scalval']], ['49', '6000', '-1234']);
    assert.equal(rows[6]!['iec60870_asdu.typeid'], '103');
    assert.match(rows[6]!['iec60870_asdu.cp56time'] ?? '', /2026 22:15:30\.250/);
    assert.deepEqual([rows[4]!['iec60870_104.tx'], rows[4]!['iec60870_104.rx']], ['1', '1']);
    assert.deepEqual([rows[7]!['iec60870_104.type'], rows[7]!['iec60870_104.rx']], ['0x00000001', '1'], 'S-frame acknowledges 1');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

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
import { ProtocolRegistry, type DeviceConfig } from '../../../core/common/profile';
import { iec104ConnectionSchema, iec104Protocol } from '../../../core/common/profiles/iec104';
import { Iec104Bridge } from '../../../drivers/iec104/bridge';
import { encodeApdu, summary, TYPE_ID, type Apdu } from '../../../drivers/iec104/codec';
import { Iec104Server } from '../../../drivers/iec104/server';
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

test('tshark reads a whole session of our client as we read it (STARTDT, clock sync, GI, spontaneous data, SBO command, S-frames)', { skip: haveTshark ? false : 'tshark is not installed (apt-get install tshark; .ci/run installs it)' }, async () => {
  const server = new Iec104Server({
    ca: 5,
    points: [
      { ioa: 1001, type: 'M_ME_TF_1', value: 12.5 },
      { ioa: 1002, type: 'M_ME_TE_1', value: 2301 },
      { ioa: 2001, type: 'M_DP_TB_1', value: 2 },
    ],
    commands: [{ ioa: 3001, types: ['C_DC_NA_1'], sbo: true, termination: true }],
  });
  const port = await server.listen();
  const registry = new ProtocolRegistry([iec104Protocol as never]);
  const parsed = registry.parseProfile({
    id: 'p',
    vendor: 'v',
    model: 'm',
    protocol: 'iec104',
    channels: [
      { channel: 'P', ioa: 1001, kind: 'float', unit: 'kW' },
      { channel: 'U', ioa: 1002, kind: 'scaled', scale: 0.1, unit: 'V' },
      { channel: 'Breaker', ioa: 2001, kind: 'double' },
      { channel: 'BreakerCmd', access: 'rw', feedback: 'Breaker', states: { 1: 'Open', 2: 'Close' }, command: { ioa: 3001, kind: 'double', sbo: true, termination: true } },
    ],
  });
  assert.ok(parsed.ok);
  const device: DeviceConfig = { id: 'd', name: 'd', protocol: 'iec104', profile: 'p', asset: 'a', pollMs: 500, timeoutMs: 3000, connection: iec104ConnectionSchema.parse({ host: '127.0.0.1', port, commonAddress: 5, w: 2, t2Ms: 200 }) };
  const frames: Array<{ fromServer: boolean; payload: Buffer; ours: string }> = [];
  const bridge = new Iec104Bridge({ device, profile: parsed.profile, sink: { publish: () => undefined } });
  bridge.observeFrames((dir, apdu, raw) => frames.push({ fromServer: dir === 'in', payload: Buffer.from(raw), ours: summary(apdu, dir === 'in') }));
  const dir = mkdtempSync(join(tmpdir(), 'esm-104-'));
  try {
    await bridge.start();
    for (let i = 0; i < 5; i++) server.update(1001, 13 + i);
    await bridge.write('BreakerCmd', 1);
    const until = Date.now() + 5000;
    while (!frames.some((f) => !f.fromServer && f.ours.includes(' S (')) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await bridge.stop();
    const file = join(dir, 'session.pcap');
    writeFileSync(file, pcapOfTcp(frames, { client: 40_001, server: 2404 }));
    const r = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', '_ws.col.Info'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const theirs = r.stdout.trim().split('\n').map((l) => l.replace(/\s+/g, ' ').trim());
    assert.deepEqual(theirs, frames.map((f) => f.ours), 'tshark reads every frame of the session as we do');
    const kinds = frames.map((f) => f.ours);
    for (const want of ['<- U (STARTDT act)', '-> U (STARTDT con)', 'C_CS_NA_1 Act ', 'C_IC_NA_1 ActCon', 'M_ME_NC_1 Inrogen', 'M_ME_TF_1 Spont', 'C_DC_NA_1 Act ', 'C_DC_NA_1 ActTerm', '<- S ('])
      assert.ok(kinds.some((k) => k.includes(want)), `the session has ${want}: ${kinds.join('\n')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  }
});

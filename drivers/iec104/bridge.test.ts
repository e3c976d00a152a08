/**
 * The 104 bridge against two controlled stations over loopback forming a redundancy group:
 * interrogation at start, values scaled with quality from the QDS and source time from the
 * CP56Time2a, spontaneous updates, commands direct and SBO with their steps, refusals in
 * words with the link kept, a switch-over to the standby when the active link drops (with a
 * new interrogation and no comm-fail), comm-fail when the whole group is gone and recovery.
 * Also the profile schema's located errors.
 */
import { strict as assert } from 'node:assert';
import { after, describe, test } from 'node:test';
import type { PointSample } from '../../core/common/bridge';
import { ProtocolRegistry, type DeviceConfig } from '../../core/common/profile';
import { iec104ConnectionSchema, iec104Protocol, type Iec104Profile } from '../../core/common/profiles/iec104';
import { Iec104Bridge } from './bridge';
import { Iec104Server, type ServerPoint } from './server';

const registry = new ProtocolRegistry([iec104Protocol as never]);

async function until(cond: () => boolean, what: string, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('IEC 104 profiles', () => {
  test('mistakes in a profile and a connection are named with their path', () => {
    const bad = registry.parseProfile({
      id: 'p',
      vendor: 'v',
      model: 'm',
      protocol: 'iec104',
      channels: [
        { channel: 'A', ioa: 10 },
        { channel: 'B', ioa: 10, kind: 'float' },
        { channel: 'C', ioa: 11, kind: 'float' },
        { channel: 'D', access: 'rw' },
        { channel: 'E', command: { ioa: 20, kind: 'single' }, type: 'boolean' },
        { channel: 'F', ioa: 12, kind: 'double', states: { 1: 'Open', 2: 'Closed', 5: 'x' } },
        { channel: 'G', access: 'rw', command: { ioa: 20, kind: 'double', qualifier: 40 } },
      ],
    });
    assert.equal(bad.ok, false);
    const issues = bad.ok ? [] : bad.issues.map((i) => `${i.path}: ${i.message}`);
    // every expected sentence is there, each at its path
    for (const want of [
      'channels[0].kind: what IOA 10 is',
      'channels[1].ioa: IOA 10 is already read by channels[0]',
      'channels[3].command: a writable channel needs its command',
      'channels[3].ioa: the information object this channel reads',
      'channels[4].access: a channel with a command is writable: access rw',
      'channels[5].states: a double point has the states 0-3, not 5',
      'channels[6].command.ioa: command IOA 20 is already commanded by channels[4]',
      'channels[6].command.qualifier: the qualifier of a double command (QU) is 0-31, not 40',
    ])
      assert.ok(issues.some((i) => i.startsWith(want)), `missing "${want}" in\n${issues.join('\n')}`);
    assert.equal(issues.length, 8, issues.join('\n'));
    const conn = iec104ConnectionSchema.safeParse({ host: 'h', commonAddress: 1, w: 20, t2Ms: 20_000, standby: [{ host: 'h', port: 2404 }] });
    assert.equal(conn.success, false);
    const ci = conn.success ? [] : conn.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    assert.deepEqual(ci, [
      'w: w (20) must not exceed k (12): acknowledge before the peer\'s window is full',
      't2Ms: t2 (20000 ms) must be shorter than t1 (15000 ms)',
      'standby.0: h:2404 is already a link of this group',
    ]);
  });
});

function parsed(data: unknown): Iec104Profile {
  const r = registry.parseProfile(data);
  if (!r.ok) throw new Error(r.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  return r.profile as Iec104Profile;
}

const PROFILE: Iec104Profile = parsed({
  id: 'rtu',
  vendor: 'test',
  model: 'rtu',
  protocol: 'iec104',
  channels: [
    { channel: 'P', ioa: 1001, kind: 'float', unit: 'kW' },
    { channel: 'U', ioa: 1002, kind: 'scaled', scale: 0.1, unit: 'V' },
    { channel: 'F', ioa: 1003, kind: 'normalised', scale: 100, unit: 'Hz' },
    { channel: 'Breaker', ioa: 2001, kind: 'double', states: { 0: 'Intermediate', 1: 'Open', 2: 'Closed', 3: 'Faulty' } },
    { channel: 'Trip', ioa: 2002, kind: 'single', type: 'boolean' },
    { channel: 'BreakerCmd', access: 'rw', states: { 1: 'Open', 2: 'Close' }, feedback: 'Breaker', command: { ioa: 3001, kind: 'double', sbo: true, termination: true } },
    { channel: 'Limit', ioa: 4001, kind: 'float', unit: 'kW', access: 'rw', command: { ioa: 4101, kind: 'float', timeTag: true } },
    { channel: 'Scaled', ioa: 4002, kind: 'scaled', scale: 0.5, unit: 'kW', access: 'rw', command: { ioa: 4102, kind: 'scaled' } },
  ],
});

describe('IEC 104 bridge', () => {
  const t0 = Date.UTC(2026, 11, 2, 3, 0, 0, 0);
  const points: ServerPoint[] = [
    { ioa: 1001, type: 'M_ME_TF_1', value: 42.5, time: t0 },
    { ioa: 1002, type: 'M_ME_TE_1', value: 2305, time: t0 },
    { ioa: 1003, type: 'M_ME_TD_1', value: 0.5, time: t0 },
    { ioa: 2001, type: 'M_DP_TB_1', value: 2, time: t0 },
    { ioa: 2002, type: 'M_SP_TB_1', value: false, time: t0 },
    { ioa: 4001, type: 'M_ME_NC_1', value: 60 },
    { ioa: 4002, type: 'M_ME_NB_1', value: 0 },
  ];
  const servers: Iec104Server[] = [];
  const make = (): Iec104Server => {
    const s: Iec104Server = new Iec104Server({
      ca: 3,
      points,
      commands: [
        { ioa: 3001, types: ['C_DC_NA_1'], sbo: true, termination: true },
        { ioa: 4101, types: ['C_SE_TC_1'], sbo: false },
        { ioa: 4102, types: ['C_SE_NB_1'], sbo: false },
      ],
      onCommand: (c) => {
        if (c.ioa === 3001) {
          if (c.value === 2 && s.value(2002)?.value === true) return 'protection trip latched';
          for (const x of servers) x.update(2001, c.value as number);
        }
        if (c.ioa === 4101) for (const x of servers) x.update(4001, c.value as number);
        if (c.ioa === 4102) for (const x of servers) x.update(4002, c.value as number);
        return true;
      },
    });
    servers.push(s);
    return s;
  };
  after(async () => {
    for (const s of servers) await s.close();
  });

  test('values, quality, time, commands, refusals, switch-over, comm-fail and recovery', async () => {
    const a = make();
    const b = make();
    const [pa, pb] = [await a.listen(), await b.listen()];
    const device: DeviceConfig = {
      id: 'rtu1',
      name: 'RTU',
      protocol: 'iec104',
      profile: 'rtu',
      asset: 'pcc',
      pollMs: 200,
      timeoutMs: 2000,
      connection: iec104ConnectionSchema.parse({ host: '127.0.0.1', port: pa, commonAddress: 3, standby: [{ host: '127.0.0.1', port: pb }], t1Ms: 2000, t2Ms: 500, t3Ms: 5000 }),
    };
    const got: PointSample[] = [];
    const last = (id: string): PointSample | undefined => [...got].reverse().find((s) => s.id === `pcc/${id}`);
    const bridge = new Iec104Bridge({ device, profile: PROFILE, sink: { publish: (s) => got.push(...s) } });
    try {
      await bridge.start();
      assert.equal(bridge.status().state, 'online');
      assert.equal(bridge.activeLink, `127.0.0.1:${pa}`);
      assert.ok(a.clockSetTo !== undefined && Math.abs(a.clockSetTo - Date.now()) < 60_000, 'the clock was synchronised at start');
      await until(() => last('Trip') !== undefined, 'the interrogation');
      assert.deepEqual([last('P')!.value, last('U')!.value, last('F')!.value, last('Breaker')!.value, last('Trip')!.value], [42.5, 230.5, 50, 2, false]);
      assert.equal(last('P')!.tq, undefined, 'interrogated objects come without time tag: no time quality');

      a.update(1001, 43, { qds: { iv: false, nt: true, sb: false, bl: false, ov: false }, time: t0 + 500 });
      b.update(1001, 43, { qds: { iv: false, nt: true, sb: false, bl: false, ov: false }, time: t0 + 500 });
      await until(() => last('P')!.value === 43, 'a spontaneous value');
      assert.deepEqual(last('P')!.quality, { level: 'uncertain', reason: 'stale' }, 'NT → stale');
      assert.equal(last('P')!.ts, t0 + 500, 'source time from the CP56Time2a');
      assert.deepEqual(last('P')!.tq, { leapSecondsKnown: false, clockFailure: false, clockNotSynchronized: false, accuracyBits: 10 });
      a.update(1002, 2300, { qds: { iv: true, nt: false, sb: false, bl: false, ov: false } });
      await until(() => last('U')!.value === 230, 'an invalid value');
      assert.deepEqual(last('U')!.quality, { level: 'bad', reason: 'device' }, 'IV → bad');

      // commands: SBO with termination, a time-tagged set-point, a scaled one
      bridge.frames!.setEnabled(true);
      const open = await bridge.write('BreakerCmd', 1);
      assert.deepEqual(open.stages.map((s) => s.stage), ['selected', 'operated', 'terminated']);
      // the raw frame view: each APDU decoded as tshark's one-line summary
      const frames = bridge.frames!.list().map((f) => `${f.dir} ${f.decoded}`);
      for (const want of [/^tx <- I \(\d+,\d+\) ASDU=3 C_DC_NA_1 Act IOA=3001$/, /^rx -> I \(\d+,\d+\) ASDU=3 C_DC_NA_1 ActCon IOA=3001$/, /^rx -> I \(\d+,\d+\) ASDU=3 C_DC_NA_1 ActTerm IOA=3001$/])
        assert.ok(frames.some((f) => want.test(f)), `${String(want)} in\n${frames.join('\n')}`);
      bridge.frames!.setEnabled(false);
      await until(() => last('Breaker')!.value === 1, 'the breaker open');
      assert.deepEqual(a.log.filter((c) => c.ioa === 3001).map((c) => [c.select, c.value]), [[true, 1], [false, 1]]);
      const lim = await bridge.write('Limit', 55.5);
      assert.deepEqual(lim.stages.map((s) => s.stage), ['operated']);
      assert.equal(a.log.at(-1)!.type, 'C_SE_TC_1');
      assert.ok(a.log.at(-1)!.time !== undefined, 'the time tag was sent');
      await until(() => last('Limit')!.value === 55.5, 'the limit read back');
      await bridge.write('Scaled', 100);
      assert.equal(a.log.at(-1)!.value, 200, 'engineering 100 kW at scale 0.5 is raw 200');
      await assert.rejects(bridge.write('Scaled', 20_000), /channel Scaled: 20000 kW is outside what a scaled set-point can carry \(raw 40000, 16 bits\)/);
      await assert.rejects(bridge.write('BreakerCmd', 3), /a double command is 1 \(off\/open\) or 2 \(on\/close\), not 3/);
      await assert.rejects(bridge.write('P', 1), /channel P: not writable/);

      // a refusal: the RTU will not close on a latched trip
      a.update(2002, true);
      b.update(2002, true);
      await until(() => last('Trip')!.value === true, 'the trip');
      await assert.rejects(bridge.write('BreakerCmd', 2), (e: Error & { fieldStages?: Array<{ stage: string; step?: string }> }) => {
        assert.match(e.message, /channel BreakerCmd = 2 on device rtu1: the device refused the execute of C_DC_NA_1 on IOA 3001 \(negative confirmation\)/);
        assert.deepEqual(e.fieldStages?.map((s) => [s.stage, s.step]), [['selected', undefined], ['refused', 'execute']]);
        return true;
      });
      assert.equal(bridge.status().state, 'online', 'a refusal keeps the link');
      a.update(2002, false);
      b.update(2002, false);

      // switch-over: the active front end drops; the standby takes over with a new interrogation
      const before = got.length;
      b.update(1001, 44, { time: t0 + 900, qds: { iv: false, nt: false, sb: false, bl: false, ov: false } });
      a.dropClients('front end A restarted');
      await until(() => bridge.activeLink === `127.0.0.1:${pb}`, 'the switch-over');
      await until(() => got.slice(before).some((s) => s.id === 'pcc/P' && s.value === 44), 'the interrogation on the standby');
      assert.equal(bridge.switchovers, 1);
      assert.ok(!got.slice(before).some((s) => s.quality.level === 'bad' && s.quality.reason === 'comm-fail'), 'no comm-fail during a switch-over');
      await until(() => /switched to 127\.0\.0\.1:\d+ after: .*closed/.test(bridge.status().lastError ?? ''), 'the switch-over in the status');
      const w = await bridge.write('Limit', 50);
      assert.deepEqual(w.stages.map((s) => s.stage), ['operated']);
      assert.equal(b.log.at(-1)!.value, 50, 'commands go to the new active link');

      // the whole group gone: comm-fail with the last values, then recovery with an interrogation
      await until(() => a.links.size === 1, 'the dropped front end redialled as standby');
      a.dropClients('power cut');
      b.dropClients('power cut');
      await until(() => bridge.status().state === 'offline', 'offline');
      const cf = last('P')!;
      assert.deepEqual([cf.quality, cf.value], [{ level: 'bad', reason: 'comm-fail' }, 44]);
      assert.equal(last('BreakerCmd'), undefined, 'a command-only channel has no value to mark');
      for (const x of [a, b]) x.update(1001, 45, { qds: { iv: false, nt: false, sb: false, bl: false, ov: false } });
      await until(() => bridge.status().state === 'online', 'reconnected', 15_000);
      await until(() => last('P')!.quality.level === 'good' && last('P')!.value === 45, 'values after the new interrogation');
      assert.ok((bridge.status().stats?.reconnects ?? 0) >= 1);
      assert.ok((bridge.status().stats?.bytesIn ?? 0) > 0 && (bridge.status().stats?.bytesOut ?? 0) > 0);
    } finally {
      await bridge.stop();
    }
  });
});

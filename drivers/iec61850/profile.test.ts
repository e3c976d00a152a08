/**
 * IEC 61850 profiles (validation with located errors), the reference → data object mapping,
 * report members → channels, samples with quality and source time, and the driver without
 * the library (a configuration error on the device, never a crash). No library needed.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { ProtocolRegistry } from '../../core/common/profile';
import type { PointSample } from '../../core/common/bridge';
import { createIec61850Factory, ctlValue, libraryCandidates } from './bridge';
import { timeQualityDetail, timeQualityText } from '../../core/common/quality';
import { encodeQuality, encodeUtcTime, MMS_TYPE, type MmsData, type TimeQuality } from './mms';
import { DoImage, flatten, memberCovers, planChannels, planMember, sampleOf, splitAtDataObject } from './model';
import { iec61850ConnectionSchema, iec61850Protocol, iec61850ProfileSchema, type Iec61850Profile } from './profile';

const registry = new ProtocolRegistry([iec61850Protocol as never]);

const PROFILE = {
  id: 'esc-test',
  vendor: 'Test',
  model: 'ES controller',
  protocol: 'iec61850',
  channels: [
    { channel: 'ActivePower', ref: 'LD0/MMXU1.TotW.mag.f', unit: 'kW', scale: 0.001 },
    { channel: 'BatteryVoltage', ref: 'LD0/ZBAT1.InBatV', fc: 'MX', unit: 'V' },
    { channel: 'VoltageA', ref: 'LD0/MMXU1.PhV.phsA.cVal.mag.f', unit: 'V' },
    { channel: 'Breaker', ref: 'LD0/XCBR1.Pos.stVal', states: { '0': 'intermediate', '1': 'open', '2': 'closed', '3': 'bad' }, access: 'rw', control: { object: 'LD0/CSWI1.Pos' } },
    { channel: 'BreakerStage', type: 'string', commandStageOf: 'Breaker' },
    { channel: 'PowerSetpoint', ref: 'LD0/DRCC1.OutWSet.mxVal.f', unit: 'kW', scale: 0.001, access: 'rw', control: { object: 'LD0/DRCC1.OutWSet' } },
    { channel: 'MaxPower', ref: 'LD0/ZBAT1.MaxWOut.setMag.f', unit: 'kW', access: 'rw', setting: { ref: 'LD0/ZBAT1.MaxWOut.setMag.f', fc: 'SP' } },
  ],
};

test('profile: a valid profile gives the neutral channels (units, states, access)', () => {
  const r = registry.parseProfile(PROFILE);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues));
  const ch = registry.channels(r.profile);
  assert.equal(ch.length, 7);
  assert.deepEqual(ch.find((c) => c.channel === 'Breaker')?.states, { '0': 'intermediate', '1': 'open', '2': 'closed', '3': 'bad' });
  assert.equal(ch.find((c) => c.channel === 'BreakerStage')?.access, 'ro');
  assert.equal(ch.find((c) => c.channel === 'BreakerStage')?.type, 'string');
});

test('profile: the shipped IEC 61850 profiles validate', () => {
  const dir = join(__dirname, '..', '..', 'assets', 'profiles');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).filter((f) => (parse(readFileSync(join(dir, f), 'utf8')) as { protocol?: string }).protocol === 'iec61850');
  assert.ok(files.includes('es-controller-61850.yaml'));
  for (const f of files) {
    const r = registry.parseProfile(parse(readFileSync(join(dir, f), 'utf8')));
    assert.ok(r.ok, `${f}: ${JSON.stringify(!r.ok && r.issues)}`);
  }
});

test('profile: bad profiles are refused with the path of each problem', () => {
  const bad = (channels: unknown[], extra: Record<string, unknown> = {}) => {
    const r = registry.parseProfile({ ...PROFILE, ...extra, channels });
    assert.ok(!r.ok, 'expected issues');
    return r.issues.map((i) => `${i.path}: ${i.message}`);
  };
  assert.deepEqual(bad([{ channel: 'P', ref: 'MMXU1.TotW' }]), ['channels[0].ref: an object reference LD/LN.DO[.DA], e.g. LD0/MMXU1.TotW.mag.f']);
  assert.deepEqual(bad([{ channel: 'P', ref: 'LD0/ZBAT1.InBatV' }]), ['channels[0].fc: give the functional constraint of LD0/ZBAT1.InBatV (it cannot be derived from the name)']);
  assert.deepEqual(bad([{ channel: 'P', ref: 'LD0/MMXU1.TotW.mag.f', access: 'rw' }]), [
    'channels[0].access: a writable channel says how it is written: control (a control object) or setting (an attribute and its FC)',
  ]);
  assert.deepEqual(bad([{ channel: 'S', type: 'string', commandStageOf: 'Nope' }]), ['channels[0].commandStageOf: "Nope" is not a writable channel of this profile']);
  assert.deepEqual(bad([{ channel: 'P', ref: 'LD0/MMXU1.TotW.mag.f', fc: 'XX' }]).length, 1);
  assert.match(bad([{ channel: 'P', ref: 'LD0/A.B.mag.f' }, { channel: 'P', ref: 'LD0/A.C.mag.f' }]).join(), /channels\[1\]\.channel: channel "P" already mapped by channels\[0\]/);
  assert.match(bad([{ channel: 'P', ref: 'LD0/A.B.mag.f' }], { reports: [{ rcb: 'LD0/LLN0.XX.rcb' }] }).join(), /reports\[0\]\.rcb: an RCB reference/);
  const conn = iec61850ConnectionSchema.safeParse({ host: '10.0.0.5', orCat: 'nobody' });
  assert.equal(conn.success, false);
  assert.deepEqual(iec61850ConnectionSchema.parse({ host: '10.0.0.5' }), { host: '10.0.0.5', port: 102, iedName: '', connectTimeoutMs: 3000, orIdent: 'ES Manager', orCat: 'station-control' });
});

test('references: the data object, the attribute path inside it, sub data objects kept in the DO', () => {
  assert.deepEqual(splitAtDataObject('ESC1LD0/MMXU1.TotW.mag.f'), { doRef: 'ESC1LD0/MMXU1.TotW', path: 'mag.f' });
  assert.deepEqual(splitAtDataObject('LD0/MMXU1.PhV.phsA.cVal.mag.f'), { doRef: 'LD0/MMXU1.PhV.phsA', path: 'cVal.mag.f' });
  assert.deepEqual(splitAtDataObject('LD0/ZBAT1.InBatV'), { doRef: 'LD0/ZBAT1.InBatV', path: '' });
  assert.deepEqual(splitAtDataObject('LD0/XCBR1.Pos.stVal'), { doRef: 'LD0/XCBR1.Pos', path: 'stVal' });
  const plans = planChannels(iec61850ProfileSchema.parse(PROFILE) as Iec61850Profile, 'ESC1');
  const p = plans.find((x) => x.channel.channel === 'ActivePower');
  assert.deepEqual({ ref: p?.ref, fc: p?.fc, key: p?.key, path: p?.path }, { ref: 'ESC1LD0/MMXU1.TotW.mag.f', fc: 'MX', key: 'ESC1LD0/MMXU1.TotW[MX]', path: 'mag.f' });
  assert.equal(plans.find((x) => x.channel.channel === 'Breaker')?.fc, 'ST');
  assert.equal(plans.find((x) => x.channel.channel === 'BreakerStage'), undefined, 'a stage channel is not read');
});

const MV_SPEC = { name: '', type: MMS_TYPE.STRUCTURE, children: [{ name: 'mag', type: MMS_TYPE.STRUCTURE, children: [{ name: 'f', type: MMS_TYPE.FLOAT }] }, { name: 'q', type: MMS_TYPE.BIT_STRING }, { name: 't', type: MMS_TYPE.UTC_TIME }] };
const mv = (f: number, q: number[], ms: number): MmsData => ({
  type: 'structure',
  items: [{ type: 'structure', items: [{ type: 'float', value: f }] }, { type: 'bit-string', size: 13, bytes: q }, { type: 'utc-time', bytes: encodeUtcTime(ms) }],
});

test('samples: value scaled, quality from q, source time from t; whole DOs and single members', () => {
  const profile = iec61850ProfileSchema.parse(PROFILE) as Iec61850Profile;
  const plans = planChannels(profile, '');
  const power = plans.find((x) => x.channel.channel === 'ActivePower')!;
  const volts = plans.find((x) => x.channel.channel === 'BatteryVoltage')!;
  const image = new DoImage();
  image.set(power.key, flatten(MV_SPEC, mv(12_500, [0, 0], 1_764_620_000_250), '', new Map()));
  const s = sampleOf(power, image.get(power.key), 'ess1/ActivePower', 0) as PointSample;
  assert.deepEqual(s, { id: 'ess1/ActivePower', value: 12.5, quality: { level: 'good' }, ts: 1_764_620_000_250, tq: { leapSecondsKnown: false, clockFailure: false, clockNotSynchronized: false, accuracyBits: 10 } });
  // a report member carrying only q (FCDA): questionable + old data -> uncertain, the value kept
  const qMember = planMember('LD0/MMXU1.TotW.q[MX]');
  image.set(qMember.key, flatten(undefined, { type: 'bit-string', size: 13, bytes: encodeQuality({ validity: 'questionable', oldData: true }) }, qMember.prefix, new Map()));
  assert.deepEqual(sampleOf(power, image.get(power.key), 'ess1/ActivePower', 0)?.quality, { level: 'uncertain', reason: 'device' });
  // a DO named without attribute takes mag.f; a member mag.f carries it
  image.set(volts.key, flatten(MV_SPEC, mv(51.2, encodeQuality({ substituted: true }), 1_764_620_001_000), '', new Map()));
  assert.deepEqual(sampleOf(volts, image.get(volts.key), 'ess1/BatteryVoltage', 0), { id: 'ess1/BatteryVoltage', value: 51.2, quality: { level: 'uncertain', reason: 'manual' }, ts: 1_764_620_001_000, tq: { leapSecondsKnown: false, clockFailure: false, clockNotSynchronized: false, accuracyBits: 10 } });
  assert.equal(memberCovers(planMember('LD0/ZBAT1.InBatV.mag.f[MX]'), volts), true);
  assert.equal(memberCovers(planMember('LD0/ZBAT1.InBatV.q[MX]'), volts), false, 'a q alone does not carry the value');
  assert.equal(memberCovers(planMember('LD0/MMXU1.TotW[MX]'), power), true, 'the whole DO');
  assert.equal(memberCovers(planMember('LD0/MMXU1.TotW.mag[MX]'), power), true, 'a part containing the attribute');
  assert.equal(memberCovers(planMember('LD0/MMXU1.TotW[ST]'), power), false, 'another FC');
  // a non-finite value is bad, never a number that looks fine
  image.set(power.key, flatten(MV_SPEC, mv(Number.NaN, [0, 0], 0), '', new Map()));
  assert.deepEqual(sampleOf(power, image.get(power.key), 'ess1/ActivePower', 5)?.quality, { level: 'bad', reason: 'device' });
  assert.equal(sampleOf(power, undefined, 'ess1/ActivePower', 5), undefined, 'unknown until read');
  // a report carrying the value without t: the older t is not the value's time; a t of 1970 means never set
  const fresh = new DoImage();
  fresh.set(power.key, flatten(MV_SPEC, mv(1000, [0, 0], 1_764_620_000_000), '', new Map()));
  assert.equal(fresh.timeFresh(power.key, 'mag.f'), true);
  fresh.set(power.key, new Map([['mag.f', { type: 'float', value: 2000 } as MmsData]]));
  assert.equal(fresh.timeFresh(power.key, 'mag.f'), false);
  assert.equal(sampleOf(power, fresh.get(power.key), 'p', 42, fresh.timeFresh(power.key, 'mag.f'))?.ts, 42);
  assert.equal(sampleOf(power, fresh.get(power.key), 'p', 42, fresh.timeFresh(power.key, 'mag.f'))?.tq, undefined, 'no TimeQuality with the receive time');
  fresh.set(power.key, flatten(MV_SPEC, mv(1000, [0, 0], 0), '', new Map()));
  assert.equal(sampleOf(power, fresh.get(power.key), 'p', 43, true)?.ts, 43);
});

test('time quality: the t of the value carries leap seconds known, clock failure, not synchronised and accuracy to the sample, in words', () => {
  const profile = iec61850ProfileSchema.parse(PROFILE) as Iec61850Profile;
  const power = planChannels(profile, '').find((x) => x.channel.channel === 'ActivePower')!;
  const withTime = (tq: Partial<TimeQuality>): MmsData => ({
    type: 'structure',
    items: [{ type: 'structure', items: [{ type: 'float', value: 1000 }] }, { type: 'bit-string', size: 13, bytes: [0, 0] }, { type: 'utc-time', bytes: encodeUtcTime(1_764_620_000_000, tq) }],
  });
  const image = new DoImage();
  image.set(power.key, flatten(MV_SPEC, withTime({ leapSecondsKnown: true, clockNotSynchronized: true, accuracyBits: 7 }), '', new Map()));
  const s = sampleOf(power, image.get(power.key), 'p', 0)!;
  assert.deepEqual(s.tq, { leapSecondsKnown: true, clockFailure: false, clockNotSynchronized: true, accuracyBits: 7 });
  assert.equal(s.quality.level, 'good', 'the value itself stays good: the flags are about its time');
  assert.equal(timeQualityText(s.tq), 'clock not synchronised');
  assert.match(timeQualityDetail(s.tq), /leap seconds known; clock working; clock not synchronised; accuracy 7 bits \(about 7\.8 ms\)/);
  image.set(power.key, flatten(MV_SPEC, withTime({ clockFailure: true, accuracyBits: 31 }), '', new Map()));
  const f = sampleOf(power, image.get(power.key), 'p', 0)!;
  assert.deepEqual(f.tq, { leapSecondsKnown: false, clockFailure: true, clockNotSynchronized: false, accuracyBits: 31 });
  assert.equal(timeQualityText(f.tq), 'clock failure, accuracy unspecified, leap seconds not known');
  assert.equal(timeQualityText({ leapSecondsKnown: false, clockFailure: false, clockNotSynchronized: false, accuracyBits: 10 }), '', 'a healthy clock says nothing');
});

test('commands: ctlVal from the control object type (SPC, DPC, INC, APC)', () => {
  assert.deepEqual(ctlValue({ name: 'ctlVal', type: MMS_TYPE.BOOLEAN }, true, 'x'), { type: 'boolean', value: true });
  assert.deepEqual(ctlValue({ name: 'ctlVal', type: MMS_TYPE.BIT_STRING }, 2, 'x'), { type: 'bit-string', size: 2, bytes: [0x80] });
  assert.deepEqual(ctlValue({ name: 'ctlVal', type: MMS_TYPE.INTEGER }, 3, 'x'), { type: 'integer', value: 3 });
  assert.deepEqual(ctlValue({ name: 'ctlVal', type: MMS_TYPE.STRUCTURE, children: [{ name: 'f', type: MMS_TYPE.FLOAT }] }, 25_000, 'x'), { type: 'structure', items: [{ type: 'float', value: 25_000 }] });
  assert.throws(() => ctlValue({ name: 'ctlVal', type: MMS_TYPE.BOOLEAN }, 5, 'LD0/CSWI1.Pos'), /LD0\/CSWI1\.Pos takes on \(1\) or off \(0\), not 5/);
  assert.throws(() => ctlValue({ name: 'ctlVal', type: MMS_TYPE.INTEGER }, 1.5, 'x'), /whole number/);
  // DPC: Dbpos status, BOOLEAN command
  assert.deepEqual(ctlValue({ name: 'ctlVal', type: MMS_TYPE.BOOLEAN }, 2, 'x', true), { type: 'boolean', value: true });
  assert.deepEqual(ctlValue({ name: 'ctlVal', type: MMS_TYPE.BOOLEAN }, 1, 'x', true), { type: 'boolean', value: false });
  assert.throws(() => ctlValue({ name: 'ctlVal', type: MMS_TYPE.BOOLEAN }, 3, 'LD0/CSWI1.Pos', true), /double-point control: 1 \(off\/open\) or 2 \(on\/closed\), not 3/);
});

test('library path: the site file first, then ESM_LIBIEC61850, then the app resources', () => {
  assert.deepEqual(
    libraryCandidates('/site/lib.so', { ESM_LIBIEC61850: '/env/lib.so' }, '/app/resources').map((c) => c.path),
    ['/site/lib.so', '/env/lib.so', '/app/resources/libiec61850/libiec61850.so'],
  );
  assert.deepEqual(libraryCandidates(undefined, {}, undefined), []);
});

test('without the library the device reports a configuration error that says how to provide it; nothing throws', async (t) => {
  const saved = process.env.ESM_LIBIEC61850;
  delete process.env.ESM_LIBIEC61850;
  try {
    const factory = createIec61850Factory({ resourcesPath: '/nonexistent/resources' });
    const device = { id: 'esc1', name: 'ES controller', protocol: 'iec61850', profile: 'esc-test', asset: 'ess1', pollMs: 1000, timeoutMs: 1000, connection: iec61850ConnectionSchema.parse({ host: '127.0.0.1' }) };
    await factory.start?.({ siteId: 's', dataDir: '/tmp', secrets: { get: async () => undefined }, devices: [device], now: Date.now });
    const published: PointSample[] = [];
    const bridge = factory.create({ device, profile: iec61850ProfileSchema.parse(PROFILE), sink: { publish: (s) => published.push(...s) } });
    const statuses: string[] = [];
    bridge.onStatus((s) => statuses.push(s.state));
    t.after(() => bridge.stop());
    await bridge.start();
    for (let i = 0; i < 100 && bridge.status().state !== 'offline'; i++) await new Promise((r) => setTimeout(r, 10));
    const st = bridge.status();
    assert.equal(st.state, 'offline');
    assert.match(st.lastError ?? '', /libiec61850 is not available: \/nonexistent\/resources\/libiec61850\/libiec61850\.so \(from the application resources\) does not exist/);
    assert.match(st.lastError ?? '', /set the environment variable ESM_LIBIEC61850 .* docs\/iec61850\.md/);
    assert.ok(published.length >= 6 && published.every((s) => s.quality.reason === 'comm-fail'), 'every read channel marked comm-fail');
    await assert.rejects(bridge.write('Breaker', 2), /device esc1 is not connected \(.*libiec61850 is not available/);
    await bridge.stop();
    await factory.stop?.();
  } finally {
    if (saved !== undefined) process.env.ESM_LIBIEC61850 = saved;
  }
});

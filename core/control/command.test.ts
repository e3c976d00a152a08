import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GOOD, type PointValue, type Quality } from '../common';
import type { Capability, CommandRequest, FieldStage } from '../common/security';
import { openAppDb } from '../db';
import { AuditLog } from '../audit/log';
import { ReasonCatalog } from '../audit/reasons';
import { systemPrincipal, type Principal } from '../security/principal';
import { CommandService, type CommandServiceOptions } from './command';
import type { AssetModel, CommandAsset, CommandPoint, CommandWriter, PointReader, PointReading } from './ports';

const SITE = 's1';

/** A tiny plant: one ESS, a PCC meter, a breaker, a PV. Values in a map; the device echoes writes. */
function plant(o: { t0?: number } = {}) {
  let t = o.t0 ?? Date.UTC(2025, 0, 1);
  const now = () => t;
  const cvt = new Map<string, PointReading>();
  const set = (id: string, value: PointValue, quality: Quality = GOOD) => cvt.set(id, { value, quality, ts: t });
  set('ess1/Soc', 50);
  set('ess1/ActivePower', 0);
  set('ess1/State', 2);
  set('pcc/ActivePower', 40);
  set('brk1/Closed', true);
  const assets: Record<string, CommandAsset> = {
    ess1: { id: 'ess1', nature: 'Ess', state: 'in-service', rating: { powerKw: 100 }, limits: { maxChargeKw: 100, maxDischargeKw: 100, socMinPct: 10, socMaxPct: 90, rampKwPerS: 10 } },
    brk1: { id: 'brk1', nature: 'Breaker', state: 'in-service' },
    pv1: { id: 'pv1', nature: 'Pv', state: 'in-service', rating: { powerKw: 60 } },
  };
  const points: Record<string, CommandPoint> = {
    'ess1/SetActivePower': { id: 'ess1/SetActivePower', assetId: 'ess1', channel: 'SetActivePower', unit: 'kW', type: 'number', access: 'rw', min: -100, max: 100 },
    'ess1/Soc': { id: 'ess1/Soc', assetId: 'ess1', channel: 'Soc', unit: '%', type: 'number', access: 'ro' },
    'brk1/Close': { id: 'brk1/Close', assetId: 'brk1', channel: 'Close', unit: '', type: 'boolean', access: 'rw', feedback: 'brk1/Closed' },
    'pv1/ActivePowerLimit': { id: 'pv1/ActivePowerLimit', assetId: 'pv1', channel: 'ActivePowerLimit', unit: 'kW', type: 'number', access: 'rw' },
  };
  const model: AssetModel = {
    asset: (s, id) => (s === SITE ? assets[id] : undefined),
    point: (s, id) => (s === SITE ? points[id] : undefined),
    pcc: (s) => (s === SITE ? { meter: 'pcc', contractedPowerKw: 150 } : undefined),
  };
  const reader: PointReader = { get: (s, id) => (s === SITE ? cvt.get(id) : undefined) };
  const device = new Map<string, PointValue>();
  const writes: [string, number | boolean][] = [];
  const dev = { echo: true, failWrite: null as string | null, readFails: false, stages: undefined as FieldStage[] | undefined };
  const writer: CommandWriter = {
    async write(_s, id, v) {
      if (dev.failWrite) throw Object.assign(new Error(dev.failWrite), dev.stages ? { fieldStages: dev.stages } : {});
      writes.push([id, v]);
      if (!dev.echo) return;
      if (id === 'brk1/Close') device.set('brk1/Closed', v);
      else device.set(id, v);
      return dev.stages ? { stages: dev.stages } : undefined;
    },
    async read(_s, id) {
      if (dev.readFails) throw new Error('timeout');
      return device.get(id) ?? null;
    },
  };
  const db = openAppDb(':memory:');
  const audit = new AuditLog(db, { now });
  const reasons = new ReasonCatalog(db, now);
  const make = (extra: Partial<CommandServiceOptions> = {}) =>
    new CommandService({ model, reader, writer, audit, reasons, now, sleep: async (ms) => void (t += ms), ...extra });
  return { now, advance: (ms: number) => (t += ms), set, assets, points, device, writes, dev, audit, reasons, make };
}

function operator(now: number, caps: Capability[] = ['site.view', 'control.operate', 'control.setpoint'], o: Partial<Principal> = {}): Principal {
  return {
    kind: 'user', userId: 'u1', username: 'op1', displayName: 'Op', roles: ['operator'], capabilities: new Set(caps), sites: new Set([SITE]),
    validFrom: null, validTo: null, disabled: false, mustChangePassword: false, workstation: 'ws1', sessionId: 'sess1', reauthAt: now, impersonator: null, ...o,
  };
}

const sp = (value: number, o: Partial<CommandRequest> = {}): CommandRequest => ({ siteId: SITE, target: 'ess1/SetActivePower', value, ...o });

test('a valid setpoint goes through: audit intent, write, readback, audit result', async () => {
  const P = plant();
  const svc = P.make();
  const r = await svc.execute(operator(P.now()), sp(30, { comment: 'test' }));
  assert.equal(r.ok, true, JSON.stringify(r));
  if (r.ok) assert.equal(r.readback, 30);
  assert.deepEqual(P.writes, [['ess1/SetActivePower', 30]]);
  const log = P.audit.query({ assetId: 'ess1' }).reverse();
  assert.deepEqual(log.map((e) => `${e.type}:${e.outcome}`), ['command.issue:info', 'command.result:ok']);
  assert.deepEqual(log[1]!.after, { 'ess1/SetActivePower': 30 });
  assert.equal(log[0]!.actor, 'op1');
  assert.equal(log[0]!.workstation, 'ws1');
});

test('unit and range are validated in the core; W are converted to kW', async () => {
  const P = plant();
  const svc = P.make();
  const op = operator(P.now());
  const refuse = async (c: CommandRequest) => {
    const r = await svc.execute(op, c);
    return r.ok ? 'ok' : `${r.stage}/${r.rule}`;
  };
  assert.equal(await refuse(sp(30, { unit: 'V' })), 'validation/value.unit');
  assert.equal(await refuse(sp(101)), 'validation/value.out-of-range');
  assert.equal(await refuse(sp(200_000, { unit: 'W' })), 'validation/value.out-of-range');
  assert.equal(await refuse({ siteId: SITE, target: 'ess1/Soc', value: 5 }), 'validation/point.read-only');
  assert.equal(await refuse({ siteId: SITE, target: 'ess1/Nope', value: 5 }), 'validation/point.unknown');
  assert.equal(await refuse({ siteId: SITE, target: 'brk1/Close', value: 1 }), 'validation/value.type');
  assert.equal(await refuse(sp(20_000, { unit: 'W' })), 'ok');
  assert.deepEqual(P.writes.at(-1), ['ess1/SetActivePower', 20]);
  assert.equal(P.writes.length, 1, 'nothing refused reached the field');
});

test('refusals: limits, SoC window, ramp, contracted power, BMS (stage interlock)', async () => {
  const P = plant();
  const svc = P.make();
  const op = operator(P.now());
  const rule = async (c: CommandRequest) => {
    const r = await svc.execute(op, c);
    return r.ok ? 'ok' : `${r.stage}/${r.rule}`;
  };
  P.assets.ess1!.limits = { ...P.assets.ess1!.limits, maxDischargeKw: 80 };
  assert.equal(await rule(sp(90)), 'interlock/limit.max-discharge');
  P.set('ess1/Soc', 9);
  assert.equal(await rule(sp(10)), 'interlock/interlock.soc-min');
  assert.equal(await rule(sp(-10)), 'ok', 'charging is fine at low SoC');
  P.set('ess1/Soc', 95);
  P.advance(60_000);
  assert.equal(await rule(sp(-10)), 'interlock/interlock.soc-max');
  P.set('ess1/Soc', 50, { level: 'bad', reason: 'comm-fail' });
  assert.equal(await rule(sp(10)), 'interlock/interlock.soc-unknown');
  assert.equal(await rule(sp(0)), 'ok', 'zero is always allowed');
  P.set('ess1/Soc', 50);
  // ramp 10 kW/s: last write 0 kW just now
  P.advance(2000);
  assert.equal(await rule(sp(50)), 'interlock/limit.ramp');
  P.advance(3000);
  assert.equal(await rule(sp(50)), 'ok');
  // contracted 150 kW: PCC imports 40 with ESS at 0; charging 100 kW -> 140 ok; PCC at 100 -> 200 refused
  P.advance(60_000);
  P.set('ess1/ActivePower', 0);
  P.set('pcc/ActivePower', 100);
  assert.equal(await rule(sp(-80)), 'interlock/interlock.contracted-power');
  P.set('pcc/ActivePower', 40);
  assert.equal(await rule(sp(-80)), 'ok');
  P.advance(60_000);
  P.set('ess1/MaxChargePower', 30);
  assert.equal(await rule(sp(-50)), 'interlock/limit.bms-charge');
  assert.equal(await rule({ siteId: SITE, target: 'pv1/ActivePowerLimit', value: 70 }), 'interlock/limit.rating');
  const refused = P.audit.query({ type: 'command.refused' });
  assert.ok(refused.every((e) => e.outcome === 'refused' && e.rule));
});

test('asset state: maintenance lockout and out of service refuse; ESS reporting maintenance too', async () => {
  const P = plant();
  const svc = P.make();
  const op = operator(P.now());
  P.assets.ess1!.state = 'maintenance';
  P.assets.ess1!.stateNote = 'locked out by tech1, inverter swap';
  const r = await svc.execute(op, sp(10));
  assert.equal(r.ok ? '' : `${r.stage}/${r.rule}`, 'asset-state/asset.maintenance');
  assert.match(r.ok ? '' : r.message, /inverter swap/);
  P.assets.ess1!.state = 'out-of-service';
  const r2 = await svc.execute(op, sp(10));
  assert.equal(r2.ok ? '' : r2.rule, 'asset.out-of-service');
  P.assets.ess1!.state = 'in-service';
  P.set('ess1/State', 4);
  const r3 = await svc.execute(op, sp(10));
  assert.equal(r3.ok ? '' : r3.rule, 'asset.maintenance');
  assert.equal(P.writes.length, 0);
});

test('permission: site, capability per command kind, re-auth for critical, impersonation', async () => {
  const P = plant();
  const svc = P.make();
  const rule = async (p: Principal, c: CommandRequest) => {
    const r = await svc.execute(p, c);
    return r.ok ? 'ok' : `${r.stage}/${r.rule}`;
  };
  assert.equal(await rule(operator(P.now(), ['site.view']), sp(10)), 'permission/role.missing-capability');
  assert.equal(await rule(operator(P.now(), ['site.view', 'control.operate']), sp(10)), 'permission/role.missing-capability');
  assert.equal(await rule(operator(P.now()), sp(10, { siteId: 's2' })), 'permission/site.not-granted');
  assert.equal(await rule(operator(P.now(), undefined, { reauthAt: P.now() - 10 * 60_000 }), { siteId: SITE, target: 'brk1/Close', value: false }), 'permission/auth.reauth-required');
  assert.equal(await rule(operator(P.now(), undefined, { impersonator: { userId: 'a', username: 'admin' } }), sp(10)), 'permission/impersonation.read-only');
});

test('select-before-operate for a breaker: token required, bound to session and value, single use, expires', async () => {
  const P = plant();
  const svc = P.make({ selectTimeoutMs: 30_000 });
  const op = operator(P.now());
  const open: CommandRequest = { siteId: SITE, target: 'brk1/Close', value: false };
  const r0 = await svc.execute(op, open);
  assert.equal(r0.ok ? '' : `${r0.stage}/${r0.rule}`, 'confirmation/command.select-required');
  const sel = svc.select(op, open);
  assert.equal(sel.ok, true);
  if (!sel.ok) return;
  const other = operator(P.now(), undefined, { userId: 'u2', username: 'op2', sessionId: 'sess2' });
  const busy = svc.select(other, open);
  assert.equal(busy.ok ? '' : busy.rule, 'command.selected-by-other');
  const wrongValue = await svc.execute(op, { ...open, value: true, confirmToken: sel.token });
  assert.equal(wrongValue.ok ? '' : wrongValue.rule, 'command.select-mismatch');
  const stolen = await svc.execute(other, { ...open, confirmToken: sel.token });
  assert.equal(stolen.ok ? '' : stolen.rule, 'command.select-invalid');
  const ok = await svc.execute(op, { ...open, confirmToken: sel.token });
  assert.equal(ok.ok, true, JSON.stringify(ok));
  assert.equal(P.device.get('brk1/Closed'), false);
  const again = await svc.execute(op, { ...open, confirmToken: sel.token });
  assert.equal(again.ok ? '' : again.rule, 'command.select-invalid', 'single use');
  const sel2 = svc.select(op, { ...open, value: true });
  P.advance(30_001);
  const late = await svc.execute(operator(P.now()), { ...open, value: true, confirmToken: sel2.ok ? sel2.token : '' });
  assert.equal(late.ok ? '' : late.rule, 'command.select-expired');
});

test('reason from the administrator list when configured', async () => {
  const P = plant();
  P.reasons.upsert({ id: 'peak', label: 'Peak shaving', appliesTo: 'command', active: true });
  P.reasons.setRequired('command', true);
  const svc = P.make();
  const r = await svc.execute(operator(P.now()), sp(10));
  assert.equal(r.ok ? '' : `${r.stage}/${r.rule}`, 'reason/reason.required');
  const r2 = await svc.execute(operator(P.now()), sp(10, { reason: 'made-up' }));
  assert.equal(r2.ok ? '' : r2.rule, 'reason.unknown');
  const r3 = await svc.execute(operator(P.now()), sp(10, { reason: 'peak' }));
  assert.equal(r3.ok, true);
  assert.equal(P.audit.query({ type: 'command.result' })[0]?.reason, 'peak');
  // the optimiser needs no listed reason; its own id is recorded
  const opt = systemPrincipal({ id: 'optimiser', capabilities: ['site.view', 'control.setpoint'], sites: [SITE] });
  P.advance(10_000);
  const r4 = await svc.execute(opt, sp(20));
  assert.equal(r4.ok, true, JSON.stringify(r4));
  assert.equal(P.audit.query({ type: 'command.result' })[0]?.reason, 'automatic:system:optimiser');
  assert.equal(P.audit.query({ type: 'command.result' })[0]?.actor, 'system:optimiser');
});

test('write failure and readback failure are reported with their stage, and audited', async () => {
  const P = plant();
  const svc = P.make({ readbackTimeoutMs: 2000, readbackIntervalMs: 250 });
  P.dev.failWrite = 'Modbus exception 2 (illegal data address)';
  const w = await svc.execute(operator(P.now()), sp(10));
  assert.equal(w.ok ? '' : `${w.stage}/${w.rule}`, 'write/write.failed');
  assert.match(w.ok ? '' : w.message, /illegal data address/);
  P.dev.failWrite = null;
  P.dev.echo = false; // device acknowledges but does not apply
  P.device.set('ess1/SetActivePower', 0);
  const t0 = P.now();
  const rb = await svc.execute(operator(P.now()), sp(10));
  assert.equal(rb.ok ? '' : `${rb.stage}/${rb.rule}`, 'readback/readback.mismatch');
  assert.match(rb.ok ? '' : rb.message, /reads 0 after 2 s, expected 10/);
  assert.ok(P.now() - t0 >= 2000 && P.now() - t0 < 2500, 'gave up at the timeout (fake clock)');
  P.dev.readFails = true;
  P.advance(60_000);
  const rt = await svc.execute(operator(P.now()), sp(10));
  assert.equal(rt.ok ? '' : rt.rule, 'readback.timeout');
  const failed = P.audit.query({ type: 'command.result', outcome: 'failed' });
  assert.deepEqual(failed.map((e) => e.rule).sort(), ['readback.mismatch', 'readback.timeout', 'write.failed']);
});

test('readback within tolerance succeeds', async () => {
  const P = plant();
  const svc = P.make();
  P.dev.echo = false;
  P.device.set('ess1/SetActivePower', 30.2);
  const r = await svc.execute(operator(P.now()), sp(30));
  assert.equal(r.ok, true);
});

test('fail closed: if the audit log cannot be written, nothing is written to the field', async () => {
  const P = plant();
  const broken = { append: () => { throw new Error('disk full'); } } as unknown as AuditLog;
  const svc = P.make({ audit: broken });
  const r = await svc.execute(operator(P.now()), sp(10));
  assert.equal(r.ok ? '' : `${r.stage}/${r.rule}`, 'audit/audit.unavailable');
  assert.equal(P.writes.length, 0);
});

test('a non-finite input is unknown: NaN SoC or NaN PCC power refuses, even with good quality (issue #8)', async () => {
  const P = plant();
  const svc = P.make();
  const op = operator(P.now());
  const rule = async (c: CommandRequest) => {
    const r = await svc.execute(op, c);
    return r.ok ? 'ok' : `${r.stage}/${r.rule}`;
  };
  P.set('ess1/Soc', Number.NaN);
  assert.equal(await rule(sp(30)), 'interlock/interlock.soc-unknown');
  P.set('ess1/Soc', 50);
  P.set('pcc/ActivePower', Number.NaN);
  assert.equal(await rule(sp(-50)), 'interlock/interlock.pcc-unknown');
  P.set('pcc/ActivePower', Number.POSITIVE_INFINITY);
  assert.equal(await rule(sp(-50)), 'interlock/interlock.pcc-unknown');
  assert.equal(P.writes.length, 0, 'nothing reached the field');
});

test('a protective 0 kW is not blocked by the contracted power, a person\'s 5 kW is (issue #9)', async () => {
  const P = plant();
  const svc = P.make();
  const proc = systemPrincipal({ id: 'alarms', capabilities: ['site.view', 'control.setpoint', 'control.operate'], sites: [SITE] });
  // discharging 20 kW with the PCC at 160 kW (contract 150): stopping would take it to 180 kW
  P.set('ess1/ActivePower', 20);
  P.set('pcc/ActivePower', 160);
  const r = await svc.execute(operator(P.now()), sp(5));
  assert.equal(r.ok ? 'ok' : r.rule, 'interlock.contracted-power');
  const stop = await svc.execute(proc, sp(0, { reason: 'alarm:ess-overtemp' }));
  assert.equal(stop.ok, true, JSON.stringify(stop));
  assert.deepEqual(P.writes, [['ess1/SetActivePower', 0]]);
});

test('the device\'s own stages (IEC 61850 select, operate, termination; a refusal with its AddCause) come back with the result and into the audit', async () => {
  const P = plant();
  const svc = P.make();
  const at = P.now();
  P.dev.stages = [
    { stage: 'selected', at },
    { stage: 'operated', at },
    { stage: 'terminated', at },
  ];
  const ok = await svc.execute(operator(P.now()), sp(30));
  assert.equal(ok.ok, true, JSON.stringify(ok));
  assert.deepEqual(ok.fieldStages?.map((s) => s.stage), ['selected', 'operated', 'terminated']);
  assert.deepEqual((P.audit.query({ assetId: 'ess1' })[0]?.details as { fieldStages?: FieldStage[] }).fieldStages?.length, 3);

  P.dev.stages = [{ stage: 'refused', at, step: 'select', text: 'blocked by interlocking (AddCause 10)' }];
  P.dev.failWrite = 'selecting LD0/CSWI1.Pos was refused by the device: blocked by interlocking (AddCause 10)';
  P.advance(60_000); // past the ramp limit
  const no = await svc.execute(operator(P.now()), sp(20));
  assert.equal(no.ok, false);
  if (!no.ok) assert.equal(no.stage, 'write');
  assert.deepEqual(no.fieldStages, P.dev.stages);
  assert.deepEqual((P.audit.query({ assetId: 'ess1' })[0]?.details as { fieldStages?: FieldStage[] }).fieldStages, P.dev.stages);
});

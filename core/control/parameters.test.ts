import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GOOD, type PointValue } from '../common';
import type { Capability } from '../common/security';
import { openAppDb } from '../db';
import { AuditLog } from '../audit/log';
import { ReasonCatalog } from '../audit/reasons';
import { systemPrincipal, type Principal } from '../security/principal';
import { CommandService, commandSource } from './command';
import { SiteParameterStore } from './parameters';
import type { AssetModel, CommandPoint, CommandWriter, PointReading } from './ports';

const SITE = 's1';

function setup() {
  let t = Date.UTC(2025, 0, 1);
  const now = () => t;
  const db = openAppDb(':memory:');
  const audit = new AuditLog(db, { now });
  const reasons = new ReasonCatalog(db, now);
  reasons.upsert({ id: 'contract', label: 'New grid contract', appliesTo: 'command', active: true });
  reasons.setRequired('command', true);
  const store = new SiteParameterStore(db, new Map([[SITE, { contractedPowerKw: 60 }]]), now);
  const cvt = new Map<string, PointReading>([
    ['ess1/Soc', { value: 50, quality: GOOD, ts: t }],
    ['ess1/ActivePower', { value: 0, quality: GOOD, ts: t }],
    ['pcc/ActivePower', { value: 50, quality: GOOD, ts: t }],
  ]);
  const points: Record<string, CommandPoint> = {
    'ess1/SetActivePower': { id: 'ess1/SetActivePower', assetId: 'ess1', channel: 'SetActivePower', unit: 'kW', type: 'number', access: 'rw', min: -100, max: 100 },
    'ess1/PeakShavingLimit': { id: 'ess1/PeakShavingLimit', assetId: 'ess1', channel: 'PeakShavingLimit', unit: 'kW', type: 'number', access: 'rw' },
  };
  const model: AssetModel = {
    asset: (s, id) => (s === SITE && id === 'ess1' ? { id, nature: 'Ess', state: 'in-service', rating: { powerKw: 100 } } : undefined),
    point: (s, id) => (s === SITE ? points[id] : undefined),
    pcc: (s) => (s === SITE ? { meter: 'pcc', contractedPowerKw: store.effective(s)!.contractedPowerKw } : undefined),
  };
  const device = new Map<string, PointValue>();
  const writer: CommandWriter = {
    write: async (_s, id, v) => void device.set(id, v),
    read: async (_s, id) => device.get(id) ?? null,
  };
  const svc = new CommandService({
    model,
    reader: { get: (s, id) => (s === SITE ? cvt.get(id) : undefined) },
    writer,
    audit,
    reasons,
    now,
    sleep: async (ms) => void (t += ms),
    parameters: { store, deviceTargets: () => ['ess1/PeakShavingLimit'] },
  });
  return { svc, store, audit, device, cvt, db, now, reasons };
}

function user(caps: Capability[], o: Partial<Principal> = {}): Principal {
  return {
    kind: 'user', userId: 'u1', username: 'op1', displayName: 'Olga', roles: ['operator'], capabilities: new Set(caps), sites: new Set([SITE]),
    validFrom: null, validTo: null, disabled: false, mustChangePassword: false, workstation: 'ws1', sessionId: 'sess1', reauthAt: null, impersonator: null, ...o,
  };
}
const OPERATOR = user(['site.view', 'control.setpoint', 'control.operate']);

test('the contracted power changes through the pipeline: reason required, audited before -> after, stored, used by the interlock', async () => {
  const S = setup();
  const noReason = await S.svc.setParameter(OPERATOR, { siteId: SITE, parameter: 'contractedPowerKw', value: 8 });
  assert.equal(noReason.ok, false);
  if (!noReason.ok) assert.equal(noReason.stage, 'reason');
  assert.equal(S.store.effective(SITE)?.contractedPowerKw, 60, 'a refused change stores nothing');

  // with 60 kW contracted, charging 5 kW at a 50 kW PCC is allowed
  const before = await S.svc.execute(OPERATOR, { siteId: SITE, target: 'ess1/SetActivePower', value: -5, reason: 'contract' });
  assert.equal(before.ok, true, JSON.stringify(before));

  const r = await S.svc.setParameter(OPERATOR, { siteId: SITE, parameter: 'contractedPowerKw', value: 8, reason: 'contract', comment: 'new contract from January' });
  assert.equal(r.ok, true, JSON.stringify(r));
  if (r.ok) {
    assert.equal(r.before, 60);
    assert.equal(r.after, 8);
    assert.equal(r.parameter.override?.by, 'op1');
  }
  assert.deepEqual(S.store.effective(SITE), { contractedPowerKw: 8, peakShavingLimitKw: 8 }, 'the peak-shaving limit follows the contract by default');
  assert.equal(S.device.get('ess1/PeakShavingLimit'), 8, 'the battery\'s own peak shaving got the new limit');

  const audit = S.audit.query({ type: 'parameter.result' });
  assert.equal(audit.length, 1);
  assert.deepEqual(audit[0]?.before, { contractedPowerKw: 60 });
  assert.deepEqual(audit[0]?.after, { contractedPowerKw: 8 });
  assert.equal(audit[0]?.reason, 'contract');
  assert.equal(audit[0]?.actor, 'op1');

  // the interlock now uses 8 kW: charging would take the PCC from 50 to 60 kW
  S.cvt.set('ess1/ActivePower', { value: 0, quality: GOOD, ts: S.now() });
  const after = await S.svc.execute(OPERATOR, { siteId: SITE, target: 'ess1/SetActivePower', value: -5, reason: 'contract' });
  assert.equal(after.ok, false);
  if (!after.ok) assert.equal(after.rule, 'interlock.contracted-power');
});

test('the peak-shaving limit may not exceed the contract; the contract may not drop below an explicit peak-shaving limit', async () => {
  const S = setup();
  const high = await S.svc.setParameter(OPERATOR, { siteId: SITE, parameter: 'peakShavingLimitKw', value: 70, reason: 'contract' });
  assert.equal(high.ok, false);
  if (!high.ok) assert.equal(high.rule, 'interlock.peak-shaving-above-contract');

  const ps = await S.svc.setParameter(OPERATOR, { siteId: SITE, parameter: 'peakShavingLimitKw', value: 50, reason: 'contract' });
  assert.equal(ps.ok, true, JSON.stringify(ps));
  assert.equal(S.device.get('ess1/PeakShavingLimit'), 50);

  const low = await S.svc.setParameter(OPERATOR, { siteId: SITE, parameter: 'contractedPowerKw', value: 40, reason: 'contract' });
  assert.equal(low.ok, false);
  if (!low.ok) assert.match(low.message, /lower the peak-shaving limit first/);

  // back to the default (follows the contract again)
  const reset = await S.svc.setParameter(OPERATOR, { siteId: SITE, parameter: 'peakShavingLimitKw', value: null, reason: 'contract' });
  assert.equal(reset.ok, true, JSON.stringify(reset));
  assert.equal(S.store.views(SITE)?.find((v) => v.id === 'peakShavingLimitKw')?.override, undefined);
  assert.equal(S.device.get('ess1/PeakShavingLimit'), 60);
});

test('a viewer cannot change a site parameter, and out-of-range values are refused with the range', async () => {
  const S = setup();
  const viewer = await S.svc.setParameter(user(['site.view']), { siteId: SITE, parameter: 'contractedPowerKw', value: 10, reason: 'contract' });
  assert.equal(viewer.ok, false);
  if (!viewer.ok) assert.equal(viewer.stage, 'permission');
  const zero = await S.svc.setParameter(OPERATOR, { siteId: SITE, parameter: 'contractedPowerKw', value: 0, reason: 'contract' });
  assert.equal(zero.ok, false);
  if (!zero.ok) assert.match(zero.message, /between 1 and 100000 kW/);
  assert.equal(S.audit.query({ type: 'parameter.refused' }).length, 2);
});

test('the override survives a restart (stored in the application database)', async () => {
  const S = setup();
  await S.svc.setParameter(OPERATOR, { siteId: SITE, parameter: 'contractedPowerKw', value: 12, reason: 'contract' });
  const again = new SiteParameterStore(S.db, new Map([[SITE, { contractedPowerKw: 60 }]]));
  assert.equal(again.effective(SITE)?.contractedPowerKw, 12);
  assert.equal(again.views(SITE)?.[0]?.default, 60);
});

test('the last accepted command of each target is kept with its source', async () => {
  const S = setup();
  const seen: string[] = [];
  S.svc.onActiveChange((s) => seen.push(s));
  await S.svc.execute(OPERATOR, { siteId: SITE, target: 'ess1/SetActivePower', value: 5, reason: 'contract' });
  let a = S.svc.activeCommands(SITE).find((x) => x.target === 'ess1/SetActivePower');
  assert.equal(a?.source, 'operator');
  assert.equal(a?.actorName, 'Olga');
  assert.equal(a?.value, 5);
  assert.equal(a?.confirmed, true);
  const proc = systemPrincipal({ id: 'alarms', capabilities: ['site.view', 'control.setpoint'], sites: [SITE] });
  await S.svc.execute(proc, { siteId: SITE, target: 'ess1/SetActivePower', value: 0 });
  a = S.svc.activeCommands(SITE).find((x) => x.target === 'ess1/SetActivePower');
  assert.equal(a?.source, 'procedure');
  assert.equal(a?.value, 0);
  assert.ok(seen.length >= 2);
  // refused commands change nothing
  await S.svc.execute(user(['site.view']), { siteId: SITE, target: 'ess1/SetActivePower', value: 9, reason: 'contract' });
  assert.equal(S.svc.activeCommands(SITE).find((x) => x.target === 'ess1/SetActivePower')?.value, 0);
  assert.equal(S.svc.activeCommands('other').length, 0);
});

test('command sources: person, alarm procedure, plan, controller', () => {
  assert.equal(commandSource({ kind: 'user', userId: 'u1' }), 'operator');
  assert.equal(commandSource({ kind: 'system', userId: 'system:alarms' }), 'procedure');
  assert.equal(commandSource({ kind: 'system', userId: 'system:optimiser' }), 'plan');
  assert.equal(commandSource({ kind: 'system', userId: 'system:plan-day-ahead' }), 'plan');
  assert.equal(commandSource({ kind: 'system', userId: 'system:peak-shaving' }), 'controller');
});

test('the SoC reserve is a run-time parameter in %: present only where the batteries have one, kept below their maximum SoC, audited', async () => {
  const S = setup();
  assert.equal(S.store.views(SITE)?.find((v) => v.id === 'socMinPct'), undefined, 'a site without a battery reserve has no SoC reserve parameter');
  const none = await S.svc.setParameter(OPERATOR, { siteId: SITE, parameter: 'socMinPct', value: 20, reason: 'contract' });
  assert.equal(none.ok, false);
  if (!none.ok) assert.equal(none.rule, 'parameter.unknown');

  const store = new SiteParameterStore(S.db, new Map([[SITE, { contractedPowerKw: 60, socMinPct: 10 }]]), S.now);
  const svc = new CommandService({
    model: { asset: () => undefined, point: () => undefined, pcc: () => undefined },
    reader: { get: () => undefined },
    writer: { write: async () => undefined, read: async () => null },
    audit: S.audit,
    reasons: S.reasons,
    now: S.now,
    parameters: { store, socMaxPct: () => 90 },
  });
  const v = store.views(SITE)?.find((x) => x.id === 'socMinPct');
  assert.deepEqual([v?.label, v?.unit, v?.value, v?.default], ['SoC reserve', '%', 10, 10]);
  const seen: Array<number | undefined> = [];
  store.onChange((_s, values) => seen.push(values.socMinPct));
  const high = await svc.setParameter(OPERATOR, { siteId: SITE, parameter: 'socMinPct', value: 90, reason: 'contract' });
  assert.equal(high.ok, false);
  if (!high.ok) {
    assert.equal(high.rule, 'interlock.soc-window-empty');
    assert.match(high.message, /SoC reserve of 90 % would leave no SoC window: the batteries charge to at most 90 %/);
  }
  const out = await svc.setParameter(OPERATOR, { siteId: SITE, parameter: 'socMinPct', value: 120, reason: 'contract' });
  assert.equal(out.ok, false);
  if (!out.ok) assert.match(out.message, /between 0 and 95 %; 120 % is not/);
  const ok = await svc.setParameter(OPERATOR, { siteId: SITE, parameter: 'socMinPct', value: 20, reason: 'contract' });
  assert.equal(ok.ok, true, JSON.stringify(ok));
  assert.equal(store.effective(SITE)?.socMinPct, 20);
  assert.deepEqual(seen, [20], 'listeners (the reserve sync, the alarm refs) hear the new reserve');
  const rec = S.audit.query({ type: 'parameter.result' }).at(-1);
  assert.deepEqual([rec?.before, rec?.after], [{ socMinPct: 10 }, { socMinPct: 20 }]);
});

/**
 * The machine lane: the same limits as a person's command, applied as a clamp; audit on a
 * change of source, limit or state, not every cycle; no per-point lock against people.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GOOD, VirtualScheduler, type PointValue, type Quality } from '../common';
import { openAppDb } from '../db';
import { AuditLog } from '../audit/log';
import { ReasonCatalog } from '../audit/reasons';
import { systemPrincipal, type Principal } from '../security/principal';
import { CommandService } from './command';
import { MachineLane, type MachineLaneOptions } from './machine';
import type { AssetModel, CommandAsset, CommandPoint, CommandWriter, PointReader, PointReading } from './ports';

const SITE = 's1';
const T = 'ess1/SetActivePower';

function rig(o: { lagged?: boolean } = {}) {
  const clock = new VirtualScheduler(Date.UTC(2026, 0, 5, 9));
  const cvt = new Map<string, PointReading>();
  const set = (id: string, value: PointValue, quality: Quality = GOOD) => cvt.set(id, { value, quality, ts: clock.now() });
  set('ess1/Soc', 50);
  set('ess1/ActivePower', 0);
  set('ess1/State', 2);
  set('ess1/MaxChargePower', 100);
  set('ess1/MaxDischargePower', 100);
  set('pcc/ActivePower', 40);
  const assets: Record<string, CommandAsset> = {
    ess1: { id: 'ess1', nature: 'Ess', state: 'in-service', rating: { powerKw: 100 }, limits: { socMinPct: 10, socMaxPct: 90 } },
  };
  const points: Record<string, CommandPoint> = {
    [T]: { id: T, assetId: 'ess1', channel: 'SetActivePower', unit: 'kW', type: 'number', access: 'rw', min: -100, max: 100 },
    'ess1/Soc': { id: 'ess1/Soc', assetId: 'ess1', channel: 'Soc', unit: '%', type: 'number', access: 'ro' },
  };
  const model: AssetModel = {
    asset: (s, id) => (s === SITE ? assets[id] : undefined),
    point: (s, id) => (s === SITE ? points[id] : undefined),
    pcc: (s) => (s === SITE ? { meter: 'pcc', contractedPowerKw: 150 } : undefined),
  };
  const reader: PointReader = { get: (s, id) => (s === SITE ? cvt.get(id) : undefined) };
  // the device: a write is acknowledged at once; with `lagged`, what it reports follows at its next poll (1 s)
  let register: number | boolean = 0;
  const writes: Array<{ at: number; value: number | boolean }> = [];
  const writer: CommandWriter = {
    async write(_s, _id, v) {
      writes.push({ at: clock.now(), value: v });
      register = v;
      if (!o.lagged) set(T, v);
    },
    async read() {
      return cvt.get(T)?.value ?? null;
    },
  };
  if (o.lagged) clock.setInterval(() => set(T, register), 1000);
  const db = openAppDb(':memory:');
  const audit = new AuditLog(db, { now: () => clock.now() });
  const reasons = new ReasonCatalog(db, () => clock.now());
  const principal = systemPrincipal({ id: 'control-cycle', displayName: 'Control cycle', capabilities: ['site.view', 'control.setpoint'], sites: [SITE] });
  const lane = (x: Partial<MachineLaneOptions> = {}) => new MachineLane({ siteId: SITE, model, reader, writer, audit, principal, scheduler: clock, ...x });
  const machineAudits = () => audit.query({ assetId: 'ess1' }).filter((e) => e.type === 'control.machine').reverse();
  return { clock, set, assets, writes, writer, model, reader, audit, reasons, lane, machineAudits, cvt };
}

function operator(now: number): Principal {
  return {
    kind: 'user', userId: 'u1', username: 'op1', displayName: 'Op', roles: ['operator'], capabilities: new Set(['site.view', 'control.operate', 'control.setpoint']), sites: new Set([SITE]),
    validFrom: null, validTo: null, disabled: false, mustChangePassword: false, workstation: 'ws1', sessionId: 'sess1', reauthAt: now, impersonator: null,
  };
}

test('the same out-of-limit request: a person is refused, a controller is clamped with the binding rule named', async () => {
  const R = rig();
  R.set('ess1/MaxDischargePower', 30); // the BMS allows 30 kW now
  const svc = new CommandService({ model: R.model, reader: R.reader, writer: R.writer, audit: R.audit, reasons: R.reasons, now: () => R.clock.now(), sleep: async (ms) => void R.clock.advance(ms) });
  const person = await svc.execute(operator(R.clock.now()), { siteId: SITE, target: T, value: 80 });
  assert.equal(person.ok, false);
  if (!person.ok) assert.equal(person.rule, 'limit.bms-discharge');
  assert.equal(R.writes.length, 0);

  const lane = R.lane();
  lane.apply([{ target: T, value: 80, source: 'peak-shaving', why: 'shave the peak' }]);
  await lane.idle();
  assert.deepEqual(R.writes.map((w) => w.value), [30]);
  const [st] = lane.status();
  assert.equal(st?.status, 'written');
  assert.equal(st?.requested, 80);
  assert.equal(st?.written, 30);
  assert.equal(st?.rule, 'limit.bms-discharge');
  assert.match(st?.message ?? '', /limited to 30 kW/);
});

test('refuses what no clamp can fix: maintenance, a non-finite value, a read-only point', async () => {
  const R = rig();
  const lane = R.lane();
  lane.apply([{ target: T, value: Number.NaN, source: 'c', why: 'bug' }]);
  assert.equal(lane.status()[0]?.rule, 'value.not-finite');
  R.assets.ess1!.state = 'maintenance';
  lane.apply([{ target: T, value: 5, source: 'c', why: 'x' }]);
  assert.equal(lane.status()[0]?.status, 'refused');
  assert.equal(lane.status()[0]?.rule, 'asset.maintenance');
  R.assets.ess1!.state = 'in-service';
  lane.apply([{ target: 'ess1/Soc', value: 5, source: 'c', why: 'x' }]);
  assert.equal(lane.status().find((s) => s.target === 'ess1/Soc')?.rule, 'point.read-only');
  await lane.idle();
  assert.equal(R.writes.length, 0);
});

test('audits a change of source or limit, not every cycle; writes on change and as keep-alive', async () => {
  const R = rig();
  const lane = R.lane({ keepaliveMs: 10_000 });
  const cycle = async (value: number, source: string) => {
    R.clock.advance(1000);
    lane.apply([{ target: T, value, source, why: `${source} asks ${value}` }]);
    await lane.idle();
  };
  for (let i = 0; i < 60; i++) await cycle(i < 30 ? 20 : 20 + (i % 2) * 0.01, 'peak-shaving'); // steady (changes below the deadband)
  assert.equal(R.machineAudits().length, 1, 'one record when the controller took over');
  assert.equal(R.writes.length, 6, 'a write at start and one every 10 s keep-alive');
  for (let i = 0; i < 10; i++) await cycle(25 + i, 'peak-shaving');
  assert.equal(R.machineAudits().length, 1, 'a moving value from the same source is not an audit event');
  await cycle(-5, 'schedule');
  R.set('ess1/MaxDischargePower', 10);
  for (let i = 0; i < 5; i++) await cycle(40, 'peak-shaving');
  const log = R.machineAudits();
  assert.deepEqual(
    log.map((e) => `${(e.after as { source: string }).source}:${e.rule ?? ''}`),
    ['peak-shaving:', 'schedule:', 'peak-shaving:limit.bms-discharge'],
  );
  assert.equal(log[0]?.actor, 'system:control-cycle');
  assert.equal(log[2]?.reason, 'automatic:peak-shaving');
});

test('readback from the CVT: a device that does not take the value is a mismatch, audited once', async () => {
  const R = rig();
  const lane = R.lane({ readbackMs: 3000, keepaliveMs: 60_000 });
  const silent: CommandWriter = { write: async () => {}, read: async () => 0 };
  const l2 = new MachineLane({ siteId: SITE, model: R.model, reader: R.reader, writer: silent, audit: R.audit, principal: systemPrincipal({ id: 'control-cycle', capabilities: ['control.setpoint'], sites: [SITE] }), scheduler: R.clock, readbackMs: 3000, keepaliveMs: 60_000 });
  for (let i = 0; i < 6; i++) {
    R.clock.advance(1000);
    lane.apply([{ target: T, value: 12, source: 'c', why: 'x' }]);
    await lane.idle();
  }
  assert.equal(lane.status()[0]?.readback, 'ok');
  R.set(T, 0);
  for (let i = 0; i < 6; i++) {
    R.clock.advance(1000);
    l2.apply([{ target: T, value: 15, source: 'c2', why: 'x' }]);
    await l2.idle();
  }
  assert.equal(l2.status()[0]?.readback, 'mismatch');
  assert.equal(R.machineAudits().filter((e) => (e.after as { source: string }).source === 'c2' && e.outcome === 'failed').length, 1);
});

test('an operator command succeeds while the cycle writes the same point every second; the lane holds it, then takes it back', async () => {
  const R = rig({ lagged: true });
  const lane = R.lane({ keepaliveMs: 0 });
  const svc = new CommandService({
    model: R.model, reader: R.reader, writer: R.writer, audit: R.audit, reasons: R.reasons,
    now: () => R.clock.now(),
    // the readback wait moves the virtual clock: the cycle keeps running meanwhile
    sleep: async (ms) => void R.clock.advance(ms),
    onPersonWrite: (_s, target, p) => lane.hold(target, R.clock.now() + 60_000, p.username),
  });
  let n = 0;
  R.clock.setInterval(() => lane.apply([{ target: T, value: 10 + (n++ % 2), source: 'peak-shaving', why: 'steady' }]), 1000);
  const seconds = async (k: number) => {
    for (let i = 0; i < k; i++) {
      R.clock.advance(1000);
      await lane.idle();
    }
  };
  await seconds(5);
  const before = R.writes.length;
  assert.ok(before >= 5, 'the cycle writes every second');

  const r = await svc.execute(operator(R.clock.now()), { siteId: SITE, target: T, value: 20 });
  assert.equal(r.ok, true, JSON.stringify(r));
  if (r.ok) assert.equal(r.readback, 20);
  assert.equal(lane.status()[0]?.status, 'held');

  const at = R.writes.length;
  await seconds(30);
  assert.equal(R.writes.length, at, 'no machine write while the operator holds the point');
  await seconds(40);
  assert.ok(R.writes.length > at, 'the controllers take the point back after the hold');
  assert.equal(lane.status()[0]?.status, 'written');
  const states = R.machineAudits().map((e) => (e.after as { state: string }).state);
  assert.deepEqual(states, ['active', 'held', 'active']);
});

test('a writer that completes at once (writeNow): written before apply returns, nothing in flight; a throw is a failed write, audited, and the next good write recovers', async () => {
  const R = rig();
  let fail: string | undefined;
  const taken: number[] = [];
  const writer: CommandWriter = {
    writeNow(_s, _id, v) {
      if (fail) throw new Error(fail);
      taken.push(Number(v));
      R.set(T, v);
    },
    // the async path must not be used when writeNow exists
    write: async () => assert.fail('write() called although writeNow exists'),
    read: async () => R.cvt.get(T)?.value ?? null,
  };
  const lane = R.lane({ writer, keepaliveMs: 60_000 });
  R.clock.advance(1000);
  lane.apply([{ target: T, value: 12, source: 'peak-shaving', why: 'x' }]);
  assert.deepEqual(taken, [12], 'written synchronously');
  assert.equal(lane.busy, false, 'no write in flight');
  assert.equal(lane.status()[0]?.status, 'written');

  fail = 'the plant refused it';
  R.clock.advance(1000);
  lane.apply([{ target: T, value: 20, source: 'peak-shaving', why: 'x' }]);
  const st = lane.status()[0];
  assert.equal(st?.status, 'failed');
  assert.equal(st?.rule, 'write.failed');
  assert.match(st?.message ?? '', /the plant refused it/);
  assert.equal(R.machineAudits().at(-1)?.outcome, 'failed');

  fail = undefined;
  R.clock.advance(1000);
  lane.apply([{ target: T, value: 20, source: 'peak-shaving', why: 'x' }]);
  assert.deepEqual(taken, [12, 20]);
  assert.equal(lane.status()[0]?.status, 'written');
  R.clock.advance(1000);
  lane.apply([{ target: T, value: 20, source: 'peak-shaving', why: 'x' }]);
  assert.equal(lane.status()[0]?.readback, 'ok');
});

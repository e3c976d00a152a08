/**
 * Table tests of the operating-mode controllers (issue #11 item 3): zero export, ramp limit,
 * external grid signals, tariff management and the operating mode with its ramped, bumpless
 * transitions. One row per 1-s cycle on a virtual clock (table.ts runs the real ControlCycle
 * and merge); inputs on nature channels → the expected setpoint, its source and a sentence.
 * The site is the AMPERE T-Pro (8 kW contracted, 9 kW / 12 kWh) with a 6 kW PV inverter.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { GridSignalsNow, OperatingMode } from '../common/modes';
import { siteSchema, type SiteConfig } from '../common/site';
import { GOOD } from '../common';
import type { AssetState } from '../common/asset-state';
import { VirtualScheduler } from '../common/clock';
import { output, type Controller, type CycleContext } from './controller';
import { ControlCycle } from './cycle';
import type { MergedSetpoint } from './merge';
import { GridSignalsController } from './controllers/grid-signals';
import { OperatingModeController } from './controllers/operating-mode';
import { RampLimitController } from './controllers/ramp-limit';
import { SocProtectionController } from './controllers/soc-protection';
import { TariffController, type TariffNow } from './controllers/tariff';
import { ZeroExportController } from './controllers/zero-export';
import { runTable, type Row } from './table';

const SITE: SiteConfig = siteSchema.parse({
  site: { id: 'tpro', name: 'T-Pro household', gridType: 'prosumer', timezone: 'Europe/Rome', location: { latitude: 39.36, longitude: 16.23 }, pcc: { meter: 'grid', contractedPowerKw: 8 } },
  assets: [
    { id: 'grid', name: 'Grid meter', kind: 'smart-meter', nature: 'Meter', role: 'pcc' },
    { id: 'tpro', name: 'AMPERE T-Pro 9 kW / 12 kWh', kind: 'ess', nature: 'Ess', rating: { powerKw: 9, capacityKwh: 12 }, limits: { socMinPct: 10, socMaxPct: 95 } },
    { id: 'pv', name: 'Roof PV 6 kW', kind: 'pv-array', nature: 'Pv', rating: { powerKw: 6 } },
  ],
  devices: [],
});

/** the virtual clock's first cycle (table.ts starts at 2026-01-05 12:00 UTC and advances 1 s per row) */
const T0 = Date.UTC(2026, 0, 5, 12) + 1000;
const row = (n: number) => T0 + (n - 1) * 1000;
const T = 'tpro/SetActivePower';
type In = number | 'bad' | 'stale';
const at = (pcc: In, ess: In, extra: Record<string, In> = {}) => ({ 'grid/ActivePower': pcc, 'tpro/ActivePower': ess, 'tpro/Soc': 50 as In, ...extra });

/** a lower-priority controller that asks a fixed value: what the bounds above it act on */
class Wants implements Controller {
  readonly type = 'test-wants';
  readonly label = 'Test request';
  constructor(
    readonly id: string,
    private readonly kw: (ctx: CycleContext) => number,
  ) {}
  run(ctx: CycleContext) {
    return output([[T, { value: this.kw(ctx), why: `the test asks ${this.kw(ctx)} kW` }]]);
  }
}
const wants = (kw: number) => new Wants('wants', () => kw);

function check(controllers: Controller[], rows: Row[], target = T): string[] {
  const whys: string[] = [];
  for (const { row: r, got } of runTable(SITE, controllers, target, rows)) {
    if (r.expect === null) {
      assert.equal(got, undefined, `${r.name}: expected no setpoint, got ${JSON.stringify(got)}`);
      whys.push('');
      continue;
    }
    assert.ok(got, `${r.name}: no setpoint`);
    assert.ok(Math.abs(got.value - r.expect) < 1e-9, `${r.name}: expected ${r.expect} kW, got ${got.value} kW (${got.source}: ${got.why})`);
    if (r.source !== undefined) assert.equal(got.source, r.source, `${r.name}: source (${got.why})`);
    if (r.how !== undefined) assert.equal(got.how, r.how, `${r.name}: how`);
    assert.ok(got.why.length > 10, `${r.name}: a sentence says why`);
    whys.push(got.why);
  }
  return whys;
}

describe('ZeroExportController (no export at the PCC)', () => {
  const ze = () => new ZeroExportController({ ess: 'tpro', curtailPv: ['pv'] });
  it('caps the discharge at the site draw, makes the battery take the surplus, and curtails PV beyond the battery', () => {
    const rows: Row[] = [
      { name: '3 kW load, the test asks 5 kW discharge: 3 kW, no export', inputs: at(3, 0, { 'pv/ActivePower': 0 }), expect: 3, source: 'zero-export', how: 'bound' },
      { name: 'load covered: discharge within the draw stands', inputs: at(1, 2, { 'pv/ActivePower': 0 }), expect: 3, source: 'zero-export' },
      { name: 'PV surplus 4 kW: the battery must charge 4 kW', inputs: at(-4, 0, { 'pv/ActivePower': 5 }), expect: -4, source: 'zero-export' },
      { name: 'surplus 12 kW above the 9 kW the battery takes: battery charges 12 (the lane clamps to 9), PV curtailed', inputs: at(-12, 0, { 'pv/ActivePower': 6 }), expect: -12 },
      { name: 'PCC meter lost: no discharge at all', inputs: at('bad', 0, { 'pv/ActivePower': 0 }), expect: 0, source: 'zero-export' },
    ];
    check([ze(), wants(5)], rows);
    // the PV inverter's limit: released to its rating, then cut by the share the battery cannot take
    const pv = check([ze(), wants(5)], rows.map(({ how: _h, ...r }, i) => ({ ...r, expect: i === 3 ? 3 : i === 4 ? null : 6, source: 'zero-export' })), 'pv/ActivePowerLimit');
    assert.match(pv[3] ?? '', /pv limited to 3 kW/);
  });
  it('an export limit above 0 kW lets that much out', () => {
    check([new ZeroExportController({ ess: 'tpro', exportLimitKw: 2 }), wants(9)], [{ name: '3 kW load + 2 kW export allowed', inputs: at(3, 0), expect: 5, source: 'zero-export' }]);
  });
});

describe('RampLimitController (2 kW/s)', () => {
  it('moves the setpoint at most 2 kW per cycle from the device readback; protective bounds above it are not ramped', () => {
    const rl = () => new RampLimitController({ ess: 'tpro', kwPerS: 2 });
    check([rl(), wants(9)], [
      { name: 'from 0 kW towards 9 kW', inputs: at(9, 0, { [T]: 0 }), expect: 2, source: 'ramp-limit', how: 'bound' },
      { name: 'readback 2 kW', inputs: at(7, 2, { [T]: 2 }), expect: 4 },
      { name: 'readback 8 kW: reaches 9 kW', inputs: at(1, 8, { [T]: 8 }), expect: 9, source: 'wants', how: 'value' },
      { name: 'no readback: from the measured power', inputs: at(1, 8, { [T]: 'bad' }), expect: 9 },
      { name: 'neither known: not bounded', inputs: at(1, 'bad', { [T]: 'bad' }), expect: 9, source: 'wants' },
    ]);
    check([new SocProtectionController({ type: 'soc-protection', ess: 'tpro' }), rl(), wants(9)], [
      { name: 'SoC unknown at 8 kW: 0 kW at once (protective, not ramped)', inputs: { ...at(1, 8, { [T]: 8 }), 'tpro/Soc': 'bad' }, expect: 0, source: 'soc-protection' },
    ]);
  });
});

describe('GridSignalsController (TSO setpoint, P(f), PCC limits)', () => {
  // per row: what the file said at that moment
  const plan: Record<number, GridSignalsNow | undefined> = {
    1: undefined,
    2: { source: 'test TSO', receivedAt: 0, pf: [[49.8, 9], [49.9, 0], [50.1, 0], [50.2, -9]] },
    3: { source: 'test TSO', receivedAt: 0, pf: [[49.8, 9], [49.9, 0], [50.1, 0], [50.2, -9]] },
    4: { source: 'test TSO', receivedAt: 0, setpointKw: 6, pf: [[49.8, 9], [49.9, 0], [50.1, 0], [50.2, -9]] },
    5: { source: 'test TSO', receivedAt: 0, importMaxKw: 5 },
    6: { source: 'test TSO', receivedAt: 0, exportMaxKw: 2 },
  };
  const gs = new GridSignalsController({ ess: 'tpro' }, () => ({ current: (now) => plan[Math.round((now - T0) / 1000) + 1] }));
  it('P(f) outside its dead band and a TSO setpoint win over the mode; limits bound it', () => {
    const whys = check([gs, wants(3)], [
      { name: 'no signals: the mode', inputs: at(3, 0, { 'grid/Frequency': 50 }), expect: 3, source: 'wants' },
      { name: '50.0 Hz in the dead band: the mode', inputs: at(3, 0, { 'grid/Frequency': 50 }), expect: 3, source: 'wants' },
      { name: '49.85 Hz: P(f) asks 4.5 kW', inputs: at(3, 0, { 'grid/Frequency': 49.85 }), expect: 4.5, source: 'grid-signals', how: 'value' },
      { name: 'TSO setpoint 6 kW at 50 Hz', inputs: at(3, 0, { 'grid/Frequency': 50 }), expect: 6, source: 'grid-signals' },
      { name: 'import cap 5 kW at 10 kW draw: at least 5 kW discharge', inputs: at(10, 0, { 'grid/Frequency': 50 }), expect: 5, source: 'grid-signals', how: 'bound' },
      { name: 'export cap 2 kW at 6 kW surplus: at least 4 kW charge', inputs: at(-6, 0, { 'grid/Frequency': 50 }), expect: -4, source: 'grid-signals', how: 'bound' },
    ]);
    assert.match(whys[2] ?? '', /P\(f\) at 49\.850 Hz asks 4\.5 kW/);
    assert.match(whys[3] ?? '', /test TSO.*TSO setpoint 6 kW/);
  });
});

describe('TariffController (cheapest 0.10, dearest 0.25)', () => {
  const price: Record<number, TariffNow> = {
    1: { price: 0.1, cheapest: 0.1, dearest: 0.25, period: 'P3 valley' },
    2: { price: 0.1, cheapest: 0.1, dearest: 0.25, period: 'P3 valley' },
    3: { price: 0.25, cheapest: 0.1, dearest: 0.25, period: 'P1 peak' },
    4: { price: 0.18, cheapest: 0.1, dearest: 0.25, period: 'P2 mid' },
    5: { price: 0.18, cheapest: 0.1, dearest: 0.25, period: 'P2 mid' },
  };
  const tc = new TariffController({ ess: 'tpro', chargeKw: 5 }, () => ({ now: (now) => price[Math.round((now - T0) / 1000) + 1] }));
  it('charges from the grid in the valley within the contract, covers the import at the peak, only takes PV surplus between', () => {
    check([tc], [
      { name: 'valley, 1 kW load: charge 5 kW', inputs: at(1, 0), expect: -5, source: 'tariff' },
      { name: 'valley, 6 kW load: only 2 kW of headroom under 8 kW', inputs: at(6, 0), expect: -2 },
      { name: 'peak, 4 kW import: discharge 4 kW', inputs: at(4, 0), expect: 4 },
      { name: 'mid, PV surplus 3 kW: charge it', inputs: at(-3, 0), expect: -3 },
      { name: 'mid, 4 kW import: hold 0 kW for the peak', inputs: at(4, 0), expect: 0 },
    ]);
  });
});

describe('OperatingModeController: modes and ramped, bumpless transitions (2 kW/s)', () => {
  it('self-consumption → peak shaving ramps from the present setpoint; manual writes nothing; back again is bumpless', () => {
    const modeAt = (now: number): OperatingMode => (now >= row(10) ? 'self-consumption' : now >= row(9) ? 'manual' : now >= row(4) ? 'peak-shaving' : 'self-consumption');
    const om = new OperatingModeController({ ess: 'tpro', transitionKwPerS: 2 }, { modes: () => ({ active: (now) => ({ mode: modeAt(now), why: 'test calendar' }) }) });
    const whys = check([om], [
      { name: '1 self-consumption: cover the 5 kW import', inputs: at(5, 0, { [T]: 0 }), expect: 5, source: 'operating-mode' },
      { name: '2 battery answered', inputs: at(0, 5, { [T]: 5 }), expect: 5 },
      { name: '3 steady', inputs: at(0, 5, { [T]: 5 }), expect: 5 },
      { name: '4 peak shaving begins: starts where the battery is (5 kW), no jump', inputs: at(0, 5, { [T]: 5 }), expect: 5 },
      { name: '5 ramp 2 kW/s', inputs: at(0, 5, { [T]: 5 }), expect: 3 },
      { name: '6', inputs: at(0, 5, { [T]: 5 }), expect: 1 },
      { name: '7', inputs: at(0, 5, { [T]: 5 }), expect: -1 },
      { name: '8 reaches the peak-shaving recharge of 1.6 kW', inputs: at(0, 5, { [T]: 5 }), expect: -1.6 },
      { name: '9 manual: nothing written', inputs: at(6.6, -1.6, { [T]: -1.6 }), expect: null },
      { name: '10 self-consumption again: starts from the device setpoint -1.6 kW', inputs: at(6.6, -1.6, { [T]: -1.6 }), expect: -1.6 },
      { name: '11 ramps towards 5 kW', inputs: at(6.6, -1.6, { [T]: -1.6 }), expect: 0.4 },
    ]);
    assert.match(whys[3] ?? '', /^Peak shaving mode \(test calendar\): switching from Self-consumption at 2 kW\/s: 5 kW on the way to -1\.6 kW/);
    assert.match(whys[7] ?? '', /^Peak shaving mode \(test calendar\): the site draws 5 kW/);
    assert.match(whys[10] ?? '', /switching from Manual/);
  });
  it('plan following in the mode follows the plan; tariff mode without a tariff holds 0 kW and says why', () => {
    const plan = { setpoint: () => ({ kw: -3, socPct: 50, issuedAt: Date.UTC(2026, 0, 5) }) };
    check([new OperatingModeController({ ess: 'tpro' }, { modes: () => ({ active: () => ({ mode: 'plan-following', why: 'operator' }) }), plan: () => plan })], [
      { name: 'plan says charge 3 kW', inputs: at(2, 0), expect: -3, source: 'operating-mode' },
    ]);
    const whys = check([new OperatingModeController({ ess: 'tpro' }, { modes: () => ({ active: () => ({ mode: 'tariff', why: 'calendar' }) }) })], [{ name: 'no tariff', inputs: at(2, 0), expect: 0 }]);
    assert.match(whys[0] ?? '', /no import tariff/);
  });
  it('a battery in maintenance drops out of every mode and bound: nothing is written to it', () => {
    const clock = new VirtualScheduler(T0);
    const got: MergedSetpoint[][] = [];
    let state: AssetState = 'in-service';
    const cycle = new ControlCycle({
      site: SITE,
      scheduler: clock,
      controllers: [
        new SocProtectionController({ type: 'soc-protection', ess: 'tpro' }),
        new ZeroExportController({ ess: 'tpro' }),
        new RampLimitController({ ess: 'tpro', kwPerS: 2 }),
        new OperatingModeController({ ess: 'tpro' }, { modes: () => ({ active: () => ({ mode: 'peak-shaving', why: 'test' }) }) }),
      ],
      states: (id) => (id === 'tpro' ? state : 'in-service'),
      source: { snapshot: () => new Map(Object.entries(at(12, 0, { [T]: 0 })).map(([id, v]) => [id, { id, value: v as number, quality: GOOD, ts: clock.now(), rts: clock.now() }])) },
      sink: { apply: (s) => got.push([...s]) },
    });
    cycle.runOnce();
    state = 'maintenance';
    cycle.runOnce();
    assert.equal(got[0]?.find((x) => x.target === T)?.value, 2, 'in service: peak shaving asks 4 kW, ramped to 2 kW');
    assert.deepEqual(got[1], [], 'in maintenance: no setpoint at all');
  });
});

describe('OperatingModeController: the contract holds in every mode', () => {
  it('a plan that charges 9 kW at a 6 kW draw is held at the 8 kW contract (-2 kW), with the reason', () => {
    const plan = { setpoint: () => ({ kw: -9, socPct: 50, issuedAt: Date.UTC(2026, 0, 5) }) };
    const whys = check([new OperatingModeController({ ess: 'tpro' }, { modes: () => ({ active: () => ({ mode: 'plan-following', why: 'calendar' }) }), plan: () => plan })], [
      { name: 'draw 6 kW, plan -9 kW', inputs: at(6, 0), expect: -2, source: 'operating-mode' },
      { name: 'draw 12 kW, plan -9 kW: discharge 4 kW', inputs: at(12, 0), expect: 4 },
      { name: 'draw 2 kW, plan -9 kW: within the contract', inputs: at(2, 0), expect: -6 },
    ]);
    assert.match(whys[0] ?? '', /held at -2 kW/);
  });
});

describe('a ramp limit alone does not write (manual mode stays manual)', () => {
  it('operating mode manual + ramp limit: no setpoint', () => {
    const om = new OperatingModeController({ ess: 'tpro' }, { modes: () => ({ active: () => ({ mode: 'manual', why: 'operator' }) }) });
    check([new RampLimitController({ ess: 'tpro', kwPerS: 2 }), om], [{ name: 'manual', inputs: at(5, 3, { [T]: 3 }), expect: null }]);
  });
});

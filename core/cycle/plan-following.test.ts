/**
 * Table tests for plan following and its rule-based fallback, self-consumption: one row per
 * cycle, inputs on nature channels (and the plan's answer for that cycle) → expected setpoint
 * and its source. The site is the AMPERE T-Pro of controllers.test.ts (8 kW contracted, a 9 kW
 * inverter, SoC window 10..95 %). The plan is a table of steps behind the same narrow
 * interface the plan service implements (`PlanSetpointSource`); core/plan/service.test.ts
 * tests the service's own `setpoint()` and fallback reasons.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { siteSchema, type SiteConfig } from '../common/site';
import type { Controller } from './controller';
import { PeakShavingController } from './controllers/peak-shaving';
import { PlanFollowingController, type PlanSetpointSource } from './controllers/plan-following';
import { SelfConsumptionController } from './controllers/self-consumption';
import { SocProtectionController } from './controllers/soc-protection';
import { controllersFromConfig } from './factory';
import { runTable, type Row } from './table';

const SITE: SiteConfig = siteSchema.parse({
  site: { id: 'tpro', name: 'T-Pro household', gridType: 'prosumer', timezone: 'Europe/Rome', location: { latitude: 39.36, longitude: 16.23 }, pcc: { meter: 'grid', contractedPowerKw: 8 } },
  assets: [
    { id: 'grid', name: 'Grid meter', kind: 'smart-meter', nature: 'Meter', role: 'pcc' },
    { id: 'tpro', name: 'AMPERE T-Pro 9 kW / 12 kWh', kind: 'ess', nature: 'Ess', rating: { powerKw: 9, capacityKwh: 12 }, limits: { socMinPct: 10, socMaxPct: 95 } },
  ],
  devices: [],
});

const T = 'tpro/SetActivePower';
const at = (pcc: number | 'bad' | 'stale', ess: number | 'bad' | 'stale', soc: number | 'bad' | 'stale' = 50) => ({ 'grid/ActivePower': pcc, 'tpro/ActivePower': ess, 'tpro/Soc': soc });

/** runTable's first cycle runs at T0 + 1 s, each row 1 s later */
const T0 = Date.UTC(2026, 0, 5, 12);
const ISSUED = Date.UTC(2026, 0, 5, 11, 0);

/** A plan of 1-s steps, one per row: a number is the planned battery power, a string why there is none. */
function planOf(steps: ReadonlyArray<number | string>): PlanSetpointSource & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    setpoint(essId, now) {
      asked.push(essId);
      const s = steps[Math.round((now - T0) / 1000) - 1];
      if (s === undefined) return { fallback: 'the latest plan does not cover now' };
      return typeof s === 'number' ? { kw: s, socPct: 50, issuedAt: ISSUED } : { fallback: s };
    },
  };
}

type PRow = Row & { why?: RegExp };

function check(controllers: Controller[], rows: PRow[]): void {
  for (const { row, got } of runTable(SITE, controllers, T, rows)) {
    const r = row as PRow;
    assert.ok(got, `${r.name}: no setpoint`);
    assert.ok(Math.abs(got.value - (r.expect as number)) < 1e-9, `${r.name}: expected ${r.expect} kW, got ${got.value} kW (${got.source}: ${got.why})`);
    if (r.source !== undefined) assert.equal(got.source, r.source, `${r.name}: source (${got.why})`);
    if (r.how !== undefined) assert.equal(got.how, r.how, `${r.name}: how (${got.why})`);
    if (r.why) assert.match(got.why, r.why, `${r.name}: why`);
  }
}

describe('SelfConsumptionController (T-Pro 9 kW)', () => {
  it('charges from the PV surplus at the PCC, discharges to cover the import, within the battery limits', () => {
    check([new SelfConsumptionController({ ess: 'tpro' })], [
      { name: 'PV surplus 4 kW, battery idle', inputs: at(-4, 0), expect: -4, source: 'self-consumption', how: 'value', why: /PV surplus of 4 kW.*charging 4 kW/ },
      { name: 'battery answered: PCC at 0', inputs: at(0, -4), expect: -4 },
      { name: 'cloud: import 3 kW while charging 4', inputs: at(3, -4), expect: -1 },
      { name: 'evening: import 3 kW', inputs: at(3, 0), expect: 3, why: /imports 3 kW.*discharging 3 kW/ },
      { name: 'import 12 kW: capped at the 9 kW rating', inputs: at(12, 0), expect: 9 },
      { name: 'PV surplus 15 kW: capped at the 9 kW rating', inputs: at(-15, 0), expect: -9 },
      { name: 'balanced', inputs: at(0, 0), expect: 0 },
      { name: 'PCC meter comm failure: 0 kW', inputs: at('bad', 2), expect: 0, how: 'fallback', why: /holds 0 kW/ },
      { name: 'battery power stale: 0 kW', inputs: at(3, 'stale'), expect: 0, how: 'fallback' },
      { name: 'back to normal', inputs: at(-2, 0), expect: -2 },
    ]);
  });
});

describe('PlanFollowingController', () => {
  it('follows the plan step by step and falls back to self-consumption (with the reason) while there is no plan', () => {
    const plan = planOf([3, -2, 'no plan yet', 'the last solve failed: infeasible', 0, 'the latest plan does not cover now', 1.5]);
    const pf = new PlanFollowingController({ type: 'plan-following', ess: 'tpro' }, () => plan);
    check([pf], [
      { name: 'plan: discharge 3 kW (PV surplus ignored)', inputs: at(-4, 0), expect: 3, source: 'plan-following', how: 'value', why: /^plan \(issued 2026-01-05 11:00 UTC\): discharge 3 kW/ },
      { name: 'plan: charge 2 kW', inputs: at(5, 3), expect: -2, why: /^plan .*charge 2 kW/ },
      { name: 'no plan yet: self-consumption charges the 4 kW surplus', inputs: at(-2, -2), expect: -4, source: 'plan-following', why: /^fallback: self-consumption \(no plan yet\): PV surplus of 4 kW/ },
      { name: 'failed solve: self-consumption covers the 2.5 kW import', inputs: at(6.5, -4), expect: 2.5, why: /^fallback: self-consumption \(the last solve failed: infeasible\): .*discharging 2.5 kW/ },
      { name: 'plan again: hold 0 kW although the site imports', inputs: at(2.5, 2.5), expect: 0, how: 'value', why: /^plan .*hold 0 kW/ },
      { name: 'stale plan: self-consumption', inputs: at(1, 0), expect: 1, why: /^fallback: self-consumption \(the latest plan does not cover now\)/ },
      { name: 'plan again: discharge 1.5 kW', inputs: at(1, 1), expect: 1.5, why: /^plan / },
      { name: 'fallback with the PCC unknown: 0 kW', inputs: at('bad', 0), expect: 0, how: 'fallback', why: /^fallback: self-consumption \(the latest plan does not cover now\): self-consumption holds 0 kW/ },
    ]);
    assert.ok(plan.asked.every((e) => e === 'tpro'), 'the plan is asked for the configured battery');
  });

  it('without a plan service (no energy section, planning off) it holds the site with self-consumption', () => {
    const [pf] = controllersFromConfig([{ type: 'plan-following', ess: 'tpro' }]);
    check([pf as Controller], [
      { name: 'PV surplus 3 kW', inputs: at(-3, 0), expect: -3, source: 'plan-following', why: /^fallback: self-consumption \(no plan service runs on this site/ },
      { name: 'import 2 kW', inputs: at(2, 0), expect: 2 },
    ]);
  });
});

describe('SoC protection and peak shaving bound plan following (8 kW contracted)', () => {
  it('the plan stands within the bounds; the PCC never goes over the limit and the SoC window holds whatever the plan says', () => {
    const plan = planOf([2, -6, 0, 4, 'the last solve failed: infeasible', -9, -9, 3]);
    const stack = [
      new SocProtectionController({ type: 'soc-protection', ess: 'tpro' }),
      new PeakShavingController({ type: 'peak-shaving', ess: 'tpro', rechargeKw: 3 }),
      new PlanFollowingController({ type: 'plan-following', ess: 'tpro' }, () => plan),
    ];
    check(stack, [
      { name: 'load 5 kW, plan discharges 2 kW: the plan stands', inputs: at(5, 0), expect: 2, source: 'plan-following', how: 'value' },
      { name: 'load 5 kW, plan charges 6 kW: only the 3 kW headroom under the limit', inputs: at(3, 2), expect: -3, source: 'peak-shaving', how: 'bound' },
      { name: 'load 15 kW, plan holds 0: peak shaving discharges the 7 kW excess', inputs: at(18, -3), expect: 7, source: 'peak-shaving', how: 'bound' },
      { name: 'plan discharges 4 kW at the 10 % reserve: no discharge', inputs: at(5, 0, 10), expect: 0, source: 'soc-protection', how: 'bound' },
      { name: 'failed plan, load 15 kW: self-consumption covers 9 kW, above the 7 kW peak shaving needs', inputs: at(15, 0), expect: 9, source: 'plan-following', how: 'value' },
      { name: 'plan charges 9 kW at the 95 % maximum: no charge', inputs: at(-1, 0, 95), expect: 0, source: 'soc-protection', how: 'bound' },
      { name: 'plan charges 9 kW, PV surplus 4 kW: all 9 kW fit under the limit', inputs: at(-4, 0), expect: -9, source: 'plan-following', how: 'value' },
      { name: 'SoC unknown: 0 kW whatever the plan says', inputs: at(5, 0, 'bad'), expect: 0, source: 'soc-protection', how: 'bound' },
    ]);
  });
});

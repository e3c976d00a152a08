import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ESS_MODE } from '../model/battery';
import { Plant, type PlantConfig } from '../model/plant';

const demo: PlantConfig = {
  seed: 42,
  latitude: 36.7157,
  longitude: -4.4776,
  timezone: 'Europe/Madrid',
  meter: { id: 'pcc' },
  ess: { id: 'ess', powerKw: 100, capacityKwh: 120, initialSocPct: 55, peakShavingLimitKw: 60 },
  pv: { id: 'pv', peakKwp: 75, inverterKw: 60 },
  load: { id: 'load', peakKw: 70 },
  evChargers: [{ id: 'ev1' }, { id: 'ev2' }],
};

function balance(p: Plant): number {
  const v = p.values();
  const get = (a: string, c: string) => v[a]?.[c] ?? Number.NaN;
  return get('pcc', 'ActivePower') - (get('load', 'ActivePower') + get('ev1', 'ActivePower') + get('ev2', 'ActivePower') - get('pv', 'ActivePower') - get('ess', 'ActivePower'));
}

describe('plant: energy balance at the PCC (import = load + EV − PV − battery)', () => {
  const scenarios: Array<{ name: string; start: string; dtS: number; steps: number; setup: (p: Plant) => void }> = [
    { name: 'weekday, remote setpoint −40 kW, 1 s steps over 2 h', start: '2025-01-15T07:00:00Z', dtS: 1, steps: 7200, setup: (p) => p.write('ess', 'SetActivePower', -40) },
    { name: 'summer day, peak shaving, 1 min steps over 24 h', start: '2025-06-18T00:00:00Z', dtS: 60, steps: 1440, setup: (p) => p.write('ess', 'Mode', ESS_MODE.PeakShaving) },
    { name: 'clouds and a load step, 200 ms steps', start: '2025-04-02T10:00:00Z', dtS: 0.2, steps: 3000, setup: (p) => p.setEnv({ pvFactor: 0.3, loadStepKw: 25 }) },
    { name: 'speed 3600 (12 min steps, sub-stepped) over a week', start: '2025-05-05T00:00:00Z', dtS: 720, steps: 840, setup: (p) => p.write('ess', 'Mode', 1) },
  ];
  for (const s of scenarios) {
    it(s.name, () => {
      const p = new Plant(demo, Date.parse(s.start));
      s.setup(p);
      let energyIn = 0;
      for (let i = 0; i < s.steps; i++) {
        p.step(s.dtS);
        assert.ok(Math.abs(balance(p)) < 1e-9, `step ${i}: imbalance ${balance(p)}`);
        energyIn += p.summary().gridKw;
      }
      assert.ok(Number.isFinite(energyIn));
      const v = p.values();
      assert.ok((v.ess?.Soc ?? -1) >= 0 && (v.ess?.Soc ?? 101) <= 100);
      assert.ok(Math.abs((v.pcc?.Frequency ?? 0) - 50) < 0.1);
      assert.ok(Math.abs((v.pcc?.VoltageL1 ?? 0) - 230) < 10);
    });
  }

  it('import / export counters integrate the PCC power', () => {
    const p = new Plant({ ...demo, pv: undefined, evChargers: [], load: { id: 'load', peakKw: 30, shape: 'flat', noiseKw: 0 } }, Date.parse('2025-01-15T00:00:00Z'));
    const imp0 = p.values().pcc?.ImportEnergy ?? 0;
    for (let i = 0; i < 3600; i++) p.step(1);
    assert.ok(Math.abs((p.values().pcc?.ImportEnergy ?? 0) - imp0 - 30) < 1e-6);
  });
});

describe('plant: determinism', () => {
  it('same seed and steps -> same values; another seed -> other noise', () => {
    const run = (seed: number) => {
      const p = new Plant({ ...demo, seed }, Date.parse('2025-01-15T08:00:00Z'));
      for (let i = 0; i < 500; i++) p.step(2);
      return p.values();
    };
    assert.deepEqual(run(1), run(1));
    assert.notDeepEqual(run(1), run(2));
  });
});

describe('plant: peak shaving, the AMPERE D3.1 validation (contracted 8 kW, load 15 kW)', () => {
  // At night (no PV), no EVs, a flat building load. First a charge process with no load, then a
  // 15 kW load is switched on: the battery covers the excess, the grid never exceeds 8 kW while
  // the battery has energy; once the BMS has nothing left to give, the grid takes the load.
  const cfg: PlantConfig = {
    ...demo,
    ess: { id: 'ess', powerKw: 100, capacityKwh: 120, initialSocPct: 30, peakShavingLimitKw: 8, rechargeKw: 20, initialMode: ESS_MODE.PeakShaving },
    pv: undefined,
    evChargers: [],
    load: { id: 'load', peakKw: 0, shape: 'flat', noiseKw: 0 },
  };

  it('reproduces the shape, one row per minute', () => {
    const p = new Plant(cfg, Date.parse('2025-01-15T20:00:00Z'));
    const rows: Array<{ min: number; load: number; grid: number; ess: number; soc: number; maxDis: number }> = [];
    for (let min = 0; min < 10 * 60; min++) {
      // the charge process: 30 min with no load, then the 15 kW load is switched on
      p.setEnv({ loadStepKw: min < 30 ? 0 : 15 });
      for (let s = 0; s < 60; s++) p.step(1);
      const v = p.values();
      rows.push({
        min,
        load: v.load?.ActivePower ?? NaN,
        grid: v.pcc?.ActivePower ?? NaN,
        ess: v.ess?.ActivePower ?? NaN,
        soc: v.ess?.Soc ?? NaN,
        maxDis: v.ess?.MaxDischargePower ?? NaN,
      });
    }
    for (const r of rows) {
      // the contracted power is never exceeded while the BMS can cover the excess
      if (r.maxDis >= 7) assert.ok(r.grid <= 8 + 1e-9, `minute ${r.min}: grid ${r.grid} kW`);
      // total consumption is always served: grid + battery = load
      assert.ok(Math.abs(r.grid + r.ess - r.load) < 1e-9);
    }
    const charging = rows.slice(1, 30);
    assert.ok(charging.every((r) => r.ess === -8 && r.grid === 8), 'charge process: recharge with the 8 kW headroom');
    assert.ok(rows[29] !== undefined && rows[0] !== undefined && rows[29].soc > rows[0].soc);
    const shaving = rows.slice(31, 120);
    assert.ok(shaving.every((r) => Math.abs(r.ess - 7) < 1e-9 && Math.abs(r.grid - 8) < 1e-9), 'load on: battery 7 kW, grid 8 kW');
    const last = rows[rows.length - 1];
    assert.ok(last && last.soc < 2 && last.grid > 14, `battery exhausted, the grid takes the load: ${JSON.stringify(last)}`);
  });
});

describe('plant: writes', () => {
  const rows: Array<{ asset: string; channel: string; value: number; read: string; expect: number | 'throws' }> = [
    { asset: 'ess', channel: 'SetActivePower', value: 250, read: 'SetActivePower', expect: 100 },
    { asset: 'ess', channel: 'SetActivePower', value: -30, read: 'SetActivePower', expect: -30 },
    { asset: 'ess', channel: 'Mode', value: 1, read: 'Mode', expect: 1 },
    { asset: 'ess', channel: 'Mode', value: 7, read: 'Mode', expect: 'throws' },
    { asset: 'ess', channel: 'Soc', value: 10, read: 'Soc', expect: 'throws' },
    { asset: 'ess', channel: 'PeakShavingLimit', value: 45, read: 'PeakShavingLimit', expect: 45 },
    { asset: 'pv', channel: 'ActivePowerLimit', value: 80, read: 'ActivePowerLimit', expect: 60 },
    { asset: 'pv', channel: 'ActivePowerLimit', value: 12.5, read: 'ActivePowerLimit', expect: 12.5 },
    { asset: 'ev2', channel: 'ChargePowerLimit', value: 11, read: 'ChargePowerLimit', expect: 11 },
    { asset: 'ev2', channel: 'ChargePowerLimit', value: -3, read: 'ChargePowerLimit', expect: 0 },
    { asset: 'pcc', channel: 'ActivePower', value: 1, read: 'ActivePower', expect: 'throws' },
  ];
  for (const r of rows)
    it(`${r.asset}/${r.channel} <- ${r.value}`, () => {
      const p = new Plant(demo, Date.parse('2025-01-15T10:00:00Z'));
      if (r.expect === 'throws') assert.throws(() => p.write(r.asset, r.channel, r.value));
      else {
        p.write(r.asset, r.channel, r.value);
        assert.equal(p.values()[r.asset]?.[r.read], r.expect);
      }
    });

  it('the battery follows a written setpoint and the PCC follows the battery', () => {
    const p = new Plant(demo, Date.parse('2025-01-15T10:00:00Z'));
    p.step(1);
    const before = p.summary();
    p.write('ess', 'SetActivePower', 40);
    for (let i = 0; i < 5; i++) p.step(0.2);
    const after = p.summary();
    assert.ok(Math.abs(after.essKw - 40) < 1e-9);
    assert.ok(Math.abs(after.gridKw - (before.gridKw - 40)) < 3, `${before.gridKw} -> ${after.gridKw}`);
  });
});

describe('plant: per-phase meters (balance per phase)', () => {
  it('the PCC and the building measure L1..L3, which add up to the totals; the building is unbalanced, the three-phase assets are not', () => {
    const p = new Plant(demo, Date.parse('2025-06-18T06:00:00Z'));
    for (let i = 0; i < 12 * 60; i++) {
      p.step(60);
      const v = p.values();
      const g = (a: string, c: string) => v[a]?.[c] ?? Number.NaN;
      for (const a of ['pcc', 'load']) {
        const sum = g(a, 'ActivePowerL1') + g(a, 'ActivePowerL2') + g(a, 'ActivePowerL3');
        assert.ok(Math.abs(sum - g(a, 'ActivePower')) < 1e-9, `${a}: L1+L2+L3 ${sum} against ${g(a, 'ActivePower')}`);
      }
      // per phase: import = the building's phase + a third of (EV − PV − battery)
      const rest = (g('ev1', 'ActivePower') + g('ev2', 'ActivePower') - g('pv', 'ActivePower') - g('ess', 'ActivePower')) / 3;
      for (const L of ['L1', 'L2', 'L3']) assert.ok(Math.abs(g('pcc', `ActivePower${L}`) - (g('load', `ActivePower${L}`) + rest)) < 1e-9);
      if (g('load', 'ActivePower') > 1) assert.ok(g('load', 'ActivePowerL1') > g('load', 'ActivePowerL2') && g('load', 'ActivePowerL2') > g('load', 'ActivePowerL3'), 'L1 carries the most');
    }
  });
});

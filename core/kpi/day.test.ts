/**
 * Each statistic and KPI against a hand-built day whose answer is worked out here, in the
 * comments beside each assertion. Local day 2026-06-10 (a Wednesday) in Europe/Madrid (UTC+2).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kpiConfigSchema } from '../common/kpi';
import { localDayBounds } from '../common/localtime';
import { computeDay, type AssetSeries, type Cell, type DayInput } from './day';
import { dayAgg, finalize, mergeInto, emptyAgg, type FinalizeContext } from './period';

const W = 900_000;
const H = 3_600_000;
const TZ = 'Europe/Madrid';

function cell(b: number, v0: number, v1 = v0, cover = 1): Cell {
  return { b, n: 2, min: Math.min(v0, v1), max: Math.max(v0, v1), tmin: v0 <= v1 ? b : b + W, tmax: v0 <= v1 ? b + W : b, first: v0, tfirst: b, last: v1, tlast: b + W, integ: ((v0 + v1) / 2) * W * cover, dur: W * cover };
}

/** a series of quarter hours from local hour blocks: [fromHour, toHour, kW] */
function blocks(from: number, spec: Array<[number, number, number]>, skipHours: Array<[number, number]> = []): Map<number, Cell> {
  const m = new Map<number, Cell>();
  for (const [a, b, kw] of spec)
    for (let t = from + a * H; t < from + b * H; t += W) {
      const h = (t - from) / H;
      if (skipHours.some(([x, y]) => h >= x && h < y)) continue;
      m.set(t, cell(t, kw));
    }
  return m;
}

/** SoC: 40 % rising to 80 % over 00-08 (charging 10 kW into 200 kWh), flat, falling to 40 % over 10-14, flat */
function soc(from: number): Map<number, Cell> {
  const m = new Map<number, Cell>();
  for (let t = from; t < from + 24 * H; t += W) {
    const h = (t - from) / H;
    const at = (x: number): number => (x <= 8 ? 40 + 5 * x : x <= 10 ? 80 : x <= 14 ? 80 - 10 * (x - 10) : 40);
    m.set(t, cell(t, at(h), at(h + 0.25)));
  }
  return m;
}

const config = kpiConfigSchema.parse({ taxesPct: 10, powerTermPerKwMonth: 3, emissions: { gridKgPerKwh: 0.2 }, cycleLife: [{ dodPct: 95, cycles: 6000 }] });
const tariff = { defaultPricePerKwh: 0.1, periods: [{ name: 'peak', days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const, from: '10:00', to: '14:00', pricePerKwh: 0.3 }] };

function handDay(over: Partial<DayInput> = {}, pccSkip: Array<[number, number]> = []): DayInput {
  const { from, to } = localDayBounds('2026-06-10', TZ);
  // A 00-08: load 10, ESS charges 10 -> PCC 20 | B 08-10: load 20, PV 10 -> PCC 10
  // C 10-14: load 50, PV 30, EV 10, ESS discharges 20 -> PCC 10 | D 14-24: load 10 -> PCC 10
  const assets: AssetSeries[] = [
    { id: 'pv', role: 'pv', p: blocks(from, [[0, 8, 0], [8, 10, 10], [10, 14, 30], [14, 24, 0]]) },
    { id: 'building', role: 'load', p: blocks(from, [[0, 8, 10], [8, 10, 20], [10, 14, 50], [14, 24, 10]]) },
    { id: 'evse', role: 'ev', p: blocks(from, [[0, 10, 0], [10, 14, 10], [14, 24, 0]]) },
    {
      id: 'ess',
      role: 'ess',
      p: blocks(from, [[0, 8, -10], [8, 10, 0], [10, 14, 20], [14, 24, 0]]),
      soc: soc(from),
      // Running, a Fault 12:00-13:00, Running again
      state: { t: [from - H, from + 12 * H, from + 13 * H], v: [2, 3, 2] },
      sohBms: null,
      capacityKwh: 200,
      socMinPct: 10,
      socMaxPct: 90,
      ratingKw: 100,
    },
  ];
  // 230 V, an interruption 16:00-16:10 (sustained) and one of 60 s at 20:00 (momentary)
  const vt = [from - 60_000, from + 16 * H, from + 16 * H + 600_000, from + 20 * H, from + 20 * H + 60_000];
  const vv = [230, 0, 230, 0, 230];
  return {
    date: '2026-06-10',
    tz: TZ,
    from,
    to,
    end: to,
    pcc: blocks(from, [[0, 8, 20], [8, 24, 10]], pccSkip),
    assets,
    voltage: { t: vt, v: vv, good: vv.map(() => true) },
    importTariff: tariff as unknown as DayInput['importTariff'],
    exportTariff: { defaultPricePerKwh: 0.05, periods: [] },
    contractedKw: 15,
    config,
    ...over,
  };
}

const ctx: FinalizeContext = { config, monthHours: () => 720, has: { pv: true, genset: false, wind: false, ess: true, load: true, ev: true, voltage: true, tariff: true } };
const near = (a: number | null | undefined, b: number, eps = 1e-3, what = ''): void => assert.ok(a !== null && a !== undefined && Math.abs(a - b) <= eps, `${what}: ${a} is not ${b}`);

test('a hand-built day: energies, shares, balance, cost with its no-battery counterfactual, CO2', () => {
  const d = computeDay(handDay());
  assert.equal(d.hours, 24);
  assert.equal(d.complete, true);
  const { stats: s } = finalize(dayAgg(d, [{ id: 'ess', capacityKwh: 200, socMinPct: 10, socMaxPct: 90 }]), ctx);
  near(s.gridImport?.value, 8 * 20 + 16 * 10, 1e-3, 'import'); // 320
  near(s.gridExport?.value, 0, 1e-3, 'export');
  near(s.pv?.value, 2 * 10 + 4 * 30, 1e-3, 'pv'); // 140
  near(s.load?.value, 80 + 40 + 200 + 100, 1e-3, 'load'); // 420
  near(s.ev?.value, 40, 1e-3, 'ev');
  near(s.essCharge?.value, 80, 1e-3, 'charge');
  near(s.essDischarge?.value, 80, 1e-3, 'discharge');
  for (const k of ['gridImport', 'pv', 'load', 'ev', 'essCharge']) assert.equal(s[k]?.coverage, 1, k);
  near(s.selfConsumption?.value, 100, 1e-3, 'self-consumption: nothing exported');
  near(s.selfSufficiency?.value, (100 * (460 - 320)) / 460, 1e-3, 'self-sufficiency = 1 - 320/460');
  near(s.renewableShare?.value, (100 * 140) / (140 + 320), 1e-3, 'renewable share');
  near(s.equivalentCycles?.value, 80 / (200 * 0.8), 1e-3, 'equivalent cycles = 80 / 160');
  near(s.zeroNetHours?.value, 0, 1e-3, 'never zero net');
  // charged 80 kWh at the cheapest price (00-08), discharged 80 in the peak (10-14)
  near(s.shifted?.value, 80, 1e-3, 'shifted');
  near(s.shiftedShare?.value, 100, 1e-3, 'shifted share');
  // energy: 160*0.1 + 20*0.1 + 40*0.3 + 100*0.1 = 40; power term 20 kW * 3/month * 24/720 = 2; taxes 10 %
  near(s.energyCost?.value, (40 + 2) * 1.1, 1e-3, 'cost');
  // without battery: PCC+ESS = 10 (00-08), 10, 30 (10-14), 10 -> 80*0.1 + 2 + 120*0.3 + 10 = 56; power 30*3/30 = 3
  near(s.costWithoutBattery?.value, (56 + 3) * 1.1, 1e-3, 'cost without battery');
  near(s.savings?.value, (59 - 42) * 1.1, 1e-3, 'savings');
  near(s.co2Emitted?.value, 320 * 0.2, 1e-3, 'co2');
  // without PV and battery: 10*8 + 20*2 + 60*4 + 10*10 = 460 kWh imported
  near(s.co2Avoided?.value, (460 - 320) * 0.2, 1e-3, 'co2 avoided');
  near(s.supplied?.value, 320 + 140 + 80, 1e-3, 'supplied');
  near(s.consumed?.value, 420 + 40 + 80, 1e-3, 'consumed');
  near(s.losses?.value, 0, 1e-3, 'losses');
  assert.equal(s.saifi?.value, 1, 'one sustained interruption; the 60 s one is momentary');
  near(s.saidi?.value, 10, 1e-3, 'SAIDI minutes');
  assert.equal(s.wind?.value, null);
  assert.deepEqual(s.wind?.missing, ['a wind asset (the site has none)']);
  assert.equal(s.drRevenue?.value, null);
  assert.ok(s.phaseBalance?.missing?.[0]?.includes('per phase'));
  assert.deepEqual(d.hourly.slice(0, 8), new Array(8).fill(10));
  assert.deepEqual(d.hourly.slice(10, 14), [60, 60, 60, 60]);
});

test('a hand-built day: KPIs (peak, load factor, smoothing, SoH, rainflow, efficiency, availability, supply)', () => {
  const d = computeDay(handDay());
  const { kpis: k } = finalize(dayAgg(d, [{ id: 'ess', capacityKwh: 200, socMinPct: 10, socMaxPct: 90 }]), ctx);
  near(k.peakReduction?.value, 30 - 20, 1e-3, 'peak 20 kW against 30 kW without the battery');
  near(k.loadFactor?.value, (100 * (320 / 24)) / 20, 1e-3, 'load factor');
  // ΔP: one step of 10 kW (08:00); without the battery steps of +20 and -20 kW
  near(k.smoothing?.value, 100 * (1 - Math.sqrt(100 / 800)), 1e-3, 'smoothing');
  near(k.congestionHours?.value, 8, 1e-3, 'import 20 kW above the contracted 15 kW for 8 h');
  // discharge of 80 kWh took SoC from 80 % to 40 %: 200 kWh measured, rated 200
  near(k.soh?.value, 100, 1e-3, 'SoH');
  assert.equal(k.sohBms?.value, null);
  // turning points 40, 80, 40: two half cycles of 40 % = one cycle; N(40 %) = 6000 * 95 / 40
  near(k.rainflowCycles?.value, 1, 1e-3, 'rainflow');
  near(k.cyclesToFailure?.value, 14250, 1e-3, 'cycles to failure');
  near(k.cycleDamage?.value, 100 / 14250, 1e-3, 'life consumed');
  near(k.roundTripEfficiency?.value, 100, 1e-3, 'round trip (SoC back where it started)');
  near(k.systemEfficiency?.value, 100, 1e-3, 'system efficiency');
  near(k.availability?.value, (100 * 23) / 24, 1e-3, 'availability: a one-hour fault');
  // mean SoC (60*8 + 80*2 + 60*4 + 40*10)/24 = 53.33 %, minus the 10 % reserve, of 200 kWh
  near(k.usefulEnergy?.value, ((1280 / 24 - 10) / 100) * 200, 1e-3, 'useful energy');
  near(k.lole?.value, 10 / 60, 1e-3, 'LOLE');
  near(k.securityOfSupply?.value, 100 * (1 - 10 / 1440), 1e-3, 'ASAI');
  near(k.costReduction?.value, (100 * 17) / 59, 1e-3, 'cost reduction');
  assert.equal(k.surplusManagement?.value, null, 'no surplus this day: the figure says so');
  assert.equal(k.surplusManagement?.note, 'no PV surplus in the period');
  assert.deepEqual(k.lcoe?.missing, ['kpi.economics.capex', 'kpi.economics.opexPerYear', 'kpi.economics.lifetimeYears']);
  assert.ok(k.curtailed?.missing?.length, 'curtailment says which input is missing');
});

test('missing data is coverage, never zero: two hours without the PCC meter', () => {
  const d = computeDay(handDay({}, [[2, 4]]));
  const { stats: s } = finalize(dayAgg(d, []), ctx);
  // 2 h of 20 kW not measured: 320 - 40, coverage 22/24
  near(s.gridImport?.value, 280, 1e-3, 'import of the measured time');
  near(s.gridImport?.coverage, 22 / 24, 1e-3, 'coverage');
  near(s.selfSufficiency?.coverage, 22 / 24, 1e-3, 'a combined figure covers what all its inputs cover');
  assert.equal(s.pv?.coverage, 1, 'PV was measured all day');
  // a quarter hour half covered counts half its time
  const half = handDay();
  const c = half.pcc!.get(half.from)!;
  (half.pcc as Map<number, Cell>).set(half.from, { ...c, integ: c.integ / 2, dur: c.dur / 2 });
  const s2 = finalize(dayAgg(computeDay(half), []), ctx).stats;
  near(s2.gridImport?.value, 320 - 20 * 0.125, 1e-3, 'half a quarter hour');
  near(s2.gridImport?.coverage, 1 - 0.125 / 24, 1e-3, 'its coverage');
});

test('an unfinished day (today) counts the hours so far', () => {
  const x = handDay();
  const d = computeDay({ ...x, end: x.from + 9 * H });
  assert.equal(d.complete, false);
  assert.equal(d.hours, 9);
  const { stats: s } = finalize(dayAgg(d, []), ctx);
  near(s.gridImport?.value, 160 + 10, 1e-3, 'import 00-09');
  assert.equal(s.gridImport?.coverage, 1, 'the future is not missing data');
});

test('two days are the sum of each: figures add, peaks take the highest, an interruption over midnight is one', () => {
  const a = computeDay(handDay());
  const agg = emptyAgg();
  mergeInto(agg, dayAgg(a, []));
  mergeInto(agg, dayAgg(a, []));
  const { stats: s, kpis: k } = finalize(agg, ctx);
  near(s.gridImport?.value, 640, 1e-3, 'import');
  near(k.peakReduction?.value, 10, 1e-3, 'peak');
  const m = emptyAgg();
  mergeInto(m, { ...dayAgg(a, []), interruptions: [{ from: 0, to: 100 }] });
  mergeInto(m, { ...dayAgg(a, []), interruptions: [{ from: 100, to: 300_000 }] });
  assert.deepEqual(m.interruptions, [{ from: 0, to: 300_000 }]);
});

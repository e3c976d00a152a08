/**
 * Demand-response revenue from recorded events (energy.05): a hand-built day whose answer is
 * worked out beside each assertion, and what it says without a remuneration or an event.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kpiConfigSchema } from '../common/kpi';
import { localDayBounds } from '../common/localtime';
import { computeDay, type Cell, type DayInput } from './day';
import { dayAgg, finalize } from './period';

const W = 900_000;
const H = 3_600_000;
const TZ = 'Europe/Madrid';
const { from, to } = localDayBounds('2026-06-10', TZ);

/** local hour blocks [fromHour, toHour, value], every quarter hour covered */
function blocks(spec: Array<[number, number, number]>): Map<number, Cell> {
  const m = new Map<number, Cell>();
  for (const [a, b, v] of spec) for (let t = from + a * H; t < from + b * H; t += W) m.set(t, { b: t, n: 2, min: v, max: v, tmin: t, tmax: t + W, first: v, tfirst: t, last: v, tlast: t + W, integ: v * W, dur: W });
  return m;
}

const has = { pv: false, genset: false, wind: false, ess: true, load: false, ev: false, voltage: false, tariff: true };
function day(dr: Map<number, Cell> | null, cfg = kpiConfigSchema.parse({ demandResponse: { pricePerKwh: 0.5 } })) {
  const x: DayInput = {
    date: '2026-06-10',
    tz: TZ,
    from,
    to,
    end: to,
    pcc: blocks([[0, 24, 10]]),
    // the battery discharges 40 kW 10:00-12:00, idle otherwise
    assets: [{ id: 'ess', role: 'ess', p: blocks([[0, 10, 0], [10, 12, 40], [12, 24, 0]]) }],
    voltage: null,
    importTariff: { defaultPricePerKwh: 0.1, periods: [] } as unknown as DayInput['importTariff'],
    exportTariff: null,
    contractedKw: 60,
    config: cfg,
    dr,
  };
  return finalize(dayAgg(computeDay(x), [{ id: 'ess', capacityKwh: 100, socMinPct: 10, socMaxPct: 90 }]), { config: cfg, monthHours: () => 720, has });
}

test('revenue of a recorded event: the battery energy inside it × the remuneration', () => {
  // an event 10:00-11:00 (flag 1), then 11:00-12:00 half covered by events (flag mean 0.5), none after
  const { stats, kpis } = day(blocks([[0, 10, 0], [10, 11, 1], [11, 12, 0.5], [12, 24, 0]]));
  // 40 kWh in the first hour + 20 kWh (half of the second) = 60 kWh × 0.5 = 30
  assert.equal(stats.drRevenue?.value, 30);
  assert.equal(stats.drRevenue?.coverage, 1);
  // revenue = export income (0) + savings (discharge 80 kWh at 0.10 = 8) + DR 30
  assert.equal(kpis.revenue?.value, 38);
});

test('no event recorded: 0 with a note; no remuneration configured or nothing recorded at all: says which', () => {
  const none = day(blocks([[0, 24, 0]]));
  assert.equal(none.stats.drRevenue?.value, 0);
  assert.match(none.stats.drRevenue?.note ?? '', /no demand-response event/);
  const noPrice = day(blocks([[0, 24, 1]]), kpiConfigSchema.parse({}));
  assert.equal(noPrice.stats.drRevenue?.value, null);
  assert.match(noPrice.stats.drRevenue?.missing?.join(' ') ?? '', /kpi\.demandResponse\.pricePerKwh/);
  const unrecorded = day(null);
  assert.equal(unrecorded.stats.drRevenue?.value, 0, 'a site that never had an event earns nothing from them');
});

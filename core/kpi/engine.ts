/**
 * The KPI engine: reads the historian's 15-minute rollups of the site's roles for each local
 * day (read-only, in the KPI worker), caches complete days and months, and answers period
 * summaries. A new day is added to its cached month; a year is the sum of its months, so the
 * daily update reads one day instead of a year.
 */
import type { Tariff } from '../common/energy';
import type { KpiConfig, KpiSummary, KpiSummaryRequest, PeriodRow, SankeyLink } from '../common/kpi';
import { datesBetween, datesOfMonth, localDayBounds, localParts, monthOf, nextDate } from '../common/localtime';
import { readRaw } from '../historian/query';
import { ROLLUP_LEVELS } from '../historian/rollup';
import type { Reader } from '../historian/store';
import { contractedAt, firstDifference, type ContractedStep } from './contracted';
import { computeDay, type AssetSeries, type Cell, type DayRecord, type Role } from './day';
import { dayAgg, emptyAgg, finalize, mergeInto, type EssInfo, type FinalizeContext, type PeriodAgg } from './period';

export interface KpiAssetSpec {
  id: string;
  name: string;
  nature: string;
  role: Role;
  /** point ids */
  p: string;
  soc?: string;
  state?: string;
  soh?: string;
  capacityKwh?: number;
  socMinPct?: number;
  socMaxPct?: number;
  ratingKw?: number;
}

export interface KpiSiteSpec {
  siteId: string;
  siteName: string;
  timezone: string;
  /** the site file's contracted power, kW */
  contractedKw: number;
  /** the contract over time (run-time changes, core/kpi/contracted.ts); absent: `contractedKw` throughout */
  contracted?: ContractedStep[];
  /** PCC meter ActivePower point id */
  pcc: string;
  /** PCC meter VoltageL1 point id, when the meter has one */
  voltage: string | null;
  assets: KpiAssetSpec[];
  importTariff: Tariff | null;
  exportTariff: Tariff | null;
  config: KpiConfig;
  /** the point the demo history writes (1 = simulated) */
  simulatedPoint: string;
  /** the point demand-response events are recorded as (1 while one is in force) */
  drPoint?: string;
  /** per-phase active power point ids (L1..L3): the PCC meter's and each load's, in the order of the load assets */
  phases?: { pcc: string[]; loads: string[][] };
}

const LEVEL_15 = ROLLUP_LEVELS.indexOf(900_000);
/** a day is final (cached) this long after it ended: the last quarter hour's rollup has closed */
const SETTLE_MS = 5 * 60_000;

interface MonthEntry {
  agg: PeriodAgg;
  last: string | null;
}

export class KpiEngine {
  private days = new Map<string, DayRecord>();
  private months = new Map<string, MonthEntry>();
  /** statistics of the cache, for the bench and the tests */
  readonly counters = { daysRead: 0, daysCached: 0 };
  private readonly essInfo: EssInfo[];

  constructor(
    private readonly reader: Reader,
    private readonly spec: KpiSiteSpec,
    private readonly now: () => number = Date.now,
  ) {
    this.essInfo = spec.assets.filter((a) => a.role === 'ess').map((a) => ({ id: a.id, capacityKwh: a.capacityKwh ?? null, socMinPct: a.socMinPct ?? 0, socMaxPct: a.socMaxPct ?? 100 }));
  }

  /**
   * The contract changed at run time: days from the first instant the new steps disagree with
   * the old ones are computed again (a change today leaves last month's figures as they were).
   */
  setContracted(steps: ContractedStep[]): void {
    const t = firstDifference(this.spec.contracted ?? [{ from: 0, kw: this.spec.contractedKw }], steps);
    this.spec.contracted = steps;
    if (t !== null) this.invalidate(localParts(t, this.spec.timezone).date);
  }

  /** forget cached days from `from` on (data was written for them, e.g. the demo history) */
  invalidate(fromDate?: string): void {
    for (const k of [...this.days.keys()]) if (!fromDate || k >= fromDate) this.days.delete(k);
    for (const k of [...this.months.keys()]) if (!fromDate || k >= fromDate.slice(0, 7)) this.months.delete(k);
  }

  private rollups(id: string | undefined, from: number, to: number): Map<number, Cell> | null {
    if (!id) return null;
    const pid = this.reader.pointId(id);
    if (pid === undefined) return new Map();
    const m = new Map<number, Cell>();
    for (const b of this.reader.aggRows(pid, LEVEL_15, from, to - 1)) m.set(b.b, b);
    return m;
  }

  private raw(id: string | undefined, from: number, to: number): { t: Float64Array; v: Float64Array; q: Uint8Array } | null {
    if (!id) return null;
    const pid = this.reader.pointId(id);
    if (pid === undefined) return { t: new Float64Array(0), v: new Float64Array(0), q: new Uint8Array(0) };
    return readRaw(this.reader, pid, from, to, true);
  }

  /** One local day, from the cache when it is final. */
  day(date: string): DayRecord {
    const hit = this.days.get(date);
    if (hit) {
      this.counters.daysCached++;
      return hit;
    }
    const s = this.spec;
    const { from, to } = localDayBounds(date, s.timezone);
    const now = this.now();
    const end = Math.min(to, now);
    const assets: AssetSeries[] = s.assets.map((a) => {
      const st = a.state ? this.raw(a.state, from, end) : null;
      const soh = a.soh ? this.raw(a.soh, from, end) : null;
      let sohBms: number | null = null;
      if (soh) for (let i = soh.t.length - 1; i >= 0; i--) if ((soh.q[i] as number) < 16 && Number.isFinite(soh.v[i] as number)) { sohBms = soh.v[i] as number; break; }
      return {
        id: a.id,
        role: a.role,
        p: this.rollups(a.p, from, end) ?? new Map(),
        ...(a.soc ? { soc: this.rollups(a.soc, from, end) ?? new Map() } : {}),
        ...(st ? { state: { t: st.t, v: Float64Array.from(st.v, (v, i) => ((st.q[i] as number) >= 16 ? Number.NaN : v)) } } : {}),
        sohBms,
        ...(a.capacityKwh !== undefined ? { capacityKwh: a.capacityKwh } : {}),
        ...(a.socMinPct !== undefined ? { socMinPct: a.socMinPct } : {}),
        ...(a.socMaxPct !== undefined ? { socMaxPct: a.socMaxPct } : {}),
        ...(a.ratingKw !== undefined ? { ratingKw: a.ratingKw } : {}),
      };
    });
    const v = this.raw(s.voltage ?? undefined, from, end);
    const sim = this.rollups(s.simulatedPoint, from, end);
    const d = computeDay({
      date,
      tz: s.timezone,
      from,
      to,
      end,
      pcc: this.rollups(s.pcc, from, end),
      assets,
      voltage: v ? { t: v.t, v: v.v, good: Array.from(v.q, (q) => q < 16) } : null,
      importTariff: s.importTariff,
      exportTariff: s.exportTariff,
      contractedKw: s.contractedKw,
      ...(s.contracted?.length ? { contractedAt: (t: number) => contractedAt(s.contracted as ContractedStep[], t, s.contractedKw) } : {}),
      config: s.config,
      simulated: sim ? [...sim.values()].some((c) => c.max > 0) : false,
      dr: s.drPoint ? this.rollups(s.drPoint, from, end) : null,
      phases: s.phases ? { pcc: s.phases.pcc.map((id) => this.rollups(id, from, end) ?? new Map()), loads: s.phases.loads.map((ids) => ids.map((id) => this.rollups(id, from, end) ?? new Map())) } : null,
    });
    this.counters.daysRead++;
    if (now >= to + SETTLE_MS) this.days.set(date, d);
    return d;
  }

  /** A whole month's aggregate from its cache, adding the final days it does not hold yet. */
  private month(month: string): PeriodAgg {
    const dates = datesOfMonth(month);
    let e = this.months.get(month);
    if (!e) {
      e = { agg: emptyAgg(), last: null };
      this.months.set(month, e);
    }
    const out = emptyAgg();
    mergeInto(out, e.agg);
    const now = this.now();
    for (const date of dates) {
      if (e.last !== null && date <= e.last) continue;
      const { from, to } = localDayBounds(date, this.spec.timezone);
      if (from >= now) break;
      const d = this.day(date);
      const a = dayAgg(d, this.essInfo);
      if (now >= to + SETTLE_MS && e.last === (dates[dates.indexOf(date) - 1] ?? null)) {
        // a final day joins the cached month (in order)
        mergeInto(e.agg, a);
        e.last = date;
      }
      mergeInto(out, a);
    }
    return out;
  }

  private periodAgg(dates: string[]): PeriodAgg {
    const agg = emptyAgg();
    const now = this.now();
    let i = 0;
    while (i < dates.length) {
      const date = dates[i] as string;
      const m = monthOf(date);
      const all = datesOfMonth(m);
      if (date === all[0] && dates[i + all.length - 1] === all[all.length - 1]) {
        mergeInto(agg, this.month(m));
        i += all.length;
        continue;
      }
      if (localDayBounds(date, this.spec.timezone).from < now) mergeInto(agg, dayAgg(this.day(date), this.essInfo));
      i++;
    }
    return agg;
  }

  private context(): FinalizeContext {
    const s = this.spec;
    const has = (r: Role) => s.assets.some((a) => a.role === r);
    return {
      config: s.config,
      monthHours: (m) => {
        const ds = datesOfMonth(m);
        return (localDayBounds(nextDate(ds[ds.length - 1] as string, 0), s.timezone).to - localDayBounds(ds[0] as string, s.timezone).from) / 3_600_000;
      },
      has: { pv: has('pv'), genset: has('genset'), wind: false, ess: has('ess'), load: has('load'), ev: has('ev'), voltage: s.voltage !== null, tariff: s.importTariff !== null },
    };
  }

  private row(key: string, agg: PeriodAgg, ctx: FinalizeContext): PeriodRow {
    const { stats } = finalize(agg, ctx);
    const v = (k: string) => stats[k]?.value ?? null;
    return {
      key,
      gridImport: v('gridImport'),
      gridExport: v('gridExport'),
      pv: v('pv'),
      load: v('load'),
      ev: v('ev'),
      essCharge: v('essCharge'),
      essDischarge: v('essDischarge'),
      cost: v('energyCost'),
      savings: v('savings'),
      co2: v('co2Emitted'),
      coverage: Math.min(stats.gridImport?.coverage ?? 0, stats.essCharge?.coverage ?? 1),
      simulated: agg.simulatedDays.length > 0,
    };
  }

  private contractOver(fromDate: string, toDate: string): { kw: number; changed: boolean } {
    const s = this.spec;
    const from = localDayBounds(fromDate, s.timezone).from;
    const to = Math.min(localDayBounds(toDate, s.timezone).to, this.now());
    const steps = s.contracted ?? [];
    return { kw: contractedAt(steps, to - 1, s.contractedKw), changed: steps.some((x) => x.from > from && x.from < to) };
  }

  summary(req: KpiSummaryRequest): KpiSummary {
    const t0 = performance.now();
    const c0 = { ...this.counters };
    const s = this.spec;
    const now = this.now();
    const dates = datesBetween(req.from, req.to).filter((d) => localDayBounds(d, s.timezone).from < now);
    const onlyEss = req.assets?.length ? new Set(req.assets) : null;
    const ctx = this.context();
    const pick = (agg: PeriodAgg): PeriodAgg => (onlyEss ? { ...agg, ess: agg.ess.filter((e) => onlyEss.has(e.id)) } : agg);
    const agg = this.periodAgg(dates);
    const { stats, kpis } = finalize(pick(agg), ctx);
    const days: PeriodRow[] = [];
    const heat: KpiSummary['heat'] = { dates: [], kwh: [] };
    const months = new Map<string, PeriodAgg>();
    for (const date of dates) {
      const d = this.day(date);
      const a = dayAgg(d, this.essInfo);
      days.push(this.row(date, a, ctx));
      heat.dates.push(date);
      heat.kwh.push(d.hourly.map((x) => (x === null ? null : Math.round(x * 100) / 100)));
      const m = monthOf(date);
      mergeInto(months.get(m) ?? months.set(m, emptyAgg()).get(m)!, a);
    }
    const monthRows = [...months.entries()].map(([m, a]) => this.row(m, a, ctx));
    const kwh = (k: string) => Math.max(0, stats[k]?.value ?? 0);
    const sankey: SankeyLink[] = [
      { source: 'Grid import', target: 'Site', kwh: kwh('gridImport') },
      { source: 'PV', target: 'Site', kwh: kwh('pv') },
      { source: 'Genset', target: 'Site', kwh: kwh('genset') },
      { source: 'Battery discharge', target: 'Site', kwh: kwh('essDischarge') },
      { source: 'Site', target: 'Building load', kwh: kwh('load') },
      { source: 'Site', target: 'EV charging', kwh: kwh('ev') },
      { source: 'Site', target: 'Battery charge', kwh: kwh('essCharge') },
      { source: 'Site', target: 'Grid export', kwh: kwh('gridExport') },
      { source: 'Site', target: 'Losses', kwh: kwh('losses') },
    ].filter((l) => l.kwh > 0.005);
    const assetRows = s.assets
      .filter((a) => !onlyEss || onlyEss.has(a.id))
      .map((a) => {
        const r = agg.assets[a.id] ?? { pos: { v: 0, c: 0 }, neg: { v: 0, c: 0 } };
        const hours = agg.hours * 3_600_000;
        const F = (x: { v: number; c: number }) => ({ value: x.c > 0 ? Math.round(x.v * 1000) / 1000 : null, unit: 'kWh', coverage: hours > 0 ? Math.round((x.c / hours) * 10_000) / 10_000 : 0 });
        return { asset: a.id, name: a.name, nature: a.nature, positive: F(r.pos), negative: F(r.neg) };
      });
    const out: KpiSummary = {
      siteId: s.siteId,
      siteName: s.siteName,
      timezone: s.timezone,
      currency: s.config.currency,
      from: req.from,
      to: req.to,
      hours: Math.round(agg.hours * 1000) / 1000,
      stats,
      kpis,
      assets: assetRows,
      days,
      months: monthRows,
      heat,
      sankey,
      simulatedDays: agg.simulatedDays,
      contract: this.contractOver(req.from, req.to),
      computed: { daysRead: 0, daysCached: 0, ms: 0 },
    };
    if (req.compare) {
      const n = datesBetween(req.from, req.to).length;
      const pFrom = nextDate(req.from, -n);
      const pTo = nextDate(req.from, -1);
      const p = finalize(pick(this.periodAgg(datesBetween(pFrom, pTo).filter((d) => localDayBounds(d, s.timezone).from < now))), ctx);
      out.previous = { from: pFrom, to: pTo, ...p };
    }
    out.computed = { daysRead: this.counters.daysRead - c0.daysRead, daysCached: this.counters.daysCached - c0.daysCached, ms: Math.round((performance.now() - t0) * 10) / 10 };
    return out;
  }
}

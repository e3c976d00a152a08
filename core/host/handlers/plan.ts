/** API handlers of the plan service: status, plans, LP files, the operator's re-plan request (audited). */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { ApiError } from '../../common';
import { OBJECTIVES } from '../../common/energy';
import type { ForecastSeries } from '../../common/historian';
import { ACCURACY_HORIZONS_MS, type ForecastAccuracy, type ForecastHorizonAccuracy, type PlanApiMethods } from '../../common/plan';
import type { SiteConfig } from '../../common/site';
import { accuracy } from '../../forecast/accuracy';
import type { PlanService } from '../../plan/service';
import { auditActor } from '../../security';
import type { Handlers } from '../dispatcher';
import type { Services } from '../services';

type PlanHandlers = Pick<Handlers, keyof PlanApiMethods>;

const LP_MAX_BYTES = 20 * 1024 * 1024;

const DAY = 86_400_000;

/**
 * Forecasts against measured values: every Load and PV asset's stored forecast (the issue made
 * at or before each instant, or at least a horizon before it: a real forecast, never one made
 * afterwards) against its measured power, at the forecast's step for long periods and down to
 * 1 min for short ones (a step's value holds through the step), with persistence (the measured
 * value a day earlier) for the skill. The series shown is horizon 0; the figures come per horizon.
 */
async function forecastAccuracy(s: Services, site: SiteConfig, from: number, to: number): Promise<{ from: number; to: number; intervalMs: number; forecasts: ForecastAccuracy[] }> {
  const intervalMs = Math.max(60_000, Math.min(15 * 60_000, Math.ceil((to - from) / 500 / 60_000) * 60_000));
  const grid: number[] = [];
  for (let t = Math.ceil(from / intervalMs) * intervalMs; t <= to; t += intervalMs) grid.push(t);
  const items = site.assets.flatMap((a) =>
    a.nature === 'Load' ? [{ series: `forecast/${a.id}/load`, measured: `${a.id}/ActivePower`, label: `${a.name} (load forecast)` }] : a.nature === 'Pv' ? [{ series: `forecast/${a.id}/power`, measured: `${a.id}/ActivePower`, label: `${a.name} (PV forecast)` }] : [],
  );
  const num = (x: number) => (Number.isFinite(x) ? x : null);
  const out: ForecastAccuracy[] = [];
  for (const it of items) {
    const measured = async (shift: number) => {
      const r = await s.historian.query({ ids: [it.measured], from: from - shift, to: to - shift, mode: 'interpolated', intervalMs });
      const pen = r.pens[0];
      const m = new Map<number, number>();
      pen?.t.forEach((t, i) => {
        const v = pen.v[i];
        if (typeof v === 'number' && Number.isFinite(v)) m.set(t + shift, v);
      });
      return m;
    };
    const [now, dayBefore] = await Promise.all([measured(0), measured(DAY)]);
    const actual = grid.map((t) => now.get(t) ?? null);
    const persistence = grid.map((t) => dayBefore.get(t) ?? null);
    const horizons: ForecastHorizonAccuracy[] = [];
    let shown: { forecast: (number | null)[]; stored: boolean } | undefined;
    for (const horizonMs of ACCURACY_HORIZONS_MS) {
      const [f] = await s.historian.queryForecast({ series: [it.series], from: from - DAY, to, issue: { horizonMs } });
      const forecast = grid.map((ms) => stepValueAt(f, ms));
      const a = accuracy(actual, forecast, persistence);
      horizons.push({ horizonMs, n: a.n, mae: num(a.mae), nrmse: num(a.nrmse), skill: num(a.skill) });
      shown ??= { forecast, stored: (f?.t.length ?? 0) > 0 };
    }
    const h0 = horizons[0] as ForecastHorizonAccuracy;
    const quality = h0.n === 0 ? 'bad' : h0.n < 12 || h0.skill === null ? 'uncertain' : 'good';
    const why =
      h0.n === 0 ? (shown?.stored ? 'no measured values where the forecast applies' : 'no forecast stored for this period')
      : h0.n < 12 ? `only ${h0.n} pairs of forecast and measured values`
      : h0.skill === null ? 'no measured values a day earlier: the skill against persistence is unknown' : undefined;
    out.push({ ...it, unit: 'kW', t: grid, forecast: shown?.forecast ?? [], actual, n: h0.n, mae: h0.mae, nrmse: h0.nrmse, skill: h0.skill, quality, ...(why ? { why } : {}), horizons });
  }
  return { from, to, intervalMs, forecasts: out };
}

/** The value of a stored forecast at `ms`: its step's value, held through the step (null outside it). */
function stepValueAt(f: ForecastSeries | undefined, ms: number): number | null {
  if (!f || f.t.length === 0 || ms < (f.t[0] as number)) return null;
  let lo = 0;
  let hi = f.t.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((f.t[mid] as number) <= ms) lo = mid;
    else hi = mid - 1;
  }
  let step = f.t.length > 1 ? Infinity : 15 * 60_000;
  for (let i = 1; i < Math.min(f.t.length, 50); i++) step = Math.min(step, (f.t[i] as number) - (f.t[i - 1] as number));
  return ms - (f.t[lo] as number) < step ? (f.v[lo] ?? null) : null;
}

export function planHandlers(s: Services, siteId: string, timezone: string, plans: PlanService | undefined, site?: SiteConfig): PlanHandlers {
  const need = (): PlanService => {
    if (!plans) throw new ApiError('unavailable', 'this site has no energy section in its site file: nothing is planned');
    return plans;
  };
  return {
    'plan.status': () => {
      if (!plans) return { enabled: false, mode: { mode: 'fallback', reason: 'the site file has no energy section' }, objectives: OBJECTIVES, timezone };
      const latest = plans.list(1)[0];
      return { enabled: true, mode: plans.mode(), objective: plans.currentObjective, objectives: OBJECTIVES, timezone, ...(latest ? { latest } : {}) };
    },
    'forecast.accuracy': async (_ctx, arg) => {
      if (!site?.energy) throw new ApiError('unavailable', 'this site has no energy section in its site file: nothing is forecast');
      const to = arg.to ?? Date.now();
      const from = arg.from ?? to - DAY;
      if (!(from < to) || to - from > 31 * DAY) throw new ApiError('bad-request', 'choose a period of up to 31 days that ends after it starts', { path: 'from' });
      return forecastAccuracy(s, site, from, to);
    },
    'plan.list': (_ctx, arg) => (plans ? plans.list(arg.limit ?? 50) : []),
    'plan.get': (_ctx, arg) => {
      const p = need();
      const r = arg.issuedAt === undefined ? p.latestPlan() : p.get(arg.issuedAt);
      if (arg.issuedAt !== undefined && !r) throw new ApiError('not-found', `no plan issued at ${new Date(arg.issuedAt).toISOString()}`, { path: 'issuedAt' });
      return r ?? null;
    },
    'plan.lp': (_ctx, arg) => {
      const file = need().lpPath(arg.issuedAt);
      if (!file) throw new ApiError('not-found', `no LP file for the plan issued at ${new Date(arg.issuedAt).toISOString()}`, { path: 'issuedAt' });
      if (statSync(file).size > LP_MAX_BYTES) throw new ApiError('unavailable', `the LP file is larger than ${LP_MAX_BYTES / 1024 / 1024} MB; support can copy it from ${file}`);
      return { filename: basename(file), text: readFileSync(file, 'utf8') };
    },
    'plan.replan': async (ctx, arg) => {
      const p = need();
      if (!ctx.principal) throw new ApiError('unauthenticated', 'not signed in', { rule: 'session.required' });
      const before = { objective: p.currentObjective };
      const r = await p.replan('event', arg.reason, ctx.principal.username, arg.objective);
      s.audit.append({
        type: 'plan.replan',
        ...auditActor(ctx.principal),
        siteId,
        outcome: r.ok ? 'ok' : 'failed',
        reason: arg.reason,
        before,
        after: { objective: r.objective, issuedAt: r.issuedAt },
        details: r.ok ? { objectiveValue: r.objectiveValue, steps: r.steps } : { error: r.error },
      });
      const { terms: _t, series: _s, storageExclusivity: _e, integerVariables: _i, variables: _v, constraints: _c, ...summary } = r;
      return summary;
    },
  };
}

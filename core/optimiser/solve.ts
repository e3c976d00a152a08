/**
 * Builds, solves and reads back a plan. Runs inside the optimiser worker (worker.ts); tests
 * may call it directly. HiGHS' solve is synchronous: it must never run on the core's thread.
 */
import highsLoader from 'highs';
import type { PlanSeries } from '../common/plan';
import { buildModel, TERMS, type BuiltModel } from './model';
import { limitAt, valueAt, type ModelOptions, type PlanProblem } from './problem';

export interface SolveSettings {
  timeLimitS?: number;
  mipGap?: number;
  /**
   * HiGHS presolve; default: 'off' for a pure LP (the relaxation rounds: it costs more than it
   * saves in the WebAssembly build) and 'on' once binaries are in (the lazy rounds' few
   * binaries: 3x less CPU at 288 steps, bench/optimiser.bench.ts)
   */
  presolve?: 'off' | 'choose' | 'on';
}

export interface SolvedPlan {
  start: number;
  stepMinutes: number;
  steps: number;
  objective: PlanProblem['objective'];
  status: 'optimal' | 'time-limit';
  objectiveValue: number;
  /** value of every objective term, currency (or kWh for self-consumption) */
  terms: Record<string, number>;
  series: PlanSeries;
  /** how charge/discharge exclusivity was held: binaries, or the LP relaxation (checked) */
  storageExclusivity: 'binary' | 'relaxed';
  integerVariables: number;
  variables: number;
  constraints: number;
  solveMs: number;
  /** the model solved, CPLEX LP format */
  lp: string;
}

export class SolveError extends Error {
  constructor(
    message: string,
    readonly status: string,
    readonly lp: string,
  ) {
    super(message);
    this.name = 'SolveError';
  }
}

type Highs = Awaited<ReturnType<typeof highsLoader>>;
let highs: Promise<Highs> | undefined;

function loadSolver(): Promise<Highs> {
  highs ??= highsLoader();
  return highs;
}

const EPS = 1e-6;

/** Why no plan exists, in words, when a simple check finds it; else undefined. */
export function explainInfeasible(p: PlanProblem): string | undefined {
  const when = (t: number) => new Date(p.start + t * p.stepMinutes * 60_000).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  for (let t = 0; t < p.steps; t++) {
    const load = (p.loadKw[t] ?? 0) + p.controllableLoads.reduce((s, l) => s + (l.baseKw[t] ?? 0) - Math.min(l.steps * l.stepKw, l.baseKw[t] ?? 0), 0);
    const supply =
      limitAt(p.importLimitKw, t) +
      p.pv.reduce((s, v) => s + (v.forecastKw[t] ?? 0), 0) +
      p.storage.reduce((s, b) => s + valueAt(b.maxDischargeKw, t), 0) +
      p.gensets.reduce((s, g) => s + g.maxKw, 0);
    if (load > supply + EPS)
      return `at ${when(t)} the site needs ${load.toFixed(1)} kW but the import limit, PV, batteries and gensets can give at most ${supply.toFixed(1)} kW`;
    const mustTake = p.pv.reduce((s, v) => s + (v.curtailable ? 0 : (v.forecastKw[t] ?? 0)), 0);
    const canTake = (p.loadKw[t] ?? 0) + limitAt(p.exportLimitKw, t) + p.storage.reduce((s, b) => s + valueAt(b.maxChargeKw, t), 0) + p.ev.reduce((s, e) => s + e.maxKw, 0);
    if (p.objective !== 'zero-export' && mustTake > canTake + EPS)
      return `at ${when(t)} PV that cannot be curtailed gives ${mustTake.toFixed(1)} kW but load, export limit and batteries take at most ${canTake.toFixed(1)} kW`;
    if (p.objective === 'zero-export' && mustTake > canTake - limitAt(p.exportLimitKw, t) + EPS && Number.isFinite(limitAt(p.exportLimitKw, t)))
      return `at ${when(t)} zero export is impossible: PV that cannot be curtailed gives ${mustTake.toFixed(1)} kW`;
  }
  for (const b of p.storage) {
    if (b.socInitPct < b.socMinPct && Math.max(...(Array.isArray(b.maxChargeKw) ? b.maxChargeKw : [b.maxChargeKw])) === 0)
      return `battery "${b.id}" is at ${b.socInitPct} %, below its window (${b.socMinPct} %), and may not charge`;
  }
  return undefined;
}

function hasSimultaneous(m: BuiltModel, x: ReadonlyMap<string, number>): boolean {
  for (let i = 0; i < m.problem.storage.length; i++)
    for (let t = 0; t < m.problem.steps; t++)
      if ((x.get(`p_sto_neg_b${i}_t${t}`) ?? 0) > 1e-5 && (x.get(`p_sto_pos_b${i}_t${t}`) ?? 0) > 1e-5) return true;
  return false;
}

const ON = 1e-6;

/** Every EV interval and genset block key of the model. */
function allBlocks(m: BuiltModel): string[] {
  return [...m.lp.vars.keys()].map((n) => /^(?:ev_on_|gen_on_)(ev\d+_k\d+|g\d+_k\d+)$/.exec(n)?.[1]).filter((k): k is string => k !== undefined);
}

/**
 * EV intervals and genset blocks whose relaxed answer is not on/off: an EV interval charging
 * below its minimum in some step (or not in all), a genset block with a fractional commitment.
 */
function fractionalBlocks(m: BuiltModel, x: ReadonlyMap<string, number>): string[] {
  const p = m.problem;
  const out: string[] = [];
  const evBlock = Math.max(1, Math.round(15 / p.stepMinutes));
  p.ev.forEach((e, i) => {
    if (e.minKw <= 0) return;
    for (let k = 0; k * evBlock < p.steps; k++) {
      if (!m.lp.vars.has(`ev_on_ev${i}_k${k}`) || m.lp.vars.get(`ev_on_ev${i}_k${k}`)?.type === 'binary') continue;
      const v: number[] = [];
      for (let t = k * evBlock; t < Math.min(p.steps, (k + 1) * evBlock); t++) v.push(x.get(`p_ev_ev${i}_t${t}`) ?? 0);
      const off = v.every((y) => y <= ON);
      const on = v.every((y) => y >= e.minKw - ON);
      if (!off && !on) out.push(`ev${i}_k${k}`);
    }
  });
  p.gensets.forEach((_g, i) => {
    for (let k = 0; ; k++) {
      const name = `gen_on_g${i}_k${k}`;
      const v = m.lp.vars.get(name);
      if (!v) break;
      if (v.type === 'binary') continue;
      const z = x.get(name) ?? 0;
      if (z > ON && z < 1 - ON) out.push(`g${i}_k${k}`);
    }
  });
  return out;
}

async function run(m: BuiltModel, settings: SolveSettings): Promise<{ x: Map<string, number>; status: 'optimal' | 'time-limit'; objective: number; lp: string }> {
  const solver = await loadSolver();
  const lp = m.lp.toString();
  let ints = 0;
  for (const v of m.lp.vars.values()) if (v.type !== 'continuous') ints++;
  const r = solver.solve(lp, {
    time_limit: settings.timeLimitS ?? 30,
    mip_rel_gap: settings.mipGap ?? 1e-4,
    presolve: settings.presolve ?? (ints > 0 ? 'on' : 'off'),
    output_flag: false,
    log_to_console: false,
  });
  const ok = r.Status === 'Optimal' || (r.Status === 'Time limit reached' && Object.values(r.Columns).some((c) => Number.isFinite((c as { Primal?: number }).Primal)));
  if (!ok) {
    const why = r.Status === 'Infeasible' || r.Status === 'Primal infeasible or unbounded' ? explainInfeasible(m.problem) : undefined;
    const what =
      r.Status === 'Infeasible' || r.Status === 'Primal infeasible or unbounded'
        ? 'no plan meets every constraint'
        : r.Status === 'Time limit reached'
          ? `the solver found no plan within its time limit of ${settings.timeLimitS ?? 30} s`
          : `the solver stopped with "${r.Status}"`;
    throw new SolveError(`${what}${why ? `: ${why}` : ''}`, r.Status, lp);
  }
  const x = new Map<string, number>();
  for (const [name, c] of Object.entries(r.Columns)) x.set(name, (c as { Primal: number }).Primal);
  return { x, status: r.Status === 'Optimal' ? 'optimal' : 'time-limit', objective: r.ObjectiveValue, lp };
}

const series = (x: ReadonlyMap<string, number>, name: (t: number) => string, T: number, clean = true): number[] =>
  Array.from({ length: T }, (_, t) => {
    const v = x.get(name(t)) ?? 0;
    return clean ? Math.round(v * 1e6) / 1e6 + 0 : v;
  });

/** Builds the model, solves it (re-solving with binaries if the relaxation is not exact) and reads the plan. */
export async function solvePlan(p: PlanProblem, options: ModelOptions = {}, settings: SolveSettings = {}): Promise<SolvedPlan> {
  const t0 = performance.now();
  const lazy = (options.integer ?? true) && (options.binaries ?? 'lazy') === 'lazy';
  const blocks = new Set<string>();
  const opts: ModelOptions = lazy ? { ...options, binaryBlocks: blocks } : options;
  let m = buildModel(p, opts);
  let r = await run(m, settings);
  let rounds = 1;
  for (;;) {
    if (!m.storageBinaries && options.storageExclusivity !== 'relaxed' && hasSimultaneous(m, r.x)) {
      m = buildModel(p, opts, true);
      r = await run(m, settings);
      rounds++;
      continue;
    }
    // lazy binaries: the intervals whose relaxed answer is not on/off become binary
    const missing = lazy ? fractionalBlocks(m, r.x).filter((k) => !blocks.has(k)) : [];
    if (missing.length === 0) break;
    for (const k of missing) blocks.add(k);
    // after a few rounds, every binary at once (the loop is finite either way)
    if (rounds >= 4) for (const k of allBlocks(m)) blocks.add(k);
    m = buildModel(p, opts, m.storageBinaries);
    r = await run(m, settings);
    rounds++;
  }
  const T = p.steps;
  const x = r.x;
  const plan: SolvedPlan = {
    start: p.start,
    stepMinutes: p.stepMinutes,
    steps: T,
    objective: p.objective,
    status: r.status,
    objectiveValue: r.objective,
    terms: m.lp.termValues(x),
    series: {
      gridImportKw: series(x, (t) => `p_grid_pos_t${t}`, T),
      gridExportKw: series(x, (t) => `p_grid_neg_t${t}`, T),
      loadKw: [...p.loadKw],
      importPrice: [...p.importPrice],
      exportPrice: [...p.exportPrice],
      storage: p.storage.map((b, i) => {
        const chargeKw = series(x, (t) => `p_sto_neg_b${i}_t${t}`, T);
        const dischargeKw = series(x, (t) => `p_sto_pos_b${i}_t${t}`, T);
        const out: PlanSeries['storage'][number] = {
          id: b.id,
          chargeKw,
          dischargeKw,
          powerKw: dischargeKw.map((d, t) => Math.round((d - (chargeKw[t] ?? 0)) * 1e6) / 1e6 + 0),
          socPct: series(x, (t) => `soe_b${i}_t${t}`, T, false).map((e) => Math.round((e / b.capacityKwh) * 100 * 1e6) / 1e6),
        };
        if (m.lp.vars.has(`p_reserve_b${i}_t0`)) out.reserveKw = series(x, (t) => `p_reserve_b${i}_t${t}`, T);
        if (m.lp.vars.has(`q_sto_b${i}_t0`)) out.reactiveKvar = series(x, (t) => `q_sto_b${i}_t${t}`, T);
        return out;
      }),
      pv: p.pv.map((v, i) => ({ id: v.id, availableKw: [...v.forecastKw], plannedKw: series(x, (t) => `p_pv_pv${i}_t${t}`, T) })),
      ev: p.ev.map((e, i) => ({ id: e.id, powerKw: series(x, (t) => `p_ev_ev${i}_t${t}`, T), unmetKwh: e.needs.map((_, k) => x.get(`ev_unmet_ev${i}_n${k}`) ?? 0) })),
      gensets: p.gensets.map((g, i) => {
        const block = Math.max(1, Math.round((g.minRunMinutes ?? 60) / p.stepMinutes));
        return { id: g.id, powerKw: series(x, (t) => `p_gen_g${i}_t${t}`, T), on: series(x, (t) => `gen_on_g${i}_k${Math.floor(t / block)}`, T).map((v) => v > 0.5) };
      }),
      controllableLoads: p.controllableLoads.map((l, i) => ({ id: l.id, curtailedKw: series(x, (t) => `curt_steps_l${i}_t${t}`, T).map((n) => n * l.stepKw) })),
    },
    storageExclusivity: m.storageBinaries ? 'binary' : 'relaxed',
    integerVariables: m.lp.integerCount,
    variables: m.lp.vars.size,
    constraints: m.lp.rows.length,
    solveMs: performance.now() - t0,
    lp: r.lp,
  };
  return plan;
}

export { TERMS };
export type { PlanSeries };

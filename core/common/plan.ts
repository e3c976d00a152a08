/**
 * Plans as the API and the screens see them (core/plan makes them, core/optimiser solves
 * them). Powers in kW (grid import positive, battery discharge positive), SoC in %, prices in
 * currency per kWh, times in ms since the epoch.
 */
import { z } from 'zod';
import { OBJECTIVES, type ObjectiveName } from './energy';

export type PlanKind = 'day-ahead' | 'intraday' | 'event';

export interface PlanSeries {
  gridImportKw: number[];
  gridExportKw: number[];
  loadKw: number[];
  importPrice: number[];
  exportPrice: number[];
  storage: Array<{ id: string; chargeKw: number[]; dischargeKw: number[]; /** setpoint, positive = discharge */ powerKw: number[]; socPct: number[]; reserveKw?: number[]; /** planned reactive power, kvar, + = delivered */ reactiveKvar?: number[] }>;
  pv: Array<{ id: string; availableKw: number[]; plannedKw: number[] }>;
  ev: Array<{ id: string; powerKw: number[]; unmetKwh: number[] }>;
  gensets: Array<{ id: string; powerKw: number[]; on: boolean[] }>;
  controllableLoads: Array<{ id: string; curtailedKw: number[] }>;
}

/** A plan as listed: enough to choose one. */
export interface PlanSummary {
  /** issue time, ms: the plan's id */
  issuedAt: number;
  kind: PlanKind;
  reason: string;
  requestedBy: string;
  ok: boolean;
  start: number;
  stepMinutes: number;
  steps: number;
  objective: ObjectiveName;
  objectiveValue?: number;
  error?: string;
  forecastSource?: string;
  /** external grid signals the plan was made with (TSO setpoints and PCC caps in its steps), in words */
  externalSignals?: string;
  solveMs?: number;
  /** the plan solved but its series could not be written to the historian */
  storageError?: string;
  /** file names under the plan folder */
  file: string;
  lpFile?: string;
}

export interface PlanRecord extends PlanSummary {
  /** value of every objective term */
  terms?: Record<string, number>;
  series?: PlanSeries;
  storageExclusivity?: 'binary' | 'relaxed';
  integerVariables?: number;
  variables?: number;
  constraints?: number;
}

export type PlanMode = { mode: 'plan'; issuedAt: number } | { mode: 'fallback'; reason: string };

export interface PlanStatus {
  /** false: the site file has no energy section */
  enabled: boolean;
  mode: PlanMode;
  objective?: ObjectiveName;
  objectives: readonly ObjectiveName[];
  latest?: PlanSummary;
  timezone: string;
}

/** One forecast against what was measured (issue #11 item 5: the accuracy screen). */
export interface ForecastAccuracy {
  /** the stored forecast series, e.g. "forecast/building/load" */
  series: string;
  /** the measured point, e.g. "building/ActivePower" */
  measured: string;
  label: string;
  unit: 'kW';
  /** instants compared (ms), the forecast issued before each instant, and the measured value */
  t: number[];
  forecast: (number | null)[];
  actual: (number | null)[];
  /** pairs with both values */
  n: number;
  /** kW */
  mae: number | null;
  /** RMSE over the range of the measured values */
  nrmse: number | null;
  /** 1 - RMSE / RMSE of persistence (the value a day earlier); null when a day earlier is unknown */
  skill: number | null;
  /** good: enough pairs; uncertain: fewer than 12 pairs or no persistence; bad: nothing to compare */
  quality: 'good' | 'uncertain' | 'bad';
  why?: string;
  /**
   * The same figures per forecast horizon: for each instant the latest forecast issued at least
   * `horizonMs` before it (0: the latest issued before the instant; 86,400,000: the day-ahead view).
   */
  horizons: ForecastHorizonAccuracy[];
}

export interface ForecastHorizonAccuracy {
  horizonMs: number;
  n: number;
  mae: number | null;
  nrmse: number | null;
  skill: number | null;
}

/** the horizons the accuracy screen compares (ms ahead of the instant) */
export const ACCURACY_HORIZONS_MS = [0, 3_600_000, 6 * 3_600_000, 24 * 3_600_000] as const;

export interface PlanApiMethods {
  'plan.status': { req: Record<string, never>; res: PlanStatus };
  'plan.list': { req: { limit?: number }; res: PlanSummary[] };
  /** a plan by issue time; the latest when omitted; null when there is none */
  'plan.get': { req: { issuedAt?: number }; res: PlanRecord | null };
  /** an operator's re-plan request, with a reason (audited); optionally with another objective */
  'plan.replan': { req: { reason: string; objective?: ObjectiveName }; res: PlanSummary };
  /** a plan's model as CPLEX LP text (the screen saves it as a file) */
  'plan.lp': { req: { issuedAt: number }; res: { filename: string; text: string } };
  /** every stored forecast against the measured values over a period (default: the last 24 h) */
  'forecast.accuracy': { req: { from?: number; to?: number }; res: { from: number; to: number; intervalMs: number; forecasts: ForecastAccuracy[] } };
}

export interface PlanApiEvents {
  /** a plan attempt finished (solved or failed) */
  'plan.changed': PlanSummary;
}

export const PLAN_EVENT_NAMES = ['plan.changed'] as const;

export const planMethodArgSchemas: { [M in keyof PlanApiMethods]: z.ZodType<PlanApiMethods[M]['req']> } = {
  'plan.status': z.object({}).strict(),
  'plan.list': z.object({ limit: z.number().int().min(1).max(1000).optional() }).strict(),
  'plan.get': z.object({ issuedAt: z.number().int().optional() }).strict(),
  'plan.replan': z.object({ reason: z.string().trim().min(3, 'give a reason (at least 3 characters)').max(500), objective: z.enum(OBJECTIVES).optional() }).strict(),
  'plan.lp': z.object({ issuedAt: z.number().int() }).strict(),
  'forecast.accuracy': z.object({ from: z.number().int().optional(), to: z.number().int().optional() }).strict(),
};

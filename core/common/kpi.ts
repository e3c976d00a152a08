/**
 * Energy statistics and KPIs (FLEXERGY energy.05, energy.06; issue #14): the site file's `kpi:`
 * section (emission factors, taxes, economics, the battery's cycle-life curve, what counts as a
 * supply interruption), the API types of `kpi.*` and the definition of every statistic and KPI
 * (formula, inputs, unit, the requirement it answers) that the dashboard's definition pages show.
 * Pure: zod only.
 *
 * Every figure carries its coverage: the share of the period for which its inputs were measured.
 * Missing data is never counted as zero; a KPI whose inputs are missing says which.
 */
import { z } from 'zod';

const pct = (what: string) => z.number().min(0, `${what} is a percentage: 0 to 100`).max(100, `${what} is a percentage: 0 to 100`);

export const cycleLifePointSchema = z
  .object({
    /** depth of discharge of a full cycle, % */
    dodPct: z.number().gt(0, 'dodPct must be above 0 %').max(100, 'dodPct is at most 100 %'),
    /** cycles to end of life at that depth */
    cycles: z.number().positive('cycles must be above 0'),
  })
  .strict();

export const kpiConfigSchema = z
  .object({
    currency: z.string().min(1).max(8).default('EUR'),
    /** taxes on the energy and power terms (VAT, electricity tax), % */
    taxesPct: pct('taxesPct').default(0),
    /** power term: currency per kW of the month's highest 15-minute import */
    powerTermPerKwMonth: z.number().nonnegative().default(0),
    emissions: z
      .object({
        /** grid emission factor, kg CO2 per kWh imported: one flat value, or 24 values by local hour */
        gridKgPerKwh: z.union([z.number().nonnegative(), z.array(z.number().nonnegative()).length(24, 'hourly factors need 24 values, one per local hour 0-23')]).default(0.25),
        /** fuel of the gensets, kg CO2 per kWh produced */
        gensetKgPerKwh: z.number().nonnegative().default(0.8),
      })
      .strict()
      .default({ gridKgPerKwh: 0.25, gensetKgPerKwh: 0.8 }),
    /**
     * remuneration of demand-response events (TSO activations recorded as the point
     * site/DemandResponse = 1 while one is in force): per kWh the battery delivered in them
     */
    demandResponse: z.object({ pricePerKwh: z.number().nonnegative() }).strict().optional(),
    /** LCOE inputs; without them the LCOE KPI says so */
    economics: z
      .object({
        capex: z.number().nonnegative(),
        opexPerYear: z.number().nonnegative(),
        lifetimeYears: z.number().int().min(1).max(60),
        discountRatePct: pct('discountRatePct').default(5),
      })
      .strict()
      .optional(),
    /**
     * The battery's cycle life against depth of discharge (the seed's racks: more than 6,000
     * cycles at 95 % DoD). Interpolated on log-log axes; one point means constant throughput
     * (cycles x DoD constant).
     */
    cycleLife: z
      .array(cycleLifePointSchema)
      .min(1)
      .default([{ dodPct: 95, cycles: 6000 }])
      .superRefine((pts, ctx) => {
        pts.forEach((p, i) => {
          const prev = pts[i - 1];
          if (prev && p.dodPct <= prev.dodPct) ctx.addIssue({ code: 'custom', path: [i, 'dodPct'], message: `cycle-life points must be in rising DoD order: ${p.dodPct} % follows ${prev.dodPct} %` });
          if (prev && p.cycles > prev.cycles) ctx.addIssue({ code: 'custom', path: [i, 'cycles'], message: `a deeper cycle cannot last more cycles: ${p.cycles} at ${p.dodPct} % is above ${prev.cycles} at ${prev.dodPct} %` });
        });
      }),
    /** EN 50160: a supply interruption is a voltage below 5 % of the declared voltage; long (counted by SAIFI/SAIDI) after 3 minutes */
    supply: z
      .object({
        nominalVoltageV: z.number().positive().default(230),
        interruptionBelowPct: pct('interruptionBelowPct').default(5),
        sustainedAfterS: z.number().int().min(1).max(3600).default(180),
      })
      .strict()
      .default({ nominalVoltageV: 230, interruptionBelowPct: 5, sustainedAfterS: 180 }),
    /** a quarter hour whose net import is at most this counts as "zero net consumption", kW */
    zeroNetToleranceKw: z.number().nonnegative().default(0.5),
    /** the monthly report, e-mailed through the alarm notifier's SMTP settings */
    reports: z
      .object({
        monthly: z
          .object({
            to: z.array(z.string().email('an e-mail address')).min(1),
            /** local day of the month and time the previous month's report is sent */
            dayOfMonth: z.number().int().min(1).max(28).default(1),
            hour: z.number().int().min(0).max(23).default(6),
          })
          .strict(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type KpiConfig = z.infer<typeof kpiConfigSchema>;
export type KpiConfigInput = z.input<typeof kpiConfigSchema>;
export const DEFAULT_KPI_CONFIG: KpiConfig = kpiConfigSchema.parse({});

// ------------------------------------------------------------------ results

/** A figure with its coverage; `value` null when nothing was measured, `missing` says what. */
export interface Figure {
  value: number | null;
  unit: string;
  /** share of the period for which the inputs were measured, 0..1 */
  coverage: number;
  /** inputs that are missing (absent from the site, or no data) */
  missing?: string[];
  /** a short sentence when the value needs one (e.g. "flat tariff: no peak period") */
  note?: string;
}

/** One period's energy totals, for bars and sparklines. */
export interface PeriodRow {
  /** "YYYY-MM-DD" (days) or "YYYY-MM" (months) */
  key: string;
  gridImport: number | null;
  gridExport: number | null;
  pv: number | null;
  load: number | null;
  ev: number | null;
  essCharge: number | null;
  essDischarge: number | null;
  cost: number | null;
  savings: number | null;
  co2: number | null;
  /** 0..1 */
  coverage: number;
  /** the period holds simulated data (demo history) */
  simulated: boolean;
}

export interface SankeyLink {
  source: string;
  target: string;
  kwh: number;
}

export interface KpiSummaryRequest {
  /** local dates of the site's time zone, both included */
  from: string;
  to: string;
  /** per-asset rows and battery KPIs only for these assets (default: all) */
  assets?: string[];
  /** also the same-length period just before (previous-period comparison) */
  compare?: boolean;
}

export interface AssetRow {
  asset: string;
  name: string;
  nature: string;
  /** kWh produced / discharged / imported (positive direction of the nature's sign) */
  positive: Figure;
  /** kWh consumed / charged / exported */
  negative: Figure;
}

export interface KpiSummary {
  siteId: string;
  siteName: string;
  timezone: string;
  currency: string;
  from: string;
  to: string;
  /** hours in the period (local days: 23/25-hour days counted as they are), up to now */
  hours: number;
  stats: Record<string, Figure>;
  kpis: Record<string, Figure>;
  assets: AssetRow[];
  days: PeriodRow[];
  months: PeriodRow[];
  /** consumption (load + EV) per local hour of each day, kWh; null = not measured */
  heat: { dates: string[]; kwh: (number | null)[][] };
  sankey: SankeyLink[];
  /** days of the period holding simulated data (demo history) */
  simulatedDays: string[];
  /** the contracted power in force at the end of the period, kW, and whether it changed inside it (run-time changes) */
  contract?: { kw: number; changed: boolean };
  previous?: { from: string; to: string; stats: Record<string, Figure>; kpis: Record<string, Figure> };
  /** how it was computed: days read from the historian vs taken from the cache, worker time */
  computed: { daysRead: number; daysCached: number; ms: number };
}

export interface KpiDefinition {
  id: string;
  name: string;
  unit: string;
  formula: string;
  inputs: string[];
  /** the requirement it answers (FLEXERGY energy.05 / energy.06 / issue #14) */
  requirement: string;
  kind: 'statistic' | 'kpi';
}

export interface KpiApiMethods {
  'kpi.summary': { req: KpiSummaryRequest; res: KpiSummary };
  'kpi.definitions': { req: Record<string, never>; res: KpiDefinition[] };
  /**
   * A report of a period as a one-time download: the site report as PDF (headless Chromium or
   * Electron's printToPDF) or HTML, a table as CSV, the tables as XLSX (one sheet each).
   */
  'kpi.report': { req: KpiReportRequest; res: { filename: string; download: string; bytes: number } };
}

export interface KpiReportRequest {
  from: string;
  to: string;
  format: 'pdf' | 'html' | 'csv' | 'xlsx';
  /** csv: which table (default stats); xlsx: one table, default all */
  table?: 'stats' | 'kpis' | 'days' | 'months' | 'assets';
  assets?: string[];
}

const localDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a local date "YYYY-MM-DD"')
  .refine((s) => new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s, 'a real calendar date');

export const kpiMethodArgSchemas = {
  'kpi.summary': z
    .object({ from: localDate, to: localDate, assets: z.array(z.string().min(1)).max(200).optional(), compare: z.boolean().optional() })
    .strict()
    .refine((r) => r.from <= r.to, { message: 'the period ends before it starts', path: ['to'] })
    .refine((r) => (Date.parse(r.to) - Date.parse(r.from)) / 86_400_000 < 3 * 366, { message: 'a period of at most 3 years', path: ['to'] }),
  'kpi.definitions': z.object({}).strict(),
  'kpi.report': z
    .object({
      from: localDate,
      to: localDate,
      format: z.enum(['pdf', 'html', 'csv', 'xlsx']),
      table: z.enum(['stats', 'kpis', 'days', 'months', 'assets']).optional(),
      assets: z.array(z.string().min(1)).max(200).optional(),
    })
    .strict()
    .refine((r) => r.from <= r.to, { message: 'the period ends before it starts', path: ['to'] })
    .refine((r) => (Date.parse(r.to) - Date.parse(r.from)) / 86_400_000 < 3 * 366, { message: 'a period of at most 3 years', path: ['to'] }),
} as const;

// ------------------------------------------------------------------ definitions

const d = (kind: KpiDefinition['kind'], id: string, name: string, unit: string, formula: string, inputs: string[], requirement: string): KpiDefinition => ({ id, name, unit, formula, inputs, requirement, kind });
const S = (id: string, name: string, unit: string, formula: string, inputs: string[], req = 'energy.05') => d('statistic', id, name, unit, formula, inputs, req);
const K = (id: string, name: string, unit: string, formula: string, inputs: string[], req = 'energy.06') => d('kpi', id, name, unit, formula, inputs, req);

const PCC = 'PCC meter active power (kW, import +)';
const PV = 'PV active power (kW)';
const ESS = 'battery active power (kW, discharge +)';
const LOAD = 'building load active power (kW)';
const EV = 'EV charger active power (kW)';
const SOC = 'battery state of charge (%)';
const Q = ' Energies are integrals of the historian’s 15-minute rollups over the covered time of each quarter hour; import and export are netted per quarter hour, as meters settle.';

/** Every statistic and KPI the dashboard shows, in display order. */
export const KPI_DEFINITIONS: readonly KpiDefinition[] = [
  S('gridImport', 'Energy imported', 'kWh', `Σ max(0, P_pcc) · Δt.${Q}`, [PCC]),
  S('gridExport', 'Energy exported', 'kWh', `Σ max(0, −P_pcc) · Δt.${Q}`, [PCC]),
  S('pv', 'PV production', 'kWh', 'Σ max(0, P_pv) · Δt over every PV asset.', [PV]),
  S('wind', 'Wind production', 'kWh', 'Σ max(0, P_wind) · Δt over every wind asset.', ['wind turbine active power (kW)']),
  S('genset', 'Diesel (genset) production', 'kWh', 'Σ max(0, P_genset) · Δt over every genset.', ['genset active power (kW)']),
  S('ev', 'EV charging', 'kWh', 'Σ max(0, P_evse) · Δt over every charger.', [EV]),
  S('load', 'Non-controllable load', 'kWh', 'Σ max(0, P_load) · Δt over every load.', [LOAD]),
  S('essCharge', 'Storage charged', 'kWh', 'Σ max(0, −P_ess) · Δt.', [ESS]),
  S('essDischarge', 'Storage discharged', 'kWh', 'Σ max(0, P_ess) · Δt.', [ESS]),
  S('selfConsumption', 'Self-consumption', '%', 'PV used on site / PV produced, with PV used on site = Σ max(0, P_pv − export) · Δt per quarter hour.', [PCC, PV]),
  S('selfSufficiency', 'Self-sufficiency', '%', '1 − import / consumption, consumption = load + EV (quarter hours where all are measured).', [PCC, LOAD, EV]),
  S('renewableShare', 'Renewable share', '%', 'PV used on site / (PV used on site + import + genset).', [PCC, PV, 'genset active power (kW), when present']),
  S('equivalentCycles', 'Equivalent full cycles', 'cycles', 'energy discharged / usable capacity (rated kWh × SoC window).', [ESS, 'rated capacity (kWh)']),
  S('zeroNetHours', 'Hours at zero net consumption', 'h', 'Σ duration of the quarter hours whose net import is at most the tolerance (kpi.zeroNetToleranceKw).', [PCC]),
  S('shifted', 'Energy shifted peak → off-peak', 'kWh', 'per day min(charge in the cheapest import-price period, discharge in the dearer periods); summed over days.', [ESS, 'import tariff (energy.grid.importTariff)']),
  S('shiftedShare', 'Share of discharge shifted', '%', 'shifted / energy discharged.', [ESS, 'import tariff']),
  S('energyCost', 'Energy cost', 'currency', 'Σ import · price_import(t) − Σ export · price_export(t) + power term × month’s highest 15-min import, plus taxes (kpi.taxesPct). Local tariff periods of the site’s time zone.', [PCC, ESS, 'tariffs (energy.grid)', 'kpi.powerTermPerKwMonth, kpi.taxesPct']),
  S('costWithoutBattery', 'Cost without the battery', 'currency', 'the same tariff on the counterfactual exchange P_pcc + P_ess (what the meter would have read had the battery been idle), same measurements.', [PCC, ESS, 'tariffs']),
  S('savings', 'Savings from the battery', 'currency', 'cost without battery − energy cost.', [PCC, ESS, 'tariffs']),
  S('drRevenue', 'Demand-response revenue', 'currency', 'Σ over the quarter hours of recorded demand-response events (site/DemandResponse = 1, the TSO setpoints of the grid-signals file) of |P_ess| · Δt in the event × kpi.demandResponse.pricePerKwh.', [ESS, 'recorded demand-response events (site/DemandResponse)', 'kpi.demandResponse.pricePerKwh']),
  S('co2Emitted', 'CO2 emitted', 'kg', 'Σ import · f_grid(local hour) + Σ genset · f_genset.', [PCC, 'kpi.emissions']),
  S('co2Avoided', 'CO2 avoided', 'kg', 'emissions without PV and battery (import of P_pcc + P_ess + P_pv) − emissions.', [PCC, PV, ESS, 'kpi.emissions']),
  S('saifi', 'SAIFI', 'interruptions', 'number of sustained supply interruptions (voltage below kpi.supply.interruptionBelowPct of nominal for longer than sustainedAfterS) per customer; one customer: the site.', ['PCC voltage L1 (V)'], 'energy.05 (IEEE 1366)'),
  S('saidi', 'SAIDI', 'min', 'Σ duration of the sustained interruptions per customer.', ['PCC voltage L1 (V)'], 'energy.05 (IEEE 1366)'),
  S('supplied', 'Energy supplied (balance)', 'kWh', 'import + PV + genset + discharge, quarter hours where all are measured.', [PCC, PV, ESS, LOAD, EV]),
  S('consumed', 'Energy consumed (balance)', 'kWh', 'load + EV + charge + export, same quarter hours.', [PCC, PV, ESS, LOAD, EV]),
  S('losses', 'Technical losses (balance)', 'kWh', 'supplied − consumed: cables, transformer, inverter standby, metering differences.', [PCC, PV, ESS, LOAD, EV]),
  ...([1, 2, 3] as const).flatMap((L) => [
    S(`suppliedL${L}`, `Energy supplied, phase L${L}`, 'kWh', `import on L${L} + (PV + genset + discharge) / 3: the PCC meter's phase L${L}; three-phase assets count a third on each phase.`, [`PCC meter active power L${L}`, PV, ESS]),
    S(`consumedL${L}`, `Energy consumed, phase L${L}`, 'kWh', `load on L${L} + (EV + charge) / 3 + export on L${L}, same quarter hours.`, [`PCC meter active power L${L}`, `building load active power L${L}`, EV, ESS]),
    S(`lossesL${L}`, `Technical losses, phase L${L}`, 'kWh', `supplied L${L} − consumed L${L}.`, [`PCC meter active power L${L}`, `building load active power L${L}`, PV, ESS, EV]),
  ]),
  S('phaseBalance', 'Phase unbalance (balance per phase)', '%', '(highest − lowest phase consumption) / mean phase consumption over the period.', ['active power per phase (ActivePowerL1..L3) of the PCC meter and every load']),
  K('smoothing', 'Smoothing performance', '%', '1 − σ(ΔP_pcc) / σ(ΔP_pcc without battery), ΔP between consecutive quarter hours.', [PCC, ESS]),
  K('predictability', 'Forecast / profile predictability', '%', '1 − Σ|P_pcc − planned P_pcc| / Σ|planned P_pcc| (from the stored plans).', [PCC, 'stored plans with a PCC profile']),
  K('revenue', 'Revenue', 'currency', 'export income + demand-response revenue + savings from the battery.', [PCC, ESS, 'tariffs']),
  K('surplusManagement', 'Surplus management', '%', 'surplus PV stored in the battery / surplus PV, surplus = max(0, PV − load − EV) per quarter hour.', [PV, ESS, LOAD, EV]),
  K('curtailed', 'Curtailed renewable energy', 'kWh', 'Σ (available PV power − produced PV power) · Δt.', ['PV available power (not measured by the site’s inverters)']),
  K('peakReduction', 'Peak reduction', 'kW', 'highest 15-min import without battery − highest 15-min import.', [PCC, ESS]),
  K('loadFactor', 'Load factor', '%', 'mean import / highest 15-min import.', [PCC]),
  K('lole', 'Loss of load expectation', 'h', 'hours of sustained supply interruptions in the period (the site has no island mode).', ['PCC voltage L1 (V)']),
  K('lcoe', 'LCOE of storage', 'currency/kWh', '(CAPEX × CRF + OPEX) / energy discharged per year, CRF = r(1+r)^n / ((1+r)^n − 1).', [ESS, 'kpi.economics (capex, opexPerYear, lifetimeYears, discountRatePct)']),
  K('costReduction', 'Average cost reduction', '%', 'savings / cost without battery.', [PCC, ESS, 'tariffs']),
  K('emissionsReduction', 'Emissions reduction', '%', 'CO2 avoided / (CO2 emitted + CO2 avoided).', [PCC, PV, ESS, 'kpi.emissions']),
  K('securityOfSupply', 'Security of supply (ASAI)', '%', '1 − interruption time / measured time.', ['PCC voltage L1 (V)']),
  K('congestionHours', 'Congestion hours', 'h', 'Σ duration of the quarter hours whose import exceeds the contracted power.', [PCC, 'contracted power']),
  K('capacityAllocation', 'Capacity allocation across services', '%', 'share of battery throughput per controller (peak shaving, plan, self-consumption).', ['per-controller setpoint history (the control cycle does not record it yet)']),
  K('frequencyControl', 'Frequency-control performance', '%', 'delivered / requested response to frequency deviations.', ['a frequency-control service on the battery (none configured)']),
  K('soh', 'State of health (estimated)', '%', 'measured capacity / rated capacity; measured capacity = Σ energy discharged / Σ SoC drop in quarter hours of steady discharge (≥ 20 % SoC in total).', [ESS, SOC, 'rated capacity (kWh)']),
  K('sohBms', 'State of health (BMS)', '%', 'the BMS’s own Soh at the end of the period.', ['battery Soh (%)']),
  K('rainflowCycles', 'Cycles (rainflow)', 'cycles', 'ASTM E1049 rainflow count of the SoC turning points (half cycles count ½).', [SOC]),
  K('cycleDamage', 'Life consumed by cycling', '%', 'Miner’s rule: Σ n_i / N(DoD_i), N from the cycle-life curve (kpi.cycleLife).', [SOC, 'kpi.cycleLife']),
  K('cyclesToFailure', 'Cycles to failure at this use', 'cycles', 'counted cycles / life consumed: how many cycles of this period’s mix the battery lasts.', [SOC, 'kpi.cycleLife']),
  K('roundTripEfficiency', 'Round-trip efficiency', '%', '(discharged + ΔSoC·capacity) / charged, ΔSoC corrected so a period ending fuller is not penalised.', [ESS, SOC, 'rated capacity (kWh)']),
  K('systemEfficiency', 'System efficiency', '%', 'AC discharged / AC charged at the inverter terminals, no SoC correction.', [ESS]),
  K('availability', 'Availability', '%', 'time the battery was in Standby or Running / measured time.', ['battery operating state']),
  K('usefulEnergy', 'Useful available energy', 'kWh', 'mean over the period of (SoC − SoC min) × rated capacity × SoH.', [SOC, 'rated capacity (kWh)', 'SoC window (limits.socMinPct)']),
];

export const STATISTIC_IDS = KPI_DEFINITIONS.filter((x) => x.kind === 'statistic').map((x) => x.id);
export const KPI_IDS = KPI_DEFINITIONS.filter((x) => x.kind === 'kpi').map((x) => x.id);

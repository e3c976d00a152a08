/**
 * Energy-management parameters of a site (FLEXERGY energy.04, energy.12-16): what the optimiser
 * plans with. Kept in its own schema object, referenced from `siteSchema` as `energy`.
 *
 * Everything is written against natures and asset ids, never device point names. Values the
 * asset already declares (rating, limits) are the defaults; the `energy` section only adds
 * what planning needs. Bad parameters are refused at load with their path (the loader turns the
 * path into file:line).
 *
 * Sign conventions follow `natures.ts`: grid import positive, battery discharge positive.
 */
import { z } from 'zod';

const assetRef = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'an asset id');

/** "HH:MM" local time of the site's time zone; "24:00" ends a day. */
const clock = z
  .string()
  .regex(/^([01]\d|2[0-4]):[0-5]\d$/, 'a local time "HH:MM"')
  .refine((s) => s <= '24:00', 'a local time up to "24:00"');

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export function clockMinutes(s: string): number {
  const [h, m] = s.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

const fraction = (what: string) =>
  z
    .number()
    .gt(0, `${what} must be greater than 0`)
    .max(1, `${what} is a fraction: at most 1 (write 0.95 for 95 %)`);

const pct = (what: string) => z.number().min(0, `${what} is a percentage: 0 to 100`).max(100, `${what} is a percentage: 0 to 100`);

/** A time-of-use period: a price applying on some weekdays between two local times. */
export const tariffPeriodSchema = z
  .object({
    name: z.string().min(1),
    days: z.array(z.enum(WEEKDAYS)).min(1).default([...WEEKDAYS]),
    from: clock,
    to: clock,
    /** price of energy in this period, currency per kWh */
    pricePerKwh: z.number(),
    /**
     * power term of this period: currency per kW of the highest import within the period's
     * hours over the horizon (periods of the same name share one peak), on top of the grid's
     * `demandChargePerKw`
     */
    demandChargePerKw: z.number().nonnegative().optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (clockMinutes(p.to) <= clockMinutes(p.from))
      ctx.addIssue({ code: 'custom', path: ['to'], message: `period "${p.name}" ends at ${p.to}, not after it starts at ${p.from} (split a period that crosses midnight in two)` });
  });

/** Price of energy: a default plus time-of-use periods that must not overlap. */
export const tariffSchema = z
  .object({
    /** price outside every period, currency per kWh */
    defaultPricePerKwh: z.number(),
    periods: z.array(tariffPeriodSchema).default([]),
  })
  .strict()
  .superRefine((t, ctx) => {
    t.periods.forEach((a, i) => {
      for (let j = 0; j < i; j++) {
        const b = t.periods[j];
        if (!b) continue;
        const day = a.days.find((d) => b.days.includes(d));
        if (day === undefined) continue;
        if (clockMinutes(a.from) < clockMinutes(b.to) && clockMinutes(b.from) < clockMinutes(a.to))
          ctx.addIssue({
            code: 'custom',
            path: ['periods', i],
            message: `period "${a.name}" (${a.from}-${a.to}) overlaps period "${b.name}" (${b.from}-${b.to}) on ${day}`,
          });
      }
    });
  });

export type Tariff = z.infer<typeof tariffSchema>;

/**
 * Day-ahead market prices (energy.10): files in a watched folder or a URL, CSV or ENTSO-E XML
 * (core/prices), read again every 2-4 hours. The market price replaces the energy price of the
 * tariffs where it is known: import = market × importFactor + importAdder (network charges by
 * time of use), export = market × exportFactor; steps the market has not priced keep the tariffs.
 */
export const marketPricesSchema = z
  .object({
    /** a folder of price files (*.csv, *.xml), relative to the site file's folder */
    folder: z.string().min(1).optional(),
    /** a URL answering one price file (CSV or ENTSO-E XML) */
    url: z.string().url('a URL such as http://prices.example/day-ahead.xml').optional(),
    refreshMinutes: z
      .number()
      .int()
      .min(120, 'market prices are read every 2 to 4 hours: 120 to 240 minutes')
      .max(240, 'market prices are read every 2 to 4 hours: 120 to 240 minutes')
      .default(180),
    /** the bidding zone's EIC code, when an ENTSO-E document holds several */
    area: z.string().min(1).optional(),
    importFactor: z.number().default(1),
    /** network charges and taxes added to the market price by time of use */
    importAdder: tariffSchema.optional(),
    exportFactor: z.number().default(1),
    timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.folder === undefined && m.url === undefined) ctx.addIssue({ code: 'custom', path: ['folder'], message: 'market prices need a folder or a url' });
  });

export type MarketPricesConfig = z.infer<typeof marketPricesSchema>;

export const OBJECTIVES = ['cost', 'self-consumption', 'zero-export', 'reserve', 'battery-life', 'profile'] as const;
export type ObjectiveName = (typeof OBJECTIVES)[number];

export const storagePlanSchema = z
  .object({
    /** an asset of nature Ess */
    asset: assetRef,
    /** usable energy; default: the asset's rating.capacityKwh */
    capacityKwh: z.number().positive('battery capacity must be greater than 0 kWh').optional(),
    /** SoC window the plan stays in; default: the asset's limits */
    socMinPct: pct('socMinPct').optional(),
    socMaxPct: pct('socMaxPct').optional(),
    chargeEfficiency: fraction('chargeEfficiency').default(0.95),
    dischargeEfficiency: fraction('dischargeEfficiency').default(0.95),
    /** default: the asset's limits.maxChargeKw / maxDischargeKw, else rating.powerKw */
    maxChargeKw: z.number().nonnegative().optional(),
    maxDischargeKw: z.number().nonnegative().optional(),
    /** value of the energy left at the end of the horizon, currency per kWh */
    terminalValuePerKwh: z.number().nonnegative().default(0),
    /** UC5: cost of throughput (charge + discharge energy), currency per kWh */
    degradationCostPerKwh: z.number().nonnegative().default(0),
    /** UC5: extra cost per kWh-step held below this SoC (depth of discharge), % */
    deepDischargeBelowPct: pct('deepDischargeBelowPct').optional(),
    deepDischargeCostPerKwh: z.number().nonnegative().default(0),
    /** inverter apparent power for the PQ capability (kVA); default: max(maxChargeKw, maxDischargeKw) */
    apparentPowerKva: z.number().positive().optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.socMinPct !== undefined && s.socMaxPct !== undefined && s.socMinPct >= s.socMaxPct)
      ctx.addIssue({ code: 'custom', path: ['socMaxPct'], message: `the SoC window is empty: socMaxPct ${s.socMaxPct} % is not above socMinPct ${s.socMinPct} %` });
  });

export const pvPlanSchema = z
  .object({
    asset: assetRef,
    /** the plan may ask the inverter to produce less than it could */
    curtailable: z.boolean().default(true),
    /** array parameters for the forecast */
    peakKwp: z.number().positive().optional(),
    tiltDeg: z.number().min(0).max(90).default(20),
    /** 180 = facing south */
    azimuthDeg: z.number().min(0).max(360).default(180),
    /** losses and inverter efficiency lumped, 0-1 */
    performanceRatio: fraction('performanceRatio').default(0.85),
  })
  .strict();

/** A recurring EV connection: when the vehicle arrives, leaves, and what it needs by then. */
export const evSessionSchema = z
  .object({
    days: z.array(z.enum(WEEKDAYS)).min(1).default([...WEEKDAYS]),
    arrive: clock,
    depart: clock,
    /** energy the vehicle needs by departure */
    energyKwh: z.number().positive(),
    /** the vehicle's SoC at arrival: a lower SoC gets priority when not every need can be met */
    arrivalSocPct: pct('arrivalSocPct').default(50),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (clockMinutes(s.depart) <= clockMinutes(s.arrive))
      ctx.addIssue({ code: 'custom', path: ['depart'], message: `departure ${s.depart} is not after arrival ${s.arrive}` });
  });

export const evPlanSchema = z
  .object({
    /** an asset of nature Evse (one connector) */
    asset: assetRef,
    /** connector limits; default maxKw: the asset's rating.powerKw */
    maxKw: z.number().positive().optional(),
    /** IEC 61851 minimum charging current as power: a charging vehicle takes at least this (semi-continuous) */
    minKw: z.number().nonnegative().default(0),
    sessions: z.array(evSessionSchema).default([]),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.maxKw !== undefined && e.minKw > e.maxKw) ctx.addIssue({ code: 'custom', path: ['minKw'], message: `minKw ${e.minKw} is above maxKw ${e.maxKw}` });
  });

export const gensetPlanSchema = z
  .object({
    asset: assetRef,
    minKw: z.number().nonnegative(),
    maxKw: z.number().positive(),
    startCost: z.number().nonnegative().default(0),
    /** fuel and wear per kWh produced */
    costPerKwh: z.number().nonnegative(),
    /** the plan starts and stops the engine in blocks of this length (minimum run time) */
    minRunMinutes: z.number().int().min(5).max(240).default(60),
  })
  .strict()
  .superRefine((g, ctx) => {
    if (g.minKw > g.maxKw) ctx.addIssue({ code: 'custom', path: ['minKw'], message: `minKw ${g.minKw} is above maxKw ${g.maxKw}` });
  });

/** A load that can be curtailed in steps (FLEXERGY 2.2.14). */
export const controllableLoadSchema = z
  .object({
    asset: assetRef,
    /** power shed by one curtailment step */
    stepKw: z.number().positive(),
    steps: z.number().int().min(1).max(10).default(1),
    /** compensation or comfort cost of curtailed energy, currency per kWh */
    costPerKwh: z.number().nonnegative(),
    /** after a curtailment ends, wait at least this long before the next one */
    minMinutesBetween: z.number().int().nonnegative().default(0),
    /** a curtailment lasts at most this long */
    maxCurtailedMinutes: z.number().int().positive().optional(),
  })
  .strict();

export const energyConfigSchema = z
  .object({
    planning: z
      .object({
        /** step of the plan, minutes; divides 60 */
        stepMinutes: z
          .number()
          .int()
          .min(5, 'the plan step is 5 to 60 minutes')
          .max(60, 'the plan step is 5 to 60 minutes')
          .refine((m) => 60 % m === 0, 'the plan step must divide an hour (5, 10, 15, 20, 30 or 60 minutes)')
          .default(15),
        /** horizon of the day-ahead plan, hours */
        horizonHours: z.number().int().min(24, 'the horizon is 24 to 48 hours').max(48, 'the horizon is 24 to 48 hours').default(36),
        objective: z.enum(OBJECTIVES).default('cost'),
        /** local time of the day-ahead plan */
        dayAheadAt: clock.default('00:00'),
        /** intraday re-plan period, minutes; 0 = off */
        intradayEveryMinutes: z.number().int().min(0).max(1440).default(60),
        /** UC5: weight of the battery-life terms in the objective */
        degradationWeight: z.number().nonnegative().default(1),
        /** a solve longer than this is stopped and treated as failed, s */
        timeLimitS: z.number().positive().max(600).default(30),
        /** relative MIP gap accepted */
        mipGap: z.number().min(0).max(0.5).default(0.001),
      })
      .strict()
      .default({
        stepMinutes: 15,
        horizonHours: 36,
        objective: 'cost',
        dayAheadAt: '00:00',
        intradayEveryMinutes: 60,
        degradationWeight: 1,
        timeLimitS: 30,
        mipGap: 0.001,
      }),
    grid: z
      .object({
        /** physical limits at the PCC (breaker, connection agreement), kW */
        importLimitKw: z.number().nonnegative().optional(),
        exportLimitKw: z.number().nonnegative().optional(),
        importTariff: tariffSchema,
        exportTariff: tariffSchema.optional(),
        /** power term: currency per kW of the highest import in the horizon */
        demandChargePerKw: z.number().nonnegative().default(0),
        /** penalty per kWh imported above the contracted power (peak shaving) */
        contractOverrunPerKwh: z.number().nonnegative().default(10),
      })
      .strict(),
    storage: z.array(storagePlanSchema).default([]),
    pv: z.array(pvPlanSchema).default([]),
    ev: z.array(evPlanSchema).default([]),
    gensets: z.array(gensetPlanSchema).default([]),
    controllableLoads: z.array(controllableLoadSchema).default([]),
    /** UC4: upward reserve offered from the batteries */
    reserve: z
      .object({
        /** price paid for reserve capacity, currency per kW per hour */
        pricePerKwH: z.number().nonnegative(),
        /** how long the reserve must be deliverable, hours */
        durationH: z.number().positive().default(1),
        maxKw: z.number().nonnegative().optional(),
      })
      .strict()
      .optional(),
    /** day-ahead market prices (energy.10) */
    prices: marketPricesSchema.optional(),
    /** weather forecast from an Open-Meteo-compatible API (energy.01) */
    weather: z
      .object({
        /** e.g. https://api.open-meteo.com (the app adds /v1/forecast) */
        baseUrl: z.string().url('a URL such as https://api.open-meteo.com'),
        timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
        /** a measured air temperature point ("asset/channel") the load model learns from; default: the weather forecasts stored in the historian */
        temperaturePoint: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*\/[A-Za-z][A-Za-z0-9_]*$/, 'a point id "asset/channel"').optional(),
      })
      .strict()
      .optional(),
    /** the load model (calendar + temperature): retrained on a schedule from the historian (energy.02) */
    forecast: z
      .object({
        /** retrain every this many hours */
        retrainHours: z.number().int().min(1, 'retrain every 1 to 168 hours').max(168, 'retrain every 1 to 168 hours').default(24),
        /** days of history the models learn from */
        historyDays: z.number().int().min(7, 'learn from 7 to 365 days of history').max(365, 'learn from 7 to 365 days of history').default(28),
      })
      .strict()
      .default({ retrainHours: 24, historyDays: 28 }),
    /** UC1: cost of deviating from a committed PCC profile, currency per kWh */
    deviationCostPerKwh: z.number().nonnegative().default(0),
  })
  .strict();

export type EnergyConfig = z.infer<typeof energyConfigSchema>;
export type StoragePlanConfig = z.infer<typeof storagePlanSchema>;

interface EnergyRefSite {
  assets: ReadonlyArray<{ id: string; nature: string; rating?: { capacityKwh?: number; powerKw?: number } | undefined; limits?: { socMinPct?: number; socMaxPct?: number } | undefined }>;
  energy?: EnergyConfig | undefined;
}

/** Checks the energy section against the assets (ids, natures, the SoC window with defaults). */
export function checkEnergyReferences(site: EnergyRefSite): Array<{ path: string; message: string }> {
  const issues: Array<{ path: string; message: string }> = [];
  const e = site.energy;
  if (!e) return issues;
  const assets = new Map(site.assets.map((a) => [a.id, a]));
  const check = (list: ReadonlyArray<{ asset: string }>, key: string, nature: string) => {
    const seen = new Set<string>();
    list.forEach((item, i) => {
      const a = assets.get(item.asset);
      if (!a) issues.push({ path: `energy.${key}[${i}].asset`, message: `unknown asset "${item.asset}"` });
      else if (a.nature !== nature) issues.push({ path: `energy.${key}[${i}].asset`, message: `asset "${item.asset}" is a ${a.nature}, not a ${nature}` });
      if (seen.has(item.asset)) issues.push({ path: `energy.${key}[${i}].asset`, message: `asset "${item.asset}" is listed twice` });
      seen.add(item.asset);
    });
  };
  check(e.storage, 'storage', 'Ess');
  check(e.pv, 'pv', 'Pv');
  check(e.ev, 'ev', 'Evse');
  check(e.gensets, 'gensets', 'Genset');
  check(e.controllableLoads, 'controllableLoads', 'Load');
  e.storage.forEach((s, i) => {
    const a = assets.get(s.asset);
    if (!a) return;
    if (s.capacityKwh === undefined && a.rating?.capacityKwh === undefined)
      issues.push({ path: `energy.storage[${i}].capacityKwh`, message: `no capacity: give capacityKwh here or rating.capacityKwh on asset "${s.asset}"` });
    const min = s.socMinPct ?? a.limits?.socMinPct ?? 0;
    const max = s.socMaxPct ?? a.limits?.socMaxPct ?? 100;
    if (min >= max) issues.push({ path: `energy.storage[${i}].socMaxPct`, message: `the SoC window is empty: ${max} % is not above ${min} %` });
  });
  e.ev.forEach((ev, i) => {
    const a = assets.get(ev.asset);
    if (a && ev.maxKw === undefined && a.rating?.powerKw === undefined)
      issues.push({ path: `energy.ev[${i}].maxKw`, message: `no connector limit: give maxKw here or rating.powerKw on asset "${ev.asset}"` });
  });
  return issues;
}

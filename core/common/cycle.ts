/**
 * The control cycle's part of the site file (`control:`) and of the API (`control.status`).
 * (core/common/control.ts holds the command pipeline's explanations: run-time site
 * parameters and the last command per target.)
 * The cycle itself lives in core/cycle; the machine command lane in core/control/machine.ts.
 *
 * Controllers are listed in priority order, highest first: a controller bounds every one
 * after it (SoC protection bounds peak shaving, which bounds plan following), as in OpenEMS.
 */
import { z } from 'zod';
import { OPERATING_MODES, modeCalendarSchema } from './modes';
import type { ConfigIssue } from './site';

const id = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'an id: a letter, then letters, digits, "_" or "-"');

export const socProtectionConfigSchema = z
  .object({
    type: z.literal('soc-protection'),
    /** unique among the controllers; default the type */
    id: id.optional(),
    /** the Ess asset */
    ess: id,
    /** below this SoC no discharge, %; default the asset's limits.socMinPct */
    minPct: z.number().min(0).max(100).optional(),
    /** above this SoC no charge, %; default the asset's limits.socMaxPct */
    maxPct: z.number().min(0).max(100).optional(),
  })
  .strict();

export const peakShavingConfigSchema = z
  .object({
    type: z.literal('peak-shaving'),
    id: id.optional(),
    ess: id,
    /** the meter whose import is held under the limit; default the site's PCC meter */
    meter: id.optional(),
    /** PCC import limit, kW; default the site's peak-shaving limit in force (the contracted power unless changed at run time) */
    limitKw: z.number().positive().optional(),
    /** below this PCC import (without the battery) the battery recharges, kW; default the limit */
    rechargeBelowKw: z.number().min(0).optional(),
    /** the largest recharge taken from the grid, kW (PV surplus is not capped); default 20 % of the limit */
    rechargeKw: z.number().min(0).optional(),
  })
  .strict();

export const selfConsumptionConfigSchema = z
  .object({
    type: z.literal('self-consumption'),
    id: id.optional(),
    ess: id,
    /** the meter at which PV surplus and import are measured; default the site's PCC meter */
    meter: id.optional(),
  })
  .strict();

/** follows the active plan's battery setpoint; falls back to self-consumption when there is no plan */
export const planFollowingConfigSchema = z
  .object({
    type: z.literal('plan-following'),
    id: id.optional(),
    ess: id,
    /** the meter the self-consumption fallback measures at; default the site's PCC meter */
    meter: id.optional(),
  })
  .strict();

/** no export at the PCC above a limit (energy.14): bounds the battery, curtails PV when the battery cannot take the surplus */
export const zeroExportConfigSchema = z
  .object({
    type: z.literal('zero-export'),
    id: id.optional(),
    ess: id,
    meter: id.optional(),
    /** the export allowed at the PCC, kW; default 0 */
    exportLimitKw: z.number().min(0).default(0),
    /** PV assets whose ActivePowerLimit may be lowered when the battery cannot take the surplus */
    curtailPv: z.array(id).default([]),
  })
  .strict();

/** the battery setpoint moves at most this fast (grid code, inverter care); protective bounds above it are not ramped */
export const rampLimitConfigSchema = z
  .object({
    type: z.literal('ramp-limit'),
    id: id.optional(),
    ess: id,
    /** kW per second; default the asset's limits.rampKwPerS */
    kwPerS: z.number().positive().optional(),
  })
  .strict();

/** external grid signals (TSO setpoints, P(f), PCC limits) from a file or a driver, over every mode */
export const gridSignalsConfigSchema = z
  .object({
    type: z.literal('grid-signals'),
    id: id.optional(),
    ess: id,
    /** the meter whose import/export the limits cap and whose Frequency feeds P(f); default the PCC meter */
    meter: id.optional(),
    /** the signals file (YAML or JSON, core/common/modes.ts gridSignalsSchema), relative to the data folder; default signals/grid.yaml */
    file: z.string().min(1).max(500).optional(),
    /**
     * signals from a driver: device channels (point ids "asset/Channel", kW) read as the TSO battery
     * setpoint (+ discharge) and the PCC import/export caps; a value of good quality is in force for
     * `validMinutes` after its time stamp (for the plan), and over the file's for the same moment
     */
    points: z
      .object({
        setpointKw: z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'a point id "asset/Channel"').optional(),
        importMaxKw: z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'a point id "asset/Channel"').optional(),
        exportMaxKw: z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'a point id "asset/Channel"').optional(),
        validMinutes: z.number().int().min(1).max(1440).default(15),
        /** what the screens name the source, e.g. "TSO gateway (IEC 104)" */
        source: z.string().min(1).max(100).default('grid signals from a device'),
      })
      .strict()
      .optional(),
  })
  .strict();

/** the site's operating mode (oper.01, energy.09): runs the mode in force, ramps between modes */
export const operatingModeConfigSchema = z
  .object({
    type: z.literal('operating-mode'),
    id: id.optional(),
    ess: id,
    meter: id.optional(),
    /** the mode when the calendar names none */
    defaultMode: z.enum(OPERATING_MODES).default('self-consumption'),
    /** the calendar the site starts with (edited from the screens afterwards; stored in the application database) */
    calendar: modeCalendarSchema.default([]),
    /** how fast the setpoint moves from the old mode's value to the new one's, kW/s */
    transitionKwPerS: z.number().positive().default(5),
    /** peak-shaving mode: below this PCC import the battery recharges, and at most this much from the grid, kW */
    rechargeBelowKw: z.number().min(0).optional(),
    rechargeKw: z.number().min(0).optional(),
    /** tariff mode: the grid charge power in the cheapest periods, kW; default the allowed charge power */
    tariffChargeKw: z.number().min(0).optional(),
  })
  .strict();

export const controllerConfigSchema = z.discriminatedUnion('type', [
  socProtectionConfigSchema,
  peakShavingConfigSchema,
  selfConsumptionConfigSchema,
  planFollowingConfigSchema,
  zeroExportConfigSchema,
  rampLimitConfigSchema,
  gridSignalsConfigSchema,
  operatingModeConfigSchema,
]);

export const controlConfigSchema = z
  .object({
    /** the cycle runs only when enabled (the demo site ships with it off: see assets/sites/demo) */
    enabled: z.boolean(),
    /** cycle period, ms */
    periodMs: z.number().int().min(100).max(60_000).default(1000),
    /** an unchanged setpoint is written again at least this often, ms (device watchdogs); 0 = every cycle */
    keepaliveMs: z.number().int().min(0).max(3_600_000).default(10_000),
    /** a person's setpoint to a point the cycle writes stands this long before the controllers take it back, ms */
    operatorHoldMs: z.number().int().min(0).max(86_400_000).default(900_000),
    /** highest priority first */
    controllers: z.array(controllerConfigSchema).default([]),
  })
  .strict();

export type ControlConfig = z.infer<typeof controlConfigSchema>;
export type ControllerConfig = z.infer<typeof controllerConfigSchema>;
export type PeakShavingConfig = z.infer<typeof peakShavingConfigSchema>;
export type SocProtectionConfig = z.infer<typeof socProtectionConfigSchema>;
export type SelfConsumptionConfig = z.infer<typeof selfConsumptionConfigSchema>;
export type PlanFollowingConfig = z.infer<typeof planFollowingConfigSchema>;
export type ZeroExportConfig = z.infer<typeof zeroExportConfigSchema>;
export type RampLimitConfig = z.infer<typeof rampLimitConfigSchema>;
export type GridSignalsConfig = z.infer<typeof gridSignalsConfigSchema>;
export type OperatingModeConfig = z.infer<typeof operatingModeConfigSchema>;

/** The references of `control:` the schema cannot check: assets of the right nature, unique ids. */
export function checkControlReferences(
  control: ControlConfig | undefined,
  assets: ReadonlyArray<{ id: string; nature: string }>,
): ConfigIssue[] {
  if (!control) return [];
  const issues: ConfigIssue[] = [];
  const nature = new Map(assets.map((a) => [a.id, a.nature]));
  const ids = new Map<string, number>();
  if (control.controllers.filter((c) => c.type === 'operating-mode').length > 1)
    issues.push({ path: 'control.controllers', message: 'a site has one operating mode: list one operating-mode controller' });
  control.controllers.forEach((c, i) => {
    const at = `control.controllers[${i}]`;
    const cid = c.id ?? c.type;
    const prev = ids.get(cid);
    if (prev !== undefined) issues.push({ path: `${at}.id`, message: `controller id "${cid}" is also used by control.controllers[${prev}]; give each an id` });
    ids.set(cid, i);
    const want = (field: string, assetId: string, n: string): void => {
      const got = nature.get(assetId);
      if (got === undefined) issues.push({ path: `${at}.${field}`, message: `unknown asset "${assetId}"` });
      else if (got !== n) issues.push({ path: `${at}.${field}`, message: `asset "${assetId}" is of nature ${got}; this needs nature ${n}` });
    };
    want('ess', c.ess, 'Ess');
    if ('meter' in c && c.meter !== undefined) want('meter', c.meter, 'Meter');
    if (c.type === 'zero-export') c.curtailPv.forEach((pv, k) => want(`curtailPv[${k}]`, pv, 'Pv'));
    if (c.type === 'grid-signals')
      for (const k of ['setpointKw', 'importMaxKw', 'exportMaxKw'] as const) {
        const pid = c.points?.[k];
        if (pid !== undefined && !nature.has(pid.split('/')[0] as string)) issues.push({ path: `${at}.points.${k}`, message: `unknown asset "${pid.split('/')[0] as string}" in point "${pid}"` });
      }
  });
  return issues;
}

// ------------------------------------------------------------------ API

/** One controller's request for one setpoint, as it asked (kW, the nature's sign convention). */
export interface SetpointRequestView {
  target: string;
  /** hard bounds for itself and every lower-priority controller */
  min?: number;
  max?: number;
  /** the value it wants (the first in priority order wins, within the bounds so far) */
  value?: number;
  /** the value used when no controller asks for one */
  fallback?: number;
  /** why, in a sentence */
  why: string;
}

export interface ControllerStatusView {
  id: string;
  type: string;
  /** for people: "Peak shaving" */
  label: string;
  /** 1 = highest */
  priority: number;
  requests: SetpointRequestView[];
  /** the controller failed in the last cycle: what went wrong (its requests are dropped) */
  error?: string;
}

/** How the merged value came about. */
export type SetpointHow = 'value' | 'fallback' | 'bound' | 'default';

/** What the machine lane did with a merged setpoint. */
export type MachineWriteStatus = 'written' | 'unchanged' | 'queued' | 'refused' | 'failed' | 'held';

export interface SetpointStatusView {
  target: string;
  /** the merged value the controllers asked for, kW */
  requested: number;
  /** the controller that decided it: "peak-shaving" */
  source: string;
  how: SetpointHow;
  why: string;
  lane: {
    status: MachineWriteStatus;
    /** the value written last (after the limits clamped it) */
    written?: number;
    /** the limit rule that clamped or refused it, and its sentence */
    rule?: string;
    message?: string;
    /** readback from the CVT: the device reports the written value */
    readback: 'pending' | 'ok' | 'mismatch' | 'none';
  };
}

export interface ControlStatus {
  enabled: boolean;
  running: boolean;
  periodMs: number;
  cycles: number;
  lastCycleAt: number | null;
  controllers: ControllerStatusView[];
  setpoints: SetpointStatusView[];
}

export interface CycleApiMethods {
  /** read-only: the active controllers, their last requests and the setpoints they produced */
  'control.status': { req: Record<string, never>; res: ControlStatus };
}

export const cycleMethodArgSchemas: { [M in keyof CycleApiMethods]: z.ZodType<CycleApiMethods[M]['req']> } = {
  'control.status': z.object({}).strict(),
};

/**
 * What the screens need to explain control: the site parameters an operator may change
 * (contracted power, peak-shaving limit; the site file gives the defaults) and the last
 * accepted command per setpoint with its source (who is driving the battery now).
 *
 * Pure (zod only). Merged into api/contract.ts like the other areas.
 */
import { z } from 'zod';
import type { SiteView } from './api/contract';
import type { PointId, PointValue } from './point';

// ------------------------------------------------------------------ site parameters

/**
 * Site parameters that can be changed at run time; the site file holds their defaults.
 * `socMinPct` is the batteries' SoC reserve (assets[ess].limits.socMinPct): one value for every
 * battery of the site while it is overridden; present only on a site whose batteries have one.
 */
export const SITE_PARAMETERS = ['contractedPowerKw', 'peakShavingLimitKw', 'socMinPct'] as const;
export type SiteParameter = (typeof SITE_PARAMETERS)[number];

export const SITE_PARAMETER_LABELS: Record<SiteParameter, string> = {
  contractedPowerKw: 'Contracted power',
  peakShavingLimitKw: 'Peak-shaving limit',
  socMinPct: 'SoC reserve',
};

export const SITE_PARAMETER_UNITS: Record<SiteParameter, 'kW' | '%'> = {
  contractedPowerKw: 'kW',
  peakShavingLimitKw: 'kW',
  socMinPct: '%',
};

/** Bounds every value must keep, in the parameter's unit (the pipeline adds the relations between them). */
export const SITE_PARAMETER_RANGE: Record<SiteParameter, { min: number; max: number }> = {
  contractedPowerKw: { min: 1, max: 100_000 },
  peakShavingLimitKw: { min: 0, max: 100_000 },
  socMinPct: { min: 0, max: 95 },
};

export interface SiteParameterView {
  id: SiteParameter;
  label: string;
  unit: 'kW' | '%';
  /** the value in force */
  value: number;
  /** the site file's value (or, for the peak-shaving limit, the contracted power) */
  default: number;
  /** set when someone changed it from the screens; cleared by resetting to the default */
  override?: { value: number; by: string; at: number; reason: string | null; comment?: string };
}

export interface SiteParameterRequest {
  siteId: string;
  parameter: SiteParameter;
  /** kW; null resets to the site file's default */
  value: number | null;
  /** id of a reason from the administrator's list */
  reason?: string;
  comment?: string;
}

export type SiteParameterResult =
  | { ok: true; parameter: SiteParameterView; before: number; after: number; commandId: string }
  | { ok: false; stage: 'permission' | 'validation' | 'interlock' | 'reason' | 'audit' | 'write' | 'readback'; rule: string; message: string; commandId: string };

// ------------------------------------------------------------------ active commands

/**
 * Who set what a device is doing now. `controller` and `plan` are the core's automatic
 * lanes (a control loop; an optimiser's schedule); `procedure` is an alarm's automatic
 * action; `operator` a person. `device` means the device runs its own logic (a local mode).
 */
export type CommandSource = 'operator' | 'procedure' | 'controller' | 'plan' | 'device';

export const COMMAND_SOURCE_LABELS: Record<CommandSource, string> = {
  operator: 'Operator',
  procedure: 'Alarm procedure',
  controller: 'Controller',
  plan: 'Plan',
  device: 'Device (local mode)',
};

/** The last command accepted (written and acknowledged) for one target. */
export interface ActiveCommand {
  target: PointId;
  value: PointValue;
  unit: string;
  source: CommandSource;
  /** username or system id, and the name to show */
  actor: string;
  actorName: string;
  ts: number;
  commandId: string;
  reason: string | null;
  /** false when the readback did not confirm it */
  confirmed: boolean;
}

export interface ControlApiMethods {
  'control.active': { req: Record<string, never>; res: ActiveCommand[] };
  'site.parameters.set': { req: SiteParameterRequest; res: SiteParameterResult };
}

export interface ControlApiEvents {
  /** every accepted command (the whole list, small) */
  'control.changed': ActiveCommand[];
  /** the site as site.get returns it, after a parameter changed */
  'site.changed': SiteView;
}

export const CONTROL_EVENT_NAMES = ['control.changed', 'site.changed'] as const;

const reasonId = z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'an id: a letter, then letters, digits, ".", "_" or "-"');

export const controlMethodArgSchemas: { [M in keyof ControlApiMethods]: z.ZodType<ControlApiMethods[M]['req']> } = {
  'control.active': z.object({}).strict(),
  'site.parameters.set': z
    .object({
      siteId: reasonId,
      parameter: z.enum(SITE_PARAMETERS),
      value: z.number().finite().nullable(),
      reason: reasonId.optional(),
      comment: z.string().max(500).optional(),
    })
    .strict(),
};

/**
 * Operating modes of the site (FLEXERGY oper.01, energy.09; issue #11 item 3), the calendar
 * that schedules them, external grid signals (energy.11, item 6) and the plan's dispatch
 * (energy.12 Req1, item 4): the types the site file, the API and the screens share.
 *
 * A mode says what ES Manager does with the battery when nothing protective bounds it:
 *  - self-consumption: charge the PV surplus, cover the import;
 *  - tariff: charge in the cheapest tariff periods, discharge in the dearest, PV surplus between;
 *  - peak-shaving: hold the PCC import at the peak-shaving limit, recharge below it;
 *  - plan-following: the optimiser's plan (with self-consumption when there is no plan);
 *  - manual: ES Manager writes nothing; the operator's setpoints stand.
 * SoC protection, grid signals, zero export and ramp limits bound every mode.
 *
 * Pure (zod only).
 */
import { z } from 'zod';
import { WEEKDAYS, clockMinutes } from './energy';

export const OPERATING_MODES = ['self-consumption', 'tariff', 'peak-shaving', 'plan-following', 'manual'] as const;
export type OperatingMode = (typeof OPERATING_MODES)[number];

export const OPERATING_MODE_LABELS: Record<OperatingMode, string> = {
  'self-consumption': 'Self-consumption',
  tariff: 'Tariff management',
  'peak-shaving': 'Peak shaving',
  'plan-following': 'Plan following',
  manual: 'Manual',
};

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a local time "HH:MM" (00:00 to 24:00)');

/** One calendar entry: on these weekdays, from..to local time, this mode. The first matching entry wins. */
export const modeCalendarEntrySchema = z
  .object({
    days: z.array(z.enum(WEEKDAYS)).min(1, 'name at least one weekday'),
    from: hhmm,
    to: hhmm,
    mode: z.enum(OPERATING_MODES),
    /** a word for people: "night charging" */
    label: z.string().max(80).optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (clockMinutes(e.to) <= clockMinutes(e.from)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['to'], message: `ends at ${e.to}, not after it starts (${e.from}); split a period across midnight in two` });
  });
export type ModeCalendarEntry = z.infer<typeof modeCalendarEntrySchema>;

export const modeCalendarSchema = z.array(modeCalendarEntrySchema).max(200, 'at most 200 calendar entries');

// ------------------------------------------------------------------ external signals

/** A P(f) curve: points (Hz, kW at the battery, positive = discharge), linear between, flat outside. */
export const pfCurveSchema = z
  .array(z.tuple([z.number().min(45).max(65), z.number().min(-100_000).max(100_000)]))
  .min(2, 'a P(f) curve needs at least two points')
  .superRefine((pts, ctx) => {
    for (let i = 1; i < pts.length; i++)
      if ((pts[i]?.[0] ?? 0) <= (pts[i - 1]?.[0] ?? 0)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i, 0], message: 'the frequencies must increase along the curve' });
  });

const instant = z.union([z.number().int(), z.string().datetime({ offset: true })]).transform((v) => (typeof v === 'number' ? v : Date.parse(v)));

/**
 * What the system operator (TSO/DSO) asks of the site, from a file or a driver:
 *  - setpoints: battery power for a period (a balancing activation), kW, positive = discharge;
 *  - limits: PCC import/export caps for a period, kW;
 *  - pf: a P(f) curve applied to the PCC meter's frequency while it is given.
 */
export const gridSignalsSchema = z
  .object({
    /** who sent it, in words ("REE activation 4711") */
    source: z.string().min(1).max(200).default('external signal file'),
    setpoints: z.array(z.object({ from: instant, to: instant, kw: z.number().min(-100_000).max(100_000) }).strict()).max(10_000).default([]),
    limits: z
      .array(z.object({ from: instant, to: instant, importMaxKw: z.number().min(0).optional(), exportMaxKw: z.number().min(0).optional() }).strict())
      .max(10_000)
      .default([]),
    pf: pfCurveSchema.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const period = (list: ReadonlyArray<{ from: number; to: number }>, name: string) =>
      list.forEach((p, i) => {
        if (!Number.isFinite(p.from) || !Number.isFinite(p.to)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [name, i], message: 'from and to must be times (ms since 1970 or ISO 8601 with an offset)' });
        else if (p.to <= p.from) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [name, i, 'to'], message: 'ends before it starts' });
      });
    period(s.setpoints, 'setpoints');
    period(s.limits, 'limits');
  });
export type GridSignals = z.infer<typeof gridSignalsSchema>;

/** The signals in force at one instant (what the controllers and the screens use). */
export interface GridSignalsNow {
  source: string;
  /** the TSO's battery setpoint now, kW */
  setpointKw?: number;
  importMaxKw?: number;
  exportMaxKw?: number;
  pf?: Array<[number, number]>;
  /** when the file was read, ms */
  receivedAt: number;
}

/** Linear interpolation on a P(f) curve, flat outside its ends. */
export function pfAt(curve: ReadonlyArray<readonly [number, number]>, hz: number): number {
  const first = curve[0];
  const last = curve[curve.length - 1];
  if (!first || !last) return 0;
  if (hz <= first[0]) return first[1];
  if (hz >= last[0]) return last[1];
  for (let i = 1; i < curve.length; i++) {
    const a = curve[i - 1] as readonly [number, number];
    const b = curve[i] as readonly [number, number];
    if (hz <= b[0]) return a[1] + ((b[1] - a[1]) * (hz - a[0])) / (b[0] - a[0]);
  }
  return last[1];
}

// ------------------------------------------------------------------ API

export type ModeSourceKind = 'operator' | 'calendar' | 'default';

export interface ActiveModeView {
  mode: OperatingMode;
  label: string;
  /** who or what chose it */
  source: ModeSourceKind;
  /** why, in a sentence: "calendar: weekdays 08:00-22:00 (office hours)" */
  why: string;
  since: number;
  /** the operator's choice holds until then (the next calendar change); absent = until released */
  until?: number;
  by?: string;
  reason?: string | null;
}

export interface ModeStatus {
  /** false: the site's control cycle has no operating-mode controller */
  enabled: boolean;
  timezone: string;
  active: ActiveModeView;
  /** the next scheduled change, if any within a week */
  next: { mode: OperatingMode; label: string; at: number; why: string } | null;
  defaultMode: OperatingMode;
  calendar: ModeCalendarEntry[];
  calendarUpdated?: { at: number; by: string; reason: string | null };
  /** a transition between modes in progress (ramped) */
  transition?: { from: OperatingMode; to: OperatingMode; startedAt: number; kwPerS: number };
  /** the external signals in force, if any */
  signals?: GridSignalsNow & { file?: string; error?: string };
  /** the last dispatch of the plan to the devices */
  dispatch?: DispatchRecord;
}

export interface DispatchTargetResult {
  target: string;
  /** the setpoint of each step of the next hour (the first is written now), kW */
  steps: number[];
  /** the value written: the control cycle's merged setpoint (the plan's step within the bounds of the controllers above it), kW */
  value: number;
  /** the plan's step now, kW (differs from `value` when SoC protection, grid signals, a ramp or peak shaving bound it) */
  planned?: number;
  /** held: a controller above the plan bounds it; the control cycle writes and reads back `value` itself */
  outcome: 'done' | 'refused' | 'failed' | 'skipped' | 'held';
  rule?: string;
  message?: string;
  readback?: number | boolean | string | null;
}

export interface DispatchRecord {
  at: number;
  /** the plan dispatched */
  planIssuedAt?: number;
  /** first step of the hour dispatched */
  start: number;
  stepMinutes: number;
  ok: boolean;
  /** nothing dispatched and why (another mode is active, no plan) */
  skipped?: string;
  targets: DispatchTargetResult[];
}

export interface ModeSetRequest {
  /** null: back to the calendar */
  mode: OperatingMode | null;
  /** id of a reason from the administrator's list */
  reason?: string;
  comment?: string;
}

export type ModeCommandResult =
  | { ok: true; status: ModeStatus; commandId: string }
  | { ok: false; stage: 'permission' | 'validation' | 'interlock' | 'reason' | 'audit'; rule: string; message: string; commandId: string };

export interface ModeCalendarRequest {
  calendar: ModeCalendarEntry[];
  defaultMode?: OperatingMode;
  reason?: string;
  comment?: string;
}

export interface ModesApiMethods {
  'modes.status': { req: Record<string, never>; res: ModeStatus };
  /** an operator's mode change: through the command pipeline (permission, reason, audit) */
  'modes.set': { req: ModeSetRequest; res: ModeCommandResult };
  /** replaces the calendar (and optionally the default mode), audited with a reason */
  'modes.calendar.set': { req: ModeCalendarRequest; res: ModeCommandResult };
}

export interface ModesApiEvents {
  /** the active mode, the calendar, a transition, the signals or a dispatch changed */
  'modes.changed': ModeStatus;
}

export const MODES_EVENT_NAMES = ['modes.changed'] as const;

const reasonId = z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'an id: a letter, then letters, digits, ".", "_" or "-"');

export const modesMethodArgSchemas: { [M in keyof ModesApiMethods]: z.ZodType<ModesApiMethods[M]['req']> } = {
  'modes.status': z.object({}).strict(),
  'modes.set': z.object({ mode: z.enum(OPERATING_MODES).nullable(), reason: reasonId.optional(), comment: z.string().max(500).optional() }).strict(),
  'modes.calendar.set': z
    .object({ calendar: modeCalendarSchema, defaultMode: z.enum(OPERATING_MODES).optional(), reason: reasonId.optional(), comment: z.string().max(500).optional() })
    .strict() as z.ZodType<ModeCalendarRequest>,
};

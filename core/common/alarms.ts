/**
 * Alarms (FLEXERGY energy.07, com.01 Req3; ISA-18.2 / EEMUA 191): the definition schema for the
 * site file, the notification settings, and the types and argument schemas of the alarm API.
 * Pure: zod and core/common only. The engine lives in core/alarms.
 *
 * One definition is one alarm (ISA-18.2 "master alarm database" row): a battery over-temperature
 * HH and H are two definitions with their own priority, message and response.
 */
import { z } from 'zod';
import type { PointValue } from './point';
import { ASSET_STATES, type AssetState } from './asset-state';

// ---------------------------------------------------------------- vocabulary

/** Four priorities, highest first (EEMUA 191: aim for ~5% high+critical, 15% medium, 80% low). */
export const ALARM_PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;
export type AlarmPriority = (typeof ALARM_PRIORITIES)[number];
export const alarmPrioritySchema = z.enum(ALARM_PRIORITIES);

/** Rank of a priority: 0 = critical (most urgent). */
export function priorityRank(p: AlarmPriority): number {
  return ALARM_PRIORITIES.indexOf(p);
}

/**
 * Lifecycle states (ISA-18.2 figure 5, without the shelved/suppressed/out-of-service states,
 * which are kept as separate flags on the alarm because they are orthogonal to it):
 *  - normal:        condition clear, nothing to do
 *  - unack-active:  condition present, not acknowledged (annunciated, flashing)
 *  - ack-active:    condition present, acknowledged
 *  - unack-rtn:     condition gone, not acknowledged yet
 *  - latched:       (latching alarms only) condition gone and acknowledged, waits for a reset
 */
export const ALARM_STATES = ['normal', 'unack-active', 'ack-active', 'unack-rtn', 'latched'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];
export const alarmStateSchema = z.enum(ALARM_STATES);

/** Alarm classes (ISA-18.2 classification); free text is allowed beyond these. */
export const ALARM_CLASSES = ['safety', 'process', 'equipment', 'communication', 'system', 'grid', 'forecast'] as const;

/** What the journal records. */
export const ALARM_JOURNAL_EVENTS = [
  'activate',
  'clear',
  'ack',
  'reset',
  'shelve',
  'unshelve',
  'shelve-expired',
  'suppress',
  'unsuppress',
  'out-of-service',
  'in-service',
  'comment',
  'action',
  'chatter',
  'flood-start',
  'flood-end',
  'definition',
] as const;
export type AlarmJournalEvent = (typeof ALARM_JOURNAL_EVENTS)[number];

// ---------------------------------------------------------------- definitions

const alarmId = z
  .string()
  .min(1)
  .max(120)
  .regex(/^[A-Za-z][A-Za-z0-9_.:/-]*$/, 'an alarm id: a letter, then letters, digits, "_", ".", ":", "/" or "-"');
const pointRef = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]*\/[A-Za-z][A-Za-z0-9_]*$/, 'a point id "assetId/channel"');
const durationMs = z.number().int().min(0).max(7 * 24 * 3600_000);

/** One step of an automatic procedure, run through the command pipeline as `system:alarms`. */
export const alarmActionSchema = z
  .object({
    /** writable point, e.g. `ess1/SetActivePower` */
    target: pointRef,
    value: z.union([z.number(), z.boolean()]),
    /** recorded in the audit trail; defaults to "alarm <id>: <message>" */
    reason: z.string().max(500).optional(),
  })
  .strict();
export type AlarmAction = z.infer<typeof alarmActionSchema>;

const common = {
  id: alarmId,
  /** shown in the alarm list, e.g. "Battery over-temperature" */
  message: z.string().min(1).max(300),
  priority: alarmPrioritySchema,
  class: z.string().min(1).max(40).default('process'),
  /** the asset the alarm belongs to (suppression, grouping); defaults to the point's asset */
  asset: z.string().min(1).optional(),
  /** what happens if nobody acts (ISA-18.2 rationalisation) */
  consequence: z.string().max(1000).optional(),
  /** what the operator should do */
  response: z.string().max(1000).optional(),
  enabled: z.boolean().default(true),
  /** latching: stays (as `latched`) after it returned and was acknowledged, until a reset */
  latching: z.boolean().default(false),
  /** the condition must hold this long before the alarm activates */
  onDelayMs: durationMs.default(0),
  /** the condition must be gone this long before the alarm clears */
  offDelayMs: durationMs.default(0),
  /** may an operator shelve it (ISA-18.2: some alarms must never be shelved) */
  shelvable: z.boolean().default(true),
  /** designed suppression: while this expression is true the alarm is suppressed */
  suppressWhen: z.string().min(1).max(2000).optional(),
  /** automatic procedure, run in order when the alarm activates */
  actions: z.array(alarmActionSchema).max(20).default([]),
};

/** Site parameters a limit alarm's setpoint may follow (see `setpointRef`). */
export const ALARM_SETPOINT_REFS = ['contractedPowerKw', 'socMinPct', 'socMaxPct'] as const;
export type AlarmSetpointRef = (typeof ALARM_SETPOINT_REFS)[number];

const limitSchema = z
  .object({
    ...common,
    type: z.literal('limit'),
    point: pointRef,
    /** HH and H alarm above the setpoint, L and LL below it */
    level: z.enum(['HH', 'H', 'L', 'LL']),
    setpoint: z.number(),
    /**
     * the site parameter the setpoint follows (written `setpoint: { ref: contractedPowerKw }` in
     * the site file; the loader resolves it, and a run-time change of the parameter moves the
     * alarm with it): the site's contracted power, or the SoC window of the point's asset
     */
    setpointRef: z.enum(ALARM_SETPOINT_REFS).optional(),
    /** hysteresis: a high alarm clears below setpoint - deadband, a low one above setpoint + deadband */
    deadband: z.number().min(0).default(0),
  })
  .strict();

const stateSchema = z
  .object({
    ...common,
    type: z.literal('state'),
    point: pointRef,
    /** the alarm is active while the value is one of these (digital: [true]; state: [3]) */
    alarmValues: z.array(z.union([z.number(), z.boolean(), z.string()])).min(1),
  })
  .strict();

const rateSchema = z
  .object({
    ...common,
    type: z.literal('rate'),
    point: pointRef,
    /** threshold in engineering units per minute */
    ratePerMin: z.number().positive(),
    direction: z.enum(['rise', 'fall', 'both']).default('both'),
    /** the rate is the change over this window */
    windowMs: z.number().int().min(100).max(3600_000).default(60_000),
    deadband: z.number().min(0).default(0),
  })
  .strict();

const deviationSchema = z
  .object({
    ...common,
    type: z.literal('deviation'),
    point: pointRef,
    /** the setpoint: a point (e.g. `ess1/SetActivePower`) or a constant */
    setpoint: z.union([pointRef, z.number()]),
    /** alarm when |value - setpoint| > maxDeviation */
    maxDeviation: z.number().positive(),
    deadband: z.number().min(0).default(0),
  })
  .strict();

const qualitySchema = z
  .object({
    ...common,
    type: z.literal('quality'),
    point: pointRef,
    /** bad-quality reasons that raise the alarm; default comm-fail and stale */
    reasons: z.array(z.enum(['comm-fail', 'stale', 'out-of-range', 'manual', 'initial', 'device'])).min(1).default(['comm-fail', 'stale']),
    /** also alarm on `uncertain` quality with one of the reasons */
    includeUncertain: z.boolean().default(false),
  })
  .strict();

const expressionSchema = z
  .object({
    ...common,
    type: z.literal('expression'),
    /** e.g. `ess1/Temperature > 40 and abs(ess1/ActivePower) > 50` (see core/alarms/expression.ts) */
    expr: z.string().min(1).max(2000),
  })
  .strict();

/** Raised and cleared by a service (comm failure, failed forecast, contingency) by id. */
const systemSchema = z
  .object({
    ...common,
    type: z.literal('system'),
  })
  .strict();

export const alarmDefinitionSchema = z.discriminatedUnion('type', [
  limitSchema,
  stateSchema,
  rateSchema,
  deviationSchema,
  qualitySchema,
  expressionSchema,
  systemSchema,
]);
export type AlarmDefinition = z.infer<typeof alarmDefinitionSchema>;
export type AlarmDefinitionInput = z.input<typeof alarmDefinitionSchema>;
export type AlarmType = AlarmDefinition['type'];
export type LimitAlarmDefinition = z.infer<typeof limitSchema>;

// ---------------------------------------------------------------- settings

const emailList = z.array(z.string().email()).default([]);

export const alarmNotificationSchema = z
  .object({
    enabled: z.boolean().default(false),
    smtp: z
      .object({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535).default(25),
        /** implicit TLS (port 465); otherwise STARTTLS when the server offers it */
        secure: z.boolean().default(false),
        /** refuse to send without STARTTLS */
        requireTls: z.boolean().default(false),
        user: z.string().optional(),
        /** name of the secret holding the password (never the password itself in the site file) */
        passwordSecret: z.string().optional(),
        from: z.string().min(3),
        timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
      })
      .strict()
      .optional(),
    /** recipients per priority */
    recipients: z
      .object({ critical: emailList, high: emailList, medium: emailList, low: emailList })
      .strict()
      .default({ critical: [], high: [], medium: [], low: [] }),
    /** also send when an alarm returns to normal */
    notifyOnClear: z.boolean().default(false),
    /** alarms raised within this time are sent together in one message */
    batchMs: z.number().int().min(0).max(600_000).default(5_000),
    /** rate limit per recipient: at most `maxPerWindow` messages per `windowMs`; the rest goes into a digest */
    maxPerWindow: z.number().int().min(1).max(1000).default(6),
    windowMs: z.number().int().min(1000).max(24 * 3600_000).default(3600_000),
  })
  .strict();
export type AlarmNotificationConfig = z.infer<typeof alarmNotificationSchema>;

export const alarmsConfigSchema = z
  .object({
    definitions: z.array(alarmDefinitionSchema).default([]),
    shelving: z
      .object({
        maxDurationMs: z.number().int().min(60_000).max(7 * 24 * 3600_000).default(8 * 3600_000),
        /** roles allowed to shelve (the host enforces this through the security service) */
        roles: z.array(z.string().min(1)).default(['operator', 'supervisor', 'admin']),
      })
      .strict()
      .default({ maxDurationMs: 8 * 3600_000, roles: ['operator', 'supervisor', 'admin'] }),
    flood: z
      .object({
        /** flood when more than `startCount` alarms activate within `windowMs` (EEMUA 191: 10 / 10 min) */
        startCount: z.number().int().min(1).default(10),
        /** the flood ends when the count in the window falls to `endCount` or below */
        endCount: z.number().int().min(0).default(5),
        windowMs: z.number().int().min(1000).default(600_000),
      })
      .strict()
      .default({ startCount: 10, endCount: 5, windowMs: 600_000 }),
    chattering: z
      .object({
        /** chattering when one alarm activates `count` times or more within `windowMs` (EEMUA: 3 / 1 min) */
        count: z.number().int().min(2).default(3),
        windowMs: z.number().int().min(1000).default(60_000),
      })
      .strict()
      .default({ count: 3, windowMs: 60_000 }),
    /** an alarm active longer than this is a stale (standing) alarm in the KPIs */
    staleAfterMs: z.number().int().min(60_000).default(24 * 3600_000),
    notifications: alarmNotificationSchema.default({
      enabled: false,
      recipients: { critical: [], high: [], medium: [], low: [] },
      notifyOnClear: false,
      batchMs: 5_000,
      maxPerWindow: 6,
      windowMs: 3600_000,
    }),
  })
  .strict();
export type AlarmsConfig = z.infer<typeof alarmsConfigSchema>;
export type AlarmsConfigInput = z.input<typeof alarmsConfigSchema>;

// ---------------------------------------------------------------- views (API results)

export interface AlarmActionResult {
  target: string;
  value: number | boolean;
  ok: boolean;
  /** the real outcome: done; refused before reaching the field (see `rule`); failed at the write or readback */
  outcome: 'done' | 'refused' | 'failed';
  /** the rule that refused or failed it */
  rule?: string;
  /** a protective action (stop, standby, trip, 0 kW) */
  protective?: boolean;
  message: string;
  /** when the step finished */
  ts: number;
}

export interface AlarmComment {
  ts: number;
  user: string;
  text: string;
}

export interface AlarmView {
  id: string;
  type: AlarmType;
  message: string;
  priority: AlarmPriority;
  class: string;
  asset?: string;
  /** parent asset (first-out grouping) */
  group?: string;
  point?: string;
  consequence?: string;
  response?: string;
  latching: boolean;
  shelvable: boolean;
  state: AlarmState;
  /** the condition itself (after delays), regardless of acknowledgement */
  active: boolean;
  /** last value that drove the condition, if any */
  value?: PointValue;
  activatedAt?: number;
  clearedAt?: number;
  ackedAt?: number;
  ackedBy?: string;
  /** last transition of any kind */
  changedAt: number;
  shelved?: { by: string; at: number; until: number; reason: string };
  suppressed?: { at: number; reason: string };
  outOfService?: { by: string; at: number; reason: string };
  /** activations since start */
  activations: number;
  chattering: boolean;
  /** last few comments, newest last */
  comments: AlarmComment[];
  /** last run of the automatic procedure */
  actions: AlarmActionResult[];
  /** actions are still running */
  actionsPending: boolean;
}

/** Banner counts: only annunciated alarms (not shelved, suppressed or out of service). */
export interface AlarmCounts {
  byPriority: Record<AlarmPriority, { unackActive: number; ackActive: number; unackRtn: number; latched: number }>;
  unacknowledged: number;
  active: number;
  shelved: number;
  suppressed: number;
  outOfService: number;
  /** highest priority with an unacknowledged alarm: drives the audible annunciation */
  highestUnacknowledged?: AlarmPriority;
}

export interface FloodGroup {
  /** parent asset (or the asset itself, or "site") */
  group: string;
  /** the first alarm of the group in this flood */
  firstOut: string;
  firstOutAt: number;
  count: number;
}

export interface FloodStatus {
  active: boolean;
  since?: number;
  /** activations within the window now */
  count: number;
  windowMs: number;
  /** the first alarm of the flood */
  firstOut?: string;
  groups: FloodGroup[];
}

/** One row of the alarm journal (event log). */
export interface AlarmJournalEntry {
  /** assigned by the journal */
  seq?: number;
  ts: number;
  alarmId: string;
  event: AlarmJournalEvent;
  from?: AlarmState;
  to?: AlarmState;
  priority: AlarmPriority;
  class: string;
  asset?: string;
  /** the person who acted; absent for automatic transitions */
  user?: string;
  /** the administrator acting as `user` (impersonation), when there was one */
  impersonator?: string;
  message: string;
  value?: PointValue;
  /** comment, shelving reason, action result, flood summary */
  text?: string;
}

export interface AlarmKpis {
  from: number;
  to: number;
  /** activations in the period */
  activations: number;
  /** average activations per 10 minutes (EEMUA 191: ~1 is manageable, > 10 a flood) */
  averageRatePer10Min: number;
  peakRatePer10Min: number;
  /** % of 10-minute intervals with more than 10 alarms */
  percentIntervalsOverTarget: number;
  /** % of the period the site was in flood */
  percentTimeInFlood: number;
  floods: number;
  /** the 10 most frequent alarms and their share of all activations */
  topBadActors: Array<{ alarmId: string; message: string; count: number; percent: number }>;
  /** % of all activations made by the top 10 */
  topTenPercent: number;
  chattering: Array<{ alarmId: string; message: string; episodes: number }>;
  /** alarms active longer than staleAfterMs within the period */
  stale: Array<{ alarmId: string; message: string; activeSince: number; activeMs: number }>;
  priorityMix: Record<AlarmPriority, { count: number; percent: number }>;
  acknowledged: number;
  /** median time from activation to acknowledgement, ms */
  medianAckMs?: number;
  shelveEvents: number;
}

// ---------------------------------------------------------------- API (merged into the contract by the host)

export interface AlarmListReq {
  /** which alarms: the live list (not normal), shelved, suppressed, out of service, or all */
  view?: 'live' | 'shelved' | 'suppressed' | 'out-of-service' | 'all';
  priorities?: AlarmPriority[];
  asset?: string;
  text?: string;
}
export interface AlarmListRes {
  alarms: AlarmView[];
  counts: AlarmCounts;
  flood: FloodStatus;
}

export interface AlarmHistoryQuery {
  from?: number;
  to?: number;
  alarmIds?: string[];
  priorities?: AlarmPriority[];
  assets?: string[];
  /** entries whose new state is one of these */
  states?: AlarmState[];
  events?: AlarmJournalEvent[];
  /** substring of the message, the alarm id, the user or the text */
  text?: string;
  /** newest first; default 500, max 10,000 */
  limit?: number;
  /** page backwards: entries with seq < before */
  before?: number;
}
export interface AlarmHistoryRes {
  entries: AlarmJournalEntry[];
  /** pass as `before` for the next (older) page; absent at the end */
  next?: number;
}

export interface AlarmBulkRes {
  done: string[];
  skipped: Array<{ id: string; reason: string }>;
}

export interface AlarmDefinitionIssue {
  path: string;
  message: string;
}

/** An administrator's edit of one definition, kept over the site file (core/alarms/overrides.ts). */
export interface AlarmDefinitionOverrideInfo {
  id: string;
  /** changed: replaces a site-file definition; added: not in the site file; deleted: removed */
  kind: 'changed' | 'added' | 'deleted';
  /** the site file has a definition with this id */
  inSiteFile: boolean;
  updatedAt: number;
  updatedBy: string;
}

export interface AlarmDefinitionsExport {
  filename: string;
  /** `alarms: definitions:` of a site file, with a comment header */
  yaml: string;
  definitions: number;
  /** definitions that differ from the site file (changed, added, deleted) */
  edited: number;
}

export interface AlarmApiMethods {
  'alarms.list': { req: AlarmListReq; res: AlarmListRes };
  'alarms.ack': { req: { ids: string[]; comment?: string }; res: AlarmBulkRes };
  'alarms.shelve': { req: { id: string; durationMs: number; reason: string }; res: AlarmView };
  'alarms.unshelve': { req: { id: string }; res: AlarmView };
  'alarms.comment': { req: { id: string; text: string }; res: AlarmView };
  'alarms.reset': { req: { ids: string[] }; res: AlarmBulkRes };
  'alarms.setOutOfService': { req: { id: string; outOfService: boolean; reason: string }; res: AlarmView };
  /** asset in maintenance or out of service: suppresses its alarms by design */
  'alarms.setAssetMode': {
    req: { assetId: string; mode: AssetState; reason?: string };
    res: { assetId: string; mode: AssetState; affected: number };
  };
  'alarms.history': { req: AlarmHistoryQuery; res: AlarmHistoryRes };
  'alarms.kpis': { req: { from: number; to: number }; res: AlarmKpis };
  /** CSV of the journal (RFC 4180, UTF-8, header row) */
  'alarms.export': { req: AlarmHistoryQuery; res: { filename: string; csv: string; rows: number } };
  'alarms.definitions.list': { req: Record<string, never>; res: AlarmDefinition[] };
  'alarms.definitions.validate': { req: { definition: unknown }; res: { ok: boolean; issues: AlarmDefinitionIssue[] } };
  /** administrator: add or replace a definition (kept in the application database over the site file) */
  'alarms.definitions.upsert': { req: { definition: AlarmDefinitionInput }; res: AlarmDefinition };
  'alarms.definitions.delete': { req: { id: string }; res: { deleted: boolean } };
  /** the administrator's edits kept over the site file (source column of the editor) */
  'alarms.definitions.overrides': { req: Record<string, never>; res: AlarmDefinitionOverrideInfo[] };
  /** the effective definitions as YAML, to copy back into the site file */
  'alarms.definitions.export': { req: Record<string, never>; res: AlarmDefinitionsExport };
}

/** @deprecated the asset's operational state is `AssetState` (core/common/asset-state.ts); this alias keeps older imports compiling */
export type AssetMode = AssetState;

export interface AlarmsChangedEvent {
  ts: number;
  /** every alarm that changed since the last event (an alarm back to normal is included once) */
  changes: AlarmView[];
  counts: AlarmCounts;
  /** alarms that became unack-active in this batch: desktop notification and horn */
  annunciate: Array<{ id: string; priority: AlarmPriority; message: string }>;
  /**
   * set when a large batch reaches the screens in several events: how many alarms became
   * unack-active in the whole batch (`annunciate` then lists the highest-priority ones only,
   * in the first part)
   */
  annunciateTotal?: number;
  /** part n of m of one engine batch (absent when the batch fits one event) */
  part?: { n: number; of: number };
}

export interface AlarmApiEvents {
  'alarms.changed': AlarmsChangedEvent;
  /** flood started, changed its groups, or ended: the banner */
  'alarms.flood': FloodStatus;
}

const priorities = z.array(alarmPrioritySchema).max(4);
const ids = z.array(alarmId).min(1).max(10_000);

export const alarmHistoryQuerySchema = z
  .object({
    from: z.number().int().nonnegative().optional(),
    to: z.number().int().nonnegative().optional(),
    alarmIds: z.array(alarmId).max(1000).optional(),
    priorities: priorities.optional(),
    assets: z.array(z.string().min(1)).max(1000).optional(),
    states: z.array(alarmStateSchema).max(5).optional(),
    events: z.array(z.enum(ALARM_JOURNAL_EVENTS)).max(ALARM_JOURNAL_EVENTS.length).optional(),
    text: z.string().max(200).optional(),
    limit: z.number().int().min(1).max(10_000).optional(),
    before: z.number().int().positive().optional(),
  })
  .strict();

export const alarmMethodArgSchemas: { [M in keyof AlarmApiMethods]: z.ZodType<AlarmApiMethods[M]['req']> } = {
  'alarms.list': z
    .object({
      view: z.enum(['live', 'shelved', 'suppressed', 'out-of-service', 'all']).optional(),
      priorities: priorities.optional(),
      asset: z.string().min(1).optional(),
      text: z.string().max(200).optional(),
    })
    .strict(),
  'alarms.ack': z.object({ ids, comment: z.string().max(1000).optional() }).strict(),
  'alarms.shelve': z
    .object({
      id: alarmId,
      durationMs: z.number().int().min(1000).max(7 * 24 * 3600_000),
      reason: z.string().trim().min(3, 'give a reason for shelving').max(500),
    })
    .strict(),
  'alarms.unshelve': z.object({ id: alarmId }).strict(),
  'alarms.comment': z.object({ id: alarmId, text: z.string().trim().min(1).max(2000) }).strict(),
  'alarms.reset': z.object({ ids }).strict(),
  'alarms.setOutOfService': z
    .object({ id: alarmId, outOfService: z.boolean(), reason: z.string().trim().min(3).max(500) })
    .strict(),
  'alarms.setAssetMode': z
    .object({
      assetId: z.string().min(1).max(100),
      mode: z.enum(ASSET_STATES),
      reason: z.string().max(500).optional(),
    })
    .strict(),
  'alarms.history': alarmHistoryQuerySchema,
  'alarms.kpis': z
    .object({ from: z.number().int().nonnegative(), to: z.number().int().positive() })
    .strict()
    .refine((a) => a.to > a.from, { message: '"to" must be after "from"', path: ['to'] }),
  'alarms.export': alarmHistoryQuerySchema,
  'alarms.definitions.list': z.object({}).strict(),
  'alarms.definitions.validate': z.object({ definition: z.unknown() }).strict() as z.ZodType<{ definition: unknown }>,
  'alarms.definitions.upsert': z.object({ definition: alarmDefinitionSchema }).strict(),
  'alarms.definitions.delete': z.object({ id: alarmId }).strict(),
  'alarms.definitions.overrides': z.object({}).strict(),
  'alarms.definitions.export': z.object({}).strict(),
};

export const ALARM_EVENT_NAMES: ReadonlyArray<keyof AlarmApiEvents> = ['alarms.changed', 'alarms.flood'];

/** Engine-side identity of automatic actions in the command pipeline and the audit trail. */
export const ALARM_SYSTEM_PRINCIPAL = 'system:alarms';

/**
 * Limit alarms may follow site parameters: `setpoint: { ref: contractedPowerKw }` (the site's
 * contracted power) or `{ ref: socMinPct }` / `{ ref: socMaxPct }` (the SoC window of the
 * alarm point's asset). Resolves them in the raw document (before validation) into the number,
 * keeping the name in `setpointRef` so a run-time change of the parameter moves the alarm.
 */
export function resolveAlarmSetpointRefs(data: unknown): Array<{ path: string; message: string }> {
  const issues: Array<{ path: string; message: string }> = [];
  const doc = data as { site?: { pcc?: { contractedPowerKw?: unknown } }; assets?: unknown; alarms?: { definitions?: unknown } } | null;
  const defs = doc?.alarms?.definitions;
  if (!Array.isArray(defs)) return issues;
  const assets = Array.isArray(doc?.assets) ? (doc.assets as Array<{ id?: unknown; limits?: Record<string, unknown> }>) : [];
  defs.forEach((d: unknown, i: number) => {
    const def = d as { setpoint?: unknown; setpointRef?: unknown; point?: unknown } | null;
    const sp = def?.setpoint;
    if (!def || typeof sp !== 'object' || sp === null || Array.isArray(sp) || !('ref' in sp)) return;
    const path = `alarms.definitions[${i}].setpoint`;
    const ref = (sp as { ref: unknown }).ref;
    if (!(ALARM_SETPOINT_REFS as readonly unknown[]).includes(ref)) {
      issues.push({ path, message: `ref must be one of ${ALARM_SETPOINT_REFS.join(', ')}, not ${JSON.stringify(ref)}` });
      return;
    }
    let value: unknown;
    if (ref === 'contractedPowerKw') value = doc?.site?.pcc?.contractedPowerKw;
    else {
      const assetId = typeof def.point === 'string' ? def.point.split('/')[0] : undefined;
      const asset = assets.find((a) => a.id === assetId);
      value = asset?.limits?.[ref as string];
      if (typeof value !== 'number') {
        issues.push({ path, message: `ref ${String(ref)}: asset "${assetId ?? '?'}" of the alarm's point has no limits.${String(ref)}` });
        return;
      }
    }
    if (typeof value !== 'number') {
      issues.push({ path, message: `ref ${String(ref)}: the site has no number for it` });
      return;
    }
    def.setpoint = value;
    def.setpointRef = ref;
  });
  return issues;
}

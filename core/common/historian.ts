/**
 * Historian: the `historian:` section of the site file (recording policies, retention,
 * backup) and the API types the trend / export screens use. Pure: zod only.
 *
 * The lead merges `historianMethodArgSchemas` / `HistorianApiMethods` / `HistorianApiEvents`
 * into core/common/api/contract.ts.
 */
import { z } from 'zod';
import type { Quality } from './quality';
import type { PointId } from './point';

// ------------------------------------------------------------------ recording policies

export const recordingModeSchema = z.enum(['cyclic', 'deadband', 'swinging-door', 'all']);
export type RecordingMode = z.infer<typeof recordingModeSchema>;

const policyFields = {
  /**
   * cyclic: the first sample of every `periodMs` slot; deadband: a sample that moved more than
   * the deadband from the last recorded one; swinging-door: PI-style compression with
   * `deviation`; all: every sample. Every mode records a change of quality at once.
   */
  mode: recordingModeSchema,
  /** cyclic: slot length in ms */
  periodMs: z.number().int().positive().optional(),
  /** deadband: absolute deadband in engineering units */
  deadbandAbs: z.number().nonnegative().optional(),
  /** deadband: percent of |last recorded value| (a value outside either deadband is recorded) */
  deadbandPct: z.number().nonnegative().max(100).optional(),
  /** swinging-door: compression deviation in engineering units */
  deviation: z.number().nonnegative().optional(),
  /** deadband / swinging-door: record at least once per this interval (heartbeat) */
  maxIntervalMs: z.number().int().positive().optional(),
  /** raw data older than this is dropped (whole monthly partitions) */
  retentionDays: z.number().int().positive().max(36_500),
  /** rollups (1 min .. 1 day) are kept this long; default: retentionDays */
  rollupRetentionDays: z.number().int().positive().max(36_500).optional(),
};

function checkPolicy(p: { mode: RecordingMode; periodMs?: number; deviation?: number; deadbandAbs?: number; deadbandPct?: number }, ctx: z.RefinementCtx): void {
  if (p.mode === 'cyclic' && p.periodMs === undefined) ctx.addIssue({ code: 'custom', path: ['periodMs'], message: 'cyclic recording needs periodMs' });
  if (p.mode === 'swinging-door' && p.deviation === undefined) ctx.addIssue({ code: 'custom', path: ['deviation'], message: 'swinging-door needs deviation' });
  if (p.mode === 'deadband' && p.deadbandAbs === undefined && p.deadbandPct === undefined)
    ctx.addIssue({ code: 'custom', path: ['deadbandAbs'], message: 'deadband needs deadbandAbs and/or deadbandPct' });
}

export const recordingPolicySchema = z.object(policyFields).strict().superRefine(checkPolicy);
export type RecordingPolicy = z.infer<typeof recordingPolicySchema>;

/** Which points a policy applies to; every given criterion must match (globs: `*` and `?`). */
export const policyMatchSchema = z
  .object({
    /** point-id globs, e.g. `ess1/*`, `*\/Soc` */
    points: z.array(z.string().min(1)).optional(),
    /** asset ids or globs */
    assets: z.array(z.string().min(1)).optional(),
    /** channel globs, e.g. `P*` */
    channels: z.array(z.string().min(1)).optional(),
    /** asset natures (Meter, Ess, Pv, ...) */
    natures: z.array(z.string().min(1)).optional(),
  })
  .strict();

export const policyRuleSchema = z
  .object({ name: z.string().min(1).optional(), match: policyMatchSchema, ...policyFields })
  .strict()
  .superRefine(checkPolicy);
export type PolicyRule = z.infer<typeof policyRuleSchema>;

export const historianConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** buffered samples are committed at least this often (a crash loses at most this much) */
    flushMs: z.number().int().min(50).max(60_000).default(1000),
    /** policy for points no rule matches */
    default: recordingPolicySchema.default({ mode: 'deadband', deadbandAbs: 0, maxIntervalMs: 3_600_000, retentionDays: 400 }),
    /** first matching rule wins */
    policies: z.array(policyRuleSchema).default([]),
    chunk: z
      .object({
        /** a chunk is sealed (compressed, moved out of the hot table) at this many samples */
        maxSamples: z.number().int().min(16).max(65_536).default(4096),
        /** ... or when its first sample was recorded this long ago (wall clock): an hour, so a 1 s
         *  point seals chunks of 3,600 samples (a quarter of an hour left 900-sample chunks whose
         *  per-chunk header and page slack cost 30-60 % more bytes per sample in the storage bench) */
        maxAgeMs: z.number().int().positive().default(3_600_000),
      })
      .strict()
      .default({ maxSamples: 4096, maxAgeMs: 3_600_000 }),
    backup: z
      .object({
        /** online backup every N hours (0: only on demand) */
        intervalHours: z.number().min(0).default(24),
        /** keep this many scheduled backups */
        keep: z.number().int().min(1).default(7),
        /** default: <dataDir>/backups */
        dir: z.string().min(1).optional(),
      })
      .strict()
      .default({ intervalHours: 24, keep: 7 }),
    /** plans and forecasts older than this are deleted */
    forecastRetentionDays: z.number().int().positive().default(400),
    /** query/export worker threads (0: run queries on the calling thread, for tests) */
    queryWorkers: z.number().int().min(0).max(8).default(1),
  })
  .strict();
export type HistorianConfig = z.infer<typeof historianConfigSchema>;
export type HistorianConfigInput = z.input<typeof historianConfigSchema>;

// ------------------------------------------------------------------ quality codes on the wire

/**
 * Quality as a small integer in trend results (one byte per sample instead of an object):
 * code = level * 8 + reason index. 0 = good.
 */
export const QUALITY_REASONS = ['', 'comm-fail', 'stale', 'out-of-range', 'manual', 'initial', 'device'] as const;
export const QUALITY_LEVELS = ['good', 'uncertain', 'bad'] as const;

/** The one quality codec: the historian stores these codes, trends and exports read them. */
export function qualityCode(q: Quality): number {
  const level = q.level === 'good' ? 0 : q.level === 'uncertain' ? 1 : 2;
  const r = q.reason === undefined ? 0 : (QUALITY_REASONS as readonly string[]).indexOf(q.reason);
  return level * 8 + (r < 0 ? 0 : r);
}

/** The quality of a code; an absent code is good. */
export function qualityFromCode(code: number | undefined): Quality {
  if (!code) return { level: 'good' };
  const level = QUALITY_LEVELS[Math.min(2, code >> 3)] ?? 'bad';
  const reason = QUALITY_REASONS[code & 7];
  return reason ? ({ level, reason } as Quality) : { level };
}

/** "bad:comm-fail", "good" (CSV exports) */
export function qualityText(code: number): string {
  const q = qualityFromCode(code);
  return q.reason ? `${q.level}:${q.reason}` : q.level;
}

// ------------------------------------------------------------------ queries

export type TrendMode = 'raw' | 'interpolated' | 'aggregate';
export type Downsample = 'minmax' | 'lttb';

export interface TrendQuery {
  ids: PointId[];
  /** ms since epoch, inclusive */
  from: number;
  /** ms since epoch, inclusive */
  to: number;
  mode: TrendMode;
  /** interpolated: step between values; aggregate: bucket width (chosen from maxPoints if absent) */
  intervalMs?: number;
  /**
   * display budget per pen (e.g. the chart's width in pixels x 2). Raw data longer than this is
   * downsampled (min/max per pixel from the rollups, or LTTB); aggregate picks its bucket width.
   */
  maxPoints?: number;
  /** how raw data is reduced to maxPoints; default 'minmax' */
  downsample?: Downsample;
}

/** One aggregate bucket series (aggregate mode): parallel arrays, one entry per bucket. */
export interface AggregateColumns {
  count: number[];
  min: (number | null)[];
  max: (number | null)[];
  mean: (number | null)[];
  /** time-weighted average, linear interpolation between recorded samples */
  twa: (number | null)[];
  first: (number | null)[];
  last: (number | null)[];
}

export interface TrendPen {
  id: PointId;
  /** how the values were produced */
  source: 'raw' | 'interpolated' | 'minmax' | 'lttb' | 'rollup' | 'aggregate-raw';
  /** for rollup-based results: the rollup level used (ms) */
  levelMs?: number;
  /** sample / bucket start times, ms */
  t: number[];
  /** values (numbers; booleans as 0/1; null = no value). Aggregate mode: the twa. */
  v: (number | string | null)[];
  /** quality codes (see QUALITY_REASONS), raw/interpolated only */
  q?: number[];
  /** aggregate mode only */
  agg?: AggregateColumns;
  /** the raw sample count in the range, from chunk metadata (approximate at the edges) */
  rawCount: number;
}

export interface TrendResult {
  from: number;
  to: number;
  pens: TrendPen[];
  /** time spent in the query worker, ms */
  elapsedMs: number;
}

// ------------------------------------------------------------------ plans and forecasts

export interface ForecastWrite {
  /** series name, e.g. `opt/plan/ess1/P` or `forecast/pv1/P` */
  series: string;
  kind: 'plan' | 'forecast';
  /** when the plan / forecast was issued, ms */
  issuedAt: number;
  points: { ts: number; value: number }[];
}

export interface ForecastQuery {
  series: string[];
  from: number;
  to: number;
  /**
   * 'latest' (default): for every ts the value of the latest issue issued at or before `asOf`;
   * { issuedAt }: exactly that issue; { horizonMs }: for every ts the latest issue issued at
   * or before ts - horizonMs (e.g. day-ahead vs actual).
   */
  issue?: 'latest' | { issuedAt: number } | { horizonMs: number };
  asOf?: number;
}

export interface ForecastSeries {
  series: string;
  t: number[];
  v: number[];
  /** the issue time each value comes from */
  issuedAt: number[];
}

// ------------------------------------------------------------------ export

export interface ExportRequest {
  ids: PointId[];
  from: number;
  to: number;
  /** wide: one column per point (row per distinct timestamp); long: ts, point, value, quality */
  layout: 'wide' | 'long';
  /** raw samples (default) or interpolated at intervalMs */
  mode?: 'raw' | 'interpolated';
  intervalMs?: number;
  /** field separator, default ',' */
  separator?: ',' | ';' | '\t';
  /** per id (same order): digits after the decimal point, the point's resolution; null = as recorded */
  decimals?: (number | null)[];
  /**
   * wide raw layout: samples of different points less than this apart share a row (the row's
   * time is its first sample's; a second sample of the same point starts a new row, so nothing
   * is lost). 0 (default): one row per distinct timestamp, mostly empty when devices poll apart.
   */
  mergeMs?: number;
}

export interface ExportProgress {
  rows: number;
  /** estimate from chunk metadata */
  totalRows: number;
  bytes: number;
  /** 0..1 */
  fraction: number;
  done: boolean;
}

export interface BackupInfo {
  path: string;
  bytes: number;
  startedAt: number;
  elapsedMs: number;
}

// ------------------------------------------------------------------ API contract (to merge)

export interface HistorianApiMethods {
  'history.query': { req: TrendQuery; res: TrendResult };
  'history.forecast': { req: ForecastQuery; res: ForecastSeries[] };
  /** starts an export; progress comes as `history.exportProgress`, the file as a download */
  'history.export': { req: ExportRequest & { exportId: string }; res: { exportId: string } };
  'history.exportCancel': { req: { exportId: string }; res: { cancelled: boolean } };
  'history.backup': { req: Record<string, never>; res: BackupInfo };
}

/** Progress of one export, delivered only to the user who started it (`forUser`). */
export interface ExportProgressEvent extends ExportProgress {
  exportId: string;
  forUser: string;
  /** when done in browser mode: a one-time download path on the host, e.g. `/download/<token>` */
  download?: string;
  /** when done: the file on the host (the desktop shell shows it) */
  file?: string;
  filename?: string;
  /** set when the export failed or was cancelled */
  error?: string;
}

export interface HistorianApiEvents {
  'history.exportProgress': ExportProgressEvent;
}

const MAX_SPAN_MS = 20 * 366 * 86_400_000;
const ids = z.array(z.string().min(1)).min(1).max(64);
const range = { from: z.number().int(), to: z.number().int() };
const spanOk = (a: { from: number; to: number }): boolean => a.to >= a.from && a.to - a.from <= MAX_SPAN_MS;
const spanMsg = { message: 'need from <= to and a span of at most 20 years', path: ['to'] };

export const trendQuerySchema = z
  .object({
    ids,
    ...range,
    mode: z.enum(['raw', 'interpolated', 'aggregate']),
    intervalMs: z.number().int().min(1).optional(),
    maxPoints: z.number().int().min(2).max(100_000).optional(),
    downsample: z.enum(['minmax', 'lttb']).optional(),
  })
  .strict()
  .refine(spanOk, spanMsg)
  .refine((q) => q.mode !== 'interpolated' || q.intervalMs !== undefined || q.maxPoints !== undefined, {
    message: 'interpolated needs intervalMs or maxPoints',
    path: ['intervalMs'],
  });

export const forecastQuerySchema = z
  .object({
    series: z.array(z.string().min(1)).min(1).max(64),
    ...range,
    issue: z.union([z.literal('latest'), z.object({ issuedAt: z.number().int() }).strict(), z.object({ horizonMs: z.number().int().min(0) }).strict()]).optional(),
    asOf: z.number().int().optional(),
  })
  .strict()
  .refine(spanOk, spanMsg);

export const exportRequestSchema = z
  .object({
    ids: z.array(z.string().min(1)).min(1).max(1000),
    ...range,
    layout: z.enum(['wide', 'long']),
    mode: z.enum(['raw', 'interpolated']).optional(),
    intervalMs: z.number().int().min(1).optional(),
    separator: z.enum([',', ';', '\t']).optional(),
    decimals: z.array(z.number().int().min(0).max(9).nullable()).max(1000).optional(),
    mergeMs: z.number().int().min(0).max(3_600_000).optional(),
  })
  .strict()
  .refine(spanOk, spanMsg)
  .refine((q) => q.decimals === undefined || q.decimals.length === q.ids.length, { message: 'decimals needs one entry per id', path: ['decimals'] })
  .refine((q) => q.mode !== 'interpolated' || q.intervalMs !== undefined, { message: 'interpolated export needs intervalMs', path: ['intervalMs'] });

export const historianMethodArgSchemas = {
  'history.query': trendQuerySchema,
  'history.forecast': forecastQuerySchema,
  'history.export': z.intersection(exportRequestSchema, z.object({ exportId: z.string().min(1).max(64) })),
  'history.exportCancel': z.object({ exportId: z.string().min(1).max(64) }).strict(),
  'history.backup': z.object({}).strict(),
} as const;

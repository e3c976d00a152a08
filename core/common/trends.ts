/**
 * Saved trend views stored on the server (issue #9): a name, up to eight pens and a time range,
 * kept per user or shared with everyone on the site, and the site's default groups (power
 * balance, battery, PCC against the contracted power) that a new user sees at once.
 *
 * Pure (zod only). Merged into api/contract.ts like the other areas.
 */
import { z } from 'zod';
import type { PointId } from './point';

/** the longest view name, characters */
export const TREND_VIEW_NAME_MAX = 60;
/** pens per view (the trend screen's pen colours) */
export const TREND_VIEW_PENS_MAX = 8;
/** saved views per user, and shared views per site */
export const TREND_VIEWS_MAX = 50;
/** range presets the trend screen offers */
export const TREND_RANGE_PRESETS = ['15m', '1h', '8h', '24h', '7d', '30d', '1y'] as const;

export type TrendViewRange = { kind: 'preset'; key: (typeof TREND_RANGE_PRESETS)[number] } | { kind: 'custom'; from: number; to: number };

/**
 * `user`: the signed-in user's own; `shared`: saved for everyone on the site (needs
 * config.edit to save or delete); `default`: the site's default groups, built by the core
 * from the site model (read-only).
 */
export type TrendViewScope = 'user' | 'shared' | 'default';

/** A horizontal line drawn with the pens (the contracted power on the PCC group). */
export interface TrendReference {
  label: string;
  value: number;
  unit: string;
}

export interface TrendView {
  id: string;
  name: string;
  scope: TrendViewScope;
  pens: PointId[];
  range: TrendViewRange;
  references?: TrendReference[];
  /** who saved it last and when (absent for default groups) */
  updatedBy?: string;
  updatedAt?: number;
}

export interface TrendViewSaveRequest {
  name: string;
  pens: PointId[];
  range: TrendViewRange;
  /** save for everyone on the site (config.edit) instead of for oneself */
  shared?: boolean;
}

export interface TrendViewApiMethods {
  'trends.views.list': { req: Record<string, never>; res: TrendView[] };
  /** saves, or replaces the view of the same name (case-insensitive) in the same scope */
  'trends.views.save': { req: TrendViewSaveRequest; res: TrendView };
  'trends.views.delete': { req: { id: string }; res: { deleted: boolean } };
}

const pointId = z.string().min(3).max(200).regex(/^[^/\s]+\/[^/\s]+$/, 'a point id: asset/channel');
export const trendViewNameSchema = z
  .string()
  .trim()
  .min(1, 'give the view a name')
  .max(TREND_VIEW_NAME_MAX, `a view name has at most ${TREND_VIEW_NAME_MAX} characters`)
  .refine((s) => ![...s].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127), 'a view name has no control characters');

export const trendViewRangeSchema: z.ZodType<TrendViewRange> = z.union([
  z.object({ kind: z.literal('preset'), key: z.enum(TREND_RANGE_PRESETS) }).strict(),
  z
    .object({ kind: z.literal('custom'), from: z.number().int().nonnegative(), to: z.number().int().positive() })
    .strict()
    .refine((r) => r.to > r.from, { message: 'the end of the range is after its start', path: ['to'] }),
]);

export const trendViewMethodArgSchemas: { [M in keyof TrendViewApiMethods]: z.ZodType<TrendViewApiMethods[M]['req']> } = {
  'trends.views.list': z.object({}).strict(),
  'trends.views.save': z
    .object({
      name: trendViewNameSchema,
      pens: z.array(pointId).min(1, 'a view needs at least one pen').max(TREND_VIEW_PENS_MAX, `a view has at most ${TREND_VIEW_PENS_MAX} pens`),
      range: trendViewRangeSchema,
      shared: z.boolean().optional(),
    })
    .strict(),
  'trends.views.delete': z.object({ id: z.string().min(1).max(100) }).strict(),
};

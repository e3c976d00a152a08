/**
 * Commands to the field, as the API and the command pipeline (core/control) see them: the
 * request, the stages of the pipeline and the results of select and execute. Pure (zod only).
 */
import { z } from 'zod';
import type { PointId, PointValue } from './point';

export type CommandStage =
  | 'validation'
  | 'permission'
  | 'asset-state'
  | 'interlock'
  | 'confirmation'
  | 'reason'
  | 'audit'
  | 'write'
  | 'readback';

/**
 * What the device itself did with a command, stage by stage, when its protocol says so
 * (IEC 61850: select, operate, command termination, cancel; a refusal with its AddCause).
 */
export interface FieldStage {
  stage: 'selected' | 'operated' | 'terminated' | 'cancelled' | 'refused';
  /** ms since epoch */
  at: number;
  /** the device's service or step, e.g. "select", "operate", "termination" (for a refusal) */
  step?: string;
  /** the device's reason in words (AddCause), for a refusal or a failed termination */
  text?: string;
}

/** What a bridge may return from a write: the device's stages. */
export interface FieldReport {
  stages: FieldStage[];
}

/** The stages a bridge attached to the error of a refused or failed write (`fieldStages`). */
export function fieldStagesOf(e: unknown): FieldStage[] | undefined {
  const s = e && typeof e === 'object' ? (e as { fieldStages?: unknown }).fieldStages : undefined;
  return Array.isArray(s) ? (s as FieldStage[]) : undefined;
}

export interface CommandRequest {
  siteId: string;
  target: PointId;
  value: number | boolean;
  /** unit the value was entered in; checked (and converted for power) against the point's unit */
  unit?: string;
  /** id of a reason from the administrator's list */
  reason?: string;
  /** free text besides the reason */
  comment?: string;
  /** token from command.select (select-before-operate) */
  confirmToken?: string;
}

export type CommandResult =
  | {
      ok: true;
      stage: 'done';
      commandId: string;
      target: PointId;
      value: number | boolean;
      before: PointValue;
      readback: PointValue;
      durationMs: number;
      /** the device's own stages (IEC 61850 select / operate / termination), when its protocol reports them */
      fieldStages?: FieldStage[];
    }
  | { ok: false; stage: CommandStage; rule: string; message: string; commandId: string; fieldStages?: FieldStage[] };

export type SelectResult =
  | { ok: true; stage: 'selected'; token: string; expiresAt: number; commandId: string; summary: string }
  | { ok: false; stage: CommandStage; rule: string; message: string; commandId: string };

const idSchema = z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'an id: a letter, then letters, digits, ".", "_" or "-"');

export const commandRequestSchema = z
  .object({
    siteId: idSchema,
    target: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*\/[A-Za-z][A-Za-z0-9_]*$/, 'a point id assetId/channel'),
    value: z.union([z.number().finite(), z.boolean()]),
    unit: z.string().max(16).optional(),
    reason: idSchema.optional(),
    comment: z.string().max(500).optional(),
    confirmToken: z.string().max(200).optional(),
  })
  .strict();

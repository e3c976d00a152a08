/**
 * What the command pipeline needs from the rest of the core, as narrow interfaces: the host
 * adapts the CVT, the site model and the bridges to them (control never imports drivers).
 * Every call names the site, so one service serves many sites without mixing them up.
 */
import type { AssetConfig } from '../common/site';
import type { AssetState } from '../common/asset-state';
import type { NatureName } from '../common/natures';
import type { PointId, PointMeta, PointValue } from '../common/point';
import type { Quality } from '../common/quality';
import type { FieldReport } from '../common/commands';

export interface PointReading {
  value: PointValue;
  quality: Quality;
  /** source timestamp, ms */
  ts: number;
}

/** The Current Value Table as seen by the pipeline (SoC, measured power, PCC, BMS limits). */
export interface PointReader {
  get(siteId: string, pointId: PointId): PointReading | undefined;
}

/** the one operational-state type (core/common/asset-state.ts), re-exported for the pipeline's users */
export type { AssetState };

export interface CommandAsset {
  id: string;
  nature: NatureName;
  limits?: AssetConfig['limits'];
  rating?: AssetConfig['rating'];
  /** operational state set by operators (maintenance lockout, out of service) */
  state: AssetState;
  /** who put it there and why, shown in the refusal */
  stateNote?: string;
}

export interface CommandPoint extends PointMeta {
  /** point read back to confirm the command (e.g. a breaker's Closed); default: the target */
  feedback?: PointId;
  /** needs select-before-operate; default: Breaker assets and enum-coded (mode) points */
  selectBeforeOperate?: boolean;
}

export interface AssetModel {
  asset(siteId: string, assetId: string): CommandAsset | undefined;
  point(siteId: string, pointId: PointId): CommandPoint | undefined;
  /** the PCC meter asset and the contracted power, if the site has them */
  pcc(siteId: string): { meter: string; contractedPowerKw: number } | undefined;
}

/** The field, through the bridges. */
export interface CommandWriter {
  /** resolves once the device acknowledged the write; rejects with the cause */
  write(siteId: string, pointId: PointId, value: number | boolean): Promise<void | FieldReport>;
  /**
   * Optional: the same write completed before it returns (a plant in this process, a study's
   * simulator), or a throw with the cause. The machine lane uses it when present and then
   * needs no promise or timeout per write; the person lane always uses `write`.
   */
  writeNow?(siteId: string, pointId: PointId, value: number | boolean): void;
  /** reads the point from the device now */
  read(siteId: string, pointId: PointId): Promise<PointValue>;
}

/** An extra interlock (e.g. "no discharge while the grid breaker is open"). */
export interface Interlock {
  id: string;
  check(ctx: InterlockContext): { rule: string; message: string } | null;
}

export interface InterlockContext {
  siteId: string;
  target: PointId;
  assetId: string;
  channel: string;
  value: number | boolean;
  asset: CommandAsset;
  point: CommandPoint;
  read(pointId: PointId): PointReading | undefined;
}

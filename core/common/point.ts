import type { Quality, TimeQuality } from './quality';

/** A point id is `assetId/channel`, e.g. `ess1/Soc`. */
export type PointId = string;

export type PointValue = number | boolean | string | null;

export function pointId(assetId: string, channel: string): PointId {
  return `${assetId}/${channel}`;
}

export function splitPointId(id: PointId): { assetId: string; channel: string } {
  const slash = id.indexOf('/');
  if (slash <= 0 || slash === id.length - 1) throw new Error(`invalid point id "${id}": expected assetId/channel`);
  return { assetId: id.slice(0, slash), channel: id.slice(slash + 1) };
}

/** Static description of a point, from the site model. */
export interface PointMeta {
  id: PointId;
  assetId: string;
  channel: string;
  deviceId?: string;
  unit: string;
  type: 'number' | 'boolean' | 'string';
  access: 'ro' | 'rw';
  /** engineering range: a value outside is marked out-of-range */
  min?: number;
  max?: number;
  description?: string;
  /** for enum-coded points: code -> label */
  states?: Record<string, string>;
  /** the point that confirms a command to this one (read back from the CVT), if not itself */
  feedback?: PointId;
}

/** Live state of a point in the Current Value Table. */
export interface PointState {
  id: PointId;
  value: PointValue;
  quality: Quality;
  /** source timestamp (device or driver), ms since epoch */
  ts: number;
  /** receive timestamp in the core, ms since epoch */
  rts: number;
  /** the quality of the source timestamp, when the device gives one (IEC 61850 TimeQuality) */
  tq?: TimeQuality;
}

/** One entry of a batched change event, kept short on the wire. */
export interface PointUpdate {
  id: PointId;
  v: PointValue;
  q: Quality;
  ts: number;
  rts: number;
  tq?: TimeQuality;
}

export function toUpdate(s: PointState): PointUpdate {
  return s.tq ? { id: s.id, v: s.value, q: s.quality, ts: s.ts, rts: s.rts, tq: s.tq } : { id: s.id, v: s.value, q: s.quality, ts: s.ts, rts: s.rts };
}

/**
 * Adapts protocol bridges (core/common/bridge.ts) to the pipeline's CommandWriter: the one
 * path from the command pipeline to the field. The host passes a lookup from (site, point)
 * to the bridge serving it; control never imports drivers.
 *
 * Readback: a bridge that reads on demand is asked; one that cannot (OCPP) is answered from
 * the Current Value Table, with a value of good quality received after the last write to
 * that device (a value from before the write proves nothing).
 */
import type { FieldReport } from '../common/commands';
import type { Bridge } from '../common/bridge';
import { splitPointId, type PointId, type PointState, type PointValue } from '../common/point';
import type { CommandWriter } from './ports';

export type BridgeLookup = (siteId: string, pointId: PointId) => Bridge | undefined;

/** The live state of a point (value, quality, receive time), for readback without on-demand reads. */
export type CurrentLookup = (siteId: string, pointId: PointId) => Pick<PointState, 'value' | 'quality' | 'rts'> | undefined;

export function bridgeCommandWriter(lookup: BridgeLookup, current?: CurrentLookup, now: () => number = Date.now): CommandWriter {
  /** when each bridge last acknowledged a write (readback from the CVT must be newer) */
  const lastWrite = new WeakMap<Bridge, number>();
  const resolve = (siteId: string, pointId: PointId): { bridge: Bridge; channel: string } => {
    const { channel } = splitPointId(pointId);
    const bridge = lookup(siteId, pointId);
    if (!bridge) throw new Error(`no device serves ${pointId} on site ${siteId}`);
    return { bridge, channel };
  };
  return {
    async write(siteId: string, pointId: PointId, value: number | boolean): Promise<void | FieldReport> {
      const { bridge, channel } = resolve(siteId, pointId);
      const at = now();
      const report = await bridge.write(channel, value);
      lastWrite.set(bridge, at);
      return report;
    },
    async read(siteId: string, pointId: PointId): Promise<PointValue> {
      const { bridge, channel } = resolve(siteId, pointId);
      if (bridge.read) return bridge.read(channel);
      const st = current?.(siteId, pointId);
      if (!st) throw new Error(`${pointId} cannot be read on demand and has no current value`);
      if (st.quality.level !== 'good') throw new Error(`${pointId} has ${st.quality.level} quality`);
      const since = lastWrite.get(bridge);
      if (since !== undefined && st.rts < since) throw new Error(`the device has not reported ${pointId} since the write`);
      return st.value;
    },
  };
}

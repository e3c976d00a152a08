/**
 * Adapts protocol bridges (core/common/bridge.ts) to the pipeline's CommandWriter. The host
 * passes a lookup from (site, point) to the bridge serving it; control never imports drivers.
 */
import type { Bridge } from '../common/bridge';
import { splitPointId, type PointId, type PointValue } from '../common/point';
import type { CommandWriter } from './ports';

export type BridgeLookup = (siteId: string, assetId: string) => Bridge | undefined;

export function bridgeCommandWriter(lookup: BridgeLookup): CommandWriter {
  const resolve = (siteId: string, pointId: PointId): { bridge: Bridge; channel: string } => {
    const { assetId, channel } = splitPointId(pointId);
    const bridge = lookup(siteId, assetId);
    if (!bridge) throw new Error(`no device serves ${pointId} on site ${siteId}`);
    return { bridge, channel };
  };
  return {
    async write(siteId: string, pointId: PointId, value: number | boolean): Promise<void> {
      const { bridge, channel } = resolve(siteId, pointId);
      await bridge.write(channel, value);
    },
    async read(siteId: string, pointId: PointId): Promise<PointValue> {
      const { bridge, channel } = resolve(siteId, pointId);
      return bridge.read(channel);
    },
  };
}

export { CommandService, type CommandServiceOptions } from './command';
export { bridgeCommandWriter, type BridgeLookup } from './bridges';
export { convertUnit } from './units';
export type {
  AssetModel,
  AssetState,
  CommandAsset,
  CommandPoint,
  CommandWriter,
  Interlock,
  InterlockContext,
  PointReader,
  PointReading,
} from './ports';

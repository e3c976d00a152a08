export { CommandService, commandSource, isCriticalCommand, isProtectiveCommand, stageOutcome, type CommandServiceOptions } from './command';
export { SiteParameterStore, type SiteParameterDefaults, type SiteParameterValues } from './parameters';
export { bridgeCommandWriter, type BridgeLookup } from './bridges';
export { convertUnit } from './units';
export { MachineLane, type MachineLaneOptions, type MachineRequest, type MachineTargetStatus } from './machine';
export { ReserveSync, type ReserveSyncOptions, type ReserveTarget } from './reserve';
export { essPowerInput } from './ess-input';
export { decide, essPowerConstraints, essPowerLimit, isProtective, known, type Constraint, type EssPowerInput, type Known, type Lane, type LimitDecision } from './limits';
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

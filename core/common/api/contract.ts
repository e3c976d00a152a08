/**
 * The one API contract between the core and every renderer (Electron IPC or browser-mode
 * WebSocket). Methods are request/response; events are pushed. Every call carries a session.
 *
 * Adding a method: declare its request and response here, add an argument schema to
 * `methodArgSchemas`, implement it in core/host. The renderer sees it through `EsmClient`.
 */
import { z } from 'zod';
import type { PointMeta, PointState, PointUpdate } from '../point';
import type { NatureName } from '../natures';
import type { BrowseNode, DeviceStatus, TrustedCertificate, Unsubscribe } from '../bridge';
import { securityMethodArgSchemas, type SecurityApiMethods, type SessionInfo } from '../security';
import { ALARM_EVENT_NAMES, alarmMethodArgSchemas, type AlarmApiEvents, type AlarmApiMethods } from '../alarms';
import { historianMethodArgSchemas, type HistorianApiEvents, type HistorianApiMethods } from '../historian';
import { PLAN_EVENT_NAMES, planMethodArgSchemas, type PlanApiEvents, type PlanApiMethods } from '../plan';
import { CONTROL_EVENT_NAMES, controlMethodArgSchemas, type ControlApiEvents, type ControlApiMethods, type SiteParameterView } from '../control';
import { cycleMethodArgSchemas, type CycleApiMethods } from '../cycle';
import { kpiMethodArgSchemas, type KpiApiMethods } from '../kpi';
import { trendViewMethodArgSchemas, type TrendViewApiMethods } from '../trends';
import { MODES_EVENT_NAMES, modesMethodArgSchemas, type ModesApiEvents, type ModesApiMethods } from '../modes';
import { deviceImportArgSchemas, type DeviceImportApiMethods } from '../device-import';
import { commsArgSchemas, type CommsApiMethods } from '../comms';
import { STUDY_EVENT_NAMES, studyMethodArgSchemas, type StudyApiEvents, type StudyApiMethods } from '../study';

// the session belongs to security.ts (no type cycle); the screens see it through this contract
export type { SessionInfo } from '../security';

export interface AssetView {
  id: string;
  name: string;
  kind: string;
  nature: NatureName;
  parent?: string;
  role?: 'pcc' | 'submeter';
  rating?: { powerKw?: number; capacityKwh?: number };
  limits?: {
    maxChargeKw?: number;
    maxDischargeKw?: number;
    socMinPct?: number;
    socMaxPct?: number;
    rampKwPerS?: number;
  };
}

// device status belongs to the bridge interface; the screens see it through this contract
export type { BrowseNode, CommState, CommStats, DeviceStatus, TrustedCertificate } from '../bridge';

/** A point read from its device on request (not from the Current Value Table). */
export interface DeviceReadResult {
  id: string;
  /** the device that answered */
  deviceId: string;
  value: number | boolean | string | null;
  /** when the answer arrived, ms since epoch */
  ts: number;
  /** round trip, ms */
  ms: number;
}

export interface SiteView {
  id: string;
  name: string;
  gridType: string;
  timezone: string;
  location: { latitude: number; longitude: number };
  /** contractedPowerKw: the value in force (see `parameters` for the site file's default and who changed it) */
  pcc: { meter: string; contractedPowerKw: number };
  /** run-time site parameters: contracted power and peak-shaving limit */
  parameters?: SiteParameterView[];
  assets: AssetView[];
  simulated: boolean;
  /** alarm settings the screens need: the longest a shelf may last, ms */
  alarms: { shelvingMaxMs: number };
  /** the site loader's located warnings (file:line: sentence), e.g. an alarm limit that disagrees with a site parameter */
  configWarnings?: string[];
  /** the span of the historian filled with simulated demo history at the first start (absent: none) */
  simulatedHistory?: SimulatedHistoryView;
}

/** Demo history (electron/demo-history.ts): which span of the recorded data the plant simulator made up. */
export interface SimulatedHistoryView {
  from: number;
  to: number;
  days: number;
  generatedAt: number;
  /** the generator stopped at its time cap before `to` reached the start of the live data */
  truncated: boolean;
}

export interface SimState {
  running: boolean;
  speed: number;
  /** simulated clock, ms since epoch */
  simTime: number;
  /** multiplier on the clear-sky PV output, 0..1.2 (clouds) */
  pvFactor: number;
  /** extra building load in kW added to the profile */
  loadStepKw: number;
  /** battery temperature offset, °C (to provoke alarms) */
  batteryTempOffsetC: number;
}

/**
 * What `sim.set` may change. `toWallTime` brings the simulated clock back to the wall clock
 * (after a speed change ran it ahead) and the speed back to 1 ×; the plant keeps its state.
 */
export type SimSetReq = Partial<Pick<SimState, 'pvFactor' | 'loadStepKw' | 'batteryTempOffsetC' | 'speed'>> & { toWallTime?: true };

export interface HostInfo {
  version: string;
  mode: 'electron' | 'browser';
  startedAt: number;
  pid: number;
}

/** The About page: versions and licences of what ships (core/host/about.ts). */
export interface AboutInfo {
  name: string;
  version: string;
  licence: string;
  mode: 'electron' | 'browser';
  runtime: { node: string; electron?: string; chrome?: string; platform: string };
  libraries: Array<{ name: string; version: string; licence: string; homepage?: string }>;
}

/** The core's own request/response methods: name -> { req, res }. */
export interface CoreApiMethods {
  'host.info': { req: Record<string, never>; res: HostInfo };
  'host.about': { req: Record<string, never>; res: AboutInfo };
  'session.current': { req: Record<string, never>; res: SessionInfo };
  'site.get': { req: Record<string, never>; res: SiteView };
  'points.list': { req: { assetId?: string }; res: PointMeta[] };
  'points.read': { req: { ids: string[] }; res: PointState[] };
  'devices.list': { req: Record<string, never>; res: DeviceStatus[] };
  /** reads a point from its device now (infra.02 Req4), for protocols that read on demand */
  'devices.read': { req: { pointId: string }; res: DeviceReadResult };
  /** the children of a node of a device's address space (OPC UA browse), to pick points */
  'devices.browse': { req: { deviceId: string; nodeId?: string }; res: BrowseNode[] };
  /** server certificates the drivers were shown: trusted, or waiting for an administrator */
  'devices.certificates': { req: Record<string, never>; res: TrustedCertificate[] };
  /** trusts (or rejects again) a server certificate by its SHA-1 thumbprint; audited */
  'devices.certificates.trust': { req: { protocol: string; thumbprint: string; trust: boolean }; res: TrustedCertificate };
  'sim.get': { req: Record<string, never>; res: SimState };
  'sim.set': { req: SimSetReq; res: SimState };
}

/** Every method of the API: the core's plus each service area's (security, alarms, historian). */
export interface ApiMethods extends CoreApiMethods, SecurityApiMethods, AlarmApiMethods, HistorianApiMethods, ControlApiMethods, PlanApiMethods, CycleApiMethods, KpiApiMethods, TrendViewApiMethods, ModesApiMethods, DeviceImportApiMethods, CommsApiMethods, StudyApiMethods {}

/** The core's own pushed events. */
export interface CoreApiEvents {
  /** batched: all changes of one flush interval in one message */
  'points.changed': PointUpdate[];
  'devices.changed': DeviceStatus[];
  'sim.changed': SimState;
}

/** Pushed events: name -> payload. Subscribing needs a session too. */
export interface ApiEvents extends CoreApiEvents, AlarmApiEvents, HistorianApiEvents, ControlApiEvents, PlanApiEvents, ModesApiEvents, StudyApiEvents {}

export type MethodName = keyof ApiMethods;
export type EventName = keyof ApiEvents;
export type MethodReq<M extends MethodName> = ApiMethods[M]['req'];
export type MethodRes<M extends MethodName> = ApiMethods[M]['res'];

const empty = z.object({}).strict();

const coreMethodArgSchemas: { [M in keyof CoreApiMethods]: z.ZodType<CoreApiMethods[M]['req']> } = {
  'host.info': empty,
  'host.about': empty,
  'session.current': empty,
  'site.get': empty,
  'points.list': z.object({ assetId: z.string().min(1).optional() }).strict(),
  'points.read': z.object({ ids: z.array(z.string().min(1)).max(100_000) }).strict(),
  'devices.list': empty,
  'devices.read': z.object({ pointId: z.string().min(3).max(200) }).strict(),
  'devices.browse': z.object({ deviceId: z.string().min(1).max(100), nodeId: z.string().min(1).max(500).optional() }).strict(),
  'devices.certificates': empty,
  'devices.certificates.trust': z
    .object({
      protocol: z.string().min(1).max(40),
      thumbprint: z.string().regex(/^[0-9a-fA-F:]{40,59}$/, 'a SHA-1 thumbprint: 40 hexadecimal digits'),
      trust: z.boolean(),
    })
    .strict(),
  'sim.get': empty,
  'sim.set': z
    .object({
      pvFactor: z.number().min(0).max(1.2).optional(),
      loadStepKw: z.number().min(-500).max(500).optional(),
      batteryTempOffsetC: z.number().min(-40).max(80).optional(),
      speed: z.number().positive().max(3600).optional(),
      toWallTime: z.literal(true).optional(),
    })
    .strict()
    .refine((r) => !(r.toWallTime && r.speed !== undefined), { message: 'bringing the simulated time back to wall time sets the speed to 1 ×; do not give a speed with it', path: ['speed'] }),
};

/** Runtime validation of every method's argument; the core rejects anything else. */
export const methodArgSchemas: { [M in MethodName]: z.ZodType<MethodReq<M>> } = {
  ...coreMethodArgSchemas,
  ...securityMethodArgSchemas,
  ...alarmMethodArgSchemas,
  ...cycleMethodArgSchemas,
  ...(historianMethodArgSchemas as unknown as { [M in keyof HistorianApiMethods]: z.ZodType<HistorianApiMethods[M]['req']> }),
  ...controlMethodArgSchemas,
  ...planMethodArgSchemas,
  ...trendViewMethodArgSchemas,
  ...(kpiMethodArgSchemas as unknown as { [M in keyof KpiApiMethods]: z.ZodType<KpiApiMethods[M]['req']> }),
  ...modesMethodArgSchemas,
  ...deviceImportArgSchemas,
  ...commsArgSchemas,
  ...studyMethodArgSchemas,
};

export const EVENT_NAMES: readonly EventName[] = ['points.changed', 'devices.changed', 'sim.changed', ...ALARM_EVENT_NAMES, 'history.exportProgress', ...CONTROL_EVENT_NAMES, ...PLAN_EVENT_NAMES, ...MODES_EVENT_NAMES, ...STUDY_EVENT_NAMES];
export const METHOD_NAMES = Object.keys(methodArgSchemas) as MethodName[];

export function isMethodName(s: unknown): s is MethodName {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(methodArgSchemas, s);
}
export function isEventName(s: unknown): s is EventName {
  return typeof s === 'string' && (EVENT_NAMES as readonly string[]).includes(s);
}

// ------------------------------------------------------------------ errors

export type ApiErrorCode =
  | 'bad-request'
  | 'unknown-method'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'unavailable'
  /** the request would exceed a limit on the work one call may cause (the message names it) */
  | 'too-large'
  /** too many calls at once on this connection or for this user: retry later */
  | 'busy'
  | 'internal';

export interface ApiErrorBody {
  code: ApiErrorCode;
  message: string;
  /** for bad-request: where in the argument, e.g. `ids[3]` */
  path?: string;
  /** for forbidden: the id of the rule that refused */
  rule?: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details: { path?: string; rule?: string } = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
  toBody(): ApiErrorBody {
    return { code: this.code, message: this.message, ...this.details };
  }
}

// ------------------------------------------------------------------ client interface

export type { Unsubscribe } from '../bridge';

/** What the renderer uses; implemented over WebSocket and over Electron IPC alike. */
export interface EsmClient {
  call<M extends MethodName>(method: M, arg: MethodReq<M>): Promise<MethodRes<M>>;
  listen<E extends EventName>(event: E, handler: (data: ApiEvents[E]) => void): Unsubscribe;
  /** connection state of the transport itself */
  onConnection(handler: (connected: boolean) => void): Unsubscribe;
  readonly session: SessionInfo | null;
}

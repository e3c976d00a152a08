/**
 * Natures: what an asset *is* to controllers and screens, independent of the device model
 * (after OpenEMS: `SymmetricEss`, `ElectricityMeter`, ...). Each channel carries its type,
 * unit, access and, for flows of power or energy, its sign convention.
 *
 * The tables are `as const`, so a channel name is a type: `EssChannel` is
 * `'ActivePower' | 'Soc' | ...` and `channelPoint('Ess', 'ess1', 'Sco')` does not compile.
 * Controllers, the asset views (core/assets) and the command pipeline name channels through
 * these types and the channel `role`s below, never by matching strings.
 *
 * Sign conventions (ES Manager wide):
 *  - Ess ActivePower / SetActivePower: positive = discharge (the battery delivers power),
 *    negative = charge. MaxChargePower and MaxDischargePower are magnitudes (>= 0).
 *  - Meter ActivePower: positive = import (power flows from the grid into the site),
 *    negative = export. At the PCC: PCC = load + EV − PV − genset − ESS.
 *  - Pv, Genset ActivePower: positive = production.
 *  - Load, Evse ActivePower: positive = consumption.
 *  - ReactivePower: positive = inductive (the asset absorbs reactive power), as the meter sees it.
 *
 * `required` channels must be served by a device for every asset of the nature: the site
 * loader refuses a site with an Ess without Soc, with the file and line (core/config).
 */
import type { PointId } from './point';

export type NatureName = 'Meter' | 'Ess' | 'Pv' | 'Load' | 'Evse' | 'Genset' | 'Breaker' | 'Controller';

/** What a channel is to the command pipeline and controllers (instead of matching its name). */
export type ChannelRole =
  /** an active power setpoint, kW, in the nature's sign convention */
  | 'power-setpoint'
  /** an upper limit on power, kW, 0..rated power (curtailment, charging limit) */
  | 'power-limit'
  /** the device's own operating mode: a critical command (select-before-operate) */
  | 'mode'
  /** a breaker's position command (or a position point the device takes as its command): false (0) opens — a protective action */
  | 'breaker-position';

export interface ChannelDef {
  readonly type: 'number' | 'boolean' | 'string';
  readonly unit: string;
  readonly access: 'ro' | 'rw';
  readonly doc: string;
  /** sign convention of a power or energy flow, in words */
  readonly sign?: string;
  /** every asset of the nature must have a device serving this channel */
  readonly required?: boolean;
  readonly role?: ChannelRole;
  /** for state channels: code -> label */
  readonly states?: Readonly<Record<string, string>>;
}

/** Operating states of an Ess (the `State` channel). */
export const ESS_STATES: Readonly<Record<string, string>> = Object.freeze({
  '0': 'Off',
  '1': 'Standby',
  '2': 'Running',
  '3': 'Fault',
  '4': 'Maintenance',
});

/** `ESS_STATES` by name, for code that must recognise a state without matching labels. */
export const ESS_STATE_CODE = Object.freeze({ Off: 0, Standby: 1, Running: 2, Fault: 3, Maintenance: 4 } as const);

export const EVSE_STATES: Readonly<Record<string, string>> = Object.freeze({ '0': 'Available', '1': 'Charging', '2': 'Faulted', '3': 'Unavailable' });

const METER = {
  ActivePower: { type: 'number', unit: 'kW', access: 'ro', required: true, doc: 'active power exchanged', sign: 'positive = import from the grid, negative = export' },
  ActivePowerL1: { type: 'number', unit: 'kW', access: 'ro', doc: 'active power exchanged on phase L1', sign: 'positive = import from the grid' },
  ActivePowerL2: { type: 'number', unit: 'kW', access: 'ro', doc: 'active power exchanged on phase L2', sign: 'positive = import from the grid' },
  ActivePowerL3: { type: 'number', unit: 'kW', access: 'ro', doc: 'active power exchanged on phase L3', sign: 'positive = import from the grid' },
  ReactivePower: { type: 'number', unit: 'kvar', access: 'ro', doc: 'reactive power exchanged', sign: 'positive = inductive import' },
  VoltageL1: { type: 'number', unit: 'V', access: 'ro', doc: 'phase-neutral voltage L1' },
  Frequency: { type: 'number', unit: 'Hz', access: 'ro', doc: 'grid frequency' },
  ImportEnergy: { type: 'number', unit: 'kWh', access: 'ro', doc: 'energy imported, total (rising counter)' },
  ExportEnergy: { type: 'number', unit: 'kWh', access: 'ro', doc: 'energy exported, total (rising counter)' },
} as const satisfies Record<string, ChannelDef>;

const ESS = {
  ActivePower: { type: 'number', unit: 'kW', access: 'ro', required: true, doc: 'AC active power', sign: 'positive = discharge, negative = charge' },
  ReactivePower: { type: 'number', unit: 'kvar', access: 'ro', doc: 'reactive power at the inverter', sign: 'positive = inductive (absorbed)' },
  SetActivePower: { type: 'number', unit: 'kW', access: 'rw', role: 'power-setpoint', doc: 'active power setpoint', sign: 'positive = discharge, negative = charge' },
  Soc: { type: 'number', unit: '%', access: 'ro', required: true, doc: 'state of charge of the usable capacity' },
  Soh: { type: 'number', unit: '%', access: 'ro', doc: 'state of health' },
  Capacity: { type: 'number', unit: 'kWh', access: 'ro', doc: 'usable capacity' },
  MaxChargePower: { type: 'number', unit: 'kW', access: 'ro', doc: 'charge power the BMS allows now', sign: 'a magnitude, >= 0' },
  MaxDischargePower: { type: 'number', unit: 'kW', access: 'ro', doc: 'discharge power the BMS allows now', sign: 'a magnitude, >= 0' },
  DcVoltage: { type: 'number', unit: 'V', access: 'ro', doc: 'battery DC voltage' },
  Temperature: { type: 'number', unit: '°C', access: 'ro', doc: 'highest cell temperature' },
  State: { type: 'number', unit: '', access: 'ro', doc: 'operating state', states: ESS_STATES },
  Mode: { type: 'number', unit: '', access: 'rw', role: 'mode', doc: "the device's own operating mode (codes in the device profile)" },
  Stop: {
    type: 'number',
    unit: '',
    access: 'rw',
    role: 'mode',
    doc: 'protective stop the device honours in every operating mode: 1 = stop (standby, 0 kW), 0 = run',
    states: { '0': 'Run', '1': 'Stop' },
  },
  MinSoc: { type: 'number', unit: '%', access: 'rw', doc: "the device's own SoC reserve: it does not discharge at or below it, in any operating mode" },
} as const satisfies Record<string, ChannelDef>;

const PV = {
  ActivePower: { type: 'number', unit: 'kW', access: 'ro', required: true, doc: 'AC active power', sign: 'positive = production' },
  ActivePowerLimit: { type: 'number', unit: 'kW', access: 'rw', role: 'power-limit', doc: 'curtailment limit', sign: 'a magnitude, >= 0' },
  Irradiance: { type: 'number', unit: 'W/m²', access: 'ro', doc: 'plane-of-array irradiance' },
} as const satisfies Record<string, ChannelDef>;

const LOAD = {
  ActivePower: { type: 'number', unit: 'kW', access: 'ro', required: true, doc: 'active power', sign: 'positive = consumption' },
  ActivePowerL1: { type: 'number', unit: 'kW', access: 'ro', doc: 'active power on phase L1', sign: 'positive = consumption' },
  ActivePowerL2: { type: 'number', unit: 'kW', access: 'ro', doc: 'active power on phase L2', sign: 'positive = consumption' },
  ActivePowerL3: { type: 'number', unit: 'kW', access: 'ro', doc: 'active power on phase L3', sign: 'positive = consumption' },
} as const satisfies Record<string, ChannelDef>;

const EVSE = {
  ActivePower: { type: 'number', unit: 'kW', access: 'ro', required: true, doc: 'charging power', sign: 'positive = charging the vehicle' },
  ChargePowerLimit: { type: 'number', unit: 'kW', access: 'rw', role: 'power-limit', doc: 'maximum charging power', sign: 'a magnitude, >= 0' },
  Status: { type: 'number', unit: '', access: 'ro', doc: 'connector status', states: EVSE_STATES },
} as const satisfies Record<string, ChannelDef>;

const GENSET = {
  ActivePower: { type: 'number', unit: 'kW', access: 'ro', required: true, doc: 'active power', sign: 'positive = production' },
  SetActivePower: { type: 'number', unit: 'kW', access: 'rw', role: 'power-setpoint', doc: 'active power setpoint', sign: 'positive = production' },
  Running: { type: 'boolean', unit: '', access: 'ro', doc: 'engine running' },
} as const satisfies Record<string, ChannelDef>;

const BREAKER = {
  Closed: { type: 'boolean', unit: '', access: 'ro', required: true, role: 'breaker-position', doc: 'breaker position: true = closed (current can flow)' },
  Close: { type: 'boolean', unit: '', access: 'rw', role: 'breaker-position', doc: 'position command: true closes, false opens (feedback: Closed)' },
} as const satisfies Record<string, ChannelDef>;

/** The channels of each nature. Index with `natureChannel` when the channel name is a runtime string. */
export const NATURES = {
  Meter: METER,
  Ess: ESS,
  Pv: PV,
  Load: LOAD,
  Evse: EVSE,
  Genset: GENSET,
  Breaker: BREAKER,
  Controller: {},
} as const satisfies Record<NatureName, Record<string, ChannelDef>>;

/** The channel names of a nature, as a type: `ChannelOf<'Ess'>` is `'ActivePower' | 'Soc' | ...`. */
export type ChannelOf<N extends NatureName> = keyof (typeof NATURES)[N] & string;
export type MeterChannel = ChannelOf<'Meter'>;
export type EssChannel = ChannelOf<'Ess'>;
export type PvChannel = ChannelOf<'Pv'>;
export type LoadChannel = ChannelOf<'Load'>;
export type EvseChannel = ChannelOf<'Evse'>;
export type GensetChannel = ChannelOf<'Genset'>;
export type BreakerChannel = ChannelOf<'Breaker'>;

/** The definition of a channel named at run time (a profile's channel), or undefined. */
export function natureChannel(nature: NatureName, channel: string): ChannelDef | undefined {
  const defs: Readonly<Record<string, ChannelDef>> = NATURES[nature];
  return Object.prototype.hasOwnProperty.call(defs, channel) ? defs[channel] : undefined;
}

/** The channels every asset of the nature must have served. */
export function requiredChannels(nature: NatureName): string[] {
  return Object.entries(NATURES[nature] as Readonly<Record<string, ChannelDef>>)
    .filter(([, d]) => d.required === true)
    .map(([c]) => c);
}

/**
 * The point id of a nature channel, checked by the compiler: `channelPoint('Ess', 'ess1', 'Soc')`.
 * The same string each time (cached): the control cycle looks points up by these ids every
 * second, and a string built anew must be hashed anew for every Map lookup.
 */
export function channelPoint<N extends NatureName>(_nature: N, assetId: string, channel: ChannelOf<N>): PointId {
  let byChannel = POINT_IDS.get(assetId);
  if (byChannel === undefined) {
    if (POINT_IDS.size >= 10_000) POINT_IDS.clear(); // a bound, for hosts that load many sites
    POINT_IDS.set(assetId, (byChannel = new Map()));
  }
  let id = byChannel.get(channel);
  if (id === undefined) byChannel.set(channel, (id = `${assetId}/${channel}`));
  return id;
}

const POINT_IDS = new Map<string, Map<string, PointId>>();

/**
 * Natures: what an asset *is* to controllers and screens, independent of the device model.
 * Each channel carries its type, unit, access and sign convention (after OpenEMS).
 *
 * Sign conventions (ES Manager wide):
 *  - Ess ActivePower: positive = discharge (battery delivers power), negative = charge.
 *  - Meter ActivePower at the PCC: positive = import from the grid, negative = export.
 *  - Pv ActivePower: positive = production.
 *  - Load / Evse ActivePower: positive = consumption.
 */
export type NatureName = 'Meter' | 'Ess' | 'Pv' | 'Load' | 'Evse' | 'Genset' | 'Breaker' | 'Controller';

export interface ChannelDef {
  type: 'number' | 'boolean' | 'string';
  unit: string;
  access: 'ro' | 'rw';
  doc: string;
  /** for state channels: code -> label */
  states?: Record<string, string>;
}

export const ESS_STATES: Record<string, string> = {
  '0': 'Off',
  '1': 'Standby',
  '2': 'Running',
  '3': 'Fault',
  '4': 'Maintenance',
};

export const NATURES: Record<NatureName, Record<string, ChannelDef>> = {
  Meter: {
    ActivePower: { type: 'number', unit: 'kW', access: 'ro', doc: 'positive = import from grid' },
    ReactivePower: { type: 'number', unit: 'kvar', access: 'ro', doc: 'positive = inductive import' },
    VoltageL1: { type: 'number', unit: 'V', access: 'ro', doc: 'phase-neutral voltage L1' },
    Frequency: { type: 'number', unit: 'Hz', access: 'ro', doc: 'grid frequency' },
    ImportEnergy: { type: 'number', unit: 'kWh', access: 'ro', doc: 'energy imported, total' },
    ExportEnergy: { type: 'number', unit: 'kWh', access: 'ro', doc: 'energy exported, total' },
  },
  Ess: {
    ActivePower: { type: 'number', unit: 'kW', access: 'ro', doc: 'positive = discharge, negative = charge' },
    ReactivePower: { type: 'number', unit: 'kvar', access: 'ro', doc: 'reactive power at the inverter' },
    SetActivePower: { type: 'number', unit: 'kW', access: 'rw', doc: 'setpoint, positive = discharge' },
    Soc: { type: 'number', unit: '%', access: 'ro', doc: 'state of charge' },
    Soh: { type: 'number', unit: '%', access: 'ro', doc: 'state of health' },
    Capacity: { type: 'number', unit: 'kWh', access: 'ro', doc: 'usable capacity' },
    MaxChargePower: { type: 'number', unit: 'kW', access: 'ro', doc: 'allowed charge power now (BMS)' },
    MaxDischargePower: { type: 'number', unit: 'kW', access: 'ro', doc: 'allowed discharge power now (BMS)' },
    DcVoltage: { type: 'number', unit: 'V', access: 'ro', doc: 'battery DC voltage' },
    Temperature: { type: 'number', unit: '°C', access: 'ro', doc: 'highest cell temperature' },
    State: { type: 'number', unit: '', access: 'ro', doc: 'operating state', states: ESS_STATES },
  },
  Pv: {
    ActivePower: { type: 'number', unit: 'kW', access: 'ro', doc: 'positive = production' },
    ActivePowerLimit: { type: 'number', unit: 'kW', access: 'rw', doc: 'curtailment limit' },
    Irradiance: { type: 'number', unit: 'W/m²', access: 'ro', doc: 'plane-of-array irradiance' },
  },
  Load: {
    ActivePower: { type: 'number', unit: 'kW', access: 'ro', doc: 'positive = consumption' },
  },
  Evse: {
    ActivePower: { type: 'number', unit: 'kW', access: 'ro', doc: 'positive = charging the vehicle' },
    ChargePowerLimit: { type: 'number', unit: 'kW', access: 'rw', doc: 'maximum charging power' },
    Status: {
      type: 'number',
      unit: '',
      access: 'ro',
      doc: 'connector status',
      states: { '0': 'Available', '1': 'Charging', '2': 'Faulted', '3': 'Unavailable' },
    },
  },
  Genset: {
    ActivePower: { type: 'number', unit: 'kW', access: 'ro', doc: 'positive = production' },
    Running: { type: 'boolean', unit: '', access: 'ro', doc: 'engine running' },
  },
  Breaker: {
    Closed: { type: 'boolean', unit: '', access: 'ro', doc: 'breaker position closed' },
  },
  Controller: {},
};

export function natureChannel(nature: NatureName, channel: string): ChannelDef | undefined {
  return NATURES[nature][channel];
}

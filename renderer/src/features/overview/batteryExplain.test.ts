import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainBattery, type BatteryFacts } from './batteryExplain';

const base: BatteryFacts = {
  powerKw: 0,
  state: 'Running',
  mode: 0,
  setpointKw: 0,
  socPct: 50,
  socMinPct: 10,
  socMaxPct: 95,
  bmsMaxChargeKw: 100,
  bmsMaxDischargeKw: 100,
  pccKw: 5,
  contractedKw: 8,
  peakShavingLimitKw: 8,
};
const olga = { source: 'operator' as const, actorName: 'Olga Operator' };

const TABLE: Array<{ name: string; f: Partial<BatteryFacts>; activity: string; reason: string; limit?: RegExp }> = [
  { name: 'peak shaving recharges from the grid', f: { mode: 1, powerKw: -20, pccKw: 7.5 }, activity: 'charging', reason: 'charging 20 kW from the grid: peak-shaving reserve recharge', limit: /under 8 kW contracted power/ },
  { name: 'peak shaving recharges from PV', f: { mode: 1, powerKw: -15, pccKw: -2 }, activity: 'charging', reason: 'charging 15 kW from PV surplus: peak-shaving reserve recharge' },
  { name: 'peak shaving holds the PCC', f: { mode: 1, powerKw: 12, pccKw: 8 }, activity: 'discharging', reason: 'discharging 12 kW: holding the PCC under 8 kW contracted power', limit: /peak-shaving limit 8 kW/ },
  { name: 'peak shaving with its own limit', f: { mode: 1, powerKw: 3, pccKw: 6, peakShavingLimitKw: 6 }, activity: 'discharging', reason: 'discharging 3 kW: holding the PCC under the 6 kW peak-shaving limit' },
  { name: 'peak shaving at what the BMS allows', f: { mode: 1, powerKw: 12, pccKw: 20, bmsMaxDischargeKw: 12 }, activity: 'discharging', reason: 'discharging 12 kW: peak shaving, at what the BMS allows (the PCC is above 8 kW contracted power)', limit: /BMS: at most 12 kW discharge/ },
  { name: 'idle at the reserve', f: { mode: 1, powerKw: 0, socPct: 10, pccKw: 15 }, activity: 'idle', reason: 'idle: SoC at reserve 10 %', limit: /SoC reserve 10 %/ },
  { name: 'idle at the top', f: { mode: 0, powerKw: 0.1, socPct: 95, setpointKw: -20 }, activity: 'idle', reason: 'idle: SoC at the upper limit 95 %' },
  { name: 'idle within the limit', f: { mode: 1, powerKw: 0, pccKw: 4.2 }, activity: 'idle', reason: 'idle: the PCC at 4.2 kW import, within 8 kW contracted power' },
  { name: 'operator setpoint discharging', f: { mode: 0, powerKw: 20, setpointKw: 20, source: olga }, activity: 'discharging', reason: 'discharging 20 kW: setpoint from operator Olga Operator' },
  { name: 'alarm procedure set 0', f: { mode: 0, powerKw: 0, setpointKw: 0, source: { source: 'procedure', actorName: 'Alarm procedures' } }, activity: 'idle', reason: 'idle: setpoint 0 kW from alarm procedure Alarm procedures' },
  { name: 'controller charging from the grid', f: { mode: 0, powerKw: -10, setpointKw: -10, pccKw: 30, source: { source: 'controller', actorName: 'Peak shaving' } }, activity: 'charging', reason: 'charging 10 kW from the grid: setpoint from controller Peak shaving' },
  { name: 'BMS limits the discharge', f: { mode: 0, powerKw: 40, setpointKw: 80, bmsMaxDischargeKw: 40, source: olga }, activity: 'discharging', reason: 'discharging 40 kW of 80 kW set: limited by the BMS', limit: /BMS: at most 40 kW/ },
  { name: 'no command since start', f: { mode: 0, powerKw: 0, setpointKw: 0 }, activity: 'idle', reason: 'idle: setpoint 0 kW from remote setpoint (no command since the core started)' },
  { name: 'fault', f: { state: 'Fault', powerKw: 0 }, activity: 'stopped', reason: 'stopped: the battery reports a fault' },
  { name: 'standby', f: { state: 'Standby', powerKw: 0 }, activity: 'idle', reason: 'idle: the inverter is in standby' },
  { name: 'standby after an operator set 0', f: { state: 'Standby', powerKw: 0, source: olga }, activity: 'idle', reason: 'idle: setpoint 0 kW from operator Olga Operator' },
  { name: 'standby with a setpoint', f: { state: 'Standby', powerKw: 0, setpointKw: -5, source: olga }, activity: 'idle', reason: 'idle: 5 kW charge set, the inverter is in standby' },
  { name: 'power not known', f: { powerKw: null }, activity: 'unknown', reason: 'unknown: the battery power is not known (see its quality tag)' },
  { name: 'set but not followed', f: { mode: 0, powerKw: 0, setpointKw: 30, source: olga }, activity: 'idle', reason: 'idle: 30 kW discharge set, the inverter is not following yet' },
];

for (const row of TABLE) {
  test(`battery reason: ${row.name}`, () => {
    const e = explainBattery({ ...base, ...row.f });
    assert.equal(e.activity, row.activity);
    assert.equal(e.reason, row.reason);
    if (row.limit) assert.match(e.limit, row.limit);
  });
}

test('the driver names the source of the setpoint or the local mode', () => {
  assert.equal(explainBattery({ ...base, mode: 1 }).driver, 'the battery’s own peak shaving (local mode)');
  assert.equal(explainBattery({ ...base, source: { source: 'plan', actorName: 'Day-ahead plan' } }).driver, 'plan Day-ahead plan');
});

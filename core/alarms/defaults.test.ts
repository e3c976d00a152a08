import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alarmsConfigSchema } from '../common/alarms';
import { AlarmEngine } from './engine';
import { defaultAlarmDefinitions } from './defaults';
import { MemoryAlarmJournal } from './journal';

const site = {
  site: { id: 'demo', name: 'Demo', gridType: 'prosumer' as const, timezone: 'Europe/Lisbon', location: { latitude: 38.7, longitude: -9.1 }, pcc: { meter: 'pcc', contractedPowerKw: 80 } },
  assets: [
    { id: 'ctl', name: 'Controller', kind: 'es-controller' as const, nature: 'Controller' as const },
    { id: 'ess1', name: 'Battery 1', kind: 'ess' as const, nature: 'Ess' as const, parent: 'ctl', limits: { socMinPct: 10 } },
    { id: 'pcc', name: 'PCC meter', kind: 'smart-meter' as const, nature: 'Meter' as const, role: 'pcc' as const },
    { id: 'ev1', name: 'EV charger 1', kind: 'ev-charger' as const, nature: 'Evse' as const },
  ],
  devices: [
    { id: 'ess1-dev', name: 'Battery inverter', protocol: 'modbus-tcp' as const, connection: { host: '127.0.0.1', port: 5020, unitId: 1 }, profile: 'p', asset: 'ess1', pollMs: 1000, timeoutMs: 1000 },
  ],
};

test('default definitions: valid, and they work in the engine', () => {
  const defs = defaultAlarmDefinitions(site);
  const cfg = alarmsConfigSchema.parse({ definitions: defs });
  const ids = cfg.definitions.map((d) => d.id);
  for (const id of ['ess1.temperature.HH', 'ess1.temperature.H', 'ess1.soc.LL', 'ess1.soc.L', 'pcc.import.H', 'comm.ess1-dev', 'ev1.fault', 'system.forecast-failed'])
    assert.ok(ids.includes(id), id);
  const hh = cfg.definitions.find((d) => d.id === 'ess1.temperature.HH');
  assert.deepEqual(hh?.actions, [{ target: 'ess1/SetActivePower', value: 0, reason: 'battery over-temperature HH: stop charging and discharging' }]);
  let t = 0;
  const eng = new AlarmEngine({ journal: new MemoryAlarmJournal(), config: { definitions: defs }, now: () => t });
  eng.processBatch([{ id: 'pcc/ActivePower', value: 95, quality: { level: 'good' }, ts: 0 }]);
  t = 60_000;
  eng.tick();
  assert.equal(eng.view('pcc.import.H').state, 'unack-active');
});

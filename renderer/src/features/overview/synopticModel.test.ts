import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SiteView } from '../../../../core/common/api/contract';
import { buildSynoptic, exceedsContract, pccScaleKw } from './synopticModel';

const site: SiteView = {
  id: 'demo',
  name: 'Demo',
  gridType: 'prosumer',
  timezone: 'Europe/Madrid',
  location: { latitude: 0, longitude: 0 },
  pcc: { meter: 'grid', contractedPowerKw: 60 },
  simulated: true,
  alarms: { shelvingMaxMs: 8 * 3_600_000 },
  assets: [
    { id: 'ev2', name: 'EV 2', kind: 'ev-charger', nature: 'Evse' },
    { id: 'load', name: 'Building', kind: 'load', nature: 'Load' },
    { id: 'grid', name: 'PCC meter', kind: 'smart-meter', nature: 'Meter', role: 'pcc' },
    { id: 'ctl', name: 'EMS', kind: 'es-controller', nature: 'Controller' },
    { id: 'pv', name: 'PV', kind: 'pv-array', nature: 'Pv' },
    { id: 'ess', name: 'Battery', kind: 'ess', nature: 'Ess' },
    { id: 'ev1', name: 'EV 1', kind: 'ev-charger', nature: 'Evse' },
  ],
};

test('the synoptic is built from the site: PCC from site.pcc, feeders by nature, controllers left out', () => {
  const m = buildSynoptic(site, null);
  assert.equal(m.pcc?.id, 'grid');
  assert.equal(m.contractedKw, 60);
  assert.deepEqual(m.feeders.map((f) => f.asset.id), ['ess', 'pv', 'load', 'ev2', 'ev1']);
  assert.deepEqual(m.feeders[0]?.channels, ['ActivePower', 'Soc', 'State', 'DcVoltage', 'Temperature']);
});

test('only channels the site has are shown once the point list is known', () => {
  const m = buildSynoptic(site, new Set(['ess/ActivePower', 'ess/Soc', 'pv/ActivePower', 'grid/ActivePower', 'grid/Frequency']));
  assert.deepEqual(m.feeders.find((f) => f.asset.id === 'ess')?.channels, ['ActivePower', 'Soc']);
  assert.deepEqual(m.feeders.find((f) => f.asset.id === 'pv')?.channels, ['ActivePower']);
  assert.deepEqual(m.pccChannels, ['ActivePower', 'Frequency']);
});

test('import above the contracted power is abnormal; export never is', () => {
  assert.equal(exceedsContract(60.1, 60), true);
  assert.equal(exceedsContract(60, 60), false);
  assert.equal(exceedsContract(-200, 60), false);
  assert.equal(exceedsContract(null, 60), false);
  assert.equal(pccScaleKw(10, 60), 75);
  assert.equal(pccScaleKw(-100, 60), 105);
});

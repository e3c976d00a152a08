import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { PointState, Quality } from '../common';
import { siteSchema, type SiteInput } from '../common/site';
import { SiteAssets, sensedNumber, type Sensed } from './index';

const GOOD: Quality = { level: 'good' };
const st = (id: string, value: PointState['value'], quality: Quality = GOOD): PointState => ({ id, value, quality, ts: 1000, rts: 1000 });

const SITE: SiteInput = {
  site: { id: 's', name: 'S', gridType: 'prosumer', timezone: 'UTC', location: { latitude: 0, longitude: 0 }, pcc: { meter: 'm', contractedPowerKw: 8 } },
  assets: [
    { id: 'm', name: 'PCC', kind: 'smart-meter', nature: 'Meter', role: 'pcc' },
    { id: 'b', name: 'Battery', kind: 'ess', nature: 'Ess', rating: { powerKw: 9, capacityKwh: 12 }, limits: { maxChargeKw: 6, socMinPct: 10, socMaxPct: 95 } },
  ],
  devices: [],
};

function assets(points: PointState[], states?: (id: string) => 'in-service' | 'maintenance' | 'out-of-service'): SiteAssets {
  const m = new Map(points.map((p) => [p.id, p]));
  return new SiteAssets(siteSchema.parse(SITE), m, states);
}

describe('sensed values', () => {
  const rows: Array<[string, PointState | undefined, boolean, RegExp | number]> = [
    ['good number', st('b/Soc', 55), true, 55],
    ['stale', st('b/Soc', 55, { level: 'uncertain', reason: 'stale' }), false, /stale/],
    ['out of range', st('b/Soc', 120, { level: 'uncertain', reason: 'out-of-range' }), false, /out-of-range/],
    ['comm fail', st('b/Soc', 55, { level: 'bad', reason: 'comm-fail' }), false, /comm-fail/],
    ['NaN with good quality', st('b/Soc', Number.NaN), false, /not a finite number/],
    ['Infinity', st('b/Soc', Number.POSITIVE_INFINITY), false, /not a finite number/],
    ['null (never read)', st('b/Soc', null), false, /not a finite number/],
    ['not served', undefined, false, /not served/],
  ];
  for (const [name, state, known, expect] of rows)
    it(`${name} -> ${known ? 'known' : 'unknown'}`, () => {
      const src = new Map(state ? [[state.id, state]] : []);
      const r = sensedNumber(src, 'b/Soc');
      assert.equal(r.known, known);
      if (r.known) assert.equal(r.value, expect);
      else assert.match(r.reason, expect as RegExp);
    });
});

describe('SiteAssets', () => {
  it('reads the PCC and the battery through the natures, with the site contract', () => {
    const a = assets([st('m/ActivePower', 7.5), st('b/Soc', 40), st('b/ActivePower', -2)]);
    assert.equal(a.contractedPowerKw, 8);
    assert.deepEqual(a.pcc().activePower(), { known: true, value: 7.5, ts: 1000 });
    assert.deepEqual(a.ess('b').soc(), { known: true, value: 40, ts: 1000 });
    const p = a.ess('b').activePower();
    assert.ok(p.known && p.value === -2);
    assert.deepEqual(a.ess('b').socWindow(), { minPct: 10, maxPct: 95 });
    assert.deepEqual(a.ids('Ess'), ['b']);
  });

  it('allowed power: the configured limit when no BMS point is served, the smaller of both when it is, unknown when the BMS value is bad', () => {
    assert.equal(valueOf(assets([]).ess('b').allowedChargeKw()), 6); // limits.maxChargeKw
    assert.equal(valueOf(assets([]).ess('b').allowedDischargeKw()), 9); // rating
    assert.equal(valueOf(assets([st('b/MaxChargePower', 4)]).ess('b').allowedChargeKw()), 4);
    assert.equal(valueOf(assets([st('b/MaxChargePower', 50)]).ess('b').allowedChargeKw()), 6);
    const bad = assets([st('b/MaxDischargePower', 9, { level: 'bad', reason: 'comm-fail' })]).ess('b').allowedDischargeKw();
    assert.equal(bad.known, false);
  });

  it('names the wrong nature or a missing asset instead of reading the wrong points', () => {
    const a = assets([]);
    assert.throws(() => a.ess('m'), /asset "m" is a Meter, not a Ess/);
    assert.throws(() => a.meter('nope'), /no asset "nope"/);
  });

  it('knows the asset state from the one state type', () => {
    const a = assets([], (id) => (id === 'b' ? 'maintenance' : 'in-service'));
    assert.equal(a.ess('b').state, 'maintenance');
    assert.equal(a.ess('b').inService, false);
    assert.equal(a.pcc().inService, true);
  });
});

function valueOf(s: Sensed): number | undefined {
  return s.known ? s.value : undefined;
}

describe('views kept across sources (a control cycle moves one SiteAssets to each snapshot)', () => {
  it('the same view reads the new source after use(); a wrong nature is still refused', () => {
    const a = assets([st('b/Soc', 40), st('m/ActivePower', 3)]);
    const ess = a.ess('b');
    assert.equal(a.ess('b'), ess, 'one view per asset, not one per call');
    assert.deepEqual(ess.soc(), { known: true, value: 40, ts: 1000 });
    a.use(new Map([['b/Soc', st('b/Soc', 41)]]));
    assert.deepEqual(ess.soc(), { known: true, value: 41, ts: 1000 });
    assert.equal(a.pcc().activePower().known, false, 'the meter is not in the new source');
    assert.throws(() => a.meter('b'), /is a Ess, not a Meter/);
  });
});

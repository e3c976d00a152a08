import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PvModel, DEFAULT_PV } from '../model/pv';
import { Rng } from '../model/random';
import { clearSky, sunPosition } from '../model/sun';

const MALAGA = { lat: 36.7157, lon: -4.4776 };

describe('sun position', () => {
  const rows: Array<{ when: string; declination: number; tol: number }> = [
    { when: '2025-06-21T12:00:00Z', declination: 23.44, tol: 0.3 },
    { when: '2025-12-21T12:00:00Z', declination: -23.44, tol: 0.3 },
    { when: '2025-03-20T12:00:00Z', declination: 0, tol: 0.6 },
    { when: '2025-09-23T12:00:00Z', declination: 0, tol: 0.6 },
  ];
  for (const r of rows) {
    it(`declination on ${r.when}`, () => {
      const s = sunPosition(Date.parse(r.when), MALAGA.lat, MALAGA.lon);
      assert.ok(Math.abs(s.declinationDeg - r.declination) < r.tol, `${s.declinationDeg}`);
    });
  }

  it('elevation at solar noon in Málaga = 90 − latitude + declination; azimuth south', () => {
    // solar noon (UTC) = 12:00 − 4 min × longitude − equation of time
    const day = Date.parse('2025-06-21T00:00:00Z');
    let best = { t: 0, el: -90, az: 0, ha: 0 };
    for (let m = 0; m < 24 * 60; m++) {
      const s = sunPosition(day + m * 60_000, MALAGA.lat, MALAGA.lon);
      if (s.elevationDeg > best.el) best = { t: m, el: s.elevationDeg, az: s.azimuthDeg, ha: s.hourAngleDeg };
    }
    assert.ok(Math.abs(best.el - (90 - MALAGA.lat + 23.44)) < 0.3, `${best.el}`);
    assert.ok(Math.abs(best.az - 180) < 3, `${best.az}`);
    assert.ok(Math.abs(best.ha) < 0.3);
    const noonMin = 12 * 60 + 4 * -MALAGA.lon - sunPosition(day + 12 * 3_600_000, MALAGA.lat, MALAGA.lon).equationOfTimeMin;
    assert.ok(Math.abs(best.t - noonMin) <= 1, `${best.t} vs ${noonMin}`);
  });

  it('the sun is below the horizon at local midnight and rises in the east', () => {
    assert.ok(sunPosition(Date.parse('2025-06-21T22:00:00Z'), MALAGA.lat, MALAGA.lon).elevationDeg < -20);
    const morning = sunPosition(Date.parse('2025-06-21T06:30:00Z'), MALAGA.lat, MALAGA.lon);
    assert.ok(morning.elevationDeg > 0 && morning.azimuthDeg > 45 && morning.azimuthDeg < 90, JSON.stringify(morning));
  });

  it('clear-sky irradiance: none at night, about 1000 W/m² GHI with a high sun', () => {
    assert.equal(clearSky(-5).ghi, 0);
    const g = clearSky(75).ghi;
    assert.ok(g > 900 && g < 1100, `${g}`);
    assert.ok(clearSky(20).ghi < clearSky(60).ghi);
  });
});

describe('PV array', () => {
  const mk = (over: Partial<typeof DEFAULT_PV> & { peakKwp?: number; inverterKw?: number } = {}) =>
    new PvModel({ ...DEFAULT_PV, peakKwp: 75, inverterKw: 60, noiseRel: 0, ...over }, MALAGA.lat, MALAGA.lon, new Rng(1));

  function day(pv: PvModel, date: string, pvFactor = 1): Array<{ t: number; kw: number; irr: number }> {
    const start = Date.parse(`${date}T00:00:00Z`);
    const out = [];
    for (let m = 0; m < 24 * 60; m += 5) {
      const o = pv.step(start + m * 60_000, 300, pvFactor);
      out.push({ t: m, kw: o.activePowerKw, irr: o.irradiance });
    }
    return out;
  }

  for (const date of ['2025-03-20', '2025-06-21', '2025-12-21']) {
    it(`${date}: zero at night, peak near solar noon (~12:18 UTC)`, () => {
      const d = day(mk({ inverterKw: 1000 }), date);
      for (const r of d) if (r.t < 4 * 60 || r.t > 21 * 60) assert.equal(r.kw, 0, `at ${r.t} min`);
      const peak = d.reduce((a, b) => (b.kw > a.kw ? b : a));
      assert.ok(Math.abs(peak.t - (12 * 60 + 18)) <= 25, `peak at ${peak.t} min`);
      assert.ok(peak.kw > 20 && peak.kw < 75, `${peak.kw}`);
    });
  }

  it('clips at the inverter rating and at ActivePowerLimit', () => {
    const pv = mk({ peakKwp: 150, inverterKw: 60 });
    const d = day(pv, '2025-06-21');
    assert.equal(Math.max(...d.map((r) => r.kw)), 60);
    pv.limitKw = 25;
    assert.equal(Math.max(...day(pv, '2025-06-21').map((r) => r.kw)), 25);
  });

  it('pvFactor 0 (thick clouds) gives no power and no irradiance; 0.5 halves the output', () => {
    const full = mk({ inverterKw: 1000 }).step(Date.parse('2025-04-10T12:00:00Z'), 1, 1).activePowerKw;
    const half = mk({ inverterKw: 1000 }).step(Date.parse('2025-04-10T12:00:00Z'), 1, 0.5).activePowerKw;
    const none = mk().step(Date.parse('2025-04-10T12:00:00Z'), 1, 0);
    assert.ok(Math.abs(half - full / 2) < 1e-9);
    assert.equal(none.activePowerKw, 0);
    assert.equal(none.irradiance, 0);
  });
});

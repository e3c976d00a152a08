import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LOAD, LoadModel } from '../model/load';
import { LocalClock } from '../model/localtime';
import { Rng } from '../model/random';

const clock = new LocalClock('Europe/Madrid');

describe('local time', () => {
  const rows: Array<[utc: string, hour: number, weekday: number]> = [
    ['2025-01-15T11:00:00Z', 12, 3], // CET, Wednesday
    ['2025-07-15T11:00:00Z', 13, 2], // CEST, Tuesday
    ['2025-03-30T00:30:00Z', 1.5, 0], // before the spring change
    ['2025-03-30T01:30:00Z', 3.5, 0], // after it
    ['2025-01-18T23:30:00Z', 0.5, 0], // Saturday UTC, Sunday local
  ];
  for (const [utc, hour, weekday] of rows)
    it(utc, () => {
      const t = clock.at(Date.parse(utc));
      assert.equal(t.hour, hour);
      assert.equal(t.weekday, weekday);
    });
});

describe('building load (office, 70 kW peak)', () => {
  const mk = (noiseKw = 0) => new LoadModel({ ...DEFAULT_LOAD, peakKw: 70, noiseKw }, new Rng(7));
  const at = (m: LoadModel, iso: string, step = 0) => m.step(clock.at(Date.parse(iso)), 1, step).activePowerKw;

  it('weekday: night base < morning ramp < lunch peak; evening falls back', () => {
    const m = mk();
    const night = at(m, '2025-01-15T02:00:00Z');
    const morning = at(m, '2025-01-15T07:00:00Z'); // 08:00 local
    const lunch = at(m, '2025-01-15T12:30:00Z'); // 13:30 local
    const evening = at(m, '2025-01-15T20:00:00Z'); // 21:00 local
    assert.ok(night < morning && morning < lunch, `${night} ${morning} ${lunch}`);
    assert.equal(lunch, 70);
    assert.ok(evening < morning && evening > night);
  });

  it('weekend is lower than a weekday', () => {
    const m = mk();
    assert.ok(at(m, '2025-01-18T12:30:00Z') < 0.4 * at(m, '2025-01-15T12:30:00Z'));
  });

  it('loadStepKw adds to the profile; the load never goes negative', () => {
    const m = mk();
    assert.equal(at(m, '2025-01-15T12:30:00Z', 15), 85);
    assert.equal(at(m, '2025-01-15T02:00:00Z', -500), 0);
  });

  it('noise is small, seeded and reproducible', () => {
    const a = mk(0.6);
    const b = mk(0.6);
    for (let i = 0; i < 100; i++) {
      const x = at(a, '2025-01-15T12:30:00Z');
      assert.equal(x, at(b, '2025-01-15T12:30:00Z'));
      assert.ok(Math.abs(x - 70) < 4);
    }
  });

  it('reactive power follows the power factor 0.95', () => {
    const m = mk();
    const o = m.step(clock.at(Date.parse('2025-01-15T12:30:00Z')), 1, 0);
    assert.ok(Math.abs(o.activePowerKw / Math.hypot(o.activePowerKw, o.reactivePowerKvar) - 0.95) < 1e-9);
  });
});

describe('local clock', () => {
  it('names an unknown time zone', () => assert.throws(() => new LocalClock('Mars/Olympus'), /unknown time zone "Mars\/Olympus"/));
});

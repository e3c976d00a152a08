import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EV_MIN_KW, EV_STATUS, EvChargerModel, sessionsForDay } from '../model/ev';
import { LocalClock } from '../model/localtime';

const clock = new LocalClock('Europe/Madrid');

describe('EV charger', () => {
  it('delivers the session energy at the car limit, then becomes available', () => {
    const c = new EvChargerModel({ ratingKw: 22, schedule: false }, 1, 0);
    const t0 = Date.parse('2025-01-15T09:00:00Z');
    c.plugIn(11, 22);
    const rows: Array<[min: number, kw: number, status: number]> = [];
    for (let m = 1; m <= 40; m++) {
      const o = c.step(t0 + m * 60_000, clock.at(t0 + m * 60_000), 60);
      rows.push([m, o.activePowerKw, o.status]);
    }
    // 11 kWh at 22 kW = 30 min
    assert.deepEqual(rows[0], [1, 22, EV_STATUS.Charging]);
    assert.deepEqual(rows[29], [30, 22, EV_STATUS.Charging]);
    assert.deepEqual(rows[30], [31, 0, EV_STATUS.Available]);
  });

  it('honours ChargePowerLimit; below 6 A per phase it suspends', () => {
    const c = new EvChargerModel({ ratingKw: 22, schedule: false }, 1, 0);
    const t0 = Date.parse('2025-01-15T09:00:00Z');
    c.plugIn(50, 22);
    const rows: Array<[limit: number, kw: number]> = [
      [22, 22],
      [11, 11],
      [7.4, 7.4],
      [EV_MIN_KW, EV_MIN_KW],
      [3, 0],
      [0, 0],
    ];
    rows.forEach(([limit, kw], i) => {
      c.limitKw = limit;
      const o = c.step(t0 + i * 1000, clock.at(t0), 1);
      assert.equal(o.activePowerKw, kw, `limit ${limit}`);
      assert.equal(o.status, EV_STATUS.Charging);
    });
  });

  it('follows a seeded daily schedule: same seed, same sessions; weekdays busier', () => {
    assert.deepEqual(sessionsForDay(5, 20103, 0, 3), sessionsForDay(5, 20103, 0, 3));
    assert.notDeepEqual(sessionsForDay(5, 20103, 0, 3), sessionsForDay(6, 20103, 0, 3));
    let weekday = 0;
    let weekend = 0;
    for (let d = 0; d < 200; d++) {
      weekday += sessionsForDay(1, d, 0, 3).length;
      weekend += sessionsForDay(1, d, 0, 6).length;
    }
    assert.ok(weekday > 2 * weekend, `${weekday} ${weekend}`);
    for (const s of sessionsForDay(1, 3, 1, 2)) {
      assert.ok(s.arrivalHour < s.departureHour);
      assert.ok(s.carMaxKw <= 22 && s.energyKwh > 0);
    }
  });

  it('a scheduled session starts at its arrival and draws power', () => {
    const seed = 11;
    const t0 = Date.parse('2025-01-15T00:00:00Z'); // a Wednesday
    const c = new EvChargerModel({ ratingKw: 22, schedule: true }, seed, 0);
    const plan = sessionsForDay(seed, clock.at(t0 + 3_600_000).dayIndex, 0, 3);
    assert.ok(plan.length > 0);
    let energy = 0;
    let firstCharging = -1;
    for (let m = 0; m < 24 * 60; m++) {
      const t = t0 + m * 60_000;
      const o = c.step(t, clock.at(t), 60);
      energy += o.activePowerKw / 60;
      if (firstCharging < 0 && o.activePowerKw > 0) firstCharging = clock.at(t).hour;
    }
    const first = plan[0];
    assert.ok(first && Math.abs(firstCharging - first.arrivalHour) < 2 / 60, `${firstCharging} vs ${first?.arrivalHour}`);
    assert.ok(energy > 0 && energy <= plan.reduce((a, p) => a + p.energyKwh, 0) + 1e-6);
  });
});

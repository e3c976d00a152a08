import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlarmJournalEntry, AlarmPriority } from '../common/alarms';
import { computeAlarmKpis, floodIntervals } from './kpi';

const S = { flood: { startCount: 10, endCount: 5, windowMs: 600_000 }, staleAfterMs: 24 * 3600_000 };
const MIN = 60_000;

function e(ts: number, alarmId: string, event: AlarmJournalEntry['event'], priority: AlarmPriority = 'low'): AlarmJournalEntry {
  return { ts, alarmId, event, priority, class: 'process', message: `msg ${alarmId}` };
}

test('floodIntervals: starts above 10 in the window, ends at 5 or below', () => {
  // 11 one minute apart: the first leaves the window (t - 10 min, t] as the 11th comes: no flood
  assert.deepEqual(floodIntervals(Array.from({ length: 11 }, (_, k) => k * MIN), 0, 3600_000, S.flood).intervals, []);
  // 11 activations 50 s apart from t=0: flood from the 11th (500 s)
  const times = Array.from({ length: 11 }, (_, k) => k * 50_000);
  const { intervals, peak } = floodIntervals(times, 0, 3600_000, S.flood);
  assert.equal(peak, 11);
  // the count falls to 5 when the 6th activation (250 s) leaves the window at 850 s
  assert.deepEqual(intervals, [[500_000, 850_000]]);
  assert.deepEqual(floodIntervals(times.slice(0, 10), 0, 3600_000, S.flood).intervals, []);
});

test('KPIs: rate, flood time, bad actors, priority mix, stale, chattering, ack time', () => {
  const from = 1_000_000_000_000;
  const to = from + 3600_000;
  const entries: AlarmJournalEntry[] = [];
  // a stale alarm active since two days before the period
  entries.push(e(from - 48 * 3600_000, 'stale1', 'activate', 'medium'));
  // 11 activations of a bad actor, 50 s apart: one flood of 350 s
  for (let k = 0; k < 11; k++) {
    entries.push(e(from + k * 50_000, 'bad', 'activate', 'low'));
    entries.push(e(from + k * 50_000 + 10_000, 'bad', 'clear', 'low'));
  }
  entries.push(e(from + 2 * MIN, 'bad', 'chatter', 'low'));
  entries.push(e(from + 30 * MIN, 'hi', 'activate', 'high'));
  entries.push(e(from + 31 * MIN, 'hi', 'ack', 'high'));
  entries.push(e(from + 40 * MIN, 'hi', 'shelve', 'high'));
  entries.sort((a, b) => a.ts - b.ts);
  const k = computeAlarmKpis(entries, from, to, S);
  assert.equal(k.activations, 12);
  assert.equal(k.averageRatePer10Min, 2);
  assert.equal(k.peakRatePer10Min, 11);
  assert.equal(k.floods, 1);
  assert.ok(Math.abs(k.percentTimeInFlood - (100 * 350) / 3600) < 1e-9, String(k.percentTimeInFlood));
  assert.deepEqual(k.topBadActors.map((t) => [t.alarmId, t.count]), [['bad', 11], ['hi', 1]]);
  assert.ok(Math.abs(k.topBadActors[0]!.percent - (100 * 11) / 12) < 1e-9);
  assert.equal(k.topTenPercent, 100);
  assert.equal(k.priorityMix.low.count, 11);
  assert.equal(k.priorityMix.high.count, 1);
  assert.equal(k.priorityMix.critical.percent, 0);
  assert.deepEqual(k.stale.map((s) => s.alarmId), ['stale1']);
  assert.deepEqual(k.chattering, [{ alarmId: 'bad', message: 'msg bad', episodes: 1 }]);
  assert.equal(k.acknowledged, 1);
  assert.equal(k.medianAckMs, MIN);
  assert.equal(k.shelveEvents, 1);
  assert.ok(Math.abs(k.percentIntervalsOverTarget - 100 / 6) < 1e-9, 'the first 10-minute bucket holds 11');
});

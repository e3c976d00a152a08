import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AlarmKpis } from '../../../../core/common/alarms';
import { buildHistoryQuery, cursorOf, FIRST_PAGE, fromLocalInput, kpiLines, newerPage, olderPage, periodError, toLocalInput } from './historyModel';

const empty = { from: '', to: '', priorities: [], asset: '', event: '' as const, text: '' };

test('history query: empty fields are left out, all four priorities mean no filter', () => {
  assert.deepEqual(buildHistoryQuery(empty), { limit: 100 });
  const q = buildHistoryQuery(
    { from: '2025-06-01T10:00', to: '2025-06-01T12:00', priorities: ['critical'], asset: 'ess1', event: 'ack', text: '  temp ' },
    42,
  );
  assert.equal(q.from, new Date('2025-06-01T10:00').getTime());
  assert.equal(q.to, new Date('2025-06-01T12:00').getTime());
  assert.deepEqual(q.priorities, ['critical']);
  assert.deepEqual(q.assets, ['ess1']);
  assert.deepEqual(q.events, ['ack']);
  assert.equal(q.text, 'temp');
  assert.equal(q.before, 42);
  assert.equal(buildHistoryQuery({ ...empty, priorities: ['critical', 'high', 'medium', 'low'] }).priorities, undefined);
});

test('datetime-local round trip and period validation', () => {
  const t = new Date(2025, 5, 1, 14, 3).getTime();
  assert.equal(toLocalInput(t), '2025-06-01T14:03');
  assert.equal(fromLocalInput('2025-06-01T14:03'), t);
  assert.equal(fromLocalInput(''), undefined);
  assert.equal(fromLocalInput('nonsense'), undefined);
  assert.equal(periodError({ from: '2025-06-01T14:03', to: '2025-06-01T14:00' }), '"To" must be after "From"');
  assert.equal(periodError({ from: '2025-06-01T14:03', to: '' }), null);
});

test('paging backwards keeps a stack of cursors', () => {
  let p = FIRST_PAGE;
  assert.equal(cursorOf(p), undefined);
  p = olderPage(p, 500);
  p = olderPage(p, 400);
  assert.equal(cursorOf(p), 400);
  p = newerPage(p);
  assert.equal(cursorOf(p), 500);
  assert.equal(olderPage(p, undefined), p, 'no older page at the end');
  p = olderPage(p, 450);
  assert.deepEqual(p.cursors, [undefined, 500, 450]);
  assert.equal(newerPage(newerPage(newerPage(p))).index, 0);
});

test('KPI lines flag what is over the EEMUA 191 target', () => {
  const k: AlarmKpis = {
    from: 0,
    to: 1,
    activations: 30,
    averageRatePer10Min: 0.5,
    peakRatePer10Min: 12,
    percentIntervalsOverTarget: 0,
    percentTimeInFlood: 3,
    floods: 1,
    topBadActors: [],
    topTenPercent: 80,
    chattering: [],
    stale: [],
    priorityMix: { critical: { count: 1, percent: 3 }, high: { count: 0, percent: 0 }, medium: { count: 0, percent: 0 }, low: { count: 29, percent: 97 } },
    acknowledged: 3,
    medianAckMs: 90_000,
    shelveEvents: 0,
  };
  const over = Object.fromEntries(kpiLines(k).map((l) => [l.label, l.over]));
  assert.equal(over['Average rate per 10 min'], false);
  assert.equal(over['Peak rate per 10 min'], true);
  assert.equal(over['Time in flood'], true);
  assert.equal(over['Top 10 share of activations'], true);
  assert.equal(kpiLines(k).find((l) => l.label === 'Median time to acknowledge')?.value, '2 min');
});

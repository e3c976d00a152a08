import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AlarmCounts, AlarmView } from '../../../../core/common/alarms';
import {
  assetMarkers,
  bannerAlarms,
  capabilitiesOf,
  compareAlarms,
  countByView,
  floodLines,
  mergeAlarms,
  priorityCounts,
  PRIORITY_STYLE,
  selectAlarms,
  shelveDurations,
  viewOfAlarm,
} from './alarmModel';
import { hashParams } from './links';

const a = (id: string, o: Partial<AlarmView> = {}): AlarmView => ({
  id,
  type: 'limit',
  message: `${id} message`,
  priority: 'medium',
  class: 'process',
  asset: 'ess1',
  latching: false,
  shelvable: true,
  state: 'unack-active',
  active: true,
  activatedAt: 1000,
  changedAt: 1000,
  activations: 1,
  chattering: false,
  comments: [],
  actions: [],
  actionsPending: false,
  ...o,
});

test('priorities: distinct number, shape and label, not colour alone', () => {
  const styles = Object.values(PRIORITY_STYLE);
  assert.deepEqual(styles.map((s) => s.number), [1, 2, 3, 4]);
  assert.equal(new Set(styles.map((s) => s.shape)).size, 4);
  assert.equal(new Set(styles.map((s) => s.fill)).size, 4);
});

test('views: out of service > shelved > suppressed > live; normal alarms are in no view', () => {
  assert.equal(viewOfAlarm(a('x')), 'live');
  assert.equal(viewOfAlarm(a('x', { state: 'normal' })), null);
  assert.equal(viewOfAlarm(a('x', { state: 'normal', shelved: { by: 'u', at: 1, until: 2, reason: 'r' } })), 'shelved');
  assert.equal(viewOfAlarm(a('x', { state: 'normal', suppressed: { at: 1, reason: 'r' } })), 'suppressed');
  assert.equal(
    viewOfAlarm(a('x', { state: 'normal', suppressed: { at: 1, reason: 'r' }, outOfService: { by: 'u', at: 1, reason: 'r' } })),
    'out-of-service',
  );
});

test('merge: changes replace, alarms back to normal leave, an empty batch keeps the map', () => {
  const m0 = mergeAlarms(new Map(), [a('x'), a('y')]);
  assert.deepEqual([...m0.keys()], ['x', 'y']);
  const m1 = mergeAlarms(m0, [a('x', { state: 'ack-active' }), a('y', { state: 'normal' })]);
  assert.equal(m1.get('x')?.state, 'ack-active');
  assert.equal(m1.has('y'), false);
  assert.equal(mergeAlarms(m1, []), m1);
  assert.equal(m0.get('x')?.state, 'unack-active', 'the previous map is not mutated');
});

test('sort: priority first and newest first within it; other keys both ways with a stable tie-break', () => {
  const list = [
    a('low-old', { priority: 'low', activatedAt: 1 }),
    a('crit', { priority: 'critical', activatedAt: 5 }),
    a('med-new', { priority: 'medium', activatedAt: 9, asset: 'pv1' }),
    a('med-old', { priority: 'medium', activatedAt: 2, asset: 'bess' }),
  ];
  const ids = (s: Parameters<typeof selectAlarms>[2]) => selectAlarms(list, { view: 'live' }, s).map((x) => x.id);
  assert.deepEqual(ids({ key: 'priority', dir: 'asc' }), ['crit', 'med-new', 'med-old', 'low-old']);
  assert.deepEqual(ids({ key: 'priority', dir: 'desc' }), ['low-old', 'med-new', 'med-old', 'crit']);
  assert.deepEqual(ids({ key: 'time', dir: 'desc' }), ['med-new', 'crit', 'med-old', 'low-old']);
  assert.deepEqual(ids({ key: 'asset', dir: 'asc' }), ['med-old', 'crit', 'low-old', 'med-new']);
  assert.ok(compareAlarms(list[0]!, list[0]!, { key: 'message', dir: 'asc' }) === 0);
});

test('filter: view, priorities, asset (or parent group), state, time, words', () => {
  const list = [
    a('ess1.temp', { priority: 'critical', message: 'Battery over-temperature' }),
    a('pv1.comm', { asset: 'pv1', group: 'site', state: 'ack-active', message: 'Communication failure: PV', activatedAt: 5000 }),
    a('ev1.fault', { asset: 'ev1', state: 'unack-rtn', active: false, message: 'EV charger faulted' }),
    a('shelved', { state: 'normal', shelved: { by: 'u', at: 1, until: 2, reason: 'r' } }),
  ];
  const ids = (f: Omit<Parameters<typeof selectAlarms>[1], 'view'> & { view?: 'live' | 'shelved' }) =>
    selectAlarms(list, { view: 'live', ...f }).map((x) => x.id).sort();
  assert.deepEqual(ids({}), ['ess1.temp', 'ev1.fault', 'pv1.comm']);
  assert.deepEqual(ids({ view: 'shelved' }), ['shelved']);
  assert.deepEqual(ids({ priorities: ['critical'] }), ['ess1.temp']);
  assert.deepEqual(ids({ asset: 'site' }), ['pv1.comm']);
  assert.deepEqual(ids({ state: 'unack' }), ['ess1.temp', 'ev1.fault']);
  assert.deepEqual(ids({ state: 'ack-active' }), ['pv1.comm']);
  assert.deepEqual(ids({ since: 2000 }), ['pv1.comm']);
  assert.deepEqual(ids({ text: 'BATTERY temp' }), ['ess1.temp']);
  assert.deepEqual(ids({ text: 'ev1' }), ['ev1.fault']);
  assert.deepEqual(countByView(list), { live: 3, shelved: 1, suppressed: 0, 'out-of-service': 0 });
});

test('banner: unacknowledged first, then priority, then newest; at most 3; never shelved ones', () => {
  const list = [
    a('ack-crit', { priority: 'critical', state: 'ack-active' }),
    a('unack-low', { priority: 'low' }),
    a('unack-high-old', { priority: 'high', activatedAt: 1 }),
    a('unack-high-new', { priority: 'high', activatedAt: 2 }),
    a('shelved', { priority: 'critical', shelved: { by: 'u', at: 1, until: 2, reason: 'r' } }),
  ];
  assert.deepEqual(bannerAlarms(list).map((x) => x.id), ['unack-high-new', 'unack-high-old', 'unack-low']);
  assert.deepEqual(bannerAlarms(list, 5).map((x) => x.id), ['unack-high-new', 'unack-high-old', 'unack-low', 'ack-crit']);
});

test('counts per priority: unacknowledged = active + returned, active = unack + ack active', () => {
  const z = { unackActive: 0, ackActive: 0, unackRtn: 0, latched: 0 };
  const counts: AlarmCounts = {
    byPriority: { critical: { ...z, unackActive: 1, unackRtn: 1 }, high: { ...z, ackActive: 2 }, medium: z, low: z },
    unacknowledged: 2,
    active: 3,
    shelved: 0,
    suppressed: 0,
    outOfService: 0,
  };
  const pc = priorityCounts(counts);
  assert.deepEqual(pc[0], { priority: 'critical', unack: 2, active: 1 });
  assert.deepEqual(pc[1], { priority: 'high', unack: 0, active: 2 });
  assert.deepEqual(priorityCounts(null).map((c) => c.unack + c.active), [0, 0, 0, 0]);
});

test('synoptic markers: highest live priority per asset, count, unack flag', () => {
  const m = assetMarkers([
    a('1', { priority: 'low', state: 'ack-active' }),
    a('2', { priority: 'high', state: 'ack-active' }),
    a('3', { asset: 'pv1', state: 'ack-active' }),
    a('4', { asset: 'ev1', state: 'normal', outOfService: { by: 'u', at: 1, reason: 'r' } }),
    a('5', { asset: undefined }),
  ]);
  assert.deepEqual(m.get('ess1'), { priority: 'high', count: 2, unack: false });
  assert.deepEqual(m.get('pv1'), { priority: 'medium', count: 1, unack: false });
  assert.equal(m.has('ev1'), false);
  assert.equal(m.size, 2);
});

test('flood lines: biggest group first, first-out message looked up', () => {
  const lines = floodLines(
    [
      { group: 'pv', firstOut: 'p1', firstOutAt: 5, count: 2 },
      { group: 'ess1', firstOut: 'x', firstOutAt: 3, count: 7 },
    ],
    new Map([['x', a('x', { message: 'Battery fault' })]]),
  );
  assert.deepEqual(lines.map((l) => [l.group, l.firstOutMessage]), [['ess1', 'Battery fault'], ['pv', 'p1']]);
});

test('capabilities: from the session when it has them, else from the built-in roles', () => {
  assert.equal(capabilitiesOf(null).size, 0);
  assert.ok(capabilitiesOf({ roles: ['operator'] }).has('alarms.ack'));
  assert.ok(!capabilitiesOf({ roles: ['viewer'] }).has('alarms.ack'));
  assert.ok(!capabilitiesOf({ roles: ['operator'], capabilities: ['site.view'] }).has('alarms.ack'));
  assert.ok(capabilitiesOf({ roles: [], capabilities: ['config.edit'] }).has('config.edit'));
});

test('shelving durations are capped by the maximum', () => {
  assert.deepEqual(shelveDurations(8 * 3_600_000), [15, 30, 60, 120, 240, 480]);
  assert.deepEqual(shelveDurations(3_600_000), [15, 30, 60]);
  assert.deepEqual(shelveDurations(10 * 60_000), [10]);
});

test('hash parameters', () => {
  assert.deepEqual(hashParams('#/alarms?asset=ess1&id=a%2Fb'), { asset: 'ess1', id: 'a/b' });
  assert.deepEqual(hashParams('#/alarms'), {});
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PointUpdate } from '../../../core/common/point';
import { COMM_LOST, PointStore } from './pointStore';

const good = { level: 'good' } as const;
const u = (id: string, v: number, rts = 1000, q: PointUpdate['q'] = good): PointUpdate => ({ id, v, q, ts: rts - 10, rts });

test('applyBatch stores values and notifies only listeners of changed ids', () => {
  const s = new PointStore();
  const calls: string[] = [];
  s.subscribe('a/x', () => calls.push('a'));
  s.subscribe('b/x', () => calls.push('b'));
  assert.equal(s.applyBatch([u('a/x', 1), u('c/x', 3)]), 2);
  assert.deepEqual(calls, ['a']);
  assert.equal(s.get('a/x')?.value, 1);
  assert.equal(s.get('c/x')?.value, 3);
  assert.equal(s.get('b/x'), undefined);
});

test('a point changing twice in one batch is notified once and ends at the last value', () => {
  const s = new PointStore();
  let n = 0;
  s.subscribe('a/x', () => n++);
  s.applyBatch([u('a/x', 1, 1000), u('a/x', 2, 1001)]);
  assert.equal(n, 1);
  assert.equal(s.get('a/x')?.value, 2);
});

test('snapshots are new objects on change and identical otherwise (useSyncExternalStore contract)', () => {
  const s = new PointStore();
  s.applyBatch([u('a/x', 1), u('b/x', 1)]);
  const a1 = s.get('a/x');
  const b1 = s.get('b/x');
  s.applyBatch([u('a/x', 2, 2000)]);
  assert.notEqual(s.get('a/x'), a1);
  assert.equal(s.get('b/x'), b1);
});

test('older values (by receive time) do not overwrite newer ones', () => {
  const s = new PointStore();
  s.applyBatch([u('a/x', 2, 2000)]);
  assert.equal(s.applyStates([{ id: 'a/x', value: 1, quality: good, ts: 900, rts: 1000 }]), 0);
  assert.equal(s.get('a/x')?.value, 2);
  assert.equal(s.stats.dropped, 1);
});

test('losing the connection marks every value COMM and notifies; fresh data restores quality', () => {
  const s = new PointStore();
  s.applyBatch([u('a/x', 1), u('b/x', 2)]);
  const seen: string[] = [];
  s.subscribe('a/x', () => seen.push('a'));
  s.subscribe('never/x', () => seen.push('never'));
  s.setLive(false);
  assert.deepEqual(seen.sort(), ['a', 'never']);
  assert.deepEqual(s.get('a/x')?.quality, COMM_LOST);
  assert.equal(s.get('a/x')?.value, 1, 'the last value stays visible, labelled COMM');
  s.setLive(true);
  assert.deepEqual(s.get('b/x')?.quality, COMM_LOST, 'reconnecting alone does not make old values good');
  assert.equal(s.isFresh('b/x'), false);
  s.applyBatch([u('b/x', 3, 3000)]);
  assert.deepEqual(s.get('b/x')?.quality, good);
  assert.equal(s.isFresh('b/x'), true);
});

test('updates arriving while disconnected stay COMM', () => {
  const s = new PointStore();
  s.setLive(false);
  s.applyBatch([u('a/x', 1)]);
  assert.deepEqual(s.get('a/x')?.quality, COMM_LOST);
});

test('unsubscribe stops notifications; a throwing listener does not stop the others', () => {
  const s = new PointStore();
  let n = 0;
  const off = s.subscribe('a/x', () => n++);
  const orig = console.error;
  console.error = () => {};
  try {
    s.subscribe('a/x', () => {
      throw new Error('boom');
    });
    s.subscribe('a/x', () => n++);
    s.applyBatch([u('a/x', 1)]);
    assert.equal(n, 2);
    off();
    s.applyBatch([u('a/x', 2, 2000)]);
    assert.equal(n, 3);
  } finally {
    console.error = orig;
  }
});

test('10,000 updates per batch apply in one pass, fast, notifying only subscribers', () => {
  const s = new PointStore();
  const ids = Array.from({ length: 10_000 }, (_, i) => `dev${i % 100}/ch${i}`);
  let notified = 0;
  for (const id of ids.slice(0, 40)) s.subscribe(id, () => notified++);
  const t0 = performance.now();
  for (let round = 1; round <= 10; round++) {
    s.applyBatch(ids.map((id, i) => u(id, i * round, 1000 * round)));
  }
  const ms = performance.now() - t0;
  assert.equal(notified, 400);
  assert.equal(s.size, 10_000);
  assert.ok(ms < 1000, `10 batches of 10k took ${ms.toFixed(0)} ms`);
});

test('meta list keeps identity until replaced and notifies meta listeners', () => {
  const s = new PointStore();
  let n = 0;
  s.subscribeMeta(() => n++);
  const list = s.getMetaList();
  assert.equal(s.getMetaList(), list);
  s.setMeta([{ id: 'a/x', assetId: 'a', channel: 'x', unit: 'kW', type: 'number', access: 'ro' }]);
  assert.equal(n, 1);
  assert.equal(s.getMeta('a/x')?.unit, 'kW');
  assert.notEqual(s.getMetaList(), list);
});

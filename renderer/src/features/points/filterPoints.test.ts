import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PointMeta } from '../../../../core/common/point';
import { assetIdsOf, filterPoints } from './filterPoints';

const m = (id: string, description = ''): PointMeta => {
  const [assetId = '', channel = ''] = id.split('/');
  return { id, assetId, channel, unit: 'kW', type: 'number', access: 'ro', description };
};
const list = [m('ess1/Soc', 'state of charge'), m('ess1/ActivePower', 'battery power'), m('pv1/ActivePower', 'PV production'), m('grid/Frequency')];

test('text terms all have to match, in id or description, ignoring case', () => {
  assert.deepEqual(filterPoints(list, { text: 'ess1 power', assetId: '' }).map((x) => x.id), ['ess1/ActivePower']);
  assert.deepEqual(filterPoints(list, { text: 'CHARGE', assetId: '' }).map((x) => x.id), ['ess1/Soc']);
  assert.deepEqual(filterPoints(list, { text: 'activepower', assetId: 'pv1' }).map((x) => x.id), ['pv1/ActivePower']);
  assert.equal(filterPoints(list, { text: '  ', assetId: '' }), list, 'no filter: the same array');
  assert.equal(filterPoints(list, { text: 'nothing-like-this', assetId: '' }).length, 0);
});

test('asset ids in first-seen order', () => {
  assert.deepEqual(assetIdsOf(list), ['ess1', 'pv1', 'grid']);
});

// Speed is measured in bench/, never asserted with a timer here: this checks the result on a
// list of the size the Points page virtualises.
test('filtering 10,000 points finds exactly the matching ones', () => {
  const big = Array.from({ length: 10_000 }, (_, i) => m(`dev${i % 50}/Ch${i}`, `channel number ${i}`));
  const hits = filterPoints(big, { text: 'number 999', assetId: '' }).map((x) => x.id);
  // every word must occur: "999" is in 999, 1999 … 8999 and 9990 … 9999 (device = index mod 50)
  const expected = [
    ...[0, 1, 2, 3, 4, 5, 6, 7, 8].map((k) => `dev49/Ch${k ? k : ''}999`),
    ...[0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => `dev${40 + d}/Ch999${d}`),
  ];
  assert.deepEqual(hits, expected);
});

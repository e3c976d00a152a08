import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeDevices } from './deviceSummary';
import { assetHref, parseAssetId, parseRoute } from './route';

test('device summary: "n/m online", worst state, disabled devices not counted as missing', () => {
  const s = (...states: ('online' | 'offline' | 'connecting' | 'disabled')[]) => summarizeDevices(states.map((state) => ({ state })));
  assert.equal(s('online', 'online').text, '2/2 online');
  assert.equal(s('online', 'online').worst, 'ok');
  assert.equal(s('online', 'offline').text, '1/2 online, 1 offline');
  assert.equal(s('online', 'offline', 'connecting').worst, 'alarm');
  assert.equal(s('online', 'connecting').worst, 'warning');
  assert.equal(s('online', 'disabled').text, '1/1 online, 1 disabled');
  assert.equal(s().worst, 'none');
});

test('hash routes fall back to the overview', () => {
  assert.equal(parseRoute('#/devices'), 'devices');
  assert.equal(parseRoute('#points?x=1'), 'points');
  assert.equal(parseRoute(''), 'overview');
  assert.equal(parseRoute('#/nope'), 'overview');
});

test('asset routes: site overview -> asset -> detail', () => {
  assert.equal(parseRoute('#/asset/ess'), 'asset');
  assert.equal(parseAssetId('#/asset/ess'), 'ess');
  assert.equal(parseAssetId('#/asset/pcc%20meter?x=1'), 'pcc meter');
  assert.equal(parseAssetId('#/overview'), null);
  assert.equal(assetHref('ev 1'), '#/asset/ev%201');
});

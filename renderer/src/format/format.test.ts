import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESS_STATES } from '../../../core/common/natures';
import { decimalsFor, essDirection, formatAge, formatDateTime, formatNumber, formatTime, formatValue, formatWithUnit, gridDirection, NO_VALUE, viewOf } from './format';

test('decimals follow the unit, with an override', () => {
  assert.equal(decimalsFor('kW'), 1);
  assert.equal(decimalsFor('Hz'), 2);
  assert.equal(decimalsFor('W/m²'), 0);
  assert.equal(decimalsFor('furlongs'), 2);
  assert.equal(decimalsFor(undefined), 2);
  assert.equal(decimalsFor('kW', 3), 3);
});

test('numbers have fixed decimals, no negative zero, no grouping', () => {
  assert.equal(formatNumber(12, 1), '12.0');
  assert.equal(formatNumber(-0.04, 1), '0.0');
  assert.equal(formatNumber(-0, 2), '0.00');
  assert.equal(formatNumber(-12.345, 1), '-12.3');
  assert.equal(formatNumber(123456.7, 1), '123456.7');
  assert.equal(formatNumber(NaN, 1), NO_VALUE);
  assert.equal(formatNumber(Infinity, 1), '∞');
});

test('formatValue: enum labels, booleans, strings, missing values', () => {
  assert.equal(formatValue(2, { unit: '', states: ESS_STATES }), 'Running');
  assert.equal(formatValue(9, { unit: '', states: ESS_STATES }), '9.00');
  assert.equal(formatValue(true, { unit: '' }), 'ON');
  assert.equal(formatValue('abc'), 'abc');
  assert.equal(formatValue(null, { unit: 'kW' }), NO_VALUE);
  assert.equal(formatValue(undefined), NO_VALUE);
  assert.equal(formatValue(51.234, { unit: '%' }), '51.2');
});

test('formatWithUnit appends the unit except for enum labels and missing values', () => {
  assert.equal(formatWithUnit(12, { unit: 'kW' }), '12.0 kW');
  assert.equal(formatWithUnit(2, { unit: '', states: ESS_STATES }), 'Running');
  assert.equal(formatWithUnit(null, { unit: 'kW' }), NO_VALUE);
});

test('viewOf: good values are plain, others degraded with their label', () => {
  const base = { id: 'a/x', value: 1.26, ts: 1, rts: 1 };
  assert.deepEqual(viewOf({ ...base, quality: { level: 'good' } }, { unit: 'kW' }), { text: '1.3', level: 'good', label: '', degraded: false, pastRange: false });
  assert.deepEqual(viewOf({ ...base, quality: { level: 'bad', reason: 'comm-fail' } }, { unit: 'kW' }), {
    text: '1.3',
    level: 'bad',
    label: 'COMM',
    degraded: true,
    pastRange: false,
  });
  assert.equal(viewOf({ ...base, quality: { level: 'uncertain', reason: 'stale' } }).label, 'STALE');
  const none = viewOf(undefined, { unit: 'kW' });
  assert.equal(none.text, NO_VALUE);
  assert.equal(none.label, 'INIT');
  assert.equal(none.degraded, true);
});

test('viewOf: a value past its range that the device still reports is shown, with its RANGE tag (issue #9)', () => {
  const v = viewOf({ id: 'ess/Temperature', value: 55.7, ts: 1, rts: 1, quality: { level: 'uncertain', reason: 'out-of-range' } }, { unit: '°C' });
  assert.deepEqual(v, { text: '55.7', level: 'uncertain', label: 'RANGE', degraded: false, pastRange: true });
  // no value at all is still degraded
  assert.equal(viewOf({ id: 'x/y', value: null, ts: 1, rts: 1, quality: { level: 'uncertain', reason: 'out-of-range' } }).degraded, true);
});

test('ages read in the largest sensible unit', () => {
  assert.equal(formatAge(400), '0.4 s');
  assert.equal(formatAge(-50), '0.0 s');
  assert.equal(formatAge(12_500), '12 s');
  assert.equal(formatAge(3 * 60_000 + 5), '3 min');
  assert.equal(formatAge(2 * 3_600_000), '2 h');
  assert.equal(formatAge(3 * 86_400_000), '3 d');
});

test('times are shown in the site time zone', () => {
  const ts = Date.UTC(2025, 5, 1, 12, 3, 7);
  assert.equal(formatTime(ts, 'UTC'), '12:03:07');
  assert.equal(formatTime(ts, 'Europe/Madrid'), '14:03:07');
  assert.equal(formatDateTime(ts, 'Europe/Madrid'), '2025-06-01 14:03:07');
  assert.equal(formatTime(0, 'UTC'), NO_VALUE);
  assert.match(formatTime(ts, 'Not/AZone'), /^\d\d:\d\d:\d\d$/);
});

test('sign conventions become words with a dead band', () => {
  assert.equal(essDirection(10), 'DISCHARGE');
  assert.equal(essDirection(-10), 'CHARGE');
  assert.equal(essDirection(0.01), 'IDLE');
  assert.equal(essDirection(null), '');
  assert.equal(gridDirection(5), 'IMPORT');
  assert.equal(gridDirection(-5), 'EXPORT');
  assert.equal(gridDirection(0), 'BALANCED');
});

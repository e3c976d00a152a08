import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changeText, coverageText, monthPeriod, shiftMonth } from './kpiModel';

test('month periods and navigation across year ends and leap years', () => {
  assert.deepEqual(monthPeriod('2028-02'), { from: '2028-02-01', to: '2028-02-29' });
  assert.deepEqual(monthPeriod('2026-02'), { from: '2026-02-01', to: '2026-02-28' });
  assert.equal(shiftMonth('2026-01', -1), '2025-12');
  assert.equal(shiftMonth('2026-12', 1), '2027-01');
});

test('coverage and change sentences never turn missing data into zero', () => {
  assert.equal(coverageText({ value: null, unit: 'kWh', coverage: 0, missing: ['a wind asset'] }), 'missing: a wind asset');
  assert.equal(coverageText({ value: 5, unit: 'kWh', coverage: 0.5 }), 'data for 50 % of the period');
  assert.equal(coverageText({ value: 5, unit: 'kWh', coverage: 1 }), 'data for the whole period');
  assert.equal(changeText({ value: 12, unit: 'kWh', coverage: 1 }, { value: null, unit: 'kWh', coverage: 0 }, 0), null);
  assert.equal(changeText({ value: 12, unit: 'kWh', coverage: 1 }, { value: 10, unit: 'kWh', coverage: 1 }, 1), '+2.0 (+20 %) vs previous');
});

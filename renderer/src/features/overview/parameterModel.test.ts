import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parameterInputProblem } from './parameterModel';

test('site parameter entries are checked before sending', () => {
  const o = { contractedKw: 8, range: { min: 1, max: 100_000 } };
  assert.equal(parameterInputProblem('contractedPowerKw', '12', o), null);
  assert.equal(parameterInputProblem('contractedPowerKw', '7,5', o), null);
  assert.equal(parameterInputProblem('contractedPowerKw', '', o), 'Enter a value in kW.');
  assert.equal(parameterInputProblem('contractedPowerKw', 'ten', o), 'Enter a number in kW, e.g. 8 or 7.5.');
  assert.equal(parameterInputProblem('contractedPowerKw', '0', o), 'At least 1 kW.');
  assert.equal(parameterInputProblem('contractedPowerKw', '200000', o), 'At most 100000 kW.');
  assert.match(parameterInputProblem('peakShavingLimitKw', '9', { ...o, range: { min: 0, max: 100_000 } }) ?? '', /At most the contracted power \(8 kW\)/);
  assert.equal(parameterInputProblem('peakShavingLimitKw', '6', { ...o, range: { min: 0, max: 100_000 } }), null);
});

test('the SoC reserve entry is checked in % and against the batteries’ maximum SoC', () => {
  const o = { contractedKw: 8, range: { min: 0, max: 95 }, socMaxPct: 90 };
  assert.equal(parameterInputProblem('socMinPct', '20', o), null);
  assert.equal(parameterInputProblem('socMinPct', '', o), 'Enter a value in %.');
  assert.equal(parameterInputProblem('socMinPct', '96', o), 'At most 95 %.');
  assert.match(parameterInputProblem('socMinPct', '90', o) ?? '', /Below the batteries’ maximum SoC \(90 %\)/);
});

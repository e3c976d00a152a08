import { test } from 'node:test';
import assert from 'node:assert/strict';
import { methodArgSchemas } from '../../../../core/common/api/contract';
import { buildSimRequest, parseSimInput, SIM_FIELDS } from './simFields';

test('UI ranges agree with the core schema for sim.set', () => {
  const schema = methodArgSchemas['sim.set'];
  for (const f of SIM_FIELDS) {
    assert.equal(schema.safeParse({ [f.key]: f.max }).success, true, `${f.key} max`);
    assert.equal(schema.safeParse({ [f.key]: f.max + f.step }).success, false, `${f.key} above max`);
    assert.equal(schema.safeParse({ [f.key]: f.min }).success, !f.minExclusive, `${f.key} min`);
    assert.equal(schema.safeParse({ [f.key]: f.min - f.step }).success, false, `${f.key} below min`);
  }
});

test('inputs are parsed and range-checked with a message', () => {
  const pv = SIM_FIELDS.find((f) => f.key === 'pvFactor')!;
  const speed = SIM_FIELDS.find((f) => f.key === 'speed')!;
  assert.deepEqual(parseSimInput(pv, ' 0,5 '), { ok: true, value: 0.5 });
  assert.deepEqual(parseSimInput(pv, '1.3'), { ok: false, error: 'Allowed: 0 to 1.2' });
  assert.deepEqual(parseSimInput(pv, 'abc'), { ok: false, error: 'Not a number' });
  assert.deepEqual(parseSimInput(pv, '1.2.3'), { ok: false, error: 'Not a number' });
  assert.deepEqual(parseSimInput(pv, ''), { ok: false, error: 'Enter a value' });
  assert.equal(parseSimInput(speed, '0').ok, false);
  assert.equal(parseSimInput(speed, '60').ok, true);
});

test('buildSimRequest sends only edited, valid fields and reports the others', () => {
  const { req, errors } = buildSimRequest({ pvFactor: '0.4', loadStepKw: '900' });
  assert.deepEqual(req, { pvFactor: 0.4 });
  assert.deepEqual(Object.keys(errors), ['loadStepKw']);
});

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

test('the simulated clock against the wall clock reads as a sentence; "Back to wall time" says when there is nothing to do', async () => {
  const { wallOffsetText, wallTimeIdleReason } = await import('./simFields');
  const now = Date.UTC(2026, 11, 1, 12);
  assert.equal(wallOffsetText(now + 2000, now), 'on wall time');
  assert.equal(wallOffsetText(now + 2 * 3_600_000 + 13 * 60_000 + 5000, now), '2 h 13 min ahead of wall time');
  assert.equal(wallOffsetText(now + 3 * 86_400_000, now), '3 d ahead of wall time');
  assert.equal(wallOffsetText(now - 90_000, now), '1 min 30 s behind wall time');
  assert.equal(wallOffsetText(now + 42_000, now), '42 s ahead of wall time');
  assert.equal(wallTimeIdleReason({ simTime: now + 1000, speed: 1 }, now), 'The simulated time is already on the wall clock, at 1 ×.');
  assert.equal(wallTimeIdleReason({ simTime: now + 1000, speed: 60 }, now), null, 'at 60 × it will run ahead: the button stays');
  assert.equal(wallTimeIdleReason({ simTime: now + 600_000, speed: 1 }, now), null);
});

test('the core takes toWallTime alone and refuses it with a speed', () => {
  const schema = methodArgSchemas['sim.set'];
  assert.equal(schema.safeParse({ toWallTime: true }).success, true);
  assert.equal(schema.safeParse({ toWallTime: false }).success, false);
  const r = schema.safeParse({ toWallTime: true, speed: 60 });
  assert.equal(r.success, false);
  assert.match(r.error?.issues[0]?.message ?? '', /sets the speed to 1 ×/);
});

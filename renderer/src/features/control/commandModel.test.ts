import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandReasons, describePower, isReauthRequired, modeLabel, parseSetpoint, proposedState, refusalText, setpointRange, successText } from './commandModel';

test('the setpoint range comes from the asset limits, narrowed by the point range', () => {
  assert.deepEqual(setpointRange({ limits: { maxChargeKw: 80, maxDischargeKw: 100 } }), { min: -80, max: 100 });
  assert.deepEqual(setpointRange({ rating: { powerKw: 50 } }), { min: -50, max: 50 });
  assert.deepEqual(setpointRange({ limits: { maxChargeKw: 120, maxDischargeKw: 120 } }, { min: -100, max: 100 }), { min: -100, max: 100 });
});

test('setpoint entries: numbers in range, comma decimals, minus signs; clear errors otherwise', () => {
  const r = { min: -100, max: 100 };
  assert.deepEqual(parseSetpoint('20', r), { ok: true, value: 20 });
  assert.deepEqual(parseSetpoint(' -12,5 ', r), { ok: true, value: -12.5 });
  assert.deepEqual(parseSetpoint('\u221230', r), { ok: true, value: -30 });
  assert.equal(parseSetpoint('', r).ok, false);
  assert.equal(parseSetpoint('1e3', r).ok, false);
  assert.equal(parseSetpoint('abc', r).ok, false);
  const out = parseSetpoint('150', r);
  assert.ok(!out.ok && /Allowed: -100\.0 to 100\.0 kW/.test(out.error));
});

test('texts: direction, mode, result, refusal', () => {
  assert.equal(describePower(20), '20.0 kW (discharge)');
  assert.equal(describePower(-5), '-5.0 kW (charge)');
  assert.equal(describePower(0), '0.0 kW (idle)');
  assert.equal(describePower(null), 'unknown');
  // labels come from the point's states (its device profile), never from the renderer
  const pcsModes = { '0': 'Remote setpoint', '1': 'Local peak shaving' };
  assert.equal(modeLabel(1, pcsModes), 'Local peak shaving (1)');
  assert.equal(modeLabel(1), '1');
  assert.equal(proposedState(pcsModes, 0), '1');
  assert.equal(proposedState(pcsModes, 1), '0');
  assert.equal(proposedState({ '0': 'Off', '1': 'On', '2': 'Auto' }, 2), '0');
  assert.equal(proposedState(undefined, 1), '');
  assert.equal(modeLabel(0, { '0': 'Remote' }), 'Remote (0)');
  const refused = { ok: false as const, stage: 'interlock' as const, rule: 'interlock.soc-min', message: 'SoC below 10 %', commandId: 'c1' };
  assert.equal(refusalText(refused), 'Refused at stage interlocks and limits by rule interlock.soc-min: SoC below 10 %');
  assert.equal(isReauthRequired(refused), false);
  assert.equal(isReauthRequired({ ...refused, stage: 'permission', rule: 'auth.reauth-required' }), true);
  assert.equal(successText({ ok: true, stage: 'done', commandId: 'c', target: 'ess/SetActivePower', value: 20, before: 0, readback: 19.96, durationMs: 310 }), 'Done: the device reads back 20.0 kW (310 ms).');
  assert.deepEqual(
    commandReasons([
      { id: 'a', label: 'A', appliesTo: 'command', active: true },
      { id: 'b', label: 'B', appliesTo: 'config', active: true },
      { id: 'c', label: 'C', appliesTo: 'all', active: true },
      { id: 'd', label: 'D', appliesTo: 'command', active: false },
    ]).map((r) => r.id),
    ['a', 'c'],
  );
});

test('"Set power" says why it cannot be used: role, then quality, then the local mode', async () => {
  const { setpointBlockedReason } = await import('./commandModel');
  const states = { '0': 'Remote setpoint', '1': 'Local peak shaving' };
  const good = { quality: { level: 'good' } };
  assert.equal(setpointBlockedReason({ roleWhy: null, power: good, mode: { value: 0, states, good: true } }), null);
  assert.match(setpointBlockedReason({ roleWhy: 'Your role cannot do this.', power: { quality: { level: 'bad', reason: 'comm-fail' } } }) ?? '', /^Your role/);
  assert.equal(
    setpointBlockedReason({ roleWhy: null, power: { quality: { level: 'bad', reason: 'comm-fail' } }, mode: { value: 0, states, good: true } }),
    'The battery does not answer (communication failure): a setpoint could not be confirmed.',
  );
  assert.equal(
    setpointBlockedReason({ roleWhy: null, power: good, mode: { value: 1, states, good: true } }),
    'The battery is in “Local peak shaving” mode: it follows its own logic, not a power setpoint. Change the mode first.',
  );
  assert.equal(setpointBlockedReason({ roleWhy: null, power: good, mode: { value: 1, states, good: false } }), null, 'an unknown mode does not block');
});

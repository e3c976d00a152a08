import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { ModeStatus } from '../../../../core/common/modes';
import { modeLines, parseDays } from './modeModel';

const base: ModeStatus = {
  enabled: true,
  timezone: 'Europe/Madrid',
  active: { mode: 'plan-following', label: 'Plan following', source: 'default', why: 'default mode (Plan following): no calendar entry now', since: 0 },
  next: { mode: 'tariff', label: 'Tariff management', at: Date.UTC(2026, 11, 1, 11), why: 'calendar: every day 12:00–24:00' },
  defaultMode: 'plan-following',
  calendar: [],
};

test('the mode in force, why and what is next, in sentences with local time', () => {
  const l = modeLines(base);
  assert.equal(l.active, 'Plan following');
  assert.equal(l.why, 'Default: default mode (Plan following): no calendar entry now');
  assert.equal(l.next, 'Next: Tariff management at Tue 12:00 (calendar: every day 12:00–24:00)');
  assert.equal(l.abnormal, null);
});

test('an operator, a transition, signals and a refused dispatch', () => {
  const l = modeLines({
    ...base,
    active: { ...base.active, mode: 'peak-shaving', source: 'operator', why: 'chosen by Olga (reason: test)' },
    transition: { from: 'plan-following', to: 'peak-shaving', startedAt: 0, kwPerS: 5 },
    signals: { source: 'REE', receivedAt: 0, setpointKw: 7, importMaxKw: 50 },
    dispatch: { at: Date.UTC(2026, 11, 1, 10, 15), start: 0, stepMinutes: 15, ok: false, targets: [{ target: 'ess/SetActivePower', steps: [150], value: 150, outcome: 'refused', rule: 'value.out-of-range', message: 'outside -100..100 kW' }] },
  });
  assert.equal(l.why, 'Operator: chosen by Olga (reason: test)');
  assert.equal(l.transition, 'Switching from Plan following to Peak shaving at 5 kW/s (bumpless)');
  assert.equal(l.signals, 'External signals (REE): setpoint 7 kW, import ≤ 50 kW');
  assert.equal(l.dispatch, "Dispatch Tue 11:15 of the plan's next hour: ess 150 kW refused: outside -100..100 kW");
  assert.match(l.abnormal ?? '', /refused or failed/);
});

test('days of a calendar entry', () => {
  assert.deepEqual(parseDays('weekdays'), { days: ['mon', 'tue', 'wed', 'thu', 'fri'] });
  assert.deepEqual(parseDays('sat, sun'), { days: ['sat', 'sun'] });
  assert.match((parseDays('monday') as { error: string }).error, /"monday" is not a day/);
  assert.ok('error' in parseDays(' '));
});

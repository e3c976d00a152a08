import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALARM_PRIORITIES, type AlarmCounts, type AlarmPriority } from '../../../../core/common/alarms';
import { HORN_IDLE, hornPriority, hornReducer, isDue, isWellFormed, patternLength, TONES } from './tones';

const counts = (unackActive: Partial<Record<AlarmPriority, number>>): AlarmCounts => {
  const z = { unackActive: 0, ackActive: 0, unackRtn: 0, latched: 0 };
  return {
    byPriority: {
      critical: { ...z, unackActive: unackActive.critical ?? 0 },
      high: { ...z, unackActive: unackActive.high ?? 0 },
      medium: { ...z, unackActive: unackActive.medium ?? 0 },
      low: { ...z, unackActive: unackActive.low ?? 0 },
    },
    unacknowledged: 0,
    active: 0,
    shelved: 0,
    suppressed: 0,
    outOfService: 0,
  };
};

test('every priority has its own well-formed pattern; more urgent = more frequent and higher', () => {
  for (const p of ALARM_PRIORITIES) assert.ok(isWellFormed(TONES[p]), p);
  const periods = ALARM_PRIORITIES.map((p) => TONES[p].periodMs);
  assert.deepEqual([...periods].sort((a, b) => a - b), periods, 'critical repeats most often');
  const pitch = ALARM_PRIORITIES.map((p) => TONES[p].notes[0]!.freq);
  assert.deepEqual([...pitch].sort((a, b) => b - a), pitch, 'critical is the highest pitch');
  assert.equal(new Set(ALARM_PRIORITIES.map((p) => `${TONES[p].notes.length}/${TONES[p].periodMs}`)).size, 4, 'distinct rhythms');
  assert.equal(patternLength(TONES.critical), 3 * 140 + 2 * 90);
  for (const p of ALARM_PRIORITIES) assert.ok(TONES[p].gain > 0 && TONES[p].gain <= 0.5);
});

test('the horn starts on annunciate, plays the most urgent, stops per priority when acknowledged', () => {
  let s = hornReducer(HORN_IDLE, { type: 'annunciate', priorities: ['low'] });
  assert.equal(hornPriority(s), 'low');
  s = hornReducer(s, { type: 'annunciate', priorities: ['critical', 'low'] });
  assert.deepEqual(s.sounding, ['critical', 'low']);
  // critical acknowledged: the low one keeps sounding
  s = hornReducer(s, { type: 'counts', counts: counts({ low: 1 }) });
  assert.deepEqual(s.sounding, ['low']);
  s = hornReducer(s, { type: 'counts', counts: counts({}) });
  assert.equal(hornPriority(s), undefined);
});

test('silence stops everything until the next annunciation; no-op events keep the state object', () => {
  let s = hornReducer(HORN_IDLE, { type: 'annunciate', priorities: ['high'] });
  const same = hornReducer(s, { type: 'counts', counts: counts({ high: 2 }) });
  assert.equal(same, s);
  s = hornReducer(s, { type: 'silence' });
  assert.equal(hornPriority(s), undefined);
  s = hornReducer(s, { type: 'counts', counts: counts({ high: 2 }) });
  assert.equal(hornPriority(s), undefined, 'still unacknowledged, but silenced');
  s = hornReducer(s, { type: 'annunciate', priorities: ['medium'] });
  assert.equal(hornPriority(s), 'medium');
  assert.equal(hornReducer(HORN_IDLE, { type: 'silence' }), HORN_IDLE);
  assert.equal(hornReducer(HORN_IDLE, { type: 'annunciate', priorities: [] }), HORN_IDLE);
});

test('a pattern is due once per period', () => {
  assert.ok(isDue('critical', undefined, 0));
  assert.ok(!isDue('critical', 1000, 2999));
  assert.ok(isDue('critical', 1000, 3000));
  assert.ok(!isDue('low', 0, 29_999));
});

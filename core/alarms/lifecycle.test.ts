import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALARM_STATES } from '../common/alarms';
import { nextState, TRANSITIONS, type LifecycleEvent } from './lifecycle';

test('lifecycle: the full transition table (ISA-18.2), latching and not', () => {
  const events: LifecycleEvent[] = ['activate', 'clear', 'ack', 'reset'];
  const want: Record<string, string | undefined> = {
    'normal|activate|n': 'unack-active',
    'normal|activate|l': 'unack-active',
    'unack-active|clear|n': 'unack-rtn',
    'unack-active|clear|l': 'unack-rtn',
    'unack-active|ack|n': 'ack-active',
    'unack-active|ack|l': 'ack-active',
    'ack-active|clear|n': 'normal',
    'ack-active|clear|l': 'latched',
    'unack-rtn|activate|n': 'unack-active',
    'unack-rtn|activate|l': 'unack-active',
    'unack-rtn|ack|n': 'normal',
    'unack-rtn|ack|l': 'latched',
    'latched|activate|l': 'unack-active',
    'latched|reset|l': 'normal',
    'latched|activate|n': 'unack-active',
    'latched|reset|n': 'normal',
  };
  for (const s of ALARM_STATES)
    for (const e of events)
      for (const latching of [false, true]) {
        const k = `${s}|${e}|${latching ? 'l' : 'n'}`;
        assert.equal(nextState(s, e, latching), want[k], k);
      }
  assert.equal(TRANSITIONS.length, 10);
});

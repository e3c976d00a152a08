/**
 * The alarm lifecycle (ISA-18.2 state diagram) as data: every allowed transition is one row.
 * A (state, event) pair without a row is not applicable (acknowledging a normal alarm, resetting
 * one that is still active) and leaves the state as it is.
 *
 * Shelving, suppression by design and out-of-service are flags beside the state: while any of them
 * is set the alarm is not annunciated and its state is held at `normal`; the condition is still
 * tracked, and when the flag goes the alarm re-enters through `activate` if its condition holds.
 */
import type { AlarmState } from '../common/alarms';

export type LifecycleEvent = 'activate' | 'clear' | 'ack' | 'reset';

export interface TransitionRow {
  from: AlarmState;
  event: LifecycleEvent;
  to: AlarmState;
  /** row applies only to latching (true) or non-latching (false) alarms; both when absent */
  latching?: boolean;
}

export const TRANSITIONS: readonly TransitionRow[] = Object.freeze([
  // the condition appears
  { from: 'normal', event: 'activate', to: 'unack-active' },
  { from: 'unack-rtn', event: 'activate', to: 'unack-active' },
  { from: 'latched', event: 'activate', to: 'unack-active' },
  // the condition goes
  { from: 'unack-active', event: 'clear', to: 'unack-rtn' },
  { from: 'ack-active', event: 'clear', to: 'normal', latching: false },
  { from: 'ack-active', event: 'clear', to: 'latched', latching: true },
  // the operator acknowledges
  { from: 'unack-active', event: 'ack', to: 'ack-active' },
  { from: 'unack-rtn', event: 'ack', to: 'normal', latching: false },
  { from: 'unack-rtn', event: 'ack', to: 'latched', latching: true },
  // the operator resets a latched alarm
  { from: 'latched', event: 'reset', to: 'normal' },
]);

const index = new Map<string, TransitionRow[]>();
for (const r of TRANSITIONS) {
  const k = `${r.from}|${r.event}`;
  const list = index.get(k) ?? [];
  list.push(r);
  index.set(k, list);
}

/** The next state, or undefined when the event does not apply in this state. */
export function nextState(from: AlarmState, event: LifecycleEvent, latching: boolean): AlarmState | undefined {
  const rows = index.get(`${from}|${event}`);
  if (!rows) return undefined;
  for (const r of rows) if (r.latching === undefined || r.latching === latching) return r.to;
  return undefined;
}

export function isActiveState(s: AlarmState): boolean {
  return s === 'unack-active' || s === 'ack-active';
}

export function isUnacknowledged(s: AlarmState): boolean {
  return s === 'unack-active' || s === 'unack-rtn';
}

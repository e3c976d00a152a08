/**
 * What the screens see of the alarms: one alarm's view, the banner counts from the engine's
 * buckets, and the alarm list in ISA-18.2 order (unacknowledged first, then priority, then
 * newest). Pure functions over the engine's instances.
 */
import { ALARM_PRIORITIES, type AlarmCounts, type AlarmListReq, type AlarmPriority, type AlarmState, type AlarmView } from '../common/alarms';
import { B_OOS, B_SHELVED, B_SUPPRESSED, STATE_OF, emptyCounts, type Instance } from './instance';

/** the banner counts from the number of instances in each bucket */
export function countsOf(bucketCounts: ReadonlyMap<number, number>): AlarmCounts {
  const c = emptyCounts();
  for (const [b, n] of bucketCounts) {
    if (n <= 0) continue;
    if (b === B_OOS) c.outOfService += n;
    else if (b === B_SHELVED) c.shelved += n;
    else if (b === B_SUPPRESSED) c.suppressed += n;
    else {
      const p = ALARM_PRIORITIES[b >> 3] as AlarmPriority;
      const s = STATE_OF[b & 7] as AlarmState;
      const e = c.byPriority[p];
      if (s === 'unack-active') e.unackActive += n;
      else if (s === 'ack-active') e.ackActive += n;
      else if (s === 'unack-rtn') e.unackRtn += n;
      else if (s === 'latched') e.latched += n;
      if (s === 'unack-active' || s === 'unack-rtn') c.unacknowledged += n;
      if (s === 'unack-active' || s === 'ack-active') c.active += n;
    }
  }
  for (const p of ALARM_PRIORITIES) {
    const e = c.byPriority[p];
    if (e.unackActive + e.unackRtn > 0) {
      c.highestUnacknowledged = p;
      break;
    }
  }
  return c;
}

export function alarmView(x: Instance): AlarmView {
  const d = x.def;
  const v: AlarmView = {
    id: d.id,
    type: d.type,
    message: d.message,
    priority: d.priority,
    class: d.class,
    group: x.group,
    latching: d.latching,
    shelvable: d.shelvable,
    state: x.state,
    active: x.active,
    changedAt: x.changedAt,
    activations: x.activations,
    chattering: x.chattering,
    comments: x.comments.slice(-5),
    actions: x.actions.slice(),
    actionsPending: x.actionsPending,
  };
  if (x.asset !== undefined) v.asset = x.asset;
  if ('point' in d) v.point = d.point;
  if (d.consequence !== undefined) v.consequence = d.consequence;
  if (d.response !== undefined) v.response = d.response;
  if (x.value !== undefined) v.value = x.value;
  if (x.activatedAt !== undefined) v.activatedAt = x.activatedAt;
  if (x.clearedAt !== undefined) v.clearedAt = x.clearedAt;
  if (x.ackedAt !== undefined) v.ackedAt = x.ackedAt;
  if (x.ackedBy !== undefined) v.ackedBy = x.ackedBy;
  if (x.shelved) v.shelved = { ...x.shelved };
  if (x.suppressed) v.suppressed = { ...x.suppressed };
  if (x.outOfService) v.outOfService = { ...x.outOfService };
  return v;
}

/** the alarms of a list view, filtered, in ISA-18.2 order */
export function listAlarms(instances: Iterable<Instance>, q: AlarmListReq, annunciated: (i: Instance) => boolean): AlarmView[] {
  const view = q.view ?? 'live';
  const text = q.text?.toLowerCase();
  const out: AlarmView[] = [];
  for (const i of instances) {
    const ok =
      view === 'all' ||
      (view === 'live' && annunciated(i) && i.state !== 'normal') ||
      (view === 'shelved' && !!i.shelved) ||
      (view === 'suppressed' && !!i.suppressed) ||
      (view === 'out-of-service' && !!i.outOfService);
    if (!ok) continue;
    if (q.priorities && q.priorities.length && !q.priorities.includes(i.def.priority)) continue;
    if (q.asset && i.asset !== q.asset && i.group !== q.asset) continue;
    if (text && !`${i.def.id}\u0000${i.def.message}`.toLowerCase().includes(text)) continue;
    out.push(alarmView(i));
  }
  // ISA-18.2 list order: unacknowledged first, then priority, then newest first
  const rank = (a: AlarmView) => (a.state === 'unack-active' ? 0 : a.state === 'unack-rtn' ? 1 : a.state === 'ack-active' ? 2 : 3);
  const pr = (p: AlarmPriority) => ALARM_PRIORITIES.indexOf(p);
  out.sort((a, b) => rank(a) - rank(b) || pr(a.priority) - pr(b.priority) || b.changedAt - a.changedAt);
  return out;
}

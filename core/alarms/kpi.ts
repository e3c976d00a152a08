/**
 * Alarm-system performance KPIs of a period, after EEMUA 191 (and ISA-18.2 section 16): rate per
 * 10 minutes, % of time in flood, top 10 bad actors, chattering and stale alarms, priority mix,
 * time to acknowledge. Pure: computed from journal entries (oldest first), so the same figures
 * come out of the live journal, an export, or a test table.
 */
import { ALARM_PRIORITIES, type AlarmJournalEntry, type AlarmKpis, type AlarmPriority } from '../common/alarms';

export interface KpiSettings {
  flood: { startCount: number; endCount: number; windowMs: number };
  staleAfterMs: number;
}

const TEN_MIN = 600_000;

/**
 * Time in flood from activation times (sorted), with the engine's rule: flood starts when the
 * count in the trailing window exceeds startCount and ends when it falls to endCount or below.
 * Returns the flood intervals clipped to [from, to] and the peak count in any window.
 */
export function floodIntervals(
  times: readonly number[],
  from: number,
  to: number,
  f: KpiSettings['flood'],
): { intervals: Array<[number, number]>; peak: number } {
  const intervals: Array<[number, number]> = [];
  let a = 0; // next activation
  let e = 0; // next expiry: times[e] + window
  let count = 0;
  let peak = 0;
  let start: number | undefined;
  while (a < times.length || e < a) {
    const ta = a < times.length ? (times[a] as number) : Number.POSITIVE_INFINITY;
    const te = e < a ? (times[e] as number) + f.windowMs : Number.POSITIVE_INFINITY;
    if (te <= ta) {
      // an activation leaves the window (trailing window (t - W, t])
      count--;
      e++;
      if (start !== undefined && count <= f.endCount) {
        intervals.push([start, te]);
        start = undefined;
      }
    } else {
      count++;
      a++;
      if (count > peak) peak = count;
      if (start === undefined && count > f.startCount) start = ta;
    }
  }
  if (start !== undefined) intervals.push([start, Number.POSITIVE_INFINITY]);
  const clipped: Array<[number, number]> = [];
  for (const [s, t] of intervals) {
    const cs = Math.max(s, from);
    const ct = Math.min(t, to);
    if (ct > cs) clipped.push([cs, ct]);
  }
  return { intervals: clipped, peak };
}

export function computeAlarmKpis(entries: Iterable<AlarmJournalEntry>, from: number, to: number, s: KpiSettings): AlarmKpis {
  const period = Math.max(1, to - from);
  const activationTimes: number[] = [];
  const perAlarm = new Map<string, { message: string; count: number }>();
  const mix = {} as Record<AlarmPriority, number>;
  for (const p of ALARM_PRIORITIES) mix[p] = 0;
  const chatter = new Map<string, { message: string; episodes: number }>();
  const openSince = new Map<string, { at: number; message: string }>();
  const stale = new Map<string, { alarmId: string; message: string; activeSince: number; activeMs: number }>();
  const unackedSince = new Map<string, number>();
  const ackDelays: number[] = [];
  let acknowledged = 0;
  let shelveEvents = 0;
  const buckets = new Map<number, number>();
  // activations before the period count for the flood state at its start
  const windowTimes: number[] = [];

  const closeStale = (id: string, endAt: number) => {
    const o = openSince.get(id);
    if (!o) return;
    openSince.delete(id);
    const end = Math.min(endAt, to);
    if (end >= from && end - o.at > s.staleAfterMs) {
      const prev = stale.get(id);
      const activeMs = end - o.at;
      if (!prev || prev.activeMs < activeMs) stale.set(id, { alarmId: id, message: o.message, activeSince: o.at, activeMs });
    }
  };

  for (const e of entries) {
    if (e.ts > to) break;
    const inPeriod = e.ts >= from;
    switch (e.event) {
      case 'activate': {
        if (e.ts >= from - s.flood.windowMs) windowTimes.push(e.ts);
        if (!openSince.has(e.alarmId)) openSince.set(e.alarmId, { at: e.ts, message: e.message });
        unackedSince.set(e.alarmId, e.ts);
        if (!inPeriod) break;
        activationTimes.push(e.ts);
        const a = perAlarm.get(e.alarmId);
        if (a) a.count++;
        else perAlarm.set(e.alarmId, { message: e.message, count: 1 });
        mix[e.priority]++;
        const b = Math.floor((e.ts - from) / TEN_MIN);
        buckets.set(b, (buckets.get(b) ?? 0) + 1);
        break;
      }
      case 'clear':
      case 'shelve':
      case 'suppress':
      case 'out-of-service':
        closeStale(e.alarmId, e.ts);
        if (e.event === 'shelve' && inPeriod) shelveEvents++;
        break;
      case 'ack': {
        const t = unackedSince.get(e.alarmId);
        if (inPeriod) {
          acknowledged++;
          if (t !== undefined) ackDelays.push(e.ts - t);
        }
        unackedSince.delete(e.alarmId);
        break;
      }
      case 'chatter': {
        if (!inPeriod) break;
        const c = chatter.get(e.alarmId);
        if (c) c.episodes++;
        else chatter.set(e.alarmId, { message: e.message, episodes: 1 });
        break;
      }
      default:
        break;
    }
  }
  for (const id of [...openSince.keys()]) closeStale(id, to);

  const n = activationTimes.length;
  const top = [...perAlarm.entries()]
    .sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))
    .slice(0, 10)
    .map(([alarmId, a]) => ({ alarmId, message: a.message, count: a.count, percent: n ? (100 * a.count) / n : 0 }));
  const topCount = top.reduce((x, t) => x + t.count, 0);
  const { intervals, peak } = floodIntervals(windowTimes, from, to, s.flood);
  const floodMs = intervals.reduce((x, [a, b]) => x + (b - a), 0);
  const nIntervals = Math.max(1, Math.ceil(period / TEN_MIN));
  let over = 0;
  for (const c of buckets.values()) if (c > 10) over++;
  const priorityMix = {} as AlarmKpis['priorityMix'];
  for (const p of ALARM_PRIORITIES) priorityMix[p] = { count: mix[p], percent: n ? (100 * mix[p]) / n : 0 };
  ackDelays.sort((a, b) => a - b);
  const k: AlarmKpis = {
    from,
    to,
    activations: n,
    averageRatePer10Min: (n * TEN_MIN) / period,
    peakRatePer10Min: peak,
    percentIntervalsOverTarget: (100 * over) / nIntervals,
    percentTimeInFlood: (100 * floodMs) / period,
    floods: intervals.length,
    topBadActors: top,
    topTenPercent: n ? (100 * topCount) / n : 0,
    chattering: [...chatter.entries()]
      .map(([alarmId, c]) => ({ alarmId, message: c.message, episodes: c.episodes }))
      .sort((a, b) => b.episodes - a.episodes),
    stale: [...stale.values()].sort((a, b) => b.activeMs - a.activeMs),
    priorityMix,
    acknowledged,
    shelveEvents,
  };
  if (ackDelays.length) k.medianAckMs = ackDelays[Math.floor((ackDelays.length - 1) / 2)] as number;
  return k;
}

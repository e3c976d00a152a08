/**
 * Pure helpers of the alarm screens (no DOM, no React): priority presentation, merging
 * 'alarms.changed' batches into the live set, the views (live / shelved / suppressed /
 * out of service), sorting, filtering, banner selection, per-asset markers and capabilities.
 */
import {
  ALARM_PRIORITIES,
  priorityRank,
  type AlarmCounts,
  type AlarmPriority,
  type AlarmState,
  type AlarmView,
} from '../../../../core/common/alarms';
import { BUILTIN_ROLES, type Capability } from '../../../../core/common/security';

// ---------------------------------------------------------------- priorities

export type PriorityShape = 'diamond' | 'triangle' | 'square' | 'circle';

export interface PriorityStyle {
  /** 1 = critical ... 4 = low: shown inside the shape, so colour is never the only cue */
  number: 1 | 2 | 3 | 4;
  label: string;
  shape: PriorityShape;
  /** fill of the shape; colour is used here only because an alarm is an abnormal state */
  fill: string;
  /** text on the fill */
  ink: string;
}

/**
 * Priority presentation. Red and amber are the theme's `alarmHigh` / `alarmMedium`; high and low
 * use an orange and a pale olive-yellow between and beside them (kept here until theme.ts has
 * per-priority entries).
 */
export const PRIORITY_STYLE: Readonly<Record<AlarmPriority, PriorityStyle>> = {
  critical: { number: 1, label: 'Critical', shape: 'diamond', fill: '#C62828', ink: '#FFFFFF' },
  high: { number: 2, label: 'High', shape: 'triangle', fill: '#D9640F', ink: '#FFFFFF' },
  medium: { number: 3, label: 'Medium', shape: 'square', fill: '#E0A100', ink: '#1E1E1E' },
  low: { number: 4, label: 'Low', shape: 'circle', fill: '#CDBF7A', ink: '#1E1E1E' },
};

export const STATE_LABEL: Readonly<Record<AlarmState, string>> = {
  normal: 'Normal',
  'unack-active': 'Unacknowledged',
  'ack-active': 'Acknowledged',
  'unack-rtn': 'Returned, unacknowledged',
  latched: 'Latched (reset needed)',
};

export function isUnacknowledged(a: Pick<AlarmView, 'state'>): boolean {
  return a.state === 'unack-active' || a.state === 'unack-rtn';
}

// ---------------------------------------------------------------- views

export type AlarmListView = 'live' | 'shelved' | 'suppressed' | 'out-of-service';
export const ALARM_VIEWS: readonly AlarmListView[] = ['live', 'shelved', 'suppressed', 'out-of-service'];
export const VIEW_LABEL: Readonly<Record<AlarmListView, string>> = {
  live: 'Live',
  shelved: 'Shelved',
  suppressed: 'Suppressed',
  'out-of-service': 'Out of service',
};

/** Which view an alarm belongs to (out of service wins over shelved over suppressed), or null. */
export function viewOfAlarm(a: AlarmView): AlarmListView | null {
  if (a.outOfService) return 'out-of-service';
  if (a.shelved) return 'shelved';
  if (a.suppressed) return 'suppressed';
  return a.state === 'normal' ? null : 'live';
}

/** Keep an alarm in the client's set while it is in any view. */
export function isKept(a: AlarmView): boolean {
  return viewOfAlarm(a) !== null;
}

/** Apply a batch of changed alarms; returns the same map when nothing changed. */
export function mergeAlarms(prev: ReadonlyMap<string, AlarmView>, changes: readonly AlarmView[]): ReadonlyMap<string, AlarmView> {
  if (changes.length === 0) return prev;
  const next = new Map(prev);
  for (const a of changes) {
    if (isKept(a)) next.set(a.id, a);
    else next.delete(a.id);
  }
  return next;
}

// ---------------------------------------------------------------- sort and filter

export type SortKey = 'priority' | 'time' | 'asset' | 'state' | 'message';
export interface SortSpec {
  key: SortKey;
  dir: 'asc' | 'desc';
}
/** Default: most urgent first, newest first within a priority (ISA-18.2 alarm summary). */
export const DEFAULT_SORT: SortSpec = { key: 'priority', dir: 'asc' };

const STATE_ORDER: Readonly<Record<AlarmState, number>> = { 'unack-active': 0, 'unack-rtn': 1, 'ack-active': 2, latched: 3, normal: 4 };

export function alarmTime(a: AlarmView): number {
  return a.activatedAt ?? a.changedAt;
}

function byPriorityThenNewest(a: AlarmView, b: AlarmView): number {
  return priorityRank(a.priority) - priorityRank(b.priority) || alarmTime(b) - alarmTime(a) || a.id.localeCompare(b.id);
}

export function compareAlarms(a: AlarmView, b: AlarmView, sort: SortSpec): number {
  let c = 0;
  switch (sort.key) {
    case 'priority':
      c = priorityRank(a.priority) - priorityRank(b.priority);
      if (c === 0) return alarmTime(b) - alarmTime(a) || a.id.localeCompare(b.id); // newest first, whatever the direction
      break;
    case 'time':
      c = alarmTime(a) - alarmTime(b);
      break;
    case 'asset':
      c = (a.asset ?? '').localeCompare(b.asset ?? '');
      break;
    case 'state':
      c = STATE_ORDER[a.state] - STATE_ORDER[b.state];
      break;
    case 'message':
      c = a.message.localeCompare(b.message);
      break;
  }
  if (sort.dir === 'desc') c = -c;
  return c || byPriorityThenNewest(a, b);
}

export interface AlarmFilter {
  view: AlarmListView;
  priorities?: readonly AlarmPriority[];
  asset?: string;
  /** 'unack' = unack-active or unack-rtn; otherwise one state */
  state?: AlarmState | 'unack' | '';
  /** activated (or changed) at or after this time */
  since?: number;
  /** words, all must occur in the message, id, asset, class or point */
  text?: string;
}

export function matchesFilter(a: AlarmView, f: AlarmFilter): boolean {
  if (viewOfAlarm(a) !== f.view) return false;
  if (f.priorities && f.priorities.length > 0 && !f.priorities.includes(a.priority)) return false;
  if (f.asset && a.asset !== f.asset && a.group !== f.asset) return false;
  if (f.state === 'unack' ? !isUnacknowledged(a) : f.state && a.state !== f.state) return false;
  if (f.since !== undefined && alarmTime(a) < f.since) return false;
  const words = (f.text ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length > 0) {
    const hay = `${a.message} ${a.id} ${a.asset ?? ''} ${a.class} ${a.point ?? ''}`.toLowerCase();
    if (!words.every((w) => hay.includes(w))) return false;
  }
  return true;
}

export function selectAlarms(all: Iterable<AlarmView>, f: AlarmFilter, sort: SortSpec = DEFAULT_SORT): AlarmView[] {
  const out: AlarmView[] = [];
  for (const a of all) if (matchesFilter(a, f)) out.push(a);
  return out.sort((x, y) => compareAlarms(x, y, sort));
}

export function countByView(all: Iterable<AlarmView>): Record<AlarmListView, number> {
  const c: Record<AlarmListView, number> = { live: 0, shelved: 0, suppressed: 0, 'out-of-service': 0 };
  for (const a of all) {
    const v = viewOfAlarm(a);
    if (v) c[v] += 1;
  }
  return c;
}

// ---------------------------------------------------------------- banner

/**
 * The banner's lines: annunciated (live) alarms, unacknowledged first, then by priority and
 * newest first: what needs the operator's attention now.
 */
export function bannerAlarms(all: Iterable<AlarmView>, max = 3): AlarmView[] {
  const live: AlarmView[] = [];
  for (const a of all) if (viewOfAlarm(a) === 'live') live.push(a);
  live.sort((a, b) => Number(isUnacknowledged(b)) - Number(isUnacknowledged(a)) || byPriorityThenNewest(a, b));
  return live.slice(0, max);
}

export interface PriorityCount {
  priority: AlarmPriority;
  unack: number;
  active: number;
}

/** Per priority: unacknowledged (active or returned) and active (acknowledged or not). */
export function priorityCounts(counts: AlarmCounts | null): PriorityCount[] {
  return ALARM_PRIORITIES.map((p) => {
    const c = counts?.byPriority[p];
    return { priority: p, unack: c ? c.unackActive + c.unackRtn : 0, active: c ? c.unackActive + c.ackActive : 0 };
  });
}

/** Highest-priority live alarm per asset (and per parent group), for the synoptic markers. */
export function assetMarkers(all: Iterable<AlarmView>): Map<string, { priority: AlarmPriority; count: number; unack: boolean }> {
  const m = new Map<string, { priority: AlarmPriority; count: number; unack: boolean }>();
  for (const a of all) {
    if (viewOfAlarm(a) !== 'live' || !a.asset) continue;
    const cur = m.get(a.asset);
    if (!cur) m.set(a.asset, { priority: a.priority, count: 1, unack: isUnacknowledged(a) });
    else {
      cur.count += 1;
      cur.unack ||= isUnacknowledged(a);
      if (priorityRank(a.priority) < priorityRank(cur.priority)) cur.priority = a.priority;
    }
  }
  return m;
}

// ---------------------------------------------------------------- flood

export interface FloodLine {
  group: string;
  count: number;
  firstOut: string;
  firstOutAt: number;
  firstOutMessage: string;
}

/** Flood groups, biggest first, with the first-out alarm's message when we know it. */
export function floodLines(groups: readonly { group: string; firstOut: string; firstOutAt: number; count: number }[], byId: ReadonlyMap<string, AlarmView>): FloodLine[] {
  return [...groups]
    .sort((a, b) => b.count - a.count || a.firstOutAt - b.firstOutAt)
    .map((g) => ({ ...g, firstOutMessage: byId.get(g.firstOut)?.message ?? g.firstOut }));
}

// ---------------------------------------------------------------- capabilities

/**
 * Capabilities of the signed-in session: from the session itself when the core sent them
 * (SecuritySession), otherwise from the built-in roles. The core checks every call anyway;
 * this only decides which buttons are shown.
 */
export function capabilitiesOf(session: { roles?: readonly string[]; capabilities?: unknown } | null | undefined): ReadonlySet<Capability> {
  if (!session) return new Set();
  if (Array.isArray(session.capabilities)) return new Set(session.capabilities as Capability[]);
  const out = new Set<Capability>();
  for (const r of session.roles ?? []) for (const c of BUILTIN_ROLES.find((b) => b.id === r)?.capabilities ?? []) out.add(c);
  return out;
}

// ---------------------------------------------------------------- shelving

export const SHELVE_DURATIONS_MIN: readonly number[] = [15, 30, 60, 120, 240, 480];

/** Shelving durations offered to the operator, capped at the site's maximum. */
export function shelveDurations(maxMs: number): number[] {
  const allowed = SHELVE_DURATIONS_MIN.filter((m) => m * 60_000 <= maxMs);
  return allowed.length > 0 ? allowed : [Math.max(1, Math.floor(maxMs / 60_000))];
}

export function formatDurationMin(min: number): string {
  return min < 60 ? `${min} min` : min % 60 === 0 ? `${min / 60} h` : `${Math.floor(min / 60)} h ${min % 60} min`;
}

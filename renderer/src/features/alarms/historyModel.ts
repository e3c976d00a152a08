/** Pure helpers of the alarm history page: periods, query building, paging, KPI presentation. */
import type { AlarmHistoryQuery, AlarmJournalEvent, AlarmKpis, AlarmPriority } from '../../../../core/common/alarms';
import { ALARM_PRIORITIES } from '../../../../core/common/alarms';

export const PERIODS: ReadonlyArray<{ id: string; label: string; ms: number }> = [
  { id: '1h', label: 'Last hour', ms: 3_600_000 },
  { id: '8h', label: 'Last 8 h', ms: 8 * 3_600_000 },
  { id: '24h', label: 'Last 24 h', ms: 24 * 3_600_000 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 24 * 3_600_000 },
  { id: '30d', label: 'Last 30 days', ms: 30 * 24 * 3_600_000 },
];

/** "2025-06-01T14:03" (an <input type="datetime-local"> value, local time) from ms. */
export function toLocalInput(ts: number): string {
  const d = new Date(ts);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** ms from a datetime-local value, or undefined when empty or invalid. */
export function fromLocalInput(s: string): number | undefined {
  if (!s) return undefined;
  const t = new Date(s).getTime();
  return Number.isFinite(t) ? t : undefined;
}

export interface HistoryForm {
  from: string;
  to: string;
  priorities: readonly AlarmPriority[];
  asset: string;
  event: AlarmJournalEvent | '';
  text: string;
}

export const PAGE_SIZE = 100;

/** The API query of a search form (empty fields left out); `before` pages backwards. */
export function buildHistoryQuery(f: HistoryForm, before?: number, limit = PAGE_SIZE): AlarmHistoryQuery {
  const q: AlarmHistoryQuery = { limit };
  const from = fromLocalInput(f.from);
  const to = fromLocalInput(f.to);
  if (from !== undefined) q.from = from;
  if (to !== undefined) q.to = to;
  if (f.priorities.length > 0 && f.priorities.length < ALARM_PRIORITIES.length) q.priorities = [...f.priorities];
  if (f.asset) q.assets = [f.asset];
  if (f.event) q.events = [f.event];
  const text = f.text.trim();
  if (text) q.text = text.slice(0, 200);
  if (before !== undefined) q.before = before;
  return q;
}

/** Validation message for the period, or null. */
export function periodError(f: Pick<HistoryForm, 'from' | 'to'>): string | null {
  const from = fromLocalInput(f.from);
  const to = fromLocalInput(f.to);
  if (f.from && from === undefined) return '"From" is not a valid date';
  if (f.to && to === undefined) return '"To" is not a valid date';
  if (from !== undefined && to !== undefined && to <= from) return '"To" must be after "From"';
  return null;
}

/**
 * Paging backwards through the journal: a stack of `before` cursors. Page 0 is the newest.
 */
export interface Pager {
  cursors: Array<number | undefined>;
  index: number;
}
export const FIRST_PAGE: Pager = { cursors: [undefined], index: 0 };
export function olderPage(p: Pager, next: number | undefined): Pager {
  if (next === undefined) return p;
  const cursors = p.cursors.slice(0, p.index + 1);
  cursors.push(next);
  return { cursors, index: p.index + 1 };
}
export function newerPage(p: Pager): Pager {
  return p.index === 0 ? p : { cursors: p.cursors, index: p.index - 1 };
}
export function cursorOf(p: Pager): number | undefined {
  return p.cursors[p.index];
}

/** EEMUA 191 targets, for judging a KPI (ok / over target). */
export const EEMUA = {
  /** average alarm rate per 10 min: ~1 is "very likely to be acceptable", > 2 "manageable", 10+ flood */
  averageRatePer10Min: 1,
  /** peak per 10 min below 10 */
  peakRatePer10Min: 10,
  /** % time in flood < 1 % */
  percentTimeInFlood: 1,
  /** top 10 bad actors' share: < 5 % in a well-tuned system (ISA-18.2 guidance) */
  topTenPercent: 5,
  /** priority mix: ~5 % critical + high, 15 % medium, 80 % low */
  priorityMix: { critical: 1, high: 5, medium: 15, low: 80 } as Record<AlarmPriority, number>,
} as const;

export interface KpiLine {
  label: string;
  value: string;
  target: string;
  over: boolean;
}

const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '—');

export function kpiLines(k: AlarmKpis): KpiLine[] {
  return [
    { label: 'Activations', value: String(k.activations), target: '', over: false },
    { label: 'Average rate per 10 min', value: f1(k.averageRatePer10Min), target: `≤ ${EEMUA.averageRatePer10Min}`, over: k.averageRatePer10Min > EEMUA.averageRatePer10Min },
    { label: 'Peak rate per 10 min', value: f1(k.peakRatePer10Min), target: `< ${EEMUA.peakRatePer10Min}`, over: k.peakRatePer10Min >= EEMUA.peakRatePer10Min },
    { label: '10-min intervals over 10 alarms', value: `${f1(k.percentIntervalsOverTarget)} %`, target: '< 1 %', over: k.percentIntervalsOverTarget >= 1 },
    { label: 'Time in flood', value: `${f1(k.percentTimeInFlood)} %`, target: `< ${EEMUA.percentTimeInFlood} %`, over: k.percentTimeInFlood >= EEMUA.percentTimeInFlood },
    { label: 'Floods', value: String(k.floods), target: '', over: false },
    { label: 'Top 10 share of activations', value: `${f1(k.topTenPercent)} %`, target: `< ${EEMUA.topTenPercent} %`, over: k.activations >= 20 && k.topTenPercent >= EEMUA.topTenPercent },
    { label: 'Stale alarms', value: String(k.stale.length), target: '0', over: k.stale.length > 0 },
    { label: 'Chattering alarms', value: String(k.chattering.length), target: '0', over: k.chattering.length > 0 },
    { label: 'Acknowledged', value: String(k.acknowledged), target: '', over: false },
    { label: 'Median time to acknowledge', value: k.medianAckMs === undefined ? '—' : formatMs(k.medianAckMs), target: '', over: false },
    { label: 'Shelving actions', value: String(k.shelveEvents), target: '', over: false },
  ];
}

export function formatMs(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

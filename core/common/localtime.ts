/**
 * Local time of the site's time zone (IANA name from the site file), from the platform's
 * time-zone database (Intl). Plans are made for local days: a day has 92 quarter hours when
 * clocks go forward and 100 when they go back; tariff periods and EV sessions are local times.
 */
import { WEEKDAYS, type Weekday } from './energy';

export interface LocalParts {
  /** YYYY-MM-DD */
  date: string;
  weekday: Weekday;
  /** minutes since local midnight (wall clock) */
  minuteOfDay: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', weekday: 'short' });
    } catch {
      throw new RangeError(`unknown time zone "${tz}" (an IANA name such as Europe/Madrid)`);
    }
    formatters.set(tz, f);
  }
  return f;
}

function fields(ms: number, tz: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of formatter(tz).formatToParts(new Date(ms))) out[p.type] = p.value;
  return out;
}

/** The offset of local wall time from UTC at an instant, ms (+3 600 000 for CET). */
export function utcOffsetMs(ms: number, tz: string): number {
  const f = fields(ms, tz);
  const wall = Date.UTC(Number(f.year), Number(f.month) - 1, Number(f.day), Number(f.hour), Number(f.minute), Number(f.second));
  return wall - Math.floor(ms / 1000) * 1000;
}

export function localParts(ms: number, tz: string): LocalParts {
  const f = fields(ms, tz);
  const wd = (f.weekday ?? '').toLowerCase().slice(0, 3) as Weekday;
  if (!WEEKDAYS.includes(wd)) throw new Error(`cannot read the weekday of ${new Date(ms).toISOString()} in ${tz}`);
  return { date: `${f.year}-${f.month}-${f.day}`, weekday: wd, minuteOfDay: Number(f.hour) * 60 + Number(f.minute) };
}

/**
 * The instant of a local wall time on a local date. A wall time skipped by a spring-forward
 * change maps to the instant just after the gap; an ambiguous one (autumn) to its first occurrence.
 */
export function localToUtc(date: string, minuteOfDay: number, tz: string): number {
  const [y, m, d] = date.split('-').map(Number);
  const wall = Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1) + minuteOfDay * 60_000;
  // two fixed-point iterations settle every real-world offset
  let t = wall - utcOffsetMs(wall, tz);
  t = wall - utcOffsetMs(t, tz);
  const first = wall - utcOffsetMs(t - 3 * 3_600_000, tz);
  if (first < t && utcOffsetMs(first, tz) === wall - first) return first;
  return t;
}

/** Local midnight starting a local date. */
export function localMidnight(date: string, tz: string): number {
  return localToUtc(date, 0, tz);
}

/** The local date after `date` (calendar arithmetic, no time zone involved). */
export function nextDate(date: string, days = 1): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + days)).toISOString().slice(0, 10);
}

/** Number of plan steps in a local day: 96 quarter hours, 92 or 100 on a clock change. */
export function stepsInLocalDay(date: string, tz: string, stepMinutes: number): number {
  return Math.round((localMidnight(nextDate(date), tz) - localMidnight(date, tz)) / (stepMinutes * 60_000));
}

// ------------------------------------------------------------------ local days and months (KPIs, reports)

/** "YYYY-MM" of a local date "YYYY-MM-DD". */
export function monthOf(date: string): string {
  return date.slice(0, 7);
}

/** The local dates of a month "YYYY-MM", in order (28 to 31 of them). */
export function datesOfMonth(month: string): string[] {
  const [y, m] = month.split('-').map(Number);
  const n = new Date(Date.UTC(y ?? 1970, m ?? 1, 0)).getUTCDate();
  const out: string[] = [];
  for (let d = 1; d <= n; d++) out.push(`${month}-${String(d).padStart(2, '0')}`);
  return out;
}

/** The month after "YYYY-MM" (or `n` months later; negative goes back). */
export function nextMonth(month: string, n = 1): string {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1 + n, 1)).toISOString().slice(0, 7);
}

/** The local dates from `from` to `to`, both included. */
export function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to && out.length < 40_000; d = nextDate(d)) out.push(d);
  return out;
}

/** The instants [start, end) of a local date: 23, 24 or 25 hours long on a clock change. */
export function localDayBounds(date: string, tz: string): { from: number; to: number } {
  return { from: localMidnight(date, tz), to: localMidnight(nextDate(date), tz) };
}

/** A local date "YYYY-MM-DD" is a real calendar date (no 2026-02-30). */
export function isLocalDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  return new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;
}

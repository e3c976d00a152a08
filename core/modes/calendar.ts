/**
 * The mode calendar in the site's local time: which mode an instant falls in, and the next
 * instant the calendar changes mode. Entries are weekdays + a local from..to; the first entry
 * that matches wins; outside every entry the default mode holds. Local days (92/100 quarter
 * hours on a clock change) come from core/optimiser/localtime.
 */
import { clockMinutes } from '../common/energy';
import { OPERATING_MODE_LABELS, type ModeCalendarEntry, type OperatingMode } from '../common/modes';
import { localParts, localToUtc, nextDate } from '../optimiser/localtime';

export interface CalendarMode {
  mode: OperatingMode;
  /** the entry that chose it (undefined = the default) */
  entry?: ModeCalendarEntry;
  index?: number;
}

export function describeEntry(e: ModeCalendarEntry): string {
  const days = e.days.length === 7 ? 'every day' : e.days.join(', ');
  return `${days} ${e.from}–${e.to}${e.label ? ` (${e.label})` : ''}`;
}

export function calendarModeAt(calendar: readonly ModeCalendarEntry[], defaultMode: OperatingMode, now: number, tz: string): CalendarMode {
  const l = localParts(now, tz);
  for (let i = 0; i < calendar.length; i++) {
    const e = calendar[i] as ModeCalendarEntry;
    if (e.days.includes(l.weekday) && l.minuteOfDay >= clockMinutes(e.from) && l.minuteOfDay < clockMinutes(e.to)) return { mode: e.mode, entry: e, index: i };
  }
  return { mode: defaultMode };
}

/** The calendar's next change of mode after `now`, within `days` local days; null when none. */
export function nextCalendarChange(calendar: readonly ModeCalendarEntry[], defaultMode: OperatingMode, now: number, tz: string, days = 8): (CalendarMode & { at: number }) | null {
  if (calendar.length === 0) return null;
  const current = calendarModeAt(calendar, defaultMode, now, tz);
  const candidates = new Set<number>();
  let date = localParts(now, tz).date;
  for (let d = 0; d < days; d++, date = nextDate(date)) {
    candidates.add(localToUtc(nextDate(date), 0, tz));
    for (const e of calendar) {
      candidates.add(localToUtc(date, clockMinutes(e.from), tz));
      candidates.add(clockMinutes(e.to) >= 1440 ? localToUtc(nextDate(date), 0, tz) : localToUtc(date, clockMinutes(e.to), tz));
    }
  }
  for (const at of [...candidates].filter((t) => t > now).sort((a, b) => a - b)) {
    const m = calendarModeAt(calendar, defaultMode, at, tz);
    if (m.mode !== current.mode || m.index !== current.index) {
      if (m.mode === current.mode) continue;
      return { ...m, at };
    }
  }
  return null;
}

export function calendarWhy(m: CalendarMode): string {
  return m.entry ? `calendar: ${describeEntry(m.entry)}` : `default mode (${OPERATING_MODE_LABELS[m.mode]}): no calendar entry now`;
}

/**
 * What the operator reads about the operating mode (pure, table-tested): the mode in force and
 * why, what the calendar schedules next, a transition in progress, external signals and the
 * plan's last dispatch, each as one sentence.
 */
import { OPERATING_MODE_LABELS, type DispatchRecord, type ModeStatus } from '../../../../core/common/modes';

export interface ModeLines {
  /** "Plan following" */
  active: string;
  /** "default mode (Plan following): no calendar entry now" */
  why: string;
  /** "Next: Tariff management at Tue 12:00 (calendar: every day 12:00–24:00)" or "Nothing scheduled" */
  next: string;
  transition: string | null;
  signals: string | null;
  dispatch: string | null;
  /** abnormal: shown in the alarm colour (invalid signals file, a refused or failed dispatch) */
  abnormal: string | null;
}

export function when(ms: number, tz: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: tz, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(ms));
}

export function dispatchSentence(d: DispatchRecord, tz: string): string {
  if (d.skipped) return `Dispatch ${when(d.at, tz)}: ${d.skipped}`;
  const parts = d.targets.map((t) => `${t.target.split('/')[0]} ${t.outcome === 'done' ? `${t.value} kW (read back)` : `${t.value} kW ${t.outcome}${t.message ? `: ${t.message}` : ''}`}`);
  return `Dispatch ${when(d.at, tz)} of the plan's next hour: ${parts.join('; ') || 'no device in the plan'}`;
}

export function modeLines(s: ModeStatus): ModeLines {
  const tz = s.timezone;
  const sig = s.signals;
  let signals: string | null = null;
  if (sig) {
    const bits = [
      sig.setpointKw !== undefined ? `setpoint ${sig.setpointKw} kW` : null,
      sig.importMaxKw !== undefined ? `import ≤ ${sig.importMaxKw} kW` : null,
      sig.exportMaxKw !== undefined ? `export ≤ ${sig.exportMaxKw} kW` : null,
      sig.pf ? 'P(f) curve' : null,
    ].filter((x): x is string => x !== null);
    signals = `External signals (${sig.source}): ${bits.length ? bits.join(', ') : 'none in force now'}`;
  }
  const badDispatch = s.dispatch && s.dispatch.targets.some((t) => t.outcome === 'refused' || t.outcome === 'failed');
  const abnormal = sig?.error ? `The signals file is invalid: ${sig.error.split('\n')[0] ?? ''}` : badDispatch ? 'The last dispatch of the plan was refused or failed (alarm raised)' : null;
  return {
    active: s.enabled ? OPERATING_MODE_LABELS[s.active.mode] : 'No operating mode',
    why: s.enabled ? `${s.active.source === 'operator' ? 'Operator' : s.active.source === 'calendar' ? 'Calendar' : 'Default'}: ${s.active.why}` : s.active.why,
    next: !s.enabled ? '' : s.next ? `Next: ${s.next.label} at ${when(s.next.at, tz)} (${s.next.why})` : 'Nothing else scheduled',
    transition: s.transition ? `Switching from ${OPERATING_MODE_LABELS[s.transition.from]} to ${OPERATING_MODE_LABELS[s.transition.to]} at ${s.transition.kwPerS} kW/s (bumpless)` : null,
    signals,
    dispatch: s.dispatch ? dispatchSentence(s.dispatch, tz) : null,
    abnormal,
  };
}

/** "mon, tue" → weekdays, or a sentence naming what is wrong */
export function parseDays(text: string): { days: string[] } | { error: string } {
  const all = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  const t = text.trim().toLowerCase();
  if (t === 'every day' || t === 'all') return { days: all };
  if (t === 'weekdays') return { days: all.slice(0, 5) };
  if (t === 'weekend') return { days: all.slice(5) };
  const days = t.split(/[\s,]+/).filter(Boolean);
  if (days.length === 0) return { error: 'name at least one day (mon, tue, …, or "weekdays", "weekend", "every day")' };
  const bad = days.filter((d) => !all.includes(d));
  if (bad.length) return { error: `"${bad.join('", "')}" is not a day: use mon, tue, wed, thu, fri, sat, sun` };
  return { days };
}

export function daysText(days: readonly string[]): string {
  if (days.length === 7) return 'every day';
  if (days.join(',') === 'mon,tue,wed,thu,fri') return 'weekdays';
  if (days.join(',') === 'sat,sun') return 'weekend';
  return days.join(', ');
}

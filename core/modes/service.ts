/**
 * The site's operating mode (oper.01, energy.09; issue #11 item 3): which mode is in force now,
 * why, and what the calendar schedules next.
 *
 *   operator's choice  (set through CommandService.setMode: permission, reason, audit) — holds
 *                      until the calendar's next change after it was made, or until released
 *                      when the calendar has none
 *   else calendar      (the first entry matching the local weekday and time)
 *   else default mode  (the site file's `defaultMode`, or the one set with the calendar)
 *
 * The calendar and the operator's choice are kept in the application database (migration 6),
 * over the site file's `calendar`/`defaultMode`. The control cycle's operating-mode controller
 * asks `active()` every cycle (ModeSource); listeners hear every change of the mode in force,
 * whatever its cause (operator, calendar boundary, expiry, calendar edit).
 */
import type Database from 'better-sqlite3';
import type { OperatingModeConfig } from '../common/cycle';
import { OPERATING_MODES, OPERATING_MODE_LABELS, modeCalendarSchema, type ActiveModeView, type ModeCalendarEntry, type OperatingMode } from '../common/modes';
import type { ModeSource } from '../cycle/controllers/operating-mode';
import { calendarModeAt, calendarWhy, nextCalendarChange } from './calendar';

interface Row {
  override_mode: string | null;
  override_since: number | null;
  override_until: number | null;
  override_by: string | null;
  override_reason: string | null;
  override_comment: string | null;
  calendar_json: string | null;
  default_mode: string | null;
  calendar_updated_at: number | null;
  calendar_updated_by: string | null;
  calendar_reason: string | null;
}

export interface ModeChangeMeta {
  by: string;
  reason: string | null;
  comment?: string;
}

const isMode = (s: unknown): s is OperatingMode => typeof s === 'string' && (OPERATING_MODES as readonly string[]).includes(s);

export class ModeService implements ModeSource {
  private row: Row | undefined;
  private lastMode: OperatingMode | undefined;
  private readonly listeners = new Set<(mode: ActiveModeView) => void>();

  constructor(
    private readonly db: Database.Database,
    readonly siteId: string,
    readonly timezone: string,
    private readonly config: Pick<OperatingModeConfig, 'defaultMode' | 'calendar'>,
    private readonly now: () => number = Date.now,
  ) {
    this.row = db.prepare('SELECT * FROM operating_modes WHERE site_id = ?').get(siteId) as Row | undefined;
  }

  /** the calendar in force (stored edits over the site file's) */
  calendar(): { calendar: ModeCalendarEntry[]; defaultMode: OperatingMode; updated?: { at: number; by: string; reason: string | null } } {
    const r = this.row;
    let calendar = this.config.calendar;
    if (r?.calendar_json) {
      const parsed = modeCalendarSchema.safeParse(JSON.parse(r.calendar_json));
      if (parsed.success) calendar = parsed.data;
    }
    const defaultMode = isMode(r?.default_mode) ? r.default_mode : this.config.defaultMode;
    return { calendar, defaultMode, ...(r?.calendar_updated_at != null ? { updated: { at: r.calendar_updated_at, by: r.calendar_updated_by ?? '', reason: r.calendar_reason } } : {}) };
  }

  /** the mode in force and who chose it (the command pipeline's `before`) */
  current(now = this.now()): { mode: OperatingMode; source: ActiveModeView['source'] } {
    const v = this.activeView(now);
    return { mode: v.mode, source: v.source };
  }

  /** ModeSource: the mode in force and why (asked by the control cycle every second) */
  active(now = this.now()): { mode: OperatingMode; why: string } {
    const v = this.activeView(now);
    return { mode: v.mode, why: v.why };
  }

  activeView(now = this.now()): ActiveModeView {
    const r = this.row;
    if (r && isMode(r.override_mode) && r.override_until != null && now >= r.override_until) this.write({ override_mode: null, override_since: null, override_until: null, override_by: null, override_reason: null, override_comment: null });
    const o = this.row;
    let view: ActiveModeView;
    if (o && isMode(o.override_mode)) {
      const until = o.override_until ?? undefined;
      const untilTxt = until !== undefined ? `, until the calendar's next change at ${hhmm(until, this.timezone)}` : ', until released';
      view = {
        mode: o.override_mode,
        label: OPERATING_MODE_LABELS[o.override_mode],
        source: 'operator',
        why: `chosen by ${o.override_by ?? 'an operator'}${o.override_reason ? ` (reason: ${o.override_reason})` : ''}${untilTxt}`,
        since: o.override_since ?? now,
        ...(until !== undefined ? { until } : {}),
        ...(o.override_by ? { by: o.override_by } : {}),
        reason: o.override_reason,
      };
    } else {
      const { calendar, defaultMode } = this.calendar();
      const m = calendarModeAt(calendar, defaultMode, now, this.timezone);
      view = { mode: m.mode, label: OPERATING_MODE_LABELS[m.mode], source: m.entry ? 'calendar' : 'default', why: calendarWhy(m), since: this.sinceOf(m.mode, now) };
    }
    if (view.mode !== this.lastMode) {
      const first = this.lastMode === undefined;
      this.lastMode = view.mode;
      this.modeSince = now;
      if (view.source !== 'operator') view.since = now;
      if (!first) this.emit(view);
    }
    return view;
  }

  private modeSince: number | undefined;
  private sinceOf(_mode: OperatingMode, now: number): number {
    return this.modeSince ?? now;
  }

  /** the calendar's next change (while an operator's choice holds: the change that ends it) */
  next(now = this.now()): { mode: OperatingMode; label: string; at: number; why: string } | null {
    const { calendar, defaultMode } = this.calendar();
    const n = nextCalendarChange(calendar, defaultMode, now, this.timezone);
    if (!n) return null;
    return { mode: n.mode, label: OPERATING_MODE_LABELS[n.mode], at: n.at, why: calendarWhy(n) };
  }

  /** the operator's choice (null: back to the calendar). Callers check permission, reason and audit first (CommandService.setMode). */
  setOverride(mode: OperatingMode | null, meta: ModeChangeMeta): void {
    const now = this.now();
    if (mode === null) this.write({ override_mode: null, override_since: null, override_until: null, override_by: null, override_reason: null, override_comment: null });
    else this.write({ override_mode: mode, override_since: now, override_until: this.next(now)?.at ?? null, override_by: meta.by, override_reason: meta.reason, override_comment: meta.comment ?? null });
    this.activeView(now);
    this.emitAnyway();
  }

  /** replaces the calendar (and the default mode). Callers check permission, reason and audit first. */
  setCalendar(calendar: ModeCalendarEntry[], defaultMode: OperatingMode | undefined, meta: ModeChangeMeta): void {
    const parsed = modeCalendarSchema.parse(calendar);
    this.write({
      calendar_json: JSON.stringify(parsed),
      default_mode: defaultMode ?? this.calendar().defaultMode,
      calendar_updated_at: this.now(),
      calendar_updated_by: meta.by,
      calendar_reason: meta.reason,
    });
    // an operator's choice in force now holds until the new calendar's next change
    if (isMode(this.row?.override_mode)) this.write({ override_until: this.next()?.at ?? null });
    this.activeView();
    this.emitAnyway();
  }

  /** told whenever the mode in force or the calendar changes */
  onChange(cb: (mode: ActiveModeView) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private emitAnyway(): void {
    this.emit(this.activeView());
  }

  private emit(v: ActiveModeView): void {
    for (const l of this.listeners) {
      try {
        l(v);
      } catch (e) {
        console.error(`modes: a listener failed: ${(e as Error).message}`);
      }
    }
  }

  private write(patch: Partial<Row>): void {
    const base: Row = this.row ?? {
      override_mode: null,
      override_since: null,
      override_until: null,
      override_by: null,
      override_reason: null,
      override_comment: null,
      calendar_json: null,
      default_mode: null,
      calendar_updated_at: null,
      calendar_updated_by: null,
      calendar_reason: null,
    };
    const r: Row = { ...base, ...patch };
    this.db
      .prepare(
        `INSERT INTO operating_modes (site_id, override_mode, override_since, override_until, override_by, override_reason, override_comment, calendar_json, default_mode, calendar_updated_at, calendar_updated_by, calendar_reason)
         VALUES (@site_id, @override_mode, @override_since, @override_until, @override_by, @override_reason, @override_comment, @calendar_json, @default_mode, @calendar_updated_at, @calendar_updated_by, @calendar_reason)
         ON CONFLICT (site_id) DO UPDATE SET override_mode = excluded.override_mode, override_since = excluded.override_since, override_until = excluded.override_until,
           override_by = excluded.override_by, override_reason = excluded.override_reason, override_comment = excluded.override_comment, calendar_json = excluded.calendar_json,
           default_mode = excluded.default_mode, calendar_updated_at = excluded.calendar_updated_at, calendar_updated_by = excluded.calendar_updated_by, calendar_reason = excluded.calendar_reason`,
      )
      .run({ site_id: this.siteId, ...r });
    this.row = r;
  }
}

function hhmm(ms: number, tz: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: tz, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(ms));
}

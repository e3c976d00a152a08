/**
 * API handlers of the operating modes (issue #11 items 3, 4, 6): the status the screens show
 * (mode in force, why, what is scheduled next, a transition, external signals, the last
 * dispatch), and the operator's mode change and calendar edit — both through the command
 * pipeline (CommandService.setMode / setModeCalendar: permission, reason, audit).
 */
import { ApiError } from '../../common';
import { OPERATING_MODE_LABELS, type ModeStatus, type ModesApiMethods, type OperatingMode } from '../../common/modes';
import type { ModeCommandTarget } from '../../control/command';
import type { PlanDispatcher } from '../../plan/dispatch';
import type { Handlers } from '../dispatcher';
import type { Services } from '../services';

type ModeHandlers = Pick<Handlers, keyof ModesApiMethods>;

export interface ModeContext {
  siteId: string;
  timezone: string;
  /** the site has an import tariff (tariff management can run) */
  hasTariff: boolean;
  dispatcher: () => PlanDispatcher | undefined;
}

export function modeStatus(s: Services, c: ModeContext): ModeStatus {
  const m = s.modes;
  const signals = s.signals?.status();
  const dispatch = c.dispatcher()?.lastDispatch();
  const extra = { ...(signals ? { signals } : {}), ...(dispatch ? { dispatch } : {}) };
  if (!m || !s.control.hasModes)
    return {
      enabled: false,
      timezone: c.timezone,
      active: { mode: 'manual', label: OPERATING_MODE_LABELS.manual, source: 'default', why: "the site's control cycle has no operating-mode controller: ES Manager writes no setpoints of its own", since: 0 },
      next: null,
      defaultMode: 'manual',
      calendar: [],
      ...extra,
    };
  const cal = m.calendar();
  const t = s.control.modeTransition();
  return {
    enabled: true,
    timezone: c.timezone,
    active: m.activeView(),
    next: m.next(),
    defaultMode: cal.defaultMode,
    calendar: cal.calendar,
    ...(cal.updated ? { calendarUpdated: cal.updated } : {}),
    ...(t ? { transition: { from: t.from, to: t.to, startedAt: t.startedAt, kwPerS: t.kwPerS } } : {}),
    ...extra,
  };
}

export function modeTarget(s: Services, c: ModeContext): ModeCommandTarget | undefined {
  const m = s.modes;
  if (!m || !s.control.hasModes) return undefined;
  return {
    siteId: c.siteId,
    current: () => m.current(),
    calendar: () => m.calendar(),
    refuse: (mode: OperatingMode) => (mode === 'tariff' && !c.hasTariff ? 'tariff management needs an import tariff in the site file (energy.grid.importTariff)' : undefined),
    setOverride: (mode, meta) => m.setOverride(mode, meta),
    setCalendar: (cal, def, meta) => m.setCalendar(cal, def, meta),
  };
}

export function modeHandlers(s: Services, c: ModeContext): ModeHandlers {
  const target = () => {
    const t = modeTarget(s, c);
    if (!t) throw new ApiError('unavailable', "this site's control cycle has no operating-mode controller (control.controllers in the site file): there is no mode to change");
    return t;
  };
  return {
    'modes.status': () => modeStatus(s, c),
    'modes.set': (ctx, arg) => {
      if (!ctx.principal) throw new ApiError('unauthenticated', 'not signed in', { rule: 'session.required' });
      const r = s.commands.setMode(ctx.principal, { siteId: c.siteId, ...arg }, target());
      return r.ok ? { ok: true, commandId: r.commandId, status: modeStatus(s, c) } : r;
    },
    'modes.calendar.set': (ctx, arg) => {
      if (!ctx.principal) throw new ApiError('unauthenticated', 'not signed in', { rule: 'session.required' });
      const r = s.commands.setModeCalendar(ctx.principal, { siteId: c.siteId, ...arg }, target());
      return r.ok ? { ok: true, commandId: r.commandId, status: modeStatus(s, c) } : r;
    },
  };
}

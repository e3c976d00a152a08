/**
 * The command pipeline: every write to the field (operator, optimiser, automatic procedure)
 * goes through `CommandService.execute`, in this order:
 *
 *   permission (site) → validation (point, type, unit, range) → permission (operate vs
 *   setpoint, re-auth for critical commands) → asset state → interlocks and limits →
 *   confirmation (select-before-operate) → reason → audit → driver write → readback → result
 *
 * A refusal at any stage returns { ok:false, stage, rule, message } and is audited; nothing
 * after it runs. The write happens only after the intent was audited (fail closed).
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { ESS_STATE_CODE, channelPoint, natureChannel } from '../common/natures';
import { splitPointId, type PointId, type PointValue } from '../common/point';
import { fieldStagesOf, type CommandRequest, type CommandResult, type CommandStage, type FieldStage, type SelectResult } from '../common/security';
import { SITE_PARAMETER_LABELS, SITE_PARAMETER_RANGE, SITE_PARAMETER_UNITS, type ActiveCommand, type CommandSource, type SiteParameterRequest, type SiteParameterResult } from '../common/control';
import type { AuditLog } from '../audit/log';
import type { ReasonCatalog } from '../audit/reasons';
import { Authorizer } from '../security/authorizer';
import { auditActor, type Clock, type Principal } from '../security/principal';
import type { AssetModel, CommandAsset, CommandPoint, CommandWriter, Interlock, PointReader, PointReading } from './ports';
import { decide, essPowerConstraints, isProtective } from './limits';
import { essPowerInput } from './ess-input';
import { convertUnit } from './units';
import type { SiteParameterStore } from './parameters';
import type { ModeCalendarEntry, ModeSourceKind, OperatingMode } from '../common/modes';

/** The site's operating mode as the pipeline changes it (core/modes/service.ts satisfies it). */
export interface ModeCommandTarget {
  readonly siteId: string;
  current(): { mode: OperatingMode; source: ModeSourceKind };
  calendar(): { calendar: ModeCalendarEntry[]; defaultMode: OperatingMode };
  /** a sentence when the site cannot run this mode now (an interlock), else undefined */
  refuse?(mode: OperatingMode): string | undefined;
  setOverride(mode: OperatingMode | null, meta: { by: string; reason: string | null; comment?: string }): void;
  setCalendar(calendar: ModeCalendarEntry[], defaultMode: OperatingMode | undefined, meta: { by: string; reason: string | null; comment?: string }): void;
}

export type ModeCommandOutcome =
  | { ok: true; commandId: string }
  | { ok: false; stage: 'permission' | 'validation' | 'interlock' | 'reason' | 'audit'; rule: string; message: string; commandId: string };

export interface CommandServiceOptions {
  model: AssetModel;
  reader: PointReader;
  writer: CommandWriter;
  audit: AuditLog;
  reasons: ReasonCatalog;
  now?: Clock;
  /** readback polling waits with this; tests inject one that advances a fake clock */
  sleep?: (ms: number) => Promise<void>;
  interlocks?: readonly Interlock[];
  /**
   * A person's command is about to be written (after every check and the audit): the machine
   * lane holds the point so the cycle does not overwrite the person's value (machine.ts).
   */
  onPersonWrite?: (siteId: string, target: PointId, p: Principal) => void;
  /** a selection (select-before-operate) is valid this long; default 30 s */
  selectTimeoutMs?: number;
  /** critical commands need a password entry this recent; default 5 min */
  reauthWindowMs?: number;
  /** the driver must acknowledge a write within this; default 5 s */
  writeTimeoutMs?: number;
  /** the readback must match within this; default 5 s */
  readbackTimeoutMs?: number;
  readbackIntervalMs?: number;
  /** readback tolerance for numbers: max(abs, rel * |value|); default 0.5 unit, 1 % */
  tolerance?: { abs: number; rel: number };
  /** run-time site parameters (contracted power, peak-shaving limit, SoC reserve) changed by `setParameter` */
  parameters?: {
    store: SiteParameterStore;
    /** device points that carry a parameter (e.g. each ESS's PeakShavingLimit), written through the pipeline */
    deviceTargets?: (siteId: string, parameter: SiteParameterRequest['parameter']) => PointId[];
    /** the lowest upper end of the batteries' SoC windows (limits.socMaxPct), %: the reserve stays below it */
    socMaxPct?: (siteId: string) => number | undefined;
  };
}

/**
 * Where a command comes from, for the screens ("who is driving the battery"): a person is
 * `operator`; system principals by their id — `system:alarms` (alarm procedures) is
 * `procedure`, `system:plan…` / `system:optimiser…` is `plan`, any other automatic actor
 * (control loops such as peak shaving) is `controller`.
 */
export function commandSource(p: Pick<Principal, 'kind' | 'userId'>): CommandSource {
  if (p.kind === 'user') return 'operator';
  const id = p.userId.replace(/^system:/, '');
  if (id === 'alarms' || id.startsWith('procedure')) return 'procedure';
  if (id.startsWith('plan') || id.startsWith('optimiser')) return 'plan';
  return 'controller';
}

interface Refusal {
  stage: CommandStage;
  rule: string;
  message: string;
}

interface Checked {
  point: CommandPoint;
  asset: CommandAsset;
  assetId: string;
  channel: string;
  /** in the point's unit */
  value: number | boolean;
  critical: boolean;
}

interface Selection {
  token: string;
  userId: string;
  sessionId: string | null;
  siteId: string;
  target: PointId;
  value: number | boolean;
  expiresAt: number;
}

type Outcome<T> = { ok: true; v: T } | { ok: false; r: Refusal };
const refusal = (stage: CommandStage, rule: string, message: string): Outcome<never> => ({ ok: false, r: { stage, rule, message } });


export class CommandService {
  private readonly now: Clock;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly authorizer: Authorizer;
  private readonly selections = new Map<string, Selection>();
  private readonly busy = new Set<string>();
  private readonly lastWrite = new Map<string, { value: number; ts: number }>();
  /** the last accepted command per site|target, for the screens */
  private readonly active = new Map<string, ActiveCommand & { siteId: string }>();
  private readonly activeListeners = new Set<(siteId: string) => void>();
  private readonly o: Required<Pick<CommandServiceOptions, 'selectTimeoutMs' | 'reauthWindowMs' | 'writeTimeoutMs' | 'readbackTimeoutMs' | 'readbackIntervalMs' | 'tolerance'>>;

  constructor(private readonly deps: CommandServiceOptions) {
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? ((ms) => delay(ms));
    this.authorizer = new Authorizer(this.now);
    this.o = {
      selectTimeoutMs: deps.selectTimeoutMs ?? 30_000,
      reauthWindowMs: deps.reauthWindowMs ?? 5 * 60_000,
      writeTimeoutMs: deps.writeTimeoutMs ?? 5_000,
      readbackTimeoutMs: deps.readbackTimeoutMs ?? 5_000,
      readbackIntervalMs: deps.readbackIntervalMs ?? 200,
      tolerance: deps.tolerance ?? { abs: 0.5, rel: 0.01 },
    };
  }

  // ---------------------------------------------------------------- public

  /** First step of select-before-operate: checks everything up to the write, reserves the point. */
  select(p: Principal, cmd: CommandRequest): SelectResult {
    const commandId = newId();
    const c = this.check(p, cmd);
    if (!c.ok) return this.refused(p, cmd, commandId, c.r, 'command.select');
    const key = `${cmd.siteId}|${cmd.target}`;
    const held = this.selections.get(key);
    if (held && held.expiresAt > this.now() && held.userId !== p.userId)
      return this.refused(p, cmd, commandId, { stage: 'confirmation', rule: 'command.selected-by-other', message: `${cmd.target} is selected by another user` }, 'command.select');
    const token = randomBytes(16).toString('base64url');
    const expiresAt = this.now() + this.o.selectTimeoutMs;
    this.selections.set(key, { token, userId: p.userId, sessionId: p.sessionId, siteId: cmd.siteId, target: cmd.target, value: c.v.value, expiresAt });
    const summary = `${cmd.target} := ${String(c.v.value)}${c.v.point.unit ? ' ' + c.v.point.unit : ''}`;
    this.audit(p, cmd, 'command.select', 'ok', { commandId, after: { value: c.v.value }, details: { commandId, expiresAt } });
    return { ok: true, stage: 'selected', token, expiresAt, commandId, summary };
  }

  /** Runs the whole pipeline; never throws for a refusal or a field failure. */
  async execute(p: Principal, cmd: CommandRequest): Promise<CommandResult> {
    const commandId = newId();
    const started = this.now();
    const c = this.check(p, cmd);
    if (!c.ok) return this.refused(p, cmd, commandId, c.r, 'command.refused');
    const { point, value, critical } = c.v;

    // confirmation: select-before-operate for breakers and mode changes (humans only)
    if (critical && p.kind === 'user') {
      const sel = this.consumeSelection(p, cmd, value);
      if (!sel.ok) return this.refused(p, cmd, commandId, sel.r, 'command.refused');
    }

    // reason from the administrator's list
    let reason: string;
    if (p.kind === 'system') reason = cmd.reason ?? `automatic:${p.userId}`;
    else {
      const r = this.deps.reasons.check('command', cmd.reason);
      if (!r.ok) return this.refused(p, cmd, commandId, { stage: 'reason', rule: r.rule, message: r.message }, 'command.refused');
      reason = r.reason?.id ?? '';
    }

    const key = `${cmd.siteId}|${cmd.target}`;
    if (this.busy.has(key))
      return this.refused(p, cmd, commandId, { stage: 'interlock', rule: 'command.busy', message: `another command to ${cmd.target} is in progress` }, 'command.refused');
    this.busy.add(key);
    try {
      const feedback = point.feedback ?? cmd.target;
      const before = this.deps.reader.get(cmd.siteId, feedback)?.value ?? null;
      // audit the intent; if the log cannot be written, nothing reaches the field
      try {
        this.audit(p, cmd, 'command.issue', 'info', { commandId, reason, before: { [feedback]: before }, after: { [cmd.target]: value } });
      } catch (e) {
        return { ok: false, stage: 'audit', rule: 'audit.unavailable', message: `the audit log cannot be written: ${(e as Error).message}`, commandId };
      }
      if (p.kind === 'user') this.deps.onPersonWrite?.(cmd.siteId, cmd.target, p);

      // the device's own stages (IEC 61850 select / operate / termination), kept with the result and the audit
      let fieldStages: FieldStage[] | undefined;
      try {
        fieldStages = (await withTimeout(this.deps.writer.write(cmd.siteId, cmd.target, value), this.o.writeTimeoutMs, `no acknowledgement within ${this.o.writeTimeoutMs} ms`))?.stages;
      } catch (e) {
        const stages = fieldStagesOf(e);
        const r = this.failed(p, cmd, commandId, reason, before, { stage: 'write', rule: 'write.failed', message: `write to ${cmd.target} failed: ${(e as Error).message}` }, undefined, stages);
        return stages ? { ...r, fieldStages: stages } : r;
      }
      if (typeof value === 'number') this.lastWrite.set(key, { value, ts: this.now() });
      this.recordActive(p, cmd, commandId, point.unit, value, reason, false);

      const rb = await this.readback(cmd.siteId, feedback, value, point.states !== undefined);
      if (!rb.ok) {
        const r = this.failed(p, cmd, commandId, reason, before, rb.r, rb.last, fieldStages);
        return fieldStages ? { ...r, fieldStages } : r;
      }
      this.recordActive(p, cmd, commandId, point.unit, value, reason, true);
      this.audit(p, cmd, 'command.result', 'ok', { commandId, reason, before: { [feedback]: before }, after: { [feedback]: rb.v }, ...(fieldStages ? { details: { commandId, fieldStages } } : {}) });
      const done: CommandResult = { ok: true, stage: 'done', commandId, target: cmd.target, value, before, readback: rb.v, durationMs: this.now() - started };
      return fieldStages ? { ...done, fieldStages } : done;
    } finally {
      this.busy.delete(key);
    }
  }

  /** The last accepted command of each target of a site (written and acknowledged by the device). */
  activeCommands(siteId: string): ActiveCommand[] {
    return [...this.active.values()].filter((a) => a.siteId === siteId).map(({ siteId: _s, ...a }) => a);
  }

  /** Called with the site id after every accepted command. */
  onActiveChange(cb: (siteId: string) => void): () => void {
    this.activeListeners.add(cb);
    return () => this.activeListeners.delete(cb);
  }

  /**
   * Changes a run-time site parameter (contracted power, peak-shaving limit, SoC reserve) through the same
   * stages as a field command: permission (setpoint) → validation (range) → interlock (the
   * peak-shaving limit stays within the contract) → reason → audit (fail closed) → device
   * points carrying the value (through `execute`, audited there too) → store.
   * `value: null` returns to the site file's default.
   */
  async setParameter(p: Principal, req: SiteParameterRequest): Promise<SiteParameterResult> {
    const commandId = newId();
    const target = `site/${req.parameter}`;
    const asCmd: CommandRequest = { siteId: req.siteId, target, value: req.value ?? 0, ...(req.reason ? { reason: req.reason } : {}), ...(req.comment ? { comment: req.comment } : {}) };
    const refuse = (stage: Extract<SiteParameterResult, { ok: false }>['stage'], rule: string, message: string): SiteParameterResult => {
      const r = this.refused(p, asCmd, commandId, { stage, rule, message }, 'parameter.refused');
      return { ok: false, stage, rule: r.rule, message: r.message, commandId };
    };
    const perm = this.authorizer.check(p, 'control.setpoint', { siteId: req.siteId });
    if (!perm.allowed) return refuse('permission', perm.rule, perm.message);
    const store = this.deps.parameters?.store;
    const views = store?.views(req.siteId);
    if (!store || !views) return refuse('validation', 'parameter.unknown-site', `site ${req.siteId} has no run-time parameters`);
    const view = views.find((v) => v.id === req.parameter);
    if (!view) return refuse('validation', 'parameter.unknown', `there is no site parameter "${req.parameter}"`);
    const label = SITE_PARAMETER_LABELS[req.parameter];
    const range = SITE_PARAMETER_RANGE[req.parameter];
    const unit = SITE_PARAMETER_UNITS[req.parameter];
    const after = req.value ?? view.default;
    if (!Number.isFinite(after) || after < range.min || after > range.max)
      return refuse('validation', 'value.out-of-range', `${label} must be between ${range.min} and ${range.max} ${unit}; ${after} ${unit} is not`);
    const socMax = req.parameter === 'socMinPct' ? this.deps.parameters?.socMaxPct?.(req.siteId) : undefined;
    if (socMax !== undefined && after >= socMax)
      return refuse('interlock', 'interlock.soc-window-empty', `${label} of ${after} % would leave no SoC window: the batteries charge to at most ${socMax} % (limits.socMaxPct)`);
    const now = Object.fromEntries(views.map((v) => [v.id, v.value])) as Record<string, number>;
    const psOverride = views.find((v) => v.id === 'peakShavingLimitKw')?.override;
    if (req.parameter === 'peakShavingLimitKw' && after > (now['contractedPowerKw'] ?? Infinity))
      return refuse('interlock', 'interlock.peak-shaving-above-contract', `${label} of ${after} kW would let the PCC import more than the contracted ${now['contractedPowerKw']} kW; raise the contracted power first`);
    if (req.parameter === 'contractedPowerKw' && psOverride && psOverride.value > after)
      return refuse('interlock', 'interlock.peak-shaving-above-contract', `the peak-shaving limit is ${psOverride.value} kW, above ${after} kW: lower the peak-shaving limit first`);

    let reason: string | null = null;
    if (p.kind === 'system') reason = req.reason ?? `automatic:${p.userId}`;
    else {
      const r = this.deps.reasons.check('command', req.reason);
      if (!r.ok) return refuse('reason', r.rule, r.message);
      reason = r.reason?.id ?? null;
    }
    const before = view.value;
    try {
      this.audit(p, asCmd, 'parameter.issue', 'info', { commandId, reason: reason ?? undefined, before: { [req.parameter]: before }, after: { [req.parameter]: after, ...(req.value === null ? { default: true } : {}) } });
    } catch (e) {
      return { ok: false, stage: 'audit', rule: 'audit.unavailable', message: `the audit log cannot be written: ${(e as Error).message}`, commandId };
    }

    // the peak-shaving limit in force changes when it is set, or when the contract it follows changes
    const psBefore = now['peakShavingLimitKw'];
    const psAfter = req.parameter === 'peakShavingLimitKw' ? after : psOverride ? psOverride.value : after;
    if (psAfter !== psBefore)
      for (const t of this.deps.parameters?.deviceTargets?.(req.siteId, 'peakShavingLimitKw') ?? []) {
        const r = await this.execute(p, { siteId: req.siteId, target: t, value: psAfter, ...(req.reason ? { reason: req.reason } : {}), comment: `${label}: ${req.comment ?? 'changed from the screens'}` });
        if (!r.ok) {
          const stage = r.stage === 'asset-state' || r.stage === 'confirmation' ? 'interlock' : r.stage;
          this.audit(p, asCmd, 'parameter.result', 'failed', { commandId, reason: reason ?? undefined, rule: r.rule, before: { [req.parameter]: before }, after: { [req.parameter]: before }, details: { commandId, device: t, message: r.message } });
          return { ok: false, stage, rule: r.rule, message: `${t} did not take ${psAfter} kW: ${r.message}`, commandId };
        }
      }

    store.set(req.siteId, req.parameter, req.value, { by: p.username, reason, ...(req.comment ? { comment: req.comment } : {}) });
    this.audit(p, asCmd, 'parameter.result', 'ok', { commandId, reason: reason ?? undefined, before: { [req.parameter]: before }, after: { [req.parameter]: after } });
    const parameter = store.views(req.siteId)?.find((v) => v.id === req.parameter) ?? view;
    return { ok: true, parameter, before, after, commandId };
  }

  /**
   * Changes the site's operating mode (issue #11 item 3) through the pipeline's stages:
   * permission (operate) → validation → interlock (the target refuses a mode the site cannot
   * run) → reason from the administrator's list → audit of the intent (fail closed) → apply →
   * audit of the result. No device is written here: the control cycle's operating-mode
   * controller takes the new mode over with a ramped, bumpless transition. `mode: null`
   * returns to the calendar.
   */
  setMode(p: Principal, req: { siteId: string; mode: OperatingMode | null; reason?: string; comment?: string }, target: ModeCommandTarget): ModeCommandOutcome {
    return this.modeCommand(p, req, 'site/operatingMode', 'mode', target, (meta) => {
      const before = target.current();
      if (req.mode !== null) {
        const why = target.refuse?.(req.mode);
        if (why) return { refuse: { stage: 'interlock', rule: 'interlock.mode-unavailable', message: why } };
      }
      return {
        before: { mode: before.mode, source: before.source },
        after: { mode: req.mode ?? 'calendar' },
        apply: () => target.setOverride(req.mode, meta),
      };
    });
  }

  /** Replaces the mode calendar (and the default mode): permission, reason, audit, like setMode. */
  setModeCalendar(p: Principal, req: { siteId: string; calendar: ModeCalendarEntry[]; defaultMode?: OperatingMode; reason?: string; comment?: string }, target: ModeCommandTarget): ModeCommandOutcome {
    return this.modeCommand(p, req, 'site/modeCalendar', 'mode.calendar', target, (meta) => {
      const before = target.calendar();
      for (const m of new Set([...req.calendar.map((e) => e.mode), ...(req.defaultMode ? [req.defaultMode] : [])])) {
        const why = target.refuse?.(m);
        if (why) return { refuse: { stage: 'interlock', rule: 'interlock.mode-unavailable', message: why } };
      }
      return {
        before,
        after: { calendar: req.calendar, defaultMode: req.defaultMode ?? before.defaultMode },
        apply: () => target.setCalendar(req.calendar, req.defaultMode, meta),
      };
    });
  }

  private modeCommand(
    p: Principal,
    req: { siteId: string; reason?: string; comment?: string },
    targetId: string,
    kind: 'mode' | 'mode.calendar',
    target: ModeCommandTarget,
    plan: (meta: { by: string; reason: string | null; comment?: string }) => { refuse: Refusal } | { before: unknown; after: unknown; apply: () => void },
  ): ModeCommandOutcome {
    const commandId = newId();
    const asCmd: CommandRequest = { siteId: req.siteId, target: targetId, value: 0, ...(req.reason ? { reason: req.reason } : {}), ...(req.comment ? { comment: req.comment } : {}) };
    const refuse = (r: Refusal): ModeCommandOutcome => {
      const x = this.refused(p, asCmd, commandId, r, `${kind}.refused`);
      return { ok: false, stage: r.stage as Extract<ModeCommandOutcome, { ok: false }>['stage'], rule: x.rule, message: x.message, commandId };
    };
    const perm = this.authorizer.check(p, 'control.operate', { siteId: req.siteId });
    if (!perm.allowed) return refuse({ stage: 'permission', rule: perm.rule, message: perm.message });
    if (req.siteId !== target.siteId) return refuse({ stage: 'validation', rule: 'mode.unknown-site', message: `site ${req.siteId} has no operating modes` });
    let reason: string | null;
    if (p.kind === 'system') reason = req.reason ?? `automatic:${p.userId}`;
    else {
      const r = this.deps.reasons.check('command', req.reason);
      if (!r.ok) return refuse({ stage: 'reason', rule: r.rule, message: r.message });
      reason = r.reason?.id ?? null;
    }
    const meta = { by: p.displayName || p.username, reason, ...(req.comment ? { comment: req.comment } : {}) };
    const planned = plan(meta);
    if ('refuse' in planned) return refuse(planned.refuse);
    try {
      this.audit(p, asCmd, `${kind}.issue`, 'info', { commandId, ...(reason ? { reason } : {}), before: planned.before, after: planned.after });
    } catch (e) {
      return { ok: false, stage: 'audit', rule: 'audit.unavailable', message: `the audit log cannot be written: ${(e as Error).message}`, commandId };
    }
    planned.apply();
    this.audit(p, asCmd, `${kind}.result`, 'ok', { commandId, ...(reason ? { reason } : {}), before: planned.before, after: planned.after });
    return { ok: true, commandId };
  }

  private recordActive(p: Principal, cmd: CommandRequest, commandId: string, unit: string, value: number | boolean, reason: string, confirmed: boolean): void {
    this.active.set(`${cmd.siteId}|${cmd.target}`, {
      siteId: cmd.siteId,
      target: cmd.target,
      value,
      unit,
      source: commandSource(p),
      actor: p.username,
      actorName: p.displayName,
      ts: this.now(),
      commandId,
      reason: reason || null,
      confirmed,
    });
    for (const l of this.activeListeners) {
      try {
        l(cmd.siteId);
      } catch (e) {
        console.error(`commands: an active-command listener failed: ${(e as Error).message}`);
      }
    }
  }

  // ---------------------------------------------------------------- checks

  private check(p: Principal, cmd: CommandRequest): Outcome<Checked> {
    // 1. the site, before anything about it is revealed
    const site = this.authorizer.checkAny(p, ['control.operate', 'control.setpoint'], { siteId: cmd.siteId });
    if (!site.allowed) return refusal('permission', site.rule, site.message);

    // 2. validation: point, type, unit, range
    let assetId: string;
    let channel: string;
    try {
      ({ assetId, channel } = splitPointId(cmd.target));
    } catch (e) {
      return refusal('validation', 'point.invalid', (e as Error).message);
    }
    const point = this.deps.model.point(cmd.siteId, cmd.target);
    const asset = this.deps.model.asset(cmd.siteId, assetId);
    if (!point || !asset) return refusal('validation', 'point.unknown', `no point ${cmd.target} on site ${cmd.siteId}`);
    if (point.access !== 'rw') return refusal('validation', 'point.read-only', `${cmd.target} is read-only`);
    let value: number | boolean = cmd.value;
    if (point.type === 'boolean') {
      if (typeof value !== 'boolean') return refusal('validation', 'value.type', `${cmd.target} takes true or false`);
    } else if (point.type === 'number') {
      if (typeof value !== 'number' || !Number.isFinite(value)) return refusal('validation', 'value.type', `${cmd.target} takes a number`);
      if (cmd.unit !== undefined && cmd.unit !== point.unit) {
        const v = convertUnit(value, cmd.unit, point.unit);
        if (v === null) return refusal('validation', 'value.unit', `${cmd.target} is in ${point.unit || 'no unit'}, not ${cmd.unit}`);
        value = v;
      }
      if (point.states && !Object.prototype.hasOwnProperty.call(point.states, String(value)))
        return refusal('validation', 'value.not-a-state', `${cmd.target} takes one of ${Object.entries(point.states).map(([k, l]) => `${k} (${l})`).join(', ')}`);
      if ((point.min !== undefined && value < point.min) || (point.max !== undefined && value > point.max))
        return refusal('validation', 'value.out-of-range', `${value} ${point.unit} is outside ${point.min ?? '-∞'}..${point.max ?? '∞'} ${point.unit} for ${cmd.target}`);
    } else return refusal('validation', 'value.type', `${cmd.target} cannot be commanded`);

    // 3. permission for this kind of command; re-authentication for critical ones
    const critical = isCriticalCommand(point, asset);
    const perm = this.authorizer.check(p, critical ? 'control.operate' : 'control.setpoint', { siteId: cmd.siteId });
    if (!perm.allowed) return refusal('permission', perm.rule, perm.message);
    if (critical && p.kind === 'user' && (p.reauthAt === null || this.now() - p.reauthAt > this.o.reauthWindowMs))
      return refusal('permission', 'auth.reauth-required', `${cmd.target} is a critical command: re-enter your password first`);

    // 4. asset state
    if (asset.state !== 'in-service')
      return refusal('asset-state', asset.state === 'maintenance' ? 'asset.maintenance' : 'asset.out-of-service', `${assetId} is ${asset.state.replace(/-/g, ' ')}${asset.stateNote ? `: ${asset.stateNote}` : ''}`);
    if (asset.nature === 'Ess') {
      const st = this.read(cmd.siteId, channelPoint('Ess', assetId, 'State'));
      if (st && st.quality.level === 'good' && st.value === ESS_STATE_CODE.Maintenance)
        return refusal('asset-state', 'asset.maintenance', `${assetId} reports maintenance mode`);
    }

    // 5. interlocks and limits
    const lim = this.limits(p, cmd, asset, assetId, channel, value, point);
    if (lim) return { ok: false, r: lim };
    for (const il of this.deps.interlocks ?? []) {
      const r = il.check({ siteId: cmd.siteId, target: cmd.target, assetId, channel, value, asset, point, read: (id) => this.read(cmd.siteId, id) });
      if (r) return refusal('interlock', r.rule, r.message);
    }
    return { ok: true, v: { point, asset, assetId, channel, value, critical } };
  }

  private read(siteId: string, id: PointId): PointReading | undefined {
    return this.deps.reader.get(siteId, id);
  }

  /**
   * Power, BMS, SoC, ramp and contracted-power checks for ESS power setpoints (limits.ts);
   * rating for curtailment/charge limits. A protective action (stop, standby, trip, 0 kW) faces
   * only the physical limits; everything else is a person's request: refused when out of limits.
   */
  private limits(_p: Principal, cmd: CommandRequest, asset: CommandAsset, assetId: string, channel: string, value: number | boolean, point: CommandPoint): Refusal | null {
    const protective = isProtective({ nature: asset.nature, channel, value, states: point.states });
    if (typeof value !== 'number') return null;
    const r = (rule: string, message: string): Refusal => ({ stage: 'interlock', rule, message });

    const role = natureChannel(asset.nature, channel)?.role;
    if (asset.nature !== 'Ess' || role !== 'power-setpoint') {
      // curtailment / charge limits: within 0..rated power
      const rated = asset.rating?.powerKw;
      if (rated !== undefined && (value < 0 || value > rated) && role === 'power-limit')
        return r('limit.rating', `${value} kW is outside 0..${rated} kW (rated power of ${assetId})`);
      return null;
    }

    const key = `${cmd.siteId}|${cmd.target}`;
    const last = this.lastWrite.get(key);
    const pcc = this.deps.model.pcc(cmd.siteId);
    const input = essPowerInput((id) => this.read(cmd.siteId, id), assetId, asset, pcc, last ? { kw: last.value, ageS: Math.max(0, this.now() - last.ts) / 1000 } : undefined);
    const d = decide(protective ? 'protective' : 'person', essPowerConstraints(input), value);
    return d.ok ? null : r(d.rule, d.message);
  }

  private consumeSelection(p: Principal, cmd: CommandRequest, value: number | boolean): Outcome<true> {
    const key = `${cmd.siteId}|${cmd.target}`;
    const sel = this.selections.get(key);
    if (!cmd.confirmToken) return refusal('confirmation', 'command.select-required', `${cmd.target} needs select-before-operate: call command.select first`);
    if (!sel || sel.token !== cmd.confirmToken || sel.userId !== p.userId || sel.sessionId !== p.sessionId)
      return refusal('confirmation', 'command.select-invalid', `the selection token does not belong to this command or session`);
    if (sel.expiresAt <= this.now()) {
      this.selections.delete(key);
      return refusal('confirmation', 'command.select-expired', `the selection of ${cmd.target} expired; select again`);
    }
    if (sel.value !== value) return refusal('confirmation', 'command.select-mismatch', `the value differs from the one selected (${String(sel.value)})`);
    this.selections.delete(key); // single use
    return { ok: true, v: true };
  }

  private async readback(siteId: string, feedback: PointId, value: number | boolean, discrete: boolean): Promise<{ ok: true; v: PointValue } | { ok: false; r: Refusal; last: PointValue | undefined }> {
    const deadline = this.now() + this.o.readbackTimeoutMs;
    let last: PointValue | undefined;
    let lastError: string | undefined;
    for (;;) {
      try {
        last = await withTimeout(this.deps.writer.read(siteId, feedback), this.o.readbackTimeoutMs, 'no answer');
        lastError = undefined;
        if (this.matches(value, last, discrete)) return { ok: true, v: last };
      } catch (e) {
        lastError = (e as Error).message;
      }
      if (this.now() >= deadline) break;
      await this.sleep(this.o.readbackIntervalMs);
    }
    const s = Math.round(this.o.readbackTimeoutMs / 100) / 10;
    if (last === undefined)
      return { ok: false, last, r: { stage: 'readback', rule: 'readback.timeout', message: `${feedback} could not be read back within ${s} s${lastError ? `: ${lastError}` : ''}` } };
    return { ok: false, last, r: { stage: 'readback', rule: 'readback.mismatch', message: `${feedback} reads ${String(last)} after ${s} s, expected ${String(value)}` } };
  }

  /** numbers within the tolerance; enumerated states (a mode) and booleans exactly */
  private matches(expected: number | boolean, got: PointValue, discrete: boolean): boolean {
    if (typeof expected === 'boolean') return got === expected || got === (expected ? 1 : 0);
    if (typeof got !== 'number') return false;
    if (discrete) return got === expected;
    const tol = Math.max(this.o.tolerance.abs, this.o.tolerance.rel * Math.abs(expected));
    return Math.abs(got - expected) <= tol;
  }

  // ---------------------------------------------------------------- audit

  private audit(
    p: Principal,
    cmd: CommandRequest,
    type: string,
    outcome: 'ok' | 'refused' | 'failed' | 'info',
    e: { commandId: string; reason?: string; rule?: string; before?: unknown; after?: unknown; details?: unknown },
  ): void {
    let assetId: string | null = null;
    try {
      assetId = splitPointId(cmd.target).assetId;
    } catch {
      /* invalid target: recorded as is */
    }
    this.deps.audit.append({
      type,
      ...auditActor(p),
      siteId: cmd.siteId,
      assetId,
      target: cmd.target,
      outcome,
      reason: e.reason ?? cmd.reason ?? null,
      rule: e.rule ?? null,
      before: e.before,
      after: e.after,
      details: {
        ...((e.details as object | undefined) ?? { commandId: e.commandId, ...(cmd.comment ? { comment: cmd.comment } : {}) }),
        // an alarm procedure's command names its definition and author, not only the alarm system
        ...(p.procedure ? { procedure: { alarmId: p.procedure.alarmId, author: p.procedure.author } } : {}),
      },
    });
  }

  private refused(p: Principal, cmd: CommandRequest, commandId: string, r: Refusal, type: string): Extract<CommandResult, { ok: false }> {
    try {
      this.audit(p, cmd, type, 'refused', { commandId, rule: r.rule, after: { value: cmd.value }, details: { commandId, stage: r.stage, message: r.message } });
    } catch {
      /* a refusal stays a refusal even if it cannot be logged */
    }
    return { ok: false, stage: r.stage, rule: r.rule, message: r.message, commandId };
  }

  private failed(p: Principal, cmd: CommandRequest, commandId: string, reason: string, before: PointValue, r: Refusal, last?: PointValue, fieldStages?: FieldStage[]): CommandResult {
    try {
      this.audit(p, cmd, 'command.result', 'failed', {
        commandId,
        reason,
        rule: r.rule,
        before: { value: before },
        after: { value: last ?? null },
        details: { commandId, stage: r.stage, message: r.message, ...(fieldStages ? { fieldStages } : {}) },
      });
    } catch {
      /* reported to the caller below either way */
    }
    return { ok: false, stage: r.stage, rule: r.rule, message: r.message, commandId };
  }
}

/**
 * A critical command (select-before-operate and re-authentication for people): breakers,
 * enumerated (mode) points, and whatever the point marks so. Alarm procedures use the same
 * test to refuse critical targets (core/alarms/procedure-rights.ts).
 */
export function isCriticalCommand(point: Pick<CommandPoint, 'selectBeforeOperate' | 'states'>, asset: Pick<CommandAsset, 'nature'>): boolean {
  return point.selectBeforeOperate ?? (asset.nature === 'Breaker' || point.states !== undefined);
}

function newId(): string {
  return `c${randomBytes(6).toString('hex')}`;
}


function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    timer.unref?.();
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Is this command a protective action (stop, standby, trip, 0 kW) on this site's model? See `isProtective`. */
export function isProtectiveCommand(model: AssetModel, siteId: string, target: PointId, value: number | boolean): boolean {
  let assetId: string;
  let channel: string;
  try {
    ({ assetId, channel } = splitPointId(target));
  } catch {
    return false;
  }
  const asset = model.asset(siteId, assetId);
  const point = model.point(siteId, target);
  if (!asset || !point) return false;
  return isProtective({ nature: asset.nature, channel, value, ...(point.states ? { states: { ...point.states } } : {}) });
}

/** Whether a refusal or failure stage means nothing reached the field (refused) or the field did not do it (failed). */
export function stageOutcome(stage: CommandStage): 'refused' | 'failed' {
  return stage === 'audit' || stage === 'write' || stage === 'readback' ? 'failed' : 'refused';
}

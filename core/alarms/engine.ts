/**
 * The alarm engine: fed with the CVT's batches of point updates and a clock tick, it evaluates
 * the alarm definitions, runs each alarm's lifecycle (lifecycle.ts), journals every transition,
 * detects floods and chattering alarms, runs automatic procedures through the command pipeline,
 * and emits batched events for the UI and the notifier.
 *
 * Cost: definitions are indexed by point id, so a batch costs O(updates + definitions on the
 * changed points); banner counts are kept incrementally. The engine owns no timer: the host calls
 * `tick()` (or `start()`), and tests drive the injected clock.
 */
import {
  alarmDefinitionSchema,
  alarmsConfigSchema,
  type AlarmCounts,
  type AlarmDefinition,
  type AlarmDefinitionInput,
  type AlarmDefinitionIssue,
  type AlarmHistoryQuery,
  type AlarmJournalEntry,
  type AlarmJournalEvent,
  type AlarmKpis,
  type AlarmListReq,
  type AlarmListRes,
  type AlarmPriority,
  type AlarmsChangedEvent,
  type AlarmsConfig,
  type AlarmsConfigInput,
  type AlarmState,
  type AlarmView,
  type AssetMode,
  type FloodStatus,
  type AlarmBulkRes,
} from '../common/alarms';
import { ApiError } from '../common/api/contract';
import type { PointSample } from '../common/bridge';
import type { PointUpdate, PointValue } from '../common/point';
import { realScheduler, type Cancel, type Scheduler } from '../common/clock';
import { formatPath } from '../common/site';
import { makeCondition, valueLookup, type Sample } from './conditions';
import { compileExpression } from './expression';
import type { AlarmJournal } from './journal';
import { toCsv } from './journal';
import { computeAlarmKpis } from './kpi';
import { isUnacknowledged, nextState, type LifecycleEvent } from './lifecycle';
import { FloodDetector } from './flood';
import { alarmView, countsOf, listAlarms } from './views';
import { ProcedureRunner, type CommandExecutor } from './procedures';
import { suppressionReason, type AssetModeEntry } from './suppression';
import { bucketOf, type Instance } from './instance';

const MAX_COMMENTS = 20;

// ---------------------------------------------------------------- collaborators

// the procedures' collaborators are declared in procedures.ts
export { protectiveFailureAlarmId, type CommandExecutor, type ProcedureCommand, type ProcedureOutcome } from './procedures';

/** Who did it. `roles`, when given, is checked against the shelving roles as a second line. */
export interface Actor {
  user: string;
  roles?: readonly string[];
  /** the administrator impersonating `user`; recorded in the journal next to the user */
  impersonator?: string;
}

export interface AlarmEngineOptions {
  journal: AlarmJournal;
  config?: AlarmsConfigInput;
  executor?: CommandExecutor;
  /** clock, ms since epoch; injectable for tests */
  now?: () => number;
  /** clock and timer (the shelving/delay tick); default the real ones. `now` wins over its clock when both are given */
  scheduler?: Scheduler;
  /** the asset tree, for grouping by parent asset (first-out) */
  assets?: ReadonlyArray<{ id: string; parent?: string }>;
  /** reads present values (the CVT), to evaluate a new or changed definition at once */
  readPoints?: (ids: readonly string[]) => ReadonlyArray<PointSample>;
  /** does a point exist? used to validate definitions */
  pointExists?: (id: string) => boolean;
}

export interface AlarmEngineEvents {
  'alarms.changed': AlarmsChangedEvent;
  'alarms.flood': FloodStatus;
  /** every journal entry the engine writes, in order (the notifier listens here) */
  'alarms.journal': readonly AlarmJournalEntry[];
}

export interface SystemAlarmOptions {
  message?: string;
  priority?: AlarmPriority;
  class?: string;
  asset?: string;
  /** detail recorded in the journal, e.g. the error */
  text?: string;
}

export interface AlarmEngineStats {
  definitions: number;
  indexedPoints: number;
  batches: number;
  updates: number;
  evaluations: number;
  /** main-thread time of the last and the longest batch, ms */
  lastBatchMs: number;
  maxBatchMs: number;
  pendingDelays: number;
  shelved: number;
  runningProcedures: number;
}

type Listener<E extends keyof AlarmEngineEvents> = (data: AlarmEngineEvents[E]) => void;

/**
 * Checks a definition: schema, expression syntax, known points (when `pointExists` is given);
 * never throws. The engine's `validateDefinition`, usable before an engine exists (the host
 * checks stored overrides with it before it builds the engine's configuration).
 */
export function validateAlarmDefinition(
  input: unknown,
  pointExists?: (id: string) => boolean,
): { ok: boolean; issues: AlarmDefinitionIssue[]; definition?: AlarmDefinition } {
  const r = alarmDefinitionSchema.safeParse(input);
  if (!r.success) return { ok: false, issues: r.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })) };
  const def = r.data;
  const issues: AlarmDefinitionIssue[] = [];
  const points = new Set<string>();
  if ('point' in def) points.add(def.point);
  if (def.type === 'deviation' && typeof def.setpoint === 'string') points.add(def.setpoint);
  const exprs: Array<[string, string]> = [];
  if (def.type === 'expression') exprs.push(['expr', def.expr]);
  if (def.suppressWhen) exprs.push(['suppressWhen', def.suppressWhen]);
  for (const [path, src] of exprs) {
    try {
      compileExpression(src).points.forEach((p) => points.add(p));
    } catch (e) {
      issues.push({ path, message: e instanceof Error ? e.message : String(e) });
    }
  }
  if (pointExists) {
    for (const p of points) if (!pointExists(p)) issues.push({ path: 'point', message: `unknown point "${p}"` });
    def.actions.forEach((a, k) => {
      if (!pointExists?.(a.target)) issues.push({ path: `actions[${k}].target`, message: `unknown point "${a.target}"` });
    });
  }
  if (def.type === 'limit' && def.deadband > Math.abs(def.setpoint) && def.setpoint !== 0 && def.deadband > 0) {
    // allowed, but most likely a typo
    issues.push({ path: 'deadband', message: 'deadband larger than the setpoint itself' });
  }
  return issues.length ? { ok: false, issues, definition: def } : { ok: true, issues, definition: def };
}

// ---------------------------------------------------------------- engine

export class AlarmEngine {
  private config: AlarmsConfig;
  private readonly journal: AlarmJournal;
  private readonly executor: CommandExecutor | undefined;
  /** automatic procedures (procedures.ts) */
  private readonly procedures: ProcedureRunner;
  private readonly now: () => number;
  private readonly readPoints: AlarmEngineOptions['readPoints'];
  private readonly pointExists: AlarmEngineOptions['pointExists'];
  private parents = new Map<string, string | undefined>();

  private readonly instances = new Map<string, Instance>();
  /** point id -> instances whose condition reads it */
  private readonly byPoint = new Map<string, Instance[]>();
  /** point id -> instances whose suppression expression reads it */
  private readonly suppressByPoint = new Map<string, Instance[]>();
  /** last sample of every indexed point */
  private readonly cache = new Map<string, Sample>();
  private readonly assetModes = new Map<string, AssetModeEntry>();

  private readonly pending = new Set<Instance>();
  private readonly shelvedSet = new Set<Instance>();
  private readonly chatteringSet = new Set<Instance>();

  // batch state
  private changed = new Set<Instance>();
  private entries: AlarmJournalEntry[] = [];
  private annunciate: AlarmsChangedEvent['annunciate'] = [];
  private depth = 0;
  /** the impersonator behind the operator action being journaled (by()) */
  private acting: string | undefined;

  // counts, flood
  private readonly bucketCounts = new Map<number, number>();
  /** flood detection (EEMUA 191) over every activation */
  private readonly floods = new FloodDetector(
    () => this.config.flood,
    (i, event, text) => this.journalEntry(i, event, { text }),
  );

  private readonly listeners: { [E in keyof AlarmEngineEvents]: Set<Listener<E>> } = {
    'alarms.changed': new Set(),
    'alarms.flood': new Set(),
    'alarms.journal': new Set(),
  };
  private timer: Cancel | undefined;
  private readonly scheduler: Scheduler;
  /** stable lookups (no closure per evaluation) */
  private readonly getSample = (id: string): Sample | undefined => this.cache.get(id);
  private readonly lookup = valueLookup(this.getSample);
  private st = { batches: 0, updates: 0, evaluations: 0, lastBatchMs: 0, maxBatchMs: 0 };

  constructor(opts: AlarmEngineOptions) {
    this.journal = opts.journal;
    this.executor = opts.executor;
    this.procedures = new ProcedureRunner(this.executor, {
      now: () => this.now(),
      batch: (fn) => this.batch(fn),
      changed: (i) => void this.changed.add(i),
      journal: (i, o) => this.journalEntry(i, 'action', o),
      raiseSystemAlarm: (id, o) => this.raiseSystemAlarm(id, o),
      clearSystemAlarm: (id, o) => this.clearSystemAlarm(id, o),
    });
    this.scheduler = opts.scheduler ?? realScheduler;
    this.now = opts.now ?? (() => this.scheduler.now());
    this.readPoints = opts.readPoints;
    this.pointExists = opts.pointExists;
    this.setAssets(opts.assets ?? []);
    const parsed = alarmsConfigSchema.safeParse(opts.config ?? {});
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new ApiError('bad-request', `alarms config: ${i ? `${formatPath(i.path)}: ${i.message}` : 'invalid'}`);
    }
    this.config = parsed.data;
    this.batch(() => this.loadDefinitions(this.config.definitions, undefined));
  }

  // ------------------------------------------------------------ events

  on<E extends keyof AlarmEngineEvents>(event: E, fn: Listener<E>): () => void {
    (this.listeners[event] as Set<Listener<E>>).add(fn);
    return () => (this.listeners[event] as Set<Listener<E>>).delete(fn);
  }

  private emit<E extends keyof AlarmEngineEvents>(event: E, data: AlarmEngineEvents[E]): void {
    for (const fn of this.listeners[event] as Set<Listener<E>>) {
      try {
        fn(data);
      } catch (e) {
        console.error(`alarms: listener of ${event} failed:`, e);
      }
    }
  }

  // ------------------------------------------------------------ configuration

  setAssets(assets: ReadonlyArray<{ id: string; parent?: string }>): void {
    this.parents = new Map(assets.map((a) => [a.id, a.parent]));
    for (const i of this.instances.values()) i.group = this.groupOf(i.asset);
  }

  private groupOf(asset: string | undefined): string {
    if (!asset) return 'site';
    return this.parents.get(asset) ?? asset;
  }

  get settings(): Readonly<AlarmsConfig> {
    return this.config;
  }

  /** replaces the settings (shelving, flood, chattering, notifications) and the definitions */
  configure(input: AlarmsConfigInput, user?: string): void {
    const parsed = alarmsConfigSchema.safeParse(input);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new ApiError('bad-request', `alarms config: ${i ? `${formatPath(i.path)}: ${i.message}` : 'invalid'}`, {
        path: i ? formatPath(i.path) : undefined,
      });
    }
    this.config = parsed.data;
    this.batch(() => this.loadDefinitions(this.config.definitions, user));
  }

  definitions(): AlarmDefinition[] {
    return [...this.instances.values()].filter((i) => !i.adHoc).map((i) => i.def);
  }

  /** checks a definition: schema, expression syntax, known points; never throws */
  validateDefinition(input: unknown): { ok: boolean; issues: AlarmDefinitionIssue[]; definition?: AlarmDefinition } {
    return validateAlarmDefinition(input, this.pointExists);
  }

  /** administrator: add or replace one definition; its alarm keeps its state when the id exists */
  upsertDefinition(input: AlarmDefinitionInput | unknown, actor: Actor): AlarmDefinition {
    return this.by(actor, () => this.upsertDefinitionAs(input, actor));
  }

  private upsertDefinitionAs(input: AlarmDefinitionInput | unknown, actor: Actor): AlarmDefinition {
    const v = this.validateDefinition(input);
    if (!v.ok || !v.definition) {
      const first = v.issues[0];
      throw new ApiError('bad-request', `alarm definition: ${first ? `${first.path}: ${first.message}` : 'invalid'}`, {
        path: first?.path,
      });
    }
    const def = v.definition;
    this.batch(() => {
      const had = this.instances.has(def.id);
      this.install(def);
      const i = this.instances.get(def.id) as Instance;
      this.journalEntry(i, 'definition', { user: actor.user, text: had ? 'changed' : 'added' });
      this.prime([i]);
    });
    this.config = { ...this.config, definitions: this.definitions() };
    return def;
  }

  deleteDefinition(id: string, actor: Actor): boolean {
    return this.by(actor, () => this.deleteDefinitionAs(id, actor));
  }

  private deleteDefinitionAs(id: string, actor: Actor): boolean {
    const i = this.instances.get(id);
    if (!i || i.adHoc) return false;
    this.batch(() => {
      this.journalEntry(i, 'definition', { user: actor.user, text: 'deleted' });
      this.uninstall(i);
    });
    this.config = { ...this.config, definitions: this.definitions() };
    return true;
  }

  private loadDefinitions(defs: readonly AlarmDefinition[], user: string | undefined): void {
    const ids = new Set<string>();
    const issues: string[] = [];
    defs.forEach((d, k) => {
      if (ids.has(d.id)) issues.push(`definitions[${k}].id: duplicate alarm id "${d.id}"`);
      ids.add(d.id);
      const v = this.validateDefinition(d);
      for (const i of v.issues) if (i.message !== 'deadband larger than the setpoint itself') issues.push(`definitions[${k}].${i.path}: ${i.message}`);
    });
    if (issues.length) throw new ApiError('bad-request', `alarm definitions: ${issues.join('; ')}`);
    for (const i of [...this.instances.values()]) if (!i.adHoc && !ids.has(i.def.id)) this.uninstall(i);
    const touched: Instance[] = [];
    for (const d of defs) {
      const old = this.instances.get(d.id);
      if (old && !old.adHoc && JSON.stringify(old.def) === JSON.stringify(d)) continue;
      this.install(d);
      const i = this.instances.get(d.id) as Instance;
      if (user) this.journalEntry(i, 'definition', { user, text: old ? 'changed' : 'added' });
      touched.push(i);
    }
    this.prime(touched);
  }

  /** evaluate new definitions against present values (from the cache or the CVT) */
  private prime(insts: readonly Instance[]): void {
    if (insts.length === 0) return;
    if (this.readPoints) {
      const need = new Set<string>();
      for (const i of insts) {
        for (const p of i.cond?.points ?? []) if (!this.cache.has(p)) need.add(p);
        for (const p of i.suppressExpr?.points ?? []) if (!this.cache.has(p)) need.add(p);
      }
      if (need.size) for (const s of this.readPoints([...need])) this.cache.set(s.id, { value: s.value, quality: s.quality, ts: s.ts });
    }
    const now = this.now();
    for (const i of insts) {
      if (i.suppressExpr) this.evaluateSuppression(i, now);
      if (i.cond && i.cond.points.some((p) => this.cache.has(p))) this.evaluate(i, now);
    }
  }

  private install(def: AlarmDefinition): void {
    const old = this.instances.get(def.id);
    if (old) this.unindex(old);
    const cond = def.enabled ? makeCondition(def) : undefined;
    const suppressExpr = def.suppressWhen ? compileExpression(def.suppressWhen) : undefined;
    const asset = def.asset ?? ('point' in def ? def.point.slice(0, def.point.indexOf('/')) : undefined);
    const i: Instance = old ?? {
      def,
      cond,
      suppressExpr,
      asset,
      group: this.groupOf(asset),
      state: 'normal',
      active: false,
      pending: undefined,
      value: undefined,
      activatedAt: undefined,
      clearedAt: undefined,
      ackedAt: undefined,
      ackedBy: undefined,
      changedAt: this.now(),
      shelved: undefined,
      designSuppressed: false,
      suppressed: undefined,
      outOfService: undefined,
      activations: 0,
      chatterTimes: [],
      chattering: false,
      comments: [],
      actions: [],
      actionsPending: false,
      bucket: undefined,
      adHoc: false,
    };
    if (old) {
      // the counted bucket may depend on the priority: take it out and let recount put it back
      this.uncount(old);
      old.def = def;
      old.cond = cond;
      old.suppressExpr = suppressExpr;
      old.asset = asset;
      old.group = this.groupOf(asset);
      old.adHoc = false;
      old.pending = undefined;
      this.pending.delete(old);
      if (!def.enabled && old.active) {
        // a disabled alarm returns to normal silently (journaled as a definition change)
        old.active = false;
        old.state = 'normal';
      }
    }
    this.instances.set(def.id, i);
    this.index(i);
    this.applyAssetMode(i, this.now());
    this.changed.add(i);
  }

  private uninstall(i: Instance): void {
    this.unindex(i);
    this.uncount(i);
    this.pending.delete(i);
    this.shelvedSet.delete(i);
    this.chatteringSet.delete(i);
    this.instances.delete(i.def.id);
    i.state = 'normal';
    i.active = false;
    i.shelved = undefined;
    i.suppressed = undefined;
    i.outOfService = undefined;
    this.changed.add(i);
  }

  private index(i: Instance): void {
    for (const p of i.cond?.points ?? []) {
      const l = this.byPoint.get(p);
      if (l) l.push(i);
      else this.byPoint.set(p, [i]);
    }
    for (const p of i.suppressExpr?.points ?? []) {
      const l = this.suppressByPoint.get(p);
      if (l) l.push(i);
      else this.suppressByPoint.set(p, [i]);
    }
  }

  private unindex(i: Instance): void {
    const drop = (m: Map<string, Instance[]>, pts: readonly string[]) => {
      for (const p of pts) {
        const l = m.get(p);
        if (!l) continue;
        const k = l.indexOf(i);
        if (k >= 0) l.splice(k, 1);
        if (l.length === 0) m.delete(p);
      }
    };
    drop(this.byPoint, i.cond?.points ?? []);
    drop(this.suppressByPoint, i.suppressExpr?.points ?? []);
  }

  // ------------------------------------------------------------ inputs

  /**
   * One batch of point updates (the CVT's flush). Accepts bridge samples `{id, value, quality, ts}`
   * and CVT updates `{id, v, q, ts, rts}` alike.
   */
  processBatch(updates: ReadonlyArray<PointSample | PointUpdate>): void {
    const t0 = performance.now();
    const now = this.now();
    this.batch(() => {
      let evals = 0;
      const byPoint = this.byPoint;
      const supp = this.suppressByPoint;
      for (let k = 0; k < updates.length; k++) {
        const u = updates[k] as PointSample | PointUpdate;
        const insts = byPoint.get(u.id);
        const sinsts = supp.get(u.id);
        if (insts === undefined && sinsts === undefined) continue;
        const s: Sample =
          'v' in u ? { value: u.v, quality: u.q, ts: u.ts } : { value: u.value, quality: u.quality, ts: u.ts };
        this.cache.set(u.id, s);
        if (sinsts) for (const i of sinsts) this.evaluateSuppression(i, now);
        if (insts) {
          for (let j = 0; j < insts.length; j++) this.evaluate(insts[j] as Instance, now);
          evals += insts.length;
        }
      }
      this.st.evaluations += evals;
    });
    const ms = performance.now() - t0;
    this.st.batches++;
    this.st.updates += updates.length;
    this.st.lastBatchMs = ms;
    if (ms > this.st.maxBatchMs) this.st.maxBatchMs = ms;
  }

  /** delays, shelving expiry, flood end, chattering end; call every ~250 ms to 1 s */
  tick(now: number = this.now()): void {
    this.batch(() => {
      for (const i of [...this.pending]) {
        const p = i.pending;
        if (!p) {
          this.pending.delete(i);
          continue;
        }
        const delay = p.to ? i.def.onDelayMs : i.def.offDelayMs;
        if (now - p.since >= delay) {
          this.pending.delete(i);
          i.pending = undefined;
          this.setActive(i, p.to, now);
        }
      }
      for (const i of [...this.shelvedSet]) {
        if (i.shelved && now >= i.shelved.until) this.unshelveInternal(i, undefined, now, 'shelve-expired');
      }
      for (const i of [...this.chatteringSet]) {
        const w = this.config.chattering.windowMs;
        while (i.chatterTimes.length && (i.chatterTimes[0] as number) <= now - w) i.chatterTimes.shift();
        if (i.chatterTimes.length < this.config.chattering.count) {
          i.chattering = false;
          this.chatteringSet.delete(i);
          this.changed.add(i);
        }
      }
      this.floods.prune(now);
    });
  }

  start(intervalMs = 500): void {
    this.stop();
    this.timer = this.scheduler.setInterval(() => this.tick(), intervalMs);
  }

  stop(): void {
    this.timer?.();
    this.timer = undefined;
  }

  /** resolves when every running procedure has finished (tests, shutdown) */
  async idle(): Promise<void> {
    await this.procedures.idle();
  }

  // ------------------------------------------------------------ system alarms

  /**
   * Raises a system alarm by id (comm failure, failed forecast or optimisation, contingency).
   * Uses the definition with this id when there is one; otherwise creates the alarm on the fly.
   */
  raiseSystemAlarm(id: string, opts: SystemAlarmOptions = {}): void {
    this.systemAlarm(id, true, opts);
  }

  clearSystemAlarm(id: string, opts: Pick<SystemAlarmOptions, 'text'> = {}): void {
    if (!this.instances.has(id)) return;
    this.systemAlarm(id, false, opts);
  }

  private systemAlarm(id: string, on: boolean, opts: SystemAlarmOptions): void {
    const now = this.now();
    this.batch(() => {
      let i = this.instances.get(id);
      if (!i) {
        const parsed = alarmDefinitionSchema.safeParse({
          id,
          type: 'system',
          message: opts.message ?? id,
          priority: opts.priority ?? 'high',
          class: opts.class ?? 'system',
          asset: opts.asset,
        });
        if (!parsed.success) throw new ApiError('bad-request', `system alarm "${id}": ${parsed.error.issues[0]?.message ?? 'invalid'}`);
        this.install(parsed.data);
        i = this.instances.get(id) as Instance;
        i.adHoc = true;
      } else if (i.def.type !== 'system') {
        throw new ApiError('conflict', `alarm "${id}" is a ${i.def.type} alarm, not a system alarm`);
      }
      if (!i.def.enabled) return;
      if (opts.text !== undefined) i.value = opts.text;
      this.condition(i, on, now);
    });
  }

  // ------------------------------------------------------------ evaluation

  private evaluate(i: Instance, now: number): void {
    const c = i.cond;
    if (!c) return;
    const r = c.evaluate(this.getSample, i.active);
    // the value is kept for the journal and the view; a value change alone is not an alarm
    // change (the UI shows live values from points.changed)
    if (c.valuePoint) {
      const s = this.cache.get(c.valuePoint);
      if (s) i.value = s.value;
    }
    if (r === undefined) return;
    this.condition(i, r, now);
  }

  /** the raw condition: applies on/off delays */
  private condition(i: Instance, raw: boolean, now: number): void {
    if (raw === i.active) {
      if (i.pending) {
        i.pending = undefined;
        this.pending.delete(i);
      }
      return;
    }
    const delay = raw ? i.def.onDelayMs : i.def.offDelayMs;
    if (delay <= 0) {
      if (i.pending) {
        i.pending = undefined;
        this.pending.delete(i);
      }
      this.setActive(i, raw, now);
      return;
    }
    if (!i.pending || i.pending.to !== raw) {
      i.pending = { to: raw, since: now };
      this.pending.add(i);
    }
  }

  private annunciated(i: Instance): boolean {
    return !i.shelved && !i.suppressed && !i.outOfService;
  }

  /** the condition after delays changed */
  private setActive(i: Instance, active: boolean, now: number): void {
    i.active = active;
    if (active) i.activatedAt = now;
    else i.clearedAt = now;
    i.changedAt = now;
    this.changed.add(i);
    if (!this.annunciated(i)) {
      if (active && !i.outOfService && !i.suppressed) this.procedures.start(i);
      return;
    }
    this.lifecycle(i, active ? 'activate' : 'clear', now, undefined);
    if (active) {
      this.countActivation(i, now);
      this.procedures.start(i);
    }
  }

  private lifecycle(i: Instance, ev: LifecycleEvent, now: number, user: string | undefined, text?: string): boolean {
    const to = nextState(i.state, ev, i.def.latching);
    if (to === undefined) return false;
    const from = i.state;
    i.state = to;
    i.changedAt = now;
    if (ev === 'ack') {
      i.ackedAt = now;
      i.ackedBy = user;
    } else if (ev === 'activate') {
      i.ackedAt = undefined;
      i.ackedBy = undefined;
      this.annunciate.push({ id: i.def.id, priority: i.def.priority, message: i.def.message });
    }
    this.changed.add(i);
    this.journalEntry(i, ev, { from, to, user, text });
    return true;
  }

  private countActivation(i: Instance, now: number): void {
    i.activations++;
    // chattering (EEMUA 191: 3 or more activations within a minute)
    const ch = this.config.chattering;
    i.chatterTimes.push(now);
    while (i.chatterTimes.length && (i.chatterTimes[0] as number) <= now - ch.windowMs) i.chatterTimes.shift();
    if (i.chatterTimes.length > ch.count) i.chatterTimes.shift();
    if (!i.chattering && i.chatterTimes.length >= ch.count) {
      i.chattering = true;
      this.chatteringSet.add(i);
      this.journalEntry(i, 'chatter', { text: `${i.chatterTimes.length} activations within ${ch.windowMs / 1000} s` });
    }
    this.floods.count(i, now);
  }

  floodStatus(): FloodStatus {
    return this.floods.status();
  }

  // ------------------------------------------------------------ suppression

  private evaluateSuppression(i: Instance, now: number): void {
    if (!i.suppressExpr) return;
    const r = i.suppressExpr.test(this.lookup);
    if (r === undefined || r === i.designSuppressed) return;
    i.designSuppressed = r;
    this.updateSuppressed(i, now, r ? `designed suppression: ${i.suppressExpr.source}` : undefined);
  }

  private applyAssetMode(i: Instance, now: number): void {
    this.updateSuppressed(i, now, undefined);
  }

  private updateSuppressed(i: Instance, now: number, _hint: string | undefined): void {
    const reason = suppressionReason(i, this.assetModes);
    const was = !!i.suppressed;
    if (reason && !was) {
      i.suppressed = { at: now, reason };
      this.leaveAnnunciation(i, 'suppress', now, undefined, reason);
    } else if (!reason && was) {
      i.suppressed = undefined;
      this.enterAnnunciation(i, 'unsuppress', now, undefined, undefined);
    } else if (reason && i.suppressed && i.suppressed.reason !== reason) {
      i.suppressed = { at: i.suppressed.at, reason };
      this.changed.add(i);
    }
  }

  /** asset in maintenance or out of service: its alarms (and its children's) are suppressed */
  setAssetMode(assetId: string, mode: AssetMode, actor: Actor, reason = ''): { assetId: string; mode: AssetMode; affected: number } {
    return this.by(actor, () => this.setAssetModeAs(assetId, mode, actor, reason));
  }

  private setAssetModeAs(assetId: string, mode: AssetMode, actor: Actor, reason: string): { assetId: string; mode: AssetMode; affected: number } {
    const now = this.now();
    let affected = 0;
    this.batch(() => {
      if (mode === 'in-service') this.assetModes.delete(assetId);
      else this.assetModes.set(assetId, { mode, reason, by: actor.user, at: now });
      for (const i of this.instances.values()) {
        if (i.asset !== assetId && i.group !== assetId) continue;
        affected++;
        const before = !!i.suppressed;
        this.updateSuppressed(i, now, undefined);
        // name the person on the entries this produced
        if (before !== !!i.suppressed) {
          const last = this.entries[this.entries.length - 1];
          if (last && last.alarmId === i.def.id) last.user = actor.user;
        }
      }
    });
    return { assetId, mode, affected };
  }

  assetMode(assetId: string): AssetMode {
    return this.assetModes.get(assetId)?.mode ?? 'in-service';
  }

  /** leaving the alarm list (shelve, suppress, out of service): state held at normal */
  private leaveAnnunciation(i: Instance, ev: AlarmJournalEvent, now: number, user: string | undefined, text: string | undefined): void {
    const from = i.state;
    // only the first flag to go up takes it out; the others just note their own flag
    i.state = 'normal';
    i.changedAt = now;
    if (i.pending && !i.active) {
      // nothing to do: a pending activation continues to run while hidden
    }
    this.changed.add(i);
    this.journalEntry(i, ev, { from, to: 'normal', user, text });
  }

  /** back into the list: re-annunciated if the condition holds */
  private enterAnnunciation(i: Instance, ev: AlarmJournalEvent, now: number, user: string | undefined, text: string | undefined): void {
    this.changed.add(i);
    i.changedAt = now;
    if (!this.annunciated(i)) {
      this.journalEntry(i, ev, { from: i.state, to: i.state, user, text });
      return;
    }
    this.journalEntry(i, ev, { from: i.state, to: i.state, user, text });
    if (i.active) {
      this.lifecycle(i, 'activate', now, undefined, `after ${ev}`);
      this.countActivation(i, now);
    }
  }

  // ------------------------------------------------------------ operator actions

  /** runs an operator action; its journal entries name the impersonating administrator, if any */
  private by<T>(actor: Actor, fn: () => T): T {
    const prev = this.acting;
    this.acting = actor.impersonator;
    try {
      return fn();
    } finally {
      this.acting = prev;
    }
  }

  private get(id: string): Instance {
    const i = this.instances.get(id);
    if (!i) throw new ApiError('not-found', `no alarm "${id}"`);
    return i;
  }

  ack(ids: readonly string[], actor: Actor, comment?: string): AlarmBulkRes {
    return this.by(actor, () => this.ackAs(ids, actor, comment));
  }

  private ackAs(ids: readonly string[], actor: Actor, comment?: string): AlarmBulkRes {
    const now = this.now();
    const res: AlarmBulkRes = { done: [], skipped: [] };
    this.batch(() => {
      for (const id of ids) {
        const i = this.instances.get(id);
        if (!i) {
          res.skipped.push({ id, reason: 'unknown alarm' });
          continue;
        }
        if (!isUnacknowledged(i.state)) {
          res.skipped.push({ id, reason: `not unacknowledged (${i.state})` });
          continue;
        }
        this.lifecycle(i, 'ack', now, actor.user, comment);
        if (comment) this.addComment(i, actor.user, comment, now, false);
        res.done.push(id);
      }
    });
    return res;
  }

  reset(ids: readonly string[], actor: Actor): AlarmBulkRes {
    return this.by(actor, () => this.resetAs(ids, actor));
  }

  private resetAs(ids: readonly string[], actor: Actor): AlarmBulkRes {
    const now = this.now();
    const res: AlarmBulkRes = { done: [], skipped: [] };
    this.batch(() => {
      for (const id of ids) {
        const i = this.instances.get(id);
        if (!i) res.skipped.push({ id, reason: 'unknown alarm' });
        else if (i.state !== 'latched')
          res.skipped.push({ id, reason: i.def.latching ? `not latched (${i.state}): acknowledge it and clear the condition first` : 'not a latching alarm' });
        else {
          this.lifecycle(i, 'reset', now, actor.user);
          res.done.push(id);
        }
      }
    });
    return res;
  }

  shelve(id: string, actor: Actor, durationMs: number, reason: string): AlarmView {
    return this.by(actor, () => this.shelveAs(id, actor, durationMs, reason));
  }

  private shelveAs(id: string, actor: Actor, durationMs: number, reason: string): AlarmView {
    const i = this.get(id);
    const sh = this.config.shelving;
    if (actor.roles && !actor.roles.some((r) => sh.roles.includes(r)))
      throw new ApiError('forbidden', `shelving needs one of the roles ${sh.roles.join(', ')}`, { rule: 'alarms.shelve.role' });
    if (!i.def.shelvable) throw new ApiError('forbidden', `alarm "${id}" may not be shelved`, { rule: 'alarms.shelve.not-shelvable' });
    if (!reason || reason.trim().length < 3) throw new ApiError('bad-request', 'give a reason for shelving', { path: 'reason' });
    if (!(durationMs > 0)) throw new ApiError('bad-request', 'shelving duration must be positive', { path: 'durationMs' });
    if (durationMs > sh.maxDurationMs)
      throw new ApiError('bad-request', `shelving longer than the maximum of ${Math.round(sh.maxDurationMs / 60_000)} min`, {
        path: 'durationMs',
      });
    if (i.outOfService) throw new ApiError('conflict', `alarm "${id}" is out of service`);
    const now = this.now();
    this.batch(() => {
      const until = now + durationMs;
      const text = `${reason.trim()} (until ${new Date(until).toISOString()})`;
      if (i.shelved) {
        i.shelved = { by: actor.user, at: now, until, reason: reason.trim() };
        this.changed.add(i);
        this.journalEntry(i, 'shelve', { from: i.state, to: i.state, user: actor.user, text });
      } else {
        const hidden = !this.annunciated(i);
        i.shelved = { by: actor.user, at: now, until, reason: reason.trim() };
        if (hidden) {
          this.changed.add(i);
          this.journalEntry(i, 'shelve', { from: i.state, to: i.state, user: actor.user, text });
        } else this.leaveAnnunciation(i, 'shelve', now, actor.user, text);
      }
      this.shelvedSet.add(i);
    });
    return this.view(i);
  }

  unshelve(id: string, actor: Actor): AlarmView {
    return this.by(actor, () => this.unshelveAs(id, actor));
  }

  private unshelveAs(id: string, actor: Actor): AlarmView {
    const i = this.get(id);
    if (!i.shelved) throw new ApiError('conflict', `alarm "${id}" is not shelved`);
    this.batch(() => this.unshelveInternal(i, actor.user, this.now(), 'unshelve'));
    return this.view(i);
  }

  private unshelveInternal(i: Instance, user: string | undefined, now: number, ev: 'unshelve' | 'shelve-expired'): void {
    i.shelved = undefined;
    this.shelvedSet.delete(i);
    this.enterAnnunciation(i, ev, now, user, undefined);
  }

  setOutOfService(id: string, outOfService: boolean, actor: Actor, reason: string): AlarmView {
    return this.by(actor, () => this.setOutOfServiceAs(id, outOfService, actor, reason));
  }

  private setOutOfServiceAs(id: string, outOfService: boolean, actor: Actor, reason: string): AlarmView {
    const i = this.get(id);
    const now = this.now();
    this.batch(() => {
      if (outOfService && !i.outOfService) {
        const hidden = !this.annunciated(i);
        i.outOfService = { by: actor.user, at: now, reason };
        if (hidden) {
          this.changed.add(i);
          this.journalEntry(i, 'out-of-service', { from: i.state, to: i.state, user: actor.user, text: reason });
        } else this.leaveAnnunciation(i, 'out-of-service', now, actor.user, reason);
      } else if (!outOfService && i.outOfService) {
        i.outOfService = undefined;
        this.enterAnnunciation(i, 'in-service', now, actor.user, reason);
      }
    });
    return this.view(i);
  }

  comment(id: string, actor: Actor, text: string): AlarmView {
    return this.by(actor, () => this.commentAs(id, actor, text));
  }

  private commentAs(id: string, actor: Actor, text: string): AlarmView {
    const i = this.get(id);
    const t = text.trim();
    if (!t) throw new ApiError('bad-request', 'empty comment', { path: 'text' });
    this.batch(() => this.addComment(i, actor.user, t, this.now(), true));
    return this.view(i);
  }

  private addComment(i: Instance, user: string, text: string, now: number, journal: boolean): void {
    i.comments.push({ ts: now, user, text });
    if (i.comments.length > MAX_COMMENTS) i.comments.shift();
    this.changed.add(i);
    if (journal) this.journalEntry(i, 'comment', { user, text });
  }

  // ------------------------------------------------------------ batching, journal, events

  /** runs fn; at the outermost level, journals and emits what changed */
  private batch(fn: () => void): void {
    this.depth++;
    try {
      fn();
    } finally {
      this.depth--;
      if (this.depth === 0) this.flushBatch();
    }
  }

  private journalEntry(
    i: Instance,
    event: AlarmJournalEvent,
    o: { from?: AlarmState; to?: AlarmState; user?: string; text?: string; value?: PointValue },
  ): void {
    const e: AlarmJournalEntry = {
      ts: this.now(),
      alarmId: i.def.id,
      event,
      priority: i.def.priority,
      class: i.def.class,
      message: i.def.message,
    };
    if (o.from !== undefined) e.from = o.from;
    if (o.to !== undefined) e.to = o.to;
    if (i.asset !== undefined) e.asset = i.asset;
    if (o.user !== undefined) {
      e.user = o.user;
      if (this.acting !== undefined) e.impersonator = this.acting;
    }
    const v = o.value !== undefined ? o.value : i.value;
    if (v !== undefined && v !== null) e.value = v;
    if (o.text !== undefined) e.text = o.text;
    this.entries.push(e);
  }

  private uncount(i: Instance): void {
    if (i.bucket !== undefined) this.bucketCounts.set(i.bucket, (this.bucketCounts.get(i.bucket) ?? 1) - 1);
    i.bucket = undefined;
  }

  private recount(i: Instance): void {
    const b = this.instances.get(i.def.id) === i ? bucketOf(i) : undefined;
    if (b === i.bucket) return;
    this.uncount(i);
    if (b !== undefined) this.bucketCounts.set(b, (this.bucketCounts.get(b) ?? 0) + 1);
    i.bucket = b;
  }

  private flushBatch(): void {
    if (this.entries.length) {
      const entries = this.entries;
      this.entries = [];
      this.journal.append(entries);
      this.emit('alarms.journal', entries);
    }
    if (this.changed.size) {
      const changes: AlarmView[] = [];
      for (const i of this.changed) {
        this.recount(i);
        changes.push(this.view(i));
      }
      this.changed = new Set();
      const annunciate = this.annunciate;
      this.annunciate = [];
      this.emit('alarms.changed', { ts: this.now(), changes, counts: this.counts(), annunciate });
    }
    if (this.floods.dirty) {
      this.floods.dirty = false;
      this.emit('alarms.flood', this.floodStatus());
    }
  }

  // ------------------------------------------------------------ queries

  counts(): AlarmCounts {
    return countsOf(this.bucketCounts);
  }

  view(i: Instance | string): AlarmView {
    return alarmView(typeof i === 'string' ? this.get(i) : i);
  }

  list(q: AlarmListReq = {}): AlarmListRes {
    return { alarms: listAlarms(this.instances.values(), q, (i) => this.annunciated(i)), counts: this.counts(), flood: this.floodStatus() };
  }

  history(q: AlarmHistoryQuery): { entries: AlarmJournalEntry[]; next?: number } {
    return this.journal.query(q);
  }

  exportCsv(q: AlarmHistoryQuery): { filename: string; csv: string; rows: number } {
    const { limit: _l, before: _b, ...rest } = q;
    const { csv, rows } = toCsv(this.journal.iterate(rest));
    const stamp = new Date(this.now()).toISOString().replace(/[:.]/g, '-');
    return { filename: `alarms-${stamp}.csv`, csv, rows };
  }

  /** KPIs of a period from the journal (for long periods run it in a worker: it reads the journal) */
  kpis(from: number, to: number): AlarmKpis {
    const lookback = this.config.staleAfterMs * 7;
    const entries = this.journal.iterate({ from: from - lookback, to });
    return computeAlarmKpis(entries, from, to, {
      flood: this.config.flood,
      staleAfterMs: this.config.staleAfterMs,
    });
  }

  stats(): AlarmEngineStats {
    return {
      definitions: this.instances.size,
      indexedPoints: this.byPoint.size,
      ...this.st,
      pendingDelays: this.pending.size,
      shelved: this.shelvedSet.size,
      runningProcedures: this.procedures.running,
    };
  }
}

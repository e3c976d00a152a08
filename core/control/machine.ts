/**
 * The machine lane: how controllers (core/cycle) and the optimiser write setpoints. People
 * keep the command pipeline (command.ts: reason, re-authentication, select-before-operate,
 * readback, a refusal when out of limits); a machine gets the same limits and interlocks
 * (limits.ts, lane `machine`) applied as a clamp, because a controller asks again next second:
 *
 *   point (known, writable, a number) → permission (the lane's system principal) → asset
 *   state (maintenance / out of service: refused) → limits.ts clamp (BMS, SoC window, ratings,
 *   ramp, contracted power) → engineering range clamp → write if changed (or keep-alive) →
 *   readback from the CVT (the device reports what was written, within a grace period).
 *
 * What it does not do, on purpose:
 *  - audit every second: it audits when the source (which controller decides), the binding
 *    limit rule, a refusal, a failure or the readback state changes — a day of steady peak
 *    shaving is a handful of records, each saying who decided and why;
 *  - take the pipeline's per-point busy lock: an operator's command to the same point is
 *    never refused because the cycle is writing (the lane coalesces its own writes instead:
 *    while one is in flight, only the newest value waits);
 *  - block the cycle: `apply` decides synchronously and starts the writes.
 */
import { splitPointId, type PointId } from '../common/point';
import type { Scheduler } from '../common/clock';
import type { MachineWriteStatus } from '../common/cycle';
import type { AuditEntryInput } from '../common/security';
import { ESS_STATE_CODE, channelPoint, natureChannel } from '../common/natures';
import { Authorizer } from '../security/authorizer';
import { auditActor, type Principal } from '../security/principal';
import { essPowerInput } from './ess-input';
import { essPowerLimit } from './limits';
import type { AssetModel, CommandWriter, PointReader } from './ports';

/** A setpoint a machine asks for (the cycle's merged setpoint has these fields). */
export interface MachineRequest {
  target: PointId;
  value: number;
  /** who decided it: a controller id, "optimiser" */
  source: string;
  why: string;
}

export interface MachineLaneOptions {
  siteId: string;
  model: AssetModel;
  reader: PointReader;
  writer: CommandWriter;
  audit: { append(e: AuditEntryInput): unknown };
  /** the system principal the lane writes as (needs control.setpoint on the site) */
  principal: Principal;
  scheduler: Scheduler;
  /** an unchanged setpoint is written again at least this often (device watchdogs); 0 = every cycle. Default 10 s */
  keepaliveMs?: number;
  /** a change smaller than this is not a change, in the point's unit; default 0.05 */
  deadband?: number;
  /** the device must acknowledge a write within this; default 5 s */
  writeTimeoutMs?: number;
  /** the CVT must report the written value within this; default 5 s */
  readbackMs?: number;
  /** readback tolerance: max(abs, rel·|value|); default 0.5 unit, 1 % */
  tolerance?: { abs: number; rel: number };
}

export interface MachineTargetStatus {
  target: PointId;
  source: string;
  why: string;
  /** what the machine asked for */
  requested: number;
  status: MachineWriteStatus;
  /** the last value written (after clamping) */
  written?: number;
  writtenAt?: number;
  rule?: string;
  message?: string;
  readback: 'pending' | 'ok' | 'mismatch' | 'none';
  /** an operator's command holds the point until then (ms) */
  heldUntil?: number;
}

interface Target extends MachineTargetStatus {
  inFlight: boolean;
  pending?: number;
  auditKey: string;
  /** what the last audit record said (compared every cycle without building the key) */
  audited?: { source: string; notable: string; rule: string | undefined; mismatch: boolean };
  /** the last audit record could not be written: nothing is written until it can (fail closed) */
  auditDown?: boolean;
  /** the target's asset and channel (or why its id is not a point id), worked out once */
  where: { assetId: string; channel: string } | { invalid: string };
  /** the channel's role in the asset's nature, worked out once per nature */
  role?: { nature: string; role: string | undefined; statePoint: PointId };
}

type Decision = { ok: true; value: number; rule?: string; message?: string } | { ok: false; rule: string; message: string };

export class MachineLane {
  private readonly targets = new Map<PointId, Target>();
  private readonly holds = new Map<PointId, { until: number; by: string }>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly authorizer: Authorizer;
  private readonly o: Required<Pick<MachineLaneOptions, 'keepaliveMs' | 'deadband' | 'writeTimeoutMs' | 'readbackMs' | 'tolerance'>>;
  /** audit records written, for tests and the status view */
  audits = 0;
  private readonly listeners = new Set<() => void>();
  /** the site's points as the pipeline reads them (one function, not one per cycle) */
  private readonly read: (id: PointId) => ReturnType<PointReader['get']>;
  /** the permission check's context (the same every cycle) */
  private readonly permission: { readonly siteId: string };

  constructor(private readonly deps: MachineLaneOptions) {
    this.authorizer = new Authorizer(() => deps.scheduler.now());
    this.read = (id) => deps.reader.get(deps.siteId, id);
    this.permission = Object.freeze({ siteId: deps.siteId });
    this.o = {
      keepaliveMs: deps.keepaliveMs ?? 10_000,
      deadband: deps.deadband ?? 0.05,
      writeTimeoutMs: deps.writeTimeoutMs ?? 5_000,
      readbackMs: deps.readbackMs ?? 5_000,
      tolerance: deps.tolerance ?? { abs: 0.5, rel: 0.01 },
    };
  }

  /** One cycle's setpoints: decide each now, start the writes. Never throws, never waits. */
  apply(requests: readonly MachineRequest[], now = this.deps.scheduler.now()): void {
    for (const req of requests) {
      try {
        this.applyOne(req, now);
      } catch (e) {
        // a bug here must not stop the cycle; it shows as a failed setpoint
        this.set(this.target(req), { status: 'failed', rule: 'machine.error', message: (e as Error).message }, req);
      }
    }
  }

  /**
   * An operator's command to a point the lane writes: the lane leaves the point alone until
   * `until` (the operator's value stands), then takes it back. Audited.
   */
  hold(target: PointId, until: number, by: string): void {
    this.holds.set(target, { until, by });
    const t = this.targets.get(target);
    if (t) this.set(t, { status: 'held', heldUntil: until, rule: undefined, readback: 'none', message: `held by ${by} until ${new Date(until).toISOString()}` });
  }

  /** Every target the lane has written or been asked to write. */
  status(): MachineTargetStatus[] {
    return [...this.targets.values()].map(({ inFlight: _i, pending: _p, auditKey: _a, audited: _b, auditDown: _d, where: _w, role: _r, ...s }) => {
      // a field the lane cleared is left out, as if never set
      for (const k of Object.keys(s) as Array<keyof MachineTargetStatus>) if (s[k] === undefined) delete s[k];
      return s;
    });
  }

  /** called when a target's source, state or binding rule changes (the audited changes) */
  onChange(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** a write is in flight */
  get busy(): boolean {
    return this.inFlight.size > 0;
  }

  /** Resolves when no write is in flight (stop, tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  // ---------------------------------------------------------------- internals

  private target(req: MachineRequest): Target {
    let t = this.targets.get(req.target);
    if (!t) {
      t = { target: req.target, source: req.source, why: req.why, requested: req.value, status: 'unchanged', readback: 'none', inFlight: false, auditKey: '', where: where(req.target) };
      this.targets.set(req.target, t);
    }
    return t;
  }

  private applyOne(req: MachineRequest, now: number): void {
    const t = this.target(req);
    const hold = this.holds.get(req.target);
    if (hold && hold.until > now) return this.set(t, { status: 'held', heldUntil: hold.until, rule: undefined, readback: 'none', message: `held by ${hold.by} until ${new Date(hold.until).toISOString()}` }, req);
    if (hold) this.holds.delete(req.target);
    this.checkReadback(t, now);

    const d = this.decide(req, t, now);
    if (!d.ok) return this.set(t, { status: 'refused', rule: d.rule, message: d.message, heldUntil: undefined }, req);
    if (t.inFlight) {
      t.pending = d.value;
      return this.decided(t, d, 'queued', req);
    }
    const same = t.written !== undefined && Math.abs(d.value - t.written) <= this.o.deadband;
    const fresh = t.writtenAt !== undefined && now - t.writtenAt < this.o.keepaliveMs;
    if (same && fresh && t.status !== 'failed' && t.status !== 'held' && t.status !== 'refused')
      return this.decided(t, d, 'unchanged', req);
    this.decided(t, d, 'written', req);
    if (t.auditDown) return this.set(t, { status: 'failed', rule: 'audit.unavailable', message: 'the audit log cannot be written: nothing is sent to the device' });
    this.write(t, d.value, now);
  }

  private decide(req: MachineRequest, t: Target, now: number): Decision {
    const { siteId, model, reader } = this.deps;
    const w = t.where;
    if ('invalid' in w) return refused('point.invalid', w.invalid);
    const { assetId, channel } = w;
    const point = model.point(siteId, req.target);
    const asset = model.asset(siteId, assetId);
    if (!point || !asset) return refused('point.unknown', `no point ${req.target} on site ${siteId}`);
    if (point.access !== 'rw') return refused('point.read-only', `${req.target} is read-only`);
    if (point.type !== 'number') return refused('value.type', `${req.target} does not take a number`);
    if (!Number.isFinite(req.value)) return refused('value.not-finite', `${req.source} asked for ${String(req.value)} on ${req.target}: not a number`);
    const perm = this.authorizer.check(this.deps.principal, 'control.setpoint', this.permission);
    if (!perm.allowed) return refused(perm.rule, perm.message);
    if (asset.state !== 'in-service') return refused(asset.state === 'maintenance' ? 'asset.maintenance' : 'asset.out-of-service', `${assetId} is ${asset.state.replace(/-/g, ' ')}`);

    let value = req.value;
    let rule: string | undefined;
    let message: string | undefined;
    let known = t.role;
    if (known?.nature !== asset.nature) t.role = known = { nature: asset.nature, role: natureChannel(asset.nature, channel)?.role, statePoint: channelPoint('Ess', assetId, 'State') };
    const role = known.role;
    if (asset.nature === 'Ess') {
      const st = reader.get(siteId, known.statePoint);
      if (st && st.quality.level === 'good' && st.value === ESS_STATE_CODE.Maintenance) return refused('asset.maintenance', `${assetId} reports maintenance mode`);
    }
    if (asset.nature === 'Ess' && role === 'power-setpoint') {
      const last = t.written !== undefined && t.writtenAt !== undefined ? { kw: t.written, ageS: Math.max(0, now - t.writtenAt) / 1000 } : undefined;
      const input = essPowerInput(this.read, assetId, asset, model.pcc(siteId), last);
      const lim = essPowerLimit('machine', input, value);
      if (!lim.ok) return refused(lim.rule, lim.message);
      value = lim.valueKw;
      if (lim.binding) ({ rule, message } = lim.binding);
    } else if (role === 'power-limit') {
      const rated = asset.rating?.powerKw;
      const v = Math.max(0, rated !== undefined ? Math.min(rated, value) : value);
      if (v !== value) ({ rule, message } = { rule: 'limit.rating', message: `${req.value} is outside 0..${rated ?? '∞'} ${point.unit} for ${req.target}; limited to ${v}` });
      value = v;
    }
    const lo = point.min ?? Number.NEGATIVE_INFINITY;
    const hi = point.max ?? Number.POSITIVE_INFINITY;
    if (value < lo || value > hi) {
      const v = Math.min(hi, Math.max(lo, value));
      rule = 'value.range';
      message = `${round(value)} ${point.unit} is outside ${point.min ?? '-∞'}..${point.max ?? '∞'} ${point.unit} for ${req.target}; limited to ${round(v)}`;
      value = v;
    }
    const ok: Decision = { ok: true, value };
    if (rule !== undefined) ok.rule = rule;
    if (message !== undefined) ok.message = message;
    return ok;
  }

  private write(t: Target, value: number, now: number): void {
    t.inFlight = true;
    t.pending = undefined;
    t.written = value;
    t.writtenAt = now;
    t.readback = 'pending';
    const writeNow = this.deps.writer.writeNow;
    if (writeNow) {
      // completed (or failed) before it returns: no promise, no timeout, nothing in flight
      try {
        writeNow.call(this.deps.writer, this.deps.siteId, t.target, value);
      } catch (e) {
        t.inFlight = false;
        t.readback = 'none';
        this.set(t, { status: 'failed', rule: 'write.failed', message: `write to ${t.target} failed: ${(e as Error).message}` });
        return;
      }
      t.inFlight = false;
      if (t.status === 'failed') this.set(t, { status: 'written', message: undefined });
      return;
    }
    const p = this.timed(this.deps.writer.write(this.deps.siteId, t.target, value))
      .then(
        () => {
          if (t.status === 'failed') this.set(t, { status: 'written', message: undefined });
        },
        (e: unknown) => {
          t.readback = 'none';
          this.set(t, { status: 'failed', rule: 'write.failed', message: `write to ${t.target} failed: ${(e as Error).message}` });
        },
      )
      .finally(() => {
        t.inFlight = false;
        this.inFlight.delete(p);
        const next = t.pending;
        if (next !== undefined && t.status !== 'held') {
          t.status = 'written';
          this.write(t, next, this.deps.scheduler.now());
        }
      });
    this.inFlight.add(p);
  }

  private timed<T>(p: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const cancel = this.deps.scheduler.setTimeout(() => reject(new Error(`no acknowledgement within ${this.o.writeTimeoutMs} ms`)), this.o.writeTimeoutMs);
      p.then(
        (v) => {
          cancel();
          resolve(v);
        },
        (e: unknown) => {
          cancel();
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  /** readback from the CVT: the device reports the written value within the grace period */
  private checkReadback(t: Target, now: number): void {
    if (t.readback !== 'pending' || t.written === undefined || t.writtenAt === undefined || t.inFlight) return;
    const r = this.deps.reader.get(this.deps.siteId, t.target);
    const tol = Math.max(this.o.tolerance.abs, this.o.tolerance.rel * Math.abs(t.written));
    if (r && r.quality.level === 'good' && typeof r.value === 'number' && Math.abs(r.value - t.written) <= tol) {
      this.set(t, { readback: 'ok' });
      return;
    }
    if (now - t.writtenAt > this.o.readbackMs)
      this.set(t, { readback: 'mismatch', message: `${t.target} reads ${r ? String(r.value) : 'nothing'} ${Math.round(this.o.readbackMs / 100) / 10} s after ${round(t.written)} was written` });
  }

  /** a decided setpoint (every cycle): `set` without building a patch object */
  private decided(t: Target, d: { rule?: string; message?: string }, status: MachineWriteStatus, req: MachineRequest): void {
    t.requested = req.value;
    t.source = req.source;
    t.why = req.why;
    t.rule = d.rule;
    t.message = d.message;
    t.heldUntil = undefined;
    t.status = status;
    this.changed(t);
  }

  /** updates a target and audits when what matters to a person changed */
  private set(t: Target, patch: Partial<MachineTargetStatus>, req?: MachineRequest): void {
    if (req) {
      t.requested = req.value;
      t.source = req.source;
      t.why = req.why;
    }
    // a cleared field is set to undefined, not deleted (status() leaves it out): deleting
    // would turn the target into a slow dictionary object, and this runs every cycle
    Object.assign(t, patch);
    this.changed(t);
  }

  /** audits the target when what matters to a person changed */
  private changed(t: Target): void {
    const notable = t.status === 'refused' || t.status === 'failed' || t.status === 'held' ? t.status : 'active';
    const mismatch = t.readback === 'mismatch';
    const a = t.audited;
    if (a && a.source === t.source && a.notable === notable && a.rule === t.rule && a.mismatch === mismatch) return;
    t.audited = { source: t.source, notable, rule: t.rule, mismatch };
    const key = `${t.source}|${notable}|${t.rule ?? ''}|${mismatch ? 'mismatch' : ''}`;
    if (key === t.auditKey) return;
    const before = t.auditKey;
    t.auditKey = key;
    this.audits++;
    for (const l of this.listeners) {
      try {
        l();
      } catch (e) {
        console.error(`machine lane: a change listener failed: ${(e as Error).message}`);
      }
    }
    try {
      const p = this.deps.principal;
      this.deps.audit.append({
        type: 'control.machine',
        ...auditActor(p),
        siteId: this.deps.siteId,
        assetId: splitPointId(t.target).assetId,
        target: t.target,
        outcome: notable === 'refused' ? 'refused' : notable === 'failed' || t.readback === 'mismatch' ? 'failed' : 'info',
        reason: `automatic:${t.source}`,
        rule: t.rule ?? null,
        before: before ? describeKey(before) : null,
        after: { source: t.source, state: notable, rule: t.rule ?? null, requested: t.requested, written: t.written ?? null, readback: t.readback },
        details: { why: t.why, ...(t.message ? { message: t.message } : {}) },
      });
      t.auditDown = false;
    } catch (e) {
      // fail closed, as the pipeline does: no write until the change is on record (retried next cycle)
      t.auditKey = before;
      t.audited = undefined;
      if (!t.auditDown) console.error(`machine lane: audit failed: ${(e as Error).message}`);
      t.auditDown = true;
    }
  }
}

function where(target: PointId): Target['where'] {
  try {
    return splitPointId(target);
  } catch (e) {
    return { invalid: (e as Error).message };
  }
}

function refused(rule: string, message: string): Decision {
  return { ok: false, rule, message };
}

function describeKey(key: string): { source: string; state: string; rule: string | null } {
  const [source = '', state = '', rule = ''] = key.split('|');
  return { source, state, rule: rule || null };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

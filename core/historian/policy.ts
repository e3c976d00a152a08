/**
 * Recording policies: which of the samples the core hands over are kept. One PolicyState per
 * point, in memory. Every mode records a change of quality at once (and the held snapshot
 * before it, for swinging-door), so a quality transition is always visible in the archive.
 */
import type { HistorianConfig, PolicyRule, RecordingPolicy } from '../common/historian';
import type { PointValue } from '../common/point';

export type Emit = (ts: number, value: PointValue, q: number) => void;

export interface PolicyState {
  /** offers one sample (ts strictly increasing); calls `emit` for every sample to store */
  offer(ts: number, value: PointValue, q: number, emit: Emit): void;
  /** stores a held sample, if any (swinging-door snapshot); called on close */
  flush(emit: Emit): void;
}

const isNum = (v: PointValue): v is number => typeof v === 'number' && Number.isFinite(v);

class AllPolicy implements PolicyState {
  offer(ts: number, value: PointValue, q: number, emit: Emit): void {
    emit(ts, value, q);
  }
  flush(): void {}
}

class CyclicPolicy implements PolicyState {
  private slot = Number.NaN;
  private q = -1;
  constructor(private readonly periodMs: number) {}
  offer(ts: number, value: PointValue, q: number, emit: Emit): void {
    const slot = Math.floor(ts / this.periodMs);
    if (slot !== this.slot || q !== this.q) {
      this.slot = slot;
      this.q = q;
      emit(ts, value, q);
    }
  }
  flush(): void {}
}

class DeadbandPolicy implements PolicyState {
  private lastT = Number.NaN;
  private lastV: PointValue = null;
  private lastQ = -1;
  constructor(
    private readonly abs: number | undefined,
    private readonly pct: number | undefined,
    private readonly maxIntervalMs: number,
  ) {}
  offer(ts: number, value: PointValue, q: number, emit: Emit): void {
    let rec = Number.isNaN(this.lastT) || q !== this.lastQ || ts - this.lastT >= this.maxIntervalMs;
    if (!rec) {
      const last = this.lastV;
      if (isNum(value) && isNum(last)) {
        const d = Math.abs(value - last);
        rec = (this.abs !== undefined && d > this.abs) || (this.pct !== undefined && d > (this.pct / 100) * Math.abs(last));
      } else rec = value !== last && !(Number.isNaN(value) && Number.isNaN(last));
    }
    if (rec) {
      this.lastT = ts;
      this.lastV = value;
      this.lastQ = q;
      emit(ts, value, q);
    }
  }
  flush(): void {}
}

/**
 * Swinging door (PI "compression"): a sample is dropped only while one straight line from the
 * last archived sample can pass within `deviation` of every dropped sample. When the newest
 * sample can no longer be reached that way, the held snapshot (the sample before it) is
 * archived and becomes the new pivot. `maxIntervalMs` archives the snapshot at least that often.
 */
export class SwingingDoorPolicy implements PolicyState {
  private aT = Number.NaN;
  private aV = 0;
  private q = -1;
  private hasS = false;
  private sT = 0;
  private sV: PointValue = null;
  private lo = -Infinity;
  private hi = Infinity;
  constructor(
    private readonly dev: number,
    private readonly maxIntervalMs: number,
  ) {}

  private archive(t: number, v: number, q: number, emit: Emit): void {
    emit(t, v, q);
    this.aT = t;
    this.aV = v;
    this.lo = -Infinity;
    this.hi = Infinity;
  }

  private widen(t: number, v: number): void {
    const dt = t - this.aT;
    const up = (v + this.dev - this.aV) / dt;
    const dn = (v - this.dev - this.aV) / dt;
    if (up < this.hi) this.hi = up;
    if (dn > this.lo) this.lo = dn;
  }

  offer(ts: number, value: PointValue, q: number, emit: Emit): void {
    if (!isNum(value) || Number.isNaN(this.aT) || q !== this.q) {
      // not compressible (first sample, quality change, non-numeric): archive snapshot + sample
      if (this.hasS) emit(this.sT, this.sV, this.q);
      this.hasS = false;
      this.q = q;
      if (isNum(value)) this.archive(ts, value, q, emit);
      else {
        emit(ts, value, q);
        this.aT = Number.NaN;
      }
      return;
    }
    if (!this.hasS) {
      this.hasS = true;
      this.sT = ts;
      this.sV = value;
      this.widen(ts, value);
      if (ts - this.aT >= this.maxIntervalMs) {
        this.hasS = false;
        this.archive(ts, value, q, emit);
      }
      return;
    }
    const slope = (value - this.aV) / (ts - this.aT);
    if (slope < this.lo || slope > this.hi || ts - this.aT > this.maxIntervalMs) {
      this.archive(this.sT, this.sV as number, q, emit);
    }
    this.sT = ts;
    this.sV = value;
    this.widen(ts, value);
  }

  flush(emit: Emit): void {
    if (this.hasS) this.archive(this.sT, this.sV as number, this.q, emit);
    this.hasS = false;
  }
}

export function createPolicyState(p: RecordingPolicy): PolicyState {
  const maxI = p.maxIntervalMs ?? Number.POSITIVE_INFINITY;
  switch (p.mode) {
    case 'all':
      return new AllPolicy();
    case 'cyclic':
      return new CyclicPolicy(p.periodMs ?? 1000);
    case 'deadband':
      return new DeadbandPolicy(p.deadbandAbs, p.deadbandPct, maxI);
    case 'swinging-door':
      return new SwingingDoorPolicy(p.deviation ?? 0, maxI);
  }
}

// ------------------------------------------------------------------ policy resolution

const globCache = new Map<string, RegExp>();
export function globMatch(glob: string, s: string): boolean {
  let re = globCache.get(glob);
  if (!re) {
    re = new RegExp(
      '^' +
        glob
          .split('')
          .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&')))
          .join('') +
        '$',
    );
    globCache.set(glob, re);
  }
  return re.test(s);
}

/** Point metadata the historian may use to match rules (from the site model). */
export type NatureOf = (assetId: string) => string | undefined;

function ruleMatches(rule: PolicyRule, id: string, natureOf: NatureOf | undefined): boolean {
  const slash = id.indexOf('/');
  const asset = slash > 0 ? id.slice(0, slash) : id;
  const channel = slash > 0 ? id.slice(slash + 1) : '';
  const m = rule.match;
  if (m.points && !m.points.some((g) => globMatch(g, id))) return false;
  if (m.assets && !m.assets.some((g) => globMatch(g, asset))) return false;
  if (m.channels && !m.channels.some((g) => globMatch(g, channel))) return false;
  if (m.natures) {
    const n = natureOf?.(asset);
    if (n === undefined || !m.natures.includes(n)) return false;
  }
  return true;
}

/** The policy of a point: the first matching rule, else the default. */
export function resolvePolicy(cfg: Pick<HistorianConfig, 'default' | 'policies'>, id: string, natureOf?: NatureOf): RecordingPolicy {
  for (const r of cfg.policies) {
    if (ruleMatches(r, id, natureOf)) {
      const { match: _m, name: _n, ...policy } = r;
      return policy;
    }
  }
  return cfg.default;
}

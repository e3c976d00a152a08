/**
 * The Current Value Table: the latest value and quality of every point. Bridges publish
 * batches of samples; the CVT derives quality (out-of-range, stale), keeps timestamps and
 * hands changes to subscribers in batches on a flush interval, never one message per point.
 */
// straight from the defining modules, not the core/common index: every publish reads these,
// and each access through a re-export is one more getter call per point
import { GOOD, qualityEquals, type Quality, type TimeQuality } from '../common/quality';
import { toUpdate, type PointId, type PointMeta, type PointState, type PointUpdate } from '../common/point';
import type { PointSample, PointSink } from '../common/bridge';
import { realScheduler, type Cancel, type Scheduler } from '../common/clock';

export interface CvtOptions {
  /** how often changes are pushed to subscribers, ms (default 100): the longest a change waits */
  flushMs?: number;
  /**
   * Push changes soon after a bridge publishes them instead of waiting for the next flush tick:
   * at most this long after the previous push (so at most 1000 / flushSoonMs pushes a second).
   * Off when undefined. Only while started. The host sets it so a value reaches the screens
   * with the pipeline's own latency, not a random share of the flush period.
   */
  flushSoonMs?: number;
  /** how often stale points are looked for, ms (default 500) */
  staleCheckMs?: number;
  /** default stale time when a point has none: ms since last sample (default 5000) */
  defaultStaleMs?: number;
  /** stale time per point id (e.g. 3 x its device's poll period) */
  staleMs?: ReadonlyMap<PointId, number>;
  now?: () => number;
  /** clock and timers (flush, stale check); default the real ones. A virtual one runs the CVT faster than real time. */
  scheduler?: Scheduler;
  /**
   * A subscriber threw. Every listener is guarded, so one failing listener (the alarm
   * engine, the historian) never breaks a bridge's poll or the other listeners; the host
   * turns the error into a system alarm. Default: console.error.
   */
  onListenerError?: (err: unknown, listener: 'changes' | 'raw' | 'samples') => void;
}

export type CvtListener = (updates: PointUpdate[]) => void;

const INITIAL: Quality = Object.freeze({ level: 'bad', reason: 'initial' }) as Quality;
const STALE: Quality = Object.freeze({ level: 'uncertain', reason: 'stale' }) as Quality;
const DEVICE_BAD: Quality = Object.freeze({ level: 'bad', reason: 'device' }) as Quality;
const OUT_OF_RANGE: Quality = Object.freeze({ level: 'uncertain', reason: 'out-of-range' }) as Quality;

interface Entry {
  state: PointState;
  meta: PointMeta;
  staleMs: number;
  /** quality as reported by the bridge, before the CVT's own derivations */
  sourceQuality: Quality;
}

export class CurrentValueTable implements PointSink {
  private readonly entries = new Map<PointId, Entry>();
  private readonly dirty = new Set<PointId>();
  private readonly listeners = new Set<CvtListener>();
  private readonly rawListeners = new Set<(states: readonly PointState[]) => void>();
  private readonly sampleListeners = new Set<(states: readonly PointState[]) => void>();
  private readonly openSnapshots = new Set<CvtSnapshot>();
  private flushTimer: Cancel | undefined;
  private soonTimer: Cancel | undefined;
  private lastFlushAt = -Infinity;
  private staleTimer: Cancel | undefined;
  private readonly scheduler: Scheduler;
  private readonly now: () => number;
  private readonly flushMs: number;

  constructor(metas: readonly PointMeta[], private readonly opts: CvtOptions = {}) {
    this.scheduler = opts.scheduler ?? realScheduler;
    this.now = opts.now ?? (() => this.scheduler.now());
    this.flushMs = opts.flushMs ?? 100;
    const t = this.now();
    for (const meta of metas) {
      if (this.entries.has(meta.id)) throw new Error(`duplicate point id "${meta.id}"`);
      this.entries.set(meta.id, {
        meta,
        staleMs: opts.staleMs?.get(meta.id) ?? opts.defaultStaleMs ?? 5000,
        sourceQuality: INITIAL,
        state: { id: meta.id, value: null, quality: INITIAL, ts: 0, rts: t },
      });
    }
  }

  /** Starts the flush and stale timers. */
  start(): void {
    this.flushTimer ??= this.scheduler.setInterval(() => this.flush(), this.flushMs);
    this.staleTimer ??= this.scheduler.setInterval(() => this.checkStale(), this.opts.staleCheckMs ?? 500);
  }

  stop(): void {
    this.flushTimer?.();
    this.staleTimer?.();
    this.soonTimer?.();
    this.flushTimer = undefined;
    this.staleTimer = undefined;
    this.soonTimer = undefined;
    this.flush();
  }

  /** after a publish with changes: push them within flushSoonMs of the previous push */
  private flushSoon(): void {
    const gap = this.opts.flushSoonMs;
    if (gap === undefined || this.soonTimer || !this.flushTimer) return;
    const wait = Math.max(0, this.lastFlushAt + gap - this.scheduler.now());
    this.soonTimer = this.scheduler.setTimeout(() => {
      this.soonTimer = undefined;
      this.flush();
    }, wait);
  }

  metas(): PointMeta[] {
    return [...this.entries.values()].map((e) => e.meta);
  }

  meta(id: PointId): PointMeta | undefined {
    return this.entries.get(id)?.meta;
  }

  get(id: PointId): PointState | undefined {
    return this.entries.get(id)?.state;
  }

  /**
   * The table frozen at this moment, for a controller cycle. Copy on read and on write: a
   * point is copied (frozen) when the snapshot first reads it, or just before a later sample
   * or stale mark changes it while the snapshot is open — so a cycle that reads 7 points of
   * 10,000 copies 7, and still never sees a value change under it. `release()` it when done
   * (an open snapshot holds at most one copy of each point).
   */
  snapshot(): CvtSnapshot {
    const snap = new CvtSnapshot(this.entries, this.openSnapshots);
    this.openSnapshots.add(snap);
    return snap;
  }

  size(): number {
    return this.entries.size;
  }

  /** Bridges call this once per poll with every sample of the poll. Unknown ids are ignored. */
  publish(samples: readonly PointSample[]): void {
    const rts = this.now();
    // the batches are built only for listeners that exist (a study or a test may have none)
    const changed: PointState[] | undefined = this.rawListeners.size > 0 ? [] : undefined;
    const all: PointState[] | undefined = this.sampleListeners.size > 0 ? [] : undefined;
    const snapshots = this.openSnapshots.size > 0;
    let changes = 0;
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      const e = this.entries.get(s.id);
      if (!e) continue;
      // last guard: a non-finite number (NaN, ±Infinity) from any source is bad (device), no value
      const nonFinite = typeof s.value === 'number' && !Number.isFinite(s.value);
      const value = nonFinite ? null : s.value;
      e.sourceQuality = nonFinite ? DEVICE_BAD : s.quality;
      const quality = this.derive(e, value, e.sourceQuality);
      const st = e.state;
      if (snapshots) this.preserve(s.id, st);
      const isChange = st.value !== value || !qualityEquals(st.quality, quality) || !sameTimeQuality(st.tq, s.tq);
      st.value = value;
      st.quality = quality;
      st.ts = s.ts;
      st.rts = rts;
      if (s.tq) st.tq = s.tq;
      else if (st.tq !== undefined) delete st.tq;
      all?.push(st);
      if (isChange) {
        this.dirty.add(s.id);
        changed?.push(st);
        changes++;
      }
    }
    if (changed && changed.length > 0) this.deliver(this.rawListeners, changed, 'raw');
    if (all && all.length > 0) this.deliver(this.sampleListeners, all, 'samples');
    if (changes > 0) this.flushSoon();
  }

  private deliver(set: ReadonlySet<(states: readonly PointState[]) => void>, states: readonly PointState[], which: 'raw' | 'samples'): void {
    for (const l of set) {
      try {
        l(states);
      } catch (err) {
        this.listenerFailed(err, which);
      }
    }
  }

  private listenerFailed(err: unknown, which: 'changes' | 'raw' | 'samples'): void {
    try {
      (this.opts.onListenerError ?? ((e) => console.error(`cvt ${which} listener failed:`, e)))(err, which);
    } catch (e) {
      console.error('cvt: reporting a listener failure failed:', e, 'while reporting:', err);
    }
  }

  /** Subscribe to batched changes (one call per flush). */
  subscribe(listener: CvtListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Subscribe to every changed state at once, synchronously (historian, alarm engine). */
  subscribeRaw(listener: (states: readonly PointState[]) => void): () => void {
    this.rawListeners.add(listener);
    return () => this.rawListeners.delete(listener);
  }

  /**
   * Subscribe to every sample as it arrives, changed or not, and to quality changes the CVT
   * derives (stale): the historian's cyclic and heartbeat policies need the unchanged ones too.
   */
  subscribeSamples(listener: (states: readonly PointState[]) => void): () => void {
    this.sampleListeners.add(listener);
    return () => this.sampleListeners.delete(listener);
  }

  /** Pushes pending changes now. */
  flush(): void {
    if (this.dirty.size === 0) return;
    this.lastFlushAt = this.scheduler.now();
    if (this.listeners.size === 0) {
      this.dirty.clear();
      return;
    }
    const batch: PointUpdate[] = [];
    for (const id of this.dirty) {
      const e = this.entries.get(id);
      if (e) batch.push(toUpdate(e.state));
    }
    this.dirty.clear();
    for (const l of this.listeners) {
      try {
        l(batch);
      } catch (err) {
        this.listenerFailed(err, 'changes');
      }
    }
  }

  /** Marks points whose last sample is older than their stale time. */
  checkStale(): void {
    const t = this.now();
    let changed: PointState[] | undefined;
    for (const e of this.entries.values()) {
      const st = e.state;
      if (st.quality.level !== 'good' && st.quality.reason !== 'out-of-range') continue;
      if (st.ts === 0 || t - st.rts <= e.staleMs) continue;
      if (this.openSnapshots.size > 0) this.preserve(st.id, st);
      st.quality = STALE;
      this.dirty.add(st.id);
      (changed ??= []).push(st);
    }
    if (changed) {
      this.deliver(this.rawListeners, changed, 'raw');
      this.deliver(this.sampleListeners, changed, 'samples');
    }
  }

  /** an open snapshot that has not read the point yet keeps it as it is now, before it changes */
  private preserve(id: PointId, st: PointState): void {
    for (const snap of this.openSnapshots) snap.keep(id, st);
  }

  private derive(e: Entry, value: PointSample['value'], q: Quality): Quality {
    if (q.level !== 'good') return q;
    if (typeof value === 'number') {
      if ((e.meta.min !== undefined && value < e.meta.min) || (e.meta.max !== undefined && value > e.meta.max)) return OUT_OF_RANGE;
    }
    return GOOD;
  }
}

/** A frozen view of the CVT at one moment (`CurrentValueTable.snapshot()`). */
export class CvtSnapshot {
  private readonly taken = new Map<PointId, Readonly<PointState>>();
  private released = false;

  constructor(
    private readonly entries: ReadonlyMap<PointId, { state: PointState }>,
    private readonly open: Set<CvtSnapshot>,
  ) {}

  /** the point as it was when the snapshot was taken (a frozen copy); undefined for an unknown id */
  get(id: PointId): Readonly<PointState> | undefined {
    const kept = this.taken.get(id);
    if (kept !== undefined) return kept;
    const e = this.entries.get(id);
    if (!e) return undefined;
    if (this.released) throw new Error(`a released CVT snapshot was read (${id}): take a new one`);
    const copy = frozen(e.state);
    this.taken.set(id, copy);
    return copy;
  }

  has(id: PointId): boolean {
    return this.entries.has(id);
  }

  get size(): number {
    return this.entries.size;
  }

  /** the CVT stops keeping points for this snapshot; what it has read stays readable */
  release(): void {
    this.released = true;
    this.open.delete(this);
  }

  /** @internal the CVT is about to change `id`: keep it as it is, unless already read */
  keep(id: PointId, st: PointState): void {
    if (!this.taken.has(id)) this.taken.set(id, frozen(st));
  }
}

function frozen(st: PointState): Readonly<PointState> {
  const copy: PointState = { id: st.id, value: st.value, quality: st.quality, ts: st.ts, rts: st.rts };
  if (st.tq !== undefined) copy.tq = st.tq;
  return Object.freeze(copy);
}

function sameTimeQuality(a: TimeQuality | undefined, b: TimeQuality | undefined): boolean {
  if (!a || !b) return a === b;
  return a.leapSecondsKnown === b.leapSecondsKnown && a.clockFailure === b.clockFailure && a.clockNotSynchronized === b.clockNotSynchronized && a.accuracyBits === b.accuracyBits;
}

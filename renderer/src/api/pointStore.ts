/**
 * Live point values outside React. Batches from 'points.changed' are applied in one pass; only
 * the listeners of the ids that changed are notified (once per id per batch), so a screen with
 * 40 visible values does 40 notifications however many of the site's 10,000 points changed.
 *
 * Client-side staleness: while the connection to the core is down (`setLive(false)`) every
 * snapshot carries quality bad/comm-fail; a point returns to its own quality only when fresh
 * data for it arrives after the reconnect.
 */
import type { PointId, PointMeta, PointState, PointUpdate } from '../../../core/common/point';
import type { Quality } from '../../../core/common/quality';

export const COMM_LOST: Quality = Object.freeze({ level: 'bad', reason: 'comm-fail' }) as Quality;

type Listener = () => void;

export interface BatchStats {
  /** updates applied in total */
  applied: number;
  /** updates dropped because an equal-or-newer value was already held */
  dropped: number;
  batches: number;
  lastBatchAt: number;
}

export class PointStore {
  /** last value received from the core */
  private readonly raw = new Map<PointId, PointState>();
  /** what the UI sees (raw, or raw with COMM_LOST while not live) */
  private readonly view = new Map<PointId, PointState>();
  private readonly listeners = new Map<PointId, Set<Listener>>();
  private readonly metaListeners = new Set<Listener>();
  private readonly batchListeners = new Set<(count: number) => void>();
  private metaById = new Map<PointId, PointMeta>();
  private metaList: readonly PointMeta[] = [];
  private live = true;
  /** per batch, stamps ids already queued for notification (dedupe without a Set) */
  private stamp = 0;
  private readonly stamped = new Map<PointId, number>();
  readonly stats: BatchStats = { applied: 0, dropped: 0, batches: 0, lastBatchAt: 0 };

  constructor(private readonly now: () => number = Date.now) {}

  // ---------------------------------------------------------------- values

  get(id: PointId): PointState | undefined {
    return this.view.get(id);
  }

  get isLive(): boolean {
    return this.live;
  }

  get size(): number {
    return this.raw.size;
  }

  subscribe(id: PointId, listener: Listener): () => void {
    let set = this.listeners.get(id);
    if (!set) {
      set = new Set();
      this.listeners.set(id, set);
    }
    set.add(listener);
    return () => {
      const s = this.listeners.get(id);
      if (!s) return;
      s.delete(listener);
      if (s.size === 0) this.listeners.delete(id);
    };
  }

  /** Called after every applied batch with the number of updates applied. */
  onBatch(listener: (count: number) => void): () => void {
    this.batchListeners.add(listener);
    return () => {
      this.batchListeners.delete(listener);
    };
  }

  /** Apply one 'points.changed' batch. Returns the number of updates applied. */
  applyBatch(updates: readonly PointUpdate[]): number {
    const stamp = ++this.stamp;
    const toNotify: Set<Listener>[] = [];
    let applied = 0;
    for (let i = 0; i < updates.length; i++) {
      const u = updates[i]!;
      const state: PointState = u.tq ? { id: u.id, value: u.v, quality: u.q, ts: u.ts, rts: u.rts, tq: u.tq } : { id: u.id, value: u.v, quality: u.q, ts: u.ts, rts: u.rts };
      if (this.put(state)) {
        applied++;
        const set = this.listeners.get(u.id);
        if (set !== undefined && this.stamped.get(u.id) !== stamp) {
          this.stamped.set(u.id, stamp);
          toNotify.push(set);
        }
      }
    }
    this.finishBatch(updates.length, applied, toNotify);
    return applied;
  }

  /** Apply full states (e.g. the answer of 'points.read'). Returns the number applied. */
  applyStates(states: readonly PointState[]): number {
    const stamp = ++this.stamp;
    const toNotify: Set<Listener>[] = [];
    let applied = 0;
    for (let i = 0; i < states.length; i++) {
      const s = states[i]!;
      if (this.put(s)) {
        applied++;
        const set = this.listeners.get(s.id);
        if (set !== undefined && this.stamped.get(s.id) !== stamp) {
          this.stamped.set(s.id, stamp);
          toNotify.push(set);
        }
      }
    }
    this.finishBatch(states.length, applied, toNotify);
    return applied;
  }

  /**
   * Connection to the core up or down. Going down marks every value COMM (bad/comm-fail) and
   * notifies everyone; going up changes nothing until fresh values arrive.
   */
  setLive(live: boolean): void {
    if (this.live === live) return;
    this.live = live;
    if (live) return;
    const toNotify: Set<Listener>[] = [];
    for (const [id, s] of this.raw) {
      this.view.set(id, { ...s, quality: COMM_LOST });
      const set = this.listeners.get(id);
      if (set) toNotify.push(set);
    }
    // points that never had a value are COMM too
    for (const [id, set] of this.listeners) if (!this.raw.has(id)) toNotify.push(set);
    notifyAll(toNotify);
  }

  /** Whether a point has received a value since the connection came (back) up. */
  isFresh(id: PointId): boolean {
    const v = this.view.get(id);
    return v !== undefined && v.quality !== COMM_LOST;
  }

  // ---------------------------------------------------------------- metadata

  setMeta(list: readonly PointMeta[]): void {
    this.metaList = list;
    this.metaById = new Map(list.map((m) => [m.id, m]));
    for (const l of [...this.metaListeners]) l();
  }

  getMeta(id: PointId): PointMeta | undefined {
    return this.metaById.get(id);
  }

  /** Stable array (same identity until setMeta) for useSyncExternalStore. */
  getMetaList = (): readonly PointMeta[] => this.metaList;

  subscribeMeta = (listener: Listener): (() => void) => {
    this.metaListeners.add(listener);
    return () => {
      this.metaListeners.delete(listener);
    };
  };

  // ---------------------------------------------------------------- internals

  /** Store one state unless an equal-or-newer one is held (out-of-order protection). */
  private put(s: PointState): boolean {
    const prev = this.raw.get(s.id);
    if (prev !== undefined && s.rts < prev.rts) {
      this.stats.dropped++;
      return false;
    }
    this.raw.set(s.id, s);
    this.view.set(s.id, this.live ? s : { ...s, quality: COMM_LOST });
    return true;
  }

  private finishBatch(received: number, applied: number, toNotify: Set<Listener>[]): void {
    this.stats.applied += applied;
    this.stats.batches++;
    this.stats.lastBatchAt = this.now();
    if (this.stamp > 1e9) {
      this.stamp = 0;
      this.stamped.clear();
    }
    notifyAll(toNotify);
    if (received > 0) for (const l of [...this.batchListeners]) l(applied);
  }
}

function notifyAll(sets: Set<Listener>[]): void {
  for (let i = 0; i < sets.length; i++) {
    for (const l of sets[i]!) {
      try {
        l();
      } catch (e) {
        console.error('[esm] point listener threw', e);
      }
    }
  }
}

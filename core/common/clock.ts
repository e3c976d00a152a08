/**
 * Time as a dependency. Everything in the core that reads the time or runs a timer takes a
 * `Scheduler` (or just a `Clock`), so that:
 *  - tests need no sleeps: a `VirtualScheduler` is advanced by hand;
 *  - study mode can run the plant, the control cycle and the historian faster than real
 *    time on one virtual clock (a simulated day in well under a second).
 *
 * `realScheduler` is the wall clock and the host's timers. Its timers are unref'd: a
 * background timer (a flush, a stale check, a control cycle) never keeps the process alive;
 * whoever starts a timer stops it (the leak test checks).
 */

/** Reads the time, ms since the epoch. */
export interface Clock {
  now(): number;
}

/** Cancels a timer; idempotent. */
export type Cancel = () => void;

/** A clock that also runs timers on the same time base. */
export interface Scheduler extends Clock {
  /** runs `fn` once, `ms` from now */
  setTimeout(fn: () => void, ms: number): Cancel;
  /** runs `fn` every `ms` (first run `ms` from now) until cancelled */
  setInterval(fn: () => void, ms: number): Cancel;
}

interface Unrefable {
  unref?: () => unknown;
}

/** The wall clock and the runtime's timers (unref'd). */
export const realScheduler: Scheduler = Object.freeze({
  now: () => Date.now(),
  setTimeout(fn: () => void, ms: number): Cancel {
    const t = setTimeout(fn, ms);
    (t as unknown as Unrefable).unref?.();
    return () => clearTimeout(t);
  },
  setInterval(fn: () => void, ms: number): Cancel {
    const t = setInterval(fn, ms);
    (t as unknown as Unrefable).unref?.();
    return () => clearInterval(t);
  },
});

interface VirtualTimer {
  id: number;
  due: number;
  /** 0 for a one-shot timer */
  every: number;
  fn: () => void;
}

/**
 * A clock that moves only when told to. `advance(ms)` runs every timer that falls due, in
 * time order (ties in the order they were set), with `now()` equal to each timer's due time
 * while it runs; a timer set while advancing runs in the same advance if it falls due.
 * Synchronous: work a timer starts with a promise completes when the caller awaits.
 */
export class VirtualScheduler implements Scheduler {
  private t: number;
  private seq = 0;
  private readonly timers = new Map<number, VirtualTimer>();

  constructor(startMs = 0) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): Cancel {
    return this.add(fn, ms, 0);
  }

  setInterval(fn: () => void, ms: number): Cancel {
    if (!(ms > 0)) throw new Error(`an interval must be positive, got ${ms} ms`);
    return this.add(fn, ms, ms);
  }

  /** timers not yet run or cancelled */
  pending(): number {
    return this.timers.size;
  }

  /** Moves the clock forward by `ms`, running every timer that falls due. Returns how many ran. */
  advance(ms: number): number {
    if (!(ms >= 0)) throw new Error(`cannot move a clock by ${ms} ms`);
    return this.advanceTo(this.t + ms);
  }

  /** Moves the clock to `until` (never backwards), running every timer due by then. */
  advanceTo(until: number): number {
    let ran = 0;
    for (;;) {
      const next = this.nextDue(until);
      if (!next) break;
      this.t = next.due;
      if (next.every > 0) next.due += next.every;
      else this.timers.delete(next.id);
      ran++;
      next.fn();
    }
    if (until > this.t) this.t = until;
    return ran;
  }

  private nextDue(until: number): VirtualTimer | undefined {
    let best: VirtualTimer | undefined;
    for (const x of this.timers.values()) if (x.due <= until && (!best || x.due < best.due || (x.due === best.due && x.id < best.id))) best = x;
    return best;
  }

  private add(fn: () => void, ms: number, every: number): Cancel {
    const id = ++this.seq;
    this.timers.set(id, { id, due: this.t + Math.max(0, ms), every, fn });
    return () => {
      this.timers.delete(id);
    };
  }
}

/**
 * The connection supervisor every bridge of a connection-oriented protocol reuses: it owns a
 * device's link, its polling, its request queue, its status and its statistics, so that a
 * protocol only says how to open a link, how to poll once and how to talk on it.
 *
 * - `start()` opens the link and polls every `device.pollMs`; a tick that finds the previous
 *   poll still running is skipped (counted in `skippedPolls`), never queued.
 * - One request in flight per link: polls, writes and reads go through `request()`, one
 *   queue, so a write waits at most for the request in progress.
 * - A request that fails for a reason other than the protocol's own answer (`keepsLink`: a
 *   Modbus exception, a negative confirmation) drops the link, marks every point of the
 *   device bad/comm-fail once (on the transition, with the last good value) and reconnects
 *   with exponential back-off (250 ms doubling to 10 s; reset by the next successful poll,
 *   which publishes good values again).
 * - Status handlers hear state changes (and new errors), not every poll.
 * - Statistics per device (issue #12 item 4): requests answered and failed, timeouts,
 *   reconnects, latency, payload bytes the protocol reports, last error.
 * - A protocol whose library restores a lost link by itself (OPC UA: a new channel, the
 *   session and its subscriptions transferred and republished) says so with `interrupted()`
 *   and `restored()`: the points turn bad/comm-fail and the device offline meanwhile, the
 *   link object is kept, requests are refused at once, and the supervisor does not reconnect.
 */
import type { CommState, CommStats, DeviceStatus, PointSample, PointSink, Unsubscribe } from '../../core/common/bridge';
import type { PointValue } from '../../core/common/point';
import type { Quality } from '../../core/common/quality';
import { realScheduler, type Cancel, type Scheduler } from '../../core/common/clock';

export const BACKOFF_MIN_MS = 250;
export const BACKOFF_MAX_MS = 10_000;

export const GOOD: Quality = { level: 'good' };
export const COMM_FAIL: Quality = { level: 'bad', reason: 'comm-fail' };
export const DEVICE_BAD: Quality = { level: 'bad', reason: 'device' };

/** The link is down (or went down while a request was pending). */
export class LinkDown extends Error {}

export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  if (e && typeof e === 'object' && 'message' in e && typeof (e as { message: unknown }).message === 'string')
    return (e as { message: string }).message;
  return String(e);
}

/**
 * The wall clock's timers for socket guards, kept referenced (unlike `realScheduler`'s): a
 * request or a connect waiting for its timeout keeps the process alive, as it always did.
 */
export const wallTimers: Scheduler = Object.freeze({
  now: () => Date.now(),
  setTimeout(fn: () => void, ms: number): Cancel {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
  setInterval(fn: () => void, ms: number): Cancel {
    const t = setInterval(fn, ms);
    return () => clearInterval(t);
  },
});

/**
 * Resolves or rejects with p, or rejects with `message` after ms of `timers` — the wall clock
 * by default: it guards a socket or a library call, which answers in wall time whatever the
 * host's scheduler does (docs/decisions/0008-socket-guards-on-wall-time.md).
 */
export function withTimeout<T>(p: Promise<T>, ms: number, message: string, timers: Scheduler = wallTimers): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cancel = timers.setTimeout(() => reject(new TimeoutError(message)), ms);
    p.then(
      (v) => {
        cancel();
        resolve(v);
      },
      (e: unknown) => {
        cancel();
        reject(e instanceof Error ? e : new Error(errorText(e)));
      },
    );
  });
}

export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** What a protocol tells the supervisor. `C` is its connection (a client, a socket). */
export interface SupervisedProtocol<C> {
  /** starts opening a connection; `abort` closes what is being opened (stop() meanwhile) */
  open(): { ready: Promise<C>; abort(): void };
  /** closes a connection; idempotent */
  close(conn: C): void;
  /** calls `closed` when the peer closes the connection */
  onClose(conn: C, closed: () => void): void;
  /** one poll on a connected link: the samples to publish and, if part of it failed at the protocol level, why */
  poll(): Promise<{ samples: PointSample[]; problem?: string }>;
  /**
   * The connection times out every request itself and fails the one in flight when it closes
   * (the Modbus TCP client): the supervisor adds no guard timer of its own per request.
   */
  selfTimed?: boolean;
  /** errors that are the device's answer (a Modbus exception): the link stays up */
  keepsLink?(e: unknown): boolean;
  /** errors that are timeouts (counted in the statistics); default: a TimeoutError or a message saying so */
  isTimeout?(e: unknown): boolean;
  /** called when every point was marked comm-fail (a protocol resets its own per-block marks) */
  onCommFail?(): void;
}

export interface SupervisorOptions<C> {
  /** the device's id, polling period and request timeout */
  device: { id: string; pollMs: number; timeoutMs: number };
  /** the status fields that do not change: name, protocol, address, asset, profile, simulated */
  identity: Pick<DeviceStatus, 'id' | 'name' | 'protocol' | 'address' | 'asset' | 'profile' | 'simulated' | 'pollMs' | 'link'>;
  /** every point of the device, in the order of its profile */
  pointIds: readonly string[];
  sink: PointSink;
  now: () => number;
  /** the poll and reconnect timers: the host's scheduler (a virtual one in a study or a test); default the real one */
  scheduler?: Scheduler;
  /**
   * The request timeouts (socket guards). Not the host's scheduler: a socket answers in wall
   * time, so a virtual clock racing ahead would time out answers still on their way, and a
   * paused one would never time out a dead link (docs/decisions/0008). Default the wall
   * clock; a test of the timeout path passes a virtual one of its own.
   */
  timeouts?: Scheduler;
  protocol: SupervisedProtocol<C>;
  /** name used in console messages, e.g. ModbusBridge */
  logName: string;
}

interface Link<C> {
  conn: C;
  closed: boolean;
  /** called once when the link is closed, by us or by the peer */
  closers: Set<(why: Error) => void>;
}

const defaultIsTimeout = (e: unknown): boolean =>
  e instanceof TimeoutError || (e instanceof Error && (e.name === 'TransactionTimedOutError' || /timed? ?out|no answer/i.test(e.message)));

export class ConnectionSupervisor<C> {
  private readonly o: SupervisorOptions<C>;
  private readonly p: SupervisedProtocol<C>;
  private link: Link<C> | undefined;
  private connecting: { abort(): void } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** requests queued or in flight */
  private requests = 0;
  private readonly settled = (): void => {
    this.requests--;
  };
  private pollTimer: Cancel | undefined;
  private reconnectTimer: Cancel | undefined;
  private backoffMs = BACKOFF_MIN_MS;
  private running = false;
  private polling = false;
  private connects = 0;
  /** every point was published bad/comm-fail and nothing good since */
  private commFailPublished = false;
  /** last good value of each point */
  private readonly lastValues = new Map<string, PointValue>();
  private readonly statusHandlers = new Set<(s: DeviceStatus) => void>();
  private readonly st: DeviceStatus;
  private readonly stats: CommStats = { ok: 0, failed: 0, timeouts: 0, reconnects: 0, bytesOut: 0, bytesIn: 0 };
  private latencySum = 0;
  /** the protocol library is restoring the link itself (why), see interrupted() */
  private interruptedWhy: string | undefined;
  /** polls skipped because the previous one was still running */
  skippedPolls = 0;

  constructor(o: SupervisorOptions<C>) {
    this.o = o;
    this.p = o.protocol;
    this.st = { ...o.identity, state: 'disabled', polls: 0, failures: 0 };
  }

  get connected(): boolean {
    return this.link !== undefined && !this.link.closed;
  }

  /** the last good value published for a point (null if never read) */
  lastValue(id: string): PointValue {
    return this.lastValues.get(id) ?? null;
  }

  /**
   * Starts polling. Resolves after the first connection attempt (and, if it connected, the
   * first poll); a device that does not answer is reported through status(), not a rejection.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.backoffMs = BACKOFF_MIN_MS;
    this.setState('connecting');
    this.pollTimer = (this.o.scheduler ?? realScheduler).setInterval(() => void this.poll(), this.o.device.pollMs);
    await this.connect();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.interruptedWhy = undefined;
    this.pollTimer?.();
    this.reconnectTimer?.();
    this.pollTimer = undefined;
    this.reconnectTimer = undefined;
    this.connecting?.abort();
    this.connecting = undefined;
    const link = this.link;
    this.link = undefined;
    if (link) this.closeLink(link, new LinkDown(`device ${this.o.device.id} stopped`));
    // let the request in flight (rejected by the close) unwind
    await this.queue.catch(() => undefined);
    this.setState('disabled');
  }

  /**
   * Changes the polling period at run time (the communications page's bulk configuration): the
   * poll timer restarts with the new period; a stopped supervisor keeps it for its next start.
   */
  setPollMs(ms: number): void {
    if (!Number.isInteger(ms) || ms < 50) throw new Error(`device ${this.o.device.id}: a polling period is a whole number of ms, at least 50 (got ${ms})`);
    this.o.device.pollMs = ms;
    this.st.pollMs = ms;
    if (this.running && this.pollTimer) {
      this.pollTimer();
      this.pollTimer = (this.o.scheduler ?? realScheduler).setInterval(() => void this.poll(), ms);
    }
  }

  status(): DeviceStatus {
    const s = this.stats;
    const total = s.ok + s.failed;
    const stats: CommStats = { ...s };
    if (total > 0) stats.successRate = s.ok / total;
    if (s.ok > 0) stats.latencyAvgMs = Math.round((this.latencySum / s.ok) * 10) / 10;
    return { ...this.st, stats };
  }

  onStatus(handler: (s: DeviceStatus) => void): Unsubscribe {
    this.statusHandlers.add(handler);
    return () => {
      this.statusHandlers.delete(handler);
    };
  }

  /**
   * Publishes samples that arrive outside a poll (reports, subscriptions) and remembers the
   * good values, so a lost link marks the points bad with their latest value.
   */
  publish(samples: readonly PointSample[]): void {
    if (samples.length === 0) return;
    for (const s of samples) if (s.quality.level === 'good') this.lastValues.set(s.id, s.value);
    this.o.sink.publish(samples);
  }

  /** payload bytes of a request and its answer, as the protocol counts them */
  countBytes(out: number, inn: number): void {
    this.stats.bytesOut += out;
    this.stats.bytesIn += inn;
  }

  /** answers the protocol received outside request() (subscription notifications), for the statistics */
  countAnswers(n: number): void {
    this.stats.ok += n;
  }

  /**
   * The protocol's library lost the link and is restoring it by itself (keeping its session):
   * every point turns bad/comm-fail once, the device is offline, requests are refused at once
   * and the poll timer does nothing until `restored()`. The supervisor does not reconnect.
   */
  interrupted(why: string): void {
    if (!this.running || !this.link || this.link.closed) return;
    this.interruptedWhy = why;
    this.noteFailure(new Error(why));
    this.st.failures++;
    const errorChanged = this.st.lastError !== why;
    this.st.lastError = why;
    this.markCommFail();
    this.setState('offline', errorChanged);
  }

  /** The library restored the link (counted as a reconnect); the device is online again. */
  restored(): void {
    if (!this.running || this.interruptedWhy === undefined) return;
    this.interruptedWhy = undefined;
    this.stats.reconnects++;
    this.backoffMs = BACKOFF_MIN_MS;
    this.st.lastOk = this.o.now();
    this.setState('online', true);
  }

  /**
   * Runs one request on the link, after every request queued before it. `timeoutMs` guards
   * a request the protocol library lost (default: the device's timeout + 500 ms).
   */
  request<T>(op: (conn: C) => Promise<T>, timeoutMs = this.o.device.timeoutMs + 500): Promise<T> {
    const run = async (): Promise<T> => {
      const link = this.link;
      if (!link || link.closed)
        throw new LinkDown(`device ${this.o.device.id} is not connected${this.st.lastError ? ` (${this.st.lastError})` : ''}`);
      if (this.interruptedWhy !== undefined) throw new LinkDown(`device ${this.o.device.id} is reconnecting (${this.interruptedWhy})`);
      const t0 = performance.now();
      try {
        const v = await (this.p.selfTimed ? op(link.conn) : this.guard(op(link.conn), timeoutMs, `no answer within ${this.o.device.timeoutMs} ms`, link));
        const ms = performance.now() - t0;
        this.stats.ok++;
        this.stats.latencyLastMs = Math.round(ms * 10) / 10;
        this.latencySum += ms;
        return v;
      } catch (e) {
        if (!(e instanceof LinkDown)) this.noteFailure(e);
        if (!this.keepsLink(e)) this.linkFailed(link, e);
        throw e;
      }
    };
    // an idle link runs the request now (no hop through the queue's promise chain: a poll
    // of a fast device is one request after another); a busy one queues it behind the rest
    const p = this.requests === 0 ? run() : this.queue.then(run, run);
    this.requests++;
    this.queue = p.then(this.settled, this.settled);
    return p;
  }

  // ------------------------------------------------------------------ connection

  private keepsLink(e: unknown): boolean {
    return this.p.keepsLink?.(e) ?? false;
  }

  private noteFailure(e: unknown): void {
    this.stats.failed++;
    if ((this.p.isTimeout ?? defaultIsTimeout)(e)) this.stats.timeouts++;
    this.stats.lastError = errorText(e);
    this.stats.lastErrorAt = this.o.now();
  }

  private async connect(): Promise<void> {
    this.reconnectTimer = undefined;
    if (!this.running || this.link) return;
    const attempt = this.p.open();
    this.connecting = attempt;
    let conn: C;
    try {
      conn = await attempt.ready;
    } catch (e) {
      attempt.abort();
      if (this.connecting !== attempt || !this.running) return; // stopped meanwhile
      this.connecting = undefined;
      const err = new Error(`device ${this.o.device.id} (${this.st.address}): ${errorText(e)}`);
      this.noteFailure(e);
      this.stats.lastError = err.message;
      this.failed(err);
      return;
    }
    if (this.connecting !== attempt || !this.running) {
      this.p.close(conn);
      return;
    }
    this.connecting = undefined;
    if (this.connects++ > 0) this.stats.reconnects++;
    const link: Link<C> = { conn, closed: false, closers: new Set() };
    this.link = link;
    this.p.onClose(conn, () => {
      if (!link.closed) this.linkFailed(link, new Error(`connection to ${this.st.address} closed by the device`));
    });
    await this.poll();
  }

  /** resolves/rejects with p, or rejects after ms; rejects at once when the link closes */
  private guard<T>(p: Promise<T>, ms: number, message: string, link: Link<C>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const closer = (why: Error): void => {
        cancel();
        reject(why);
      };
      const cancel = (this.o.timeouts ?? wallTimers).setTimeout(() => {
        link.closers.delete(closer);
        reject(new TimeoutError(message));
      }, ms);
      link.closers.add(closer);
      p.then(
        (v) => {
          cancel();
          link.closers.delete(closer);
          resolve(v);
        },
        (e: unknown) => {
          cancel();
          link.closers.delete(closer);
          reject(e instanceof Error ? e : new Error(errorText(e)));
        },
      );
    });
  }

  private closeLink(link: Link<C>, why: Error): void {
    if (link.closed) return;
    link.closed = true;
    for (const c of [...link.closers]) c(why);
    link.closers.clear();
    this.p.close(link.conn);
  }

  /** the link failed (timeout, reset, closed): drop it, mark points bad, reconnect */
  private linkFailed(link: Link<C>, e: unknown): void {
    if (link.closed || !this.running) return;
    const err = e instanceof Error ? e : new Error(errorText(e));
    if (this.link === link) this.link = undefined;
    this.interruptedWhy = undefined;
    this.closeLink(link, new LinkDown(`connection lost: ${err.message}`));
    this.failed(err);
  }

  private failed(err: Error): void {
    if (!this.running) return;
    this.st.failures++;
    const errorChanged = this.st.lastError !== err.message;
    this.st.lastError = err.message;
    this.markCommFail();
    this.setState('offline', errorChanged);
    if (!this.reconnectTimer) {
      const delay = this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
      this.reconnectTimer = (this.o.scheduler ?? realScheduler).setTimeout(() => void this.connect(), delay);
    }
  }

  /** every point bad/comm-fail, once per outage, with its last good value */
  private markCommFail(): void {
    if (this.commFailPublished) return;
    this.commFailPublished = true;
    this.p.onCommFail?.();
    const ts = this.o.now();
    // bad with the last known value (null if never read), as OPC UA does
    this.o.sink.publish(this.o.pointIds.map((id) => ({ id, value: this.lastValue(id), quality: COMM_FAIL, ts })));
  }

  // ------------------------------------------------------------------ polling

  private async poll(): Promise<void> {
    if (!this.running || !this.link || this.interruptedWhy !== undefined) return;
    if (this.polling) {
      this.skippedPolls++;
      return;
    }
    this.polling = true;
    const t0 = performance.now();
    let result: { samples: PointSample[]; problem?: string };
    try {
      result = await this.p.poll();
    } catch (e) {
      // the link failed: request() already dropped it, marked everything bad and scheduled a reconnect
      this.st.polls++;
      this.st.lastPollMs = Math.round(performance.now() - t0);
      if (!this.keepsLink(e) && !(e instanceof LinkDown) && this.link) this.linkFailed(this.link, e);
      return;
    } finally {
      this.polling = false;
    }
    if (!this.running) return;
    this.st.polls++;
    this.st.lastPollMs = Math.round(performance.now() - t0);
    this.st.lastOk = this.o.now();
    const { samples, problem } = result;
    const errChanged = problem !== undefined && this.st.lastError !== problem;
    if (problem !== undefined) this.st.lastError = problem;
    this.commFailPublished = false;
    this.backoffMs = BACKOFF_MIN_MS;
    for (const s of samples) if (s.quality.level === 'good') this.lastValues.set(s.id, s.value);
    this.o.sink.publish(samples);
    this.setState('online', errChanged);
  }

  /** status handlers hear state changes (and new errors), not every poll */
  private setState(state: CommState, force = false): void {
    if (this.st.state === state && !force) return;
    this.st.state = state;
    const s = this.status();
    for (const h of [...this.statusHandlers]) {
      try {
        h(s);
      } catch (e) {
        console.error(`${this.o.logName} ${this.o.device.id}: status handler failed:`, e);
      }
    }
  }
}

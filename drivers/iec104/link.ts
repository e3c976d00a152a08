/**
 * The IEC 60870-5-104 link layer (APCI) over one TCP connection, for either side:
 *
 * - STARTDT / STOPDT / TESTFR: the client (controlling station) activates data transfer and
 *   waits for the confirmation within t1; the server (controlled station) confirms. Either side
 *   answers TESTFR act, and sends one itself after t3 of silence (the answer is due within t1).
 * - Sequence numbers (15 bits): every I-frame received must carry N(S) = V(R), and every N(R)
 *   received must acknowledge only I-frames that were sent; anything else closes the link
 *   with a sentence naming both numbers (the standard's answer to a sequence error).
 * - Windows: at most k I-frames unacknowledged by the peer (further ASDUs wait in a queue);
 *   after w I-frames received, or t2 after the first one unacknowledged, an S-frame (or the
 *   next I-frame) acknowledges them.
 * - t0 bounds the TCP connect, t1 every acknowledgement and confirmation awaited.
 *
 * Timers run on `timers` (the wall clock by default: a socket answers in wall time,
 * docs/decisions/0008); a test passes shorter t-values rather than a virtual clock.
 * Every frame in and out can be observed (`onFrame`) for the raw frame view and captures.
 */
import { connect, type Socket } from 'node:net';
import type { Cancel, Scheduler } from '../../core/common/clock';
import { wallTimers } from '../common/supervisor';
import { ApduReader, decodeApdu, encodeApdu, Iec104FrameError, type Apdu, type Asdu, type UFunction } from './codec';

export interface LinkParams {
  /** I-frames sent and not yet acknowledged, at most (default 12) */
  k: number;
  /** I-frames received before we acknowledge them, at most (default 8) */
  w: number;
  /** TCP connect, ms (default 30 s) */
  t0Ms: number;
  /** an acknowledgement or a confirmation is due within, ms (default 15 s) */
  t1Ms: number;
  /** we acknowledge received I-frames within, ms (default 10 s; below t1) */
  t2Ms: number;
  /** a TESTFR after this long without a frame, ms (default 20 s) */
  t3Ms: number;
}

export const DEFAULT_LINK: Readonly<LinkParams> = Object.freeze({ k: 12, w: 8, t0Ms: 30_000, t1Ms: 15_000, t2Ms: 10_000, t3Ms: 20_000 });

/** The link closed: `message` says why, in words. */
export class Iec104LinkError extends Error {
  override name = 'Iec104LinkError';
}

const MOD = 32768;
const diff = (a: number, b: number): number => (((a - b) % MOD) + MOD) % MOD;

export interface LinkStats {
  iIn: number;
  iOut: number;
  sIn: number;
  sOut: number;
  uIn: number;
  uOut: number;
  bytesIn: number;
  bytesOut: number;
}

/** the parameters, or an error naming the one out of range */
export function checkParams(p: LinkParams): LinkParams {
  if (!Number.isInteger(p.k) || p.k < 1 || p.k > 32767) throw new Error(`k is 1-32767, not ${p.k}`);
  if (!Number.isInteger(p.w) || p.w < 1 || p.w > p.k) throw new Error(`w is 1-k (${p.k}), not ${p.w}`);
  for (const t of ['t0Ms', 't1Ms', 't2Ms', 't3Ms'] as const) if (!(p[t] > 0)) throw new Error(`${t} must be positive, not ${p[t]}`);
  return p;
}

export type FrameObserver = (dir: 'in' | 'out', apdu: Apdu, raw: Buffer) => void;

export interface LinkOptions {
  role: 'client' | 'server';
  params?: Partial<LinkParams>;
  timers?: Scheduler;
  onFrame?: FrameObserver;
  /** a name for sentences, e.g. 127.0.0.1:2404 */
  name?: string;
}

export class Iec104Link {
  readonly params: LinkParams;
  readonly name: string;
  private readonly role: 'client' | 'server';
  private readonly timers: Scheduler;
  private readonly reader = new ApduReader();
  private readonly asduHandlers = new Set<(a: Asdu) => void>();
  private readonly closeHandlers = new Set<(e: Iec104LinkError) => void>();
  private readonly startHandlers = new Set<(started: boolean) => void>();
  private onFrame: FrameObserver | undefined;
  /** V(S), V(R) */
  private vs = 0;
  private vr = 0;
  /** N(S) of the oldest I-frame the peer has not acknowledged (= the last N(R) received) */
  private ackIn = 0;
  /** send times of the unacknowledged I-frames, oldest first */
  private readonly sentAt: number[] = [];
  /** I-frames received and not yet acknowledged */
  private unackedIn = 0;
  private readonly outQueue: Asdu[] = [];
  private t1Timer: Cancel | undefined;
  private t2Timer: Cancel | undefined;
  private t3Timer: Cancel | undefined;
  /** a U act waiting for its con */
  private uWait: { fn: UFunction; resolve: () => void; reject: (e: Error) => void; cancel: Cancel } | undefined;
  private started = false;
  /** a read is being processed; an acknowledgement due is sent once it is done */
  private inRead = false;
  private ackDue = false;
  /** when the last frame arrived (t3) */
  private lastIn: number;
  private closedWith: Iec104LinkError | undefined;
  readonly stats: LinkStats = { iIn: 0, iOut: 0, sIn: 0, sOut: 0, uIn: 0, uOut: 0, bytesIn: 0, bytesOut: 0 };

  constructor(
    readonly socket: Socket,
    o: LinkOptions,
  ) {
    this.role = o.role;
    this.params = checkParams({ ...DEFAULT_LINK, ...o.params });
    this.timers = o.timers ?? wallTimers;
    this.onFrame = o.onFrame;
    this.name = o.name ?? `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.close(`${this.name}: ${e.message}`));
    socket.on('close', () => this.close(`${this.name} closed the connection`));
    this.lastIn = this.timers.now();
    this.armT3();
  }

  /** Opens a TCP connection within t0 and returns the client side of the link (data transfer not started). */
  static connect(host: string, port: number, o: Omit<LinkOptions, 'role'> = {}): { ready: Promise<Iec104Link>; abort(): void } {
    const params = checkParams({ ...DEFAULT_LINK, ...o.params });
    const timers = o.timers ?? wallTimers;
    const socket = connect({ host, port });
    let done = false;
    const ready = new Promise<Iec104Link>((resolve, reject) => {
      const cancel = timers.setTimeout(() => {
        if (done) return;
        done = true;
        socket.destroy();
        reject(new Iec104LinkError(`${host}:${port}: no TCP connection within t0 (${params.t0Ms} ms)`));
      }, params.t0Ms);
      socket.once('connect', () => {
        if (done) return;
        done = true;
        cancel();
        resolve(new Iec104Link(socket, { ...o, role: 'client', name: o.name ?? `${host}:${port}` }));
      });
      socket.once('error', (e) => {
        if (done) return;
        done = true;
        cancel();
        reject(new Iec104LinkError(`${host}:${port}: ${e.message}`));
      });
    });
    return {
      ready,
      abort: () => {
        done = true;
        socket.destroy();
      },
    };
  }

  get isStarted(): boolean {
    return this.started;
  }

  get closed(): Iec104LinkError | undefined {
    return this.closedWith;
  }

  /** I-frames waiting for the peer's window */
  get queued(): number {
    return this.outQueue.length;
  }

  /** I-frames sent and not yet acknowledged */
  get unacknowledged(): number {
    return this.sentAt.length;
  }

  observe(o: FrameObserver | undefined): void {
    this.onFrame = o;
  }

  onAsdu(h: (a: Asdu) => void): () => void {
    this.asduHandlers.add(h);
    return () => this.asduHandlers.delete(h);
  }

  onClose(h: (e: Iec104LinkError) => void): () => void {
    if (this.closedWith) {
      h(this.closedWith);
      return () => undefined;
    }
    this.closeHandlers.add(h);
    return () => this.closeHandlers.delete(h);
  }

  /** the server side hears STARTDT / STOPDT from its client */
  onStarted(h: (started: boolean) => void): () => void {
    this.startHandlers.add(h);
    return () => this.startHandlers.delete(h);
  }

  /** client: activates data transfer (STARTDT act, con within t1) */
  async startDt(): Promise<void> {
    await this.uRequest('STARTDT act', 'STARTDT con');
    this.started = true;
  }

  /**
   * client: stops data transfer (STOPDT act, con within t1). I-frames already sent are still
   * acknowledged; ASDUs queued and not sent are dropped.
   */
  async stopDt(): Promise<void> {
    this.outQueue.length = 0;
    if (this.unackedIn > 0) this.sendS();
    await this.uRequest('STOPDT act', 'STOPDT con');
    this.started = false;
  }

  /** sends TESTFR act and waits for its con (within t1) */
  testFrame(): Promise<void> {
    return this.uRequest('TESTFR act', 'TESTFR con');
  }

  /** Sends an ASDU in an I-frame, at once or when the peer's window (k) opens. */
  send(asdu: Asdu): void {
    if (this.closedWith) throw new Iec104LinkError(`the link to ${this.name} is closed (${this.closedWith.message})`);
    if (!this.started) throw new Iec104LinkError(`the link to ${this.name} has not started data transfer (STARTDT)`);
    this.outQueue.push(asdu);
    this.flush();
  }

  /** Closes the link (idempotent); handlers hear `why`. */
  close(why = `the link to ${this.name} was closed`): void {
    if (this.closedWith) return;
    const err = new Iec104LinkError(why);
    this.closedWith = err;
    this.started = false;
    for (const t of [this.t1Timer, this.t2Timer, this.t3Timer]) t?.();
    this.t1Timer = this.t2Timer = this.t3Timer = undefined;
    const w = this.uWait;
    this.uWait = undefined;
    if (w) {
      w.cancel();
      w.reject(err);
    }
    this.outQueue.length = 0;
    this.socket.destroy();
    for (const h of [...this.closeHandlers]) h(err);
    this.closeHandlers.clear();
  }

  // ------------------------------------------------------------------ out

  private write(a: Apdu): void {
    if (this.closedWith) return;
    const raw = encodeApdu(a);
    this.stats.bytesOut += raw.length;
    this.onFrame?.('out', a, raw);
    this.socket.write(raw);
  }

  private flush(): void {
    while (this.started && this.outQueue.length > 0 && this.sentAt.length < this.params.k && !this.closedWith) {
      const asdu = this.outQueue.shift() as Asdu;
      const ns = this.vs;
      this.vs = (this.vs + 1) % MOD;
      this.sentAt.push(this.timers.now());
      this.unackedIn = 0;
      this.ackDue = false;
      this.t2Timer?.();
      this.t2Timer = undefined;
      this.stats.iOut++;
      this.write({ kind: 'I', ns, nr: this.vr, asdu });
      if (this.sentAt.length === 1) this.armT1();
    }
  }

  private sendS(): void {
    this.ackDue = false;
    this.t2Timer?.();
    this.t2Timer = undefined;
    this.unackedIn = 0;
    this.stats.sOut++;
    this.write({ kind: 'S', nr: this.vr });
  }

  private uRequest(act: UFunction, con: UFunction): Promise<void> {
    if (this.closedWith) return Promise.reject(new Iec104LinkError(`the link to ${this.name} is closed (${this.closedWith.message})`));
    if (this.uWait) return Promise.reject(new Iec104LinkError(`${act}: ${this.uWait.fn} is still waiting for its confirmation`));
    return new Promise<void>((resolve, reject) => {
      const cancel = this.timers.setTimeout(() => this.close(`${this.name}: no ${con} within t1 (${this.params.t1Ms} ms) after ${act}`), this.params.t1Ms);
      this.uWait = { fn: con, resolve, reject, cancel };
      this.stats.uOut++;
      this.write({ kind: 'U', fn: act });
    });
  }

  // ------------------------------------------------------------------ timers

  /** t1 for the oldest unacknowledged I-frame */
  private armT1(): void {
    this.t1Timer?.();
    this.t1Timer = undefined;
    const oldest = this.sentAt[0];
    if (oldest === undefined) return;
    const ns = diff(this.vs, this.sentAt.length);
    const wait = Math.max(0, oldest + this.params.t1Ms - this.timers.now());
    this.t1Timer = this.timers.setTimeout(() => this.close(`${this.name}: I-frame N(S)=${ns} not acknowledged within t1 (${this.params.t1Ms} ms)`), wait);
  }

  /** t3 runs from the last frame received; the timer re-arms itself for what is left */
  private armT3(wait = this.params.t3Ms): void {
    this.t3Timer?.();
    this.t3Timer = this.timers.setTimeout(() => {
      this.t3Timer = undefined;
      if (this.closedWith) return;
      const left = this.lastIn + this.params.t3Ms - this.timers.now();
      if (left > 0 || this.uWait) return this.armT3(left > 0 ? left : this.params.t3Ms);
      this.testFrame().then(
        () => this.armT3(),
        () => undefined, // a missing con closed the link with its sentence
      );
    }, wait);
  }

  // ------------------------------------------------------------------ in

  private onData(chunk: Buffer): void {
    if (this.closedWith) return;
    this.stats.bytesIn += chunk.length;
    let frames: Buffer[];
    try {
      frames = this.reader.push(chunk);
    } catch (e) {
      this.close(`${this.name}: not an IEC 104 stream (${(e as Error).message})`);
      return;
    }
    this.inRead = true;
    try {
      this.receiveAll(frames);
    } finally {
      this.inRead = false;
    }
    // w frames or more arrived in this read: one S-frame acknowledges them all, after the read
    if (this.ackDue && !this.closedWith) this.sendS();
  }

  private receiveAll(frames: Buffer[]): void {
    for (const raw of frames) {
      if (this.closedWith) return;
      let a: Apdu;
      try {
        a = decodeApdu(raw);
      } catch (e) {
        this.close(`${this.name}: malformed frame: ${e instanceof Iec104FrameError ? e.message : String(e)}`);
        return;
      }
      this.onFrame?.('in', a, raw);
      this.lastIn = this.timers.now();
      this.receive(a);
    }
  }

  private receive(a: Apdu): void {
    if (a.kind === 'U') {
      this.stats.uIn++;
      return this.receiveU(a.fn);
    }
    if (a.kind === 'S') {
      this.stats.sIn++;
      this.acknowledge(a.nr);
      return;
    }
    this.stats.iIn++;
    if (a.ns !== this.vr) {
      this.close(`${this.name}: sequence error: received I-frame N(S)=${a.ns}, expected ${this.vr}; the link is closed and reopened`);
      return;
    }
    if (!this.acknowledge(a.nr)) return;
    if (this.role === 'client' && !this.started) {
      this.close(`${this.name}: I-frame N(S)=${a.ns} before data transfer was started (STARTDT)`);
      return;
    }
    this.vr = (this.vr + 1) % MOD;
    this.unackedIn++;
    if (this.unackedIn >= this.params.w) {
      if (this.inRead) this.ackDue = true;
      else this.sendS();
    } else if (!this.t2Timer) this.t2Timer = this.timers.setTimeout(() => this.sendS(), this.params.t2Ms);
    for (const h of [...this.asduHandlers]) {
      try {
        h(a.asdu);
      } catch (e) {
        console.error(`IEC 104 ${this.name}: an ASDU handler failed:`, e);
      }
    }
  }

  /** N(R) from the peer: drops acknowledged I-frames; false (and closed) when it acknowledges frames not sent */
  private acknowledge(nr: number): boolean {
    const n = diff(nr, this.ackIn);
    if (n > this.sentAt.length) {
      this.close(`${this.name}: sequence error: N(R)=${nr} acknowledges I-frames that were not sent (sent up to N(S)=${diff(this.vs, 1)}, acknowledged before ${this.ackIn})`);
      return false;
    }
    if (n > 0) {
      this.sentAt.splice(0, n);
      this.ackIn = nr;
      this.armT1();
      this.flush();
    }
    return true;
  }

  private receiveU(fn: UFunction): void {
    switch (fn) {
      case 'TESTFR act':
        this.stats.uOut++;
        this.write({ kind: 'U', fn: 'TESTFR con' });
        return;
      case 'STARTDT act':
      case 'STOPDT act':
        if (this.role === 'client') {
          this.close(`${this.name}: the device sent ${fn}, which only a controlling station sends`);
          return;
        }
        this.started = fn === 'STARTDT act';
        this.stats.uOut++;
        this.write({ kind: 'U', fn: fn === 'STARTDT act' ? 'STARTDT con' : 'STOPDT con' });
        for (const h of [...this.startHandlers]) h(this.started);
        if (this.started) this.flush();
        return;
      default: {
        const w = this.uWait;
        if (!w || w.fn !== fn) {
          this.close(`${this.name}: unexpected ${fn}${w ? ` while waiting for ${w.fn}` : ''}`);
          return;
        }
        this.uWait = undefined;
        w.cancel();
        // at once: the peer's first I-frames may follow in the same read
        if (fn === 'STARTDT con') this.started = true;
        if (fn === 'STOPDT con') this.started = false;
        w.resolve();
      }
    }
  }
}

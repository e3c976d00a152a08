/**
 * The IEC 60870-5-104 bridge (controlling station) on the shared connection supervisor:
 *
 * - A device is a redundancy group: its `host:port` and any `standby` links. Every link of the
 *   group is kept connected; one is active (STARTDT), the others stand by (tested by TESTFR
 *   after t3). When the active link fails and a standby is up, the bridge switches over
 *   (STARTDT on the standby, then a general interrogation) without an outage; only when no
 *   link of the group is left does the supervisor mark the points bad/comm-fail and reconnect
 *   with back-off.
 * - At every start of data transfer (first connection, reconnection, switch-over): clock
 *   synchronisation (unless the device says not to), general interrogation, and counter
 *   interrogation when the device asks for it; the general interrogation is repeated every
 *   `interrogationMs` when given. Between them the device sends spontaneously: nothing is
 *   polled.
 * - Values: the profile's IOA map (core/common/profiles/iec104.ts); engineering value = raw ×
 *   scale + offset; quality from the QDS (IV, BL bad; OV out of range; NT stale; SB manual);
 *   source time from the CP56Time2a of the time-tagged types (an invalid time marked in the
 *   time quality), else the moment of reception.
 * - Commands: a writable channel's command (single, double, step, set-point normalised,
 *   scaled or float; direct or select-before-operate; time-tagged or not), ActCon and, when
 *   the profile says so, ActTerm; the device's steps come back as a FieldReport, a refusal as
 *   an error in words carrying the steps (the link stays up).
 */
import type { Bridge, BridgeContext, BridgeFactory, Driver, PointSample } from '../../core/common/bridge';
import type { FieldReport, FieldStage } from '../../core/common/commands';
import type { ProtocolDefinition } from '../../core/common/profile';
import type { TimeQuality } from '../../core/common/quality';
import { iec104Protocol, isIec104Device, isIec104Profile, type Iec104Channel, type Iec104Device, type Iec104Profile } from '../../core/common/profiles/iec104';
import { SupervisedBridge, bridgeNow } from '../common/supervised-bridge';
import { errorText } from '../common/supervisor';
import { decodeApdu, qdsQuality, summary, type Asdu, type InfoObject } from './codec';
import { Iec104Client, Iec104Refusal, Iec104Timeout, type CommandSpec } from './client';
import { Iec104Link, type FrameObserver, type LinkParams } from './link';

export { iec104Protocol } from '../../core/common/profiles/iec104';

/** the time quality of a CP56Time2a: ms resolution (10 bits), no leap seconds; IV = not synchronised */
function cp56Quality(iv: boolean): TimeQuality {
  return { leapSecondsKnown: false, clockFailure: false, clockNotSynchronized: iv, accuracyBits: 10 };
}

const REDIAL_MIN_MS = 500;
const REDIAL_MAX_MS = 10_000;

interface Endpoint {
  host: string;
  port: number;
  name: string;
}

/**
 * The links of a redundancy group: one active (started, interrogated), the others standing by.
 * `onData` hears every monitor ASDU of the active link; `closed` fires once, when no link is left.
 */
export class Iec104Group {
  active: { link: Iec104Link; client: Iec104Client; endpoint: Endpoint } | undefined;
  private readonly standby = new Map<Endpoint, Iec104Link>();
  private readonly redial = new Map<Endpoint, { cancel(): void; delay: number }>();
  private readonly closedHandlers = new Set<(why: string) => void>();
  private closedWhy: string | undefined;
  private switching: Promise<void> | undefined;
  /** switch-overs since the group opened */
  switchovers = 0;
  /** why the last active link was left, for the status */
  lastSwitch: string | undefined;

  constructor(
    private readonly endpoints: readonly Endpoint[],
    private readonly o: {
      ca: number;
      oa: number;
      params: Partial<LinkParams>;
      timeoutMs: number;
      /** runs on a newly started link: clock sync, interrogation */
      onStart: (client: Iec104Client) => Promise<void>;
      onData: (a: Asdu) => void;
      onFrame?: FrameObserver;
    },
  ) {}

  get closed(): boolean {
    return this.closedWhy !== undefined;
  }

  /** bytes over every link of the group */
  bytes(): { in: number; out: number } {
    let i = 0;
    let out = 0;
    for (const l of this.links()) {
      i += l.stats.bytesIn;
      out += l.stats.bytesOut;
    }
    return { in: i + this.retiredIn, out: out + this.retiredOut };
  }
  private retiredIn = 0;
  private retiredOut = 0;

  private links(): Iec104Link[] {
    return [...(this.active ? [this.active.link] : []), ...this.standby.values()];
  }

  /** Connects every link; the first (in the group's order) that connects becomes active. */
  static open(endpoints: readonly Endpoint[], o: ConstructorParameters<typeof Iec104Group>[1]): { ready: Promise<Iec104Group>; abort(): void } {
    const group = new Iec104Group(endpoints, o);
    const attempts = endpoints.map((e) => Iec104Link.connect(e.host, e.port, { params: o.params, name: e.name, ...(o.onFrame ? { onFrame: o.onFrame } : {}) }));
    let aborted = false;
    const ready = (async (): Promise<Iec104Group> => {
      const settled = await Promise.allSettled(attempts.map((a) => a.ready));
      if (aborted) {
        for (const s of settled) if (s.status === 'fulfilled') s.value.close('stopped');
        throw new Error('stopped');
      }
      const errors: string[] = [];
      settled.forEach((s, i) => {
        const e = endpoints[i] as Endpoint;
        if (s.status === 'fulfilled') group.adopt(e, s.value);
        else {
          errors.push(errorText(s.reason));
          group.scheduleRedial(e);
        }
      });
      if (group.standby.size === 0) {
        group.close('no link');
        throw new Error(errors.join('; '));
      }
      await group.activate();
      return group;
    })();
    return {
      ready,
      abort: () => {
        aborted = true;
        for (const a of attempts) a.abort();
        group.close('stopped');
      },
    };
  }

  onClosed(h: (why: string) => void): void {
    if (this.closedWhy !== undefined) h(this.closedWhy);
    else this.closedHandlers.add(h);
  }

  close(why: string): void {
    if (this.closedWhy !== undefined) return;
    this.closedWhy = why;
    for (const r of this.redial.values()) r.cancel();
    this.redial.clear();
    const act = this.active;
    this.active = undefined;
    act?.client.dispose();
    act?.link.close(why);
    for (const l of this.standby.values()) l.close(why);
    this.standby.clear();
    for (const h of [...this.closedHandlers]) h(why);
    this.closedHandlers.clear();
  }

  private adopt(e: Endpoint, link: Iec104Link): void {
    this.standby.set(e, link);
    link.onClose((err) => this.lost(e, link, err.message));
  }

  private lost(e: Endpoint, link: Iec104Link, why: string): void {
    if (this.closedWhy !== undefined) return;
    this.retiredIn += link.stats.bytesIn;
    this.retiredOut += link.stats.bytesOut;
    if (this.standby.get(e) === link) this.standby.delete(e);
    if (this.active?.link === link) {
      this.active.client.dispose();
      this.active = undefined;
      this.lastSwitch = why;
      if (this.standby.size === 0) {
        this.close(why);
        return;
      }
      this.switchovers++;
      this.switching = this.activate().catch((err: unknown) => this.close(`${why}; the switch-over failed: ${errorText(err)}`));
    }
    this.scheduleRedial(e);
  }

  /** the first standby link in the group's order becomes active */
  private async activate(): Promise<void> {
    const e = this.endpoints.find((x) => this.standby.has(x));
    if (!e) throw new Error('no standby link is connected');
    const link = this.standby.get(e) as Iec104Link;
    this.standby.delete(e);
    const client = new Iec104Client(link, { ca: this.o.ca, oa: this.o.oa, timeoutMs: this.o.timeoutMs });
    client.onData(this.o.onData);
    this.active = { link, client, endpoint: e };
    await link.startDt();
    await this.o.onStart(client);
  }

  /** a switch-over in progress (tests, writes wait for it) */
  settled(): Promise<void> {
    return this.switching ?? Promise.resolve();
  }

  private scheduleRedial(e: Endpoint, delay = REDIAL_MIN_MS): void {
    if (this.closedWhy !== undefined || this.redial.has(e)) return;
    const t = setTimeout(() => {
      this.redial.delete(e);
      if (this.closedWhy !== undefined) return;
      const attempt = Iec104Link.connect(e.host, e.port, { params: this.o.params, name: e.name, ...(this.o.onFrame ? { onFrame: this.o.onFrame } : {}) });
      attempt.ready.then(
        (link) => {
          if (this.closedWhy !== undefined) return link.close('stopped');
          this.adopt(e, link);
          // the group lost its active link meanwhile and had nothing to switch to: impossible
          // (it would be closed); so this link stands by
        },
        () => {
          const next = Math.min(delay * 2, REDIAL_MAX_MS);
          this.scheduleRedial(e, next);
        },
      );
    }, delay);
    t.unref?.();
    this.redial.set(e, { cancel: () => clearTimeout(t), delay });
  }
}

export class Iec104Bridge extends SupervisedBridge<Iec104Group> implements Bridge {
  readonly deviceId: string;
  private readonly device: Iec104Device;
  private readonly profile: Iec104Profile;
  private readonly now: () => number;
  private readonly byChannel = new Map<string, Iec104Channel>();
  /** monitor IOA → channel and point id */
  private readonly byIoa = new Map<number, { c: Iec104Channel; id: string }>();
  private group: Iec104Group | undefined;
  private lastGi = 0;
  private bytesSeen = { in: 0, out: 0 };
  /** IOAs reported that the profile does not map (listed once in the status) */
  readonly unmapped = new Set<number>();
  private frameObserver: FrameObserver | undefined;

  constructor(ctx: BridgeContext) {
    super();
    const { device, profile } = ctx;
    if (!isIec104Device(device)) throw new Error(`device ${device.id}: protocol ${device.protocol} is not iec104`);
    if (!isIec104Profile(profile)) throw new Error(`device ${device.id}: profile ${profile.id} is not an iec104 profile`);
    this.deviceId = device.id;
    this.device = device;
    this.profile = profile;
    this.now = bridgeNow(ctx);
    for (const c of profile.channels) {
      this.byChannel.set(c.channel, c);
      if (c.ioa !== undefined) this.byIoa.set(c.ioa, { c, id: `${device.asset}/${c.channel}` });
    }
    // the raw frame view: each APDU as tshark's one-line summary
    this.frames?.setDecoder((dir, bytes) => summary(decodeApdu(bytes), dir === 'rx'));
    const conn = device.connection;
    const endpoints: Endpoint[] = [{ host: conn.host, port: conn.port }, ...conn.standby].map((e) => ({ ...e, name: `${e.host}:${e.port}` }));
    this.supervise(ctx, {
      device,
      identity: {
        id: device.id,
        name: device.name,
        protocol: device.protocol,
        address: endpoints.map((e) => e.name).join(' | ') + ` CA ${conn.commonAddress}`,
        asset: device.asset,
        profile: profile.id,
        simulated: device.simulated ?? false,
        pollMs: device.pollMs,
      },
      // command-only channels have no value of their own: only read channels turn comm-fail
      pointIds: [...this.byIoa.values()].map((v) => v.id),
      now: this.now,
      logName: 'Iec104Bridge',
      protocol: {
        open: () => {
          const attempt = Iec104Group.open(endpoints, {
            ca: conn.commonAddress,
            oa: conn.originator,
            params: { k: conn.k, w: conn.w, t0Ms: conn.t0Ms, t1Ms: conn.t1Ms, t2Ms: conn.t2Ms, t3Ms: conn.t3Ms },
            timeoutMs: device.timeoutMs,
            onStart: (client) => this.onStart(client),
            onData: (a) => this.onData(a),
            onFrame: (dir, apdu, raw) => {
              this.frames?.record(dir === 'out' ? 'tx' : 'rx', raw);
              this.frameObserver?.(dir, apdu, raw);
            },
          });
          return {
            ready: attempt.ready.then((g) => {
              this.group = g;
              return g;
            }),
            abort: attempt.abort,
          };
        },
        close: (g) => g.close(`device ${device.id} stopped`),
        onClose: (g, closed) => g.onClosed(() => closed()),
        poll: () => this.poll(),
        keepsLink: (e) => e instanceof Iec104Refusal || e instanceof Iec104Timeout || e instanceof WriteRefused,
      },
    });
  }

  /** every frame in and out of the group's links (the raw frame view, captures) */
  observeFrames(o: FrameObserver | undefined): void {
    this.frameObserver = o;
  }

  /** the link currently active, e.g. 127.0.0.1:2404 (undefined when none) */
  get activeLink(): string | undefined {
    return this.group?.active?.endpoint.name;
  }

  get switchovers(): number {
    return this.group?.switchovers ?? 0;
  }

  /** A command to a writable channel; resolves with the device's steps. */
  async write(channel: string, value: number | boolean): Promise<FieldReport> {
    const c = this.byChannel.get(channel);
    if (!c) throw new WriteRefused(`channel ${channel} is not in profile ${this.profile.id} (device ${this.deviceId})`);
    if (c.access !== 'rw' || !c.command) throw new WriteRefused(`channel ${channel}: not writable (device ${this.deviceId})`);
    const spec = commandOf(c, value, this.now);
    const cmd = c.command;
    const steps = 1 + (cmd.sbo ? 1 : 0) + (cmd.termination ? 1 : 0);
    return this.sup.request(async (g) => {
      await g.settled();
      const act = g.active;
      if (!act) throw new Error(`device ${this.deviceId}: no active link`);
      const stages: FieldStage[] = [];
      try {
        const r = await act.client.command(spec);
        if (r.selected !== undefined) stages.push({ stage: 'selected', at: r.selected });
        stages.push({ stage: 'operated', at: r.executed });
        if (r.terminated !== undefined) stages.push({ stage: 'terminated', at: r.terminated });
        return { stages };
      } catch (e) {
        const text = `channel ${channel} = ${String(value)} on device ${this.deviceId}: ${errorText(e)}`;
        if (e instanceof Iec104Refusal) {
          if (e.step === 'execute' && cmd.sbo) stages.push({ stage: 'selected', at: this.now() });
          stages.push({ stage: 'refused', at: this.now(), step: e.step, text: e.message });
          const err = new Iec104Refusal(text, e.step) as Iec104Refusal & { fieldStages?: FieldStage[] };
          err.fieldStages = stages;
          throw err;
        }
        if (e instanceof Iec104Timeout) throw new Iec104Timeout(text);
        throw new Error(text);
      }
    }, steps * this.device.timeoutMs + 500);
  }

  // ------------------------------------------------------------------ internals

  private async onStart(client: Iec104Client): Promise<void> {
    const conn = this.device.connection;
    if (conn.clockSync) await client.clockSync(this.now());
    await client.interrogate(20);
    this.lastGi = this.now();
    if (conn.counterInterrogation) await client.counterInterrogate(5);
  }

  private async poll(): Promise<{ samples: PointSample[]; problem?: string }> {
    const g = this.group;
    if (!g || g.closed) throw new Error(`device ${this.deviceId}: the link is closed`);
    const b = g.bytes();
    this.sup.countBytes(b.out - this.bytesSeen.out, b.in - this.bytesSeen.in);
    this.bytesSeen = b;
    const every = this.device.connection.interrogationMs;
    if (every !== undefined && this.now() - this.lastGi >= every && g.active) {
      this.lastGi = this.now();
      const client = g.active.client;
      await this.sup.request(() => client.interrogate(20).then(() => undefined));
    }
    const problems: string[] = [];
    if (g.switchovers > 0 && g.lastSwitch) problems.push(`switched to ${g.active?.endpoint.name ?? '?'} after: ${g.lastSwitch}`);
    if (this.unmapped.size > 0) problems.push(`IOA ${[...this.unmapped].slice(0, 10).join(', ')} reported by the device but not in profile ${this.profile.id}`);
    return problems.length > 0 ? { samples: [], problem: problems.join('; ') } : { samples: [] };
  }

  private onData(a: Asdu): void {
    const samples: PointSample[] = [];
    const now = this.now();
    for (const o of a.objects) {
      const m = this.byIoa.get(o.ioa);
      if (!m) {
        if (a.type !== 70) this.unmapped.add(o.ioa);
        continue;
      }
      const s: PointSample = { id: m.id, value: valueOf(m.c, o), quality: qdsQuality(o.qds), ts: o.time ? o.time.ms : now };
      if (o.time) s.tq = cp56Quality(o.time.iv);
      samples.push(s);
    }
    if (samples.length > 0) {
      this.sup.countAnswers(1);
      this.sup.publish(samples);
    }
  }
}

/** a write refused before anything was sent (unknown channel, value out of range): the link stays up */
export class WriteRefused extends Error {}

/** the engineering value of an information object */
function valueOf(c: Iec104Channel, o: InfoObject): number | boolean {
  const v = o.value;
  if (c.type === 'boolean') return v === true || v === 1;
  const raw = typeof v === 'boolean' ? (v ? 1 : 0) : (v ?? 0);
  return c.kind === 'double' || c.kind === 'bitstring' ? raw : raw * c.scale + c.offset;
}

/** the command for an engineering value, or a WriteRefused naming what is wrong */
export function commandOf(c: Iec104Channel, value: number | boolean, now: () => number): CommandSpec {
  const cmd = c.command;
  if (!cmd) throw new WriteRefused(`channel ${c.channel}: not writable`);
  const base = { ioa: cmd.ioa, kind: cmd.kind, sbo: cmd.sbo, termination: cmd.termination, qualifier: cmd.qualifier, ...(cmd.timeTag ? { timeTag: now() } : {}) };
  const bad = (why: string): never => {
    throw new WriteRefused(`channel ${c.channel}: ${why}`);
  };
  switch (cmd.kind) {
    case 'single': {
      if (typeof value === 'boolean') return { ...base, value };
      if (value !== 0 && value !== 1) bad(`a single command is on (1/true) or off (0/false), not ${value}`);
      return { ...base, value: value === 1 };
    }
    case 'double':
    case 'step': {
      const v = typeof value === 'boolean' ? (value ? 2 : 1) : value;
      const words = cmd.kind === 'double' ? '1 (off/open) or 2 (on/close)' : '1 (lower) or 2 (higher)';
      if (v !== 1 && v !== 2) bad(`a ${cmd.kind} command is ${words}, not ${String(value)}`);
      return { ...base, value: v };
    }
    default: {
      if (typeof value !== 'number' || !Number.isFinite(value)) bad(`a set-point needs a number, not ${String(value)}`);
      const raw = ((value as number) - c.offset) / c.scale;
      if (cmd.kind === 'normalised' && (raw < -1 || raw >= 1)) bad(`${String(value)} ${c.unit} is outside what a normalised set-point can carry (${fmt(-1 * c.scale + c.offset)} to below ${fmt(c.scale + c.offset)} ${c.unit})`.replace(/ +\)/, ')'));
      if (cmd.kind === 'scaled') {
        const r = Math.round(raw);
        if (r < -32768 || r > 32767) bad(`${String(value)} ${c.unit} is outside what a scaled set-point can carry (raw ${r}, 16 bits)`);
        return { ...base, value: r };
      }
      return { ...base, value: raw };
    }
  }
}

function fmt(n: number): string {
  return String(Math.round(n * 1e6) / 1e6);
}

export const iec104Driver: Driver = {
  definition: iec104Protocol as ProtocolDefinition<never>,
  createFactory(): BridgeFactory {
    return { protocols: ['iec104'], create: (ctx) => new Iec104Bridge(ctx) };
  },
};

/**
 * The core host: builds the Current Value Table from the site, starts one bridge per device,
 * answers the API and serves browser mode. It never imports a driver: the composition root
 * (electron/) passes the bridge factories and, for the demo, the simulator's control.
 */
import { ApiError, type Bridge, type BridgeFactory, type DeviceStatus, type SimState, type SiteView } from '../common';
import type { LoadedSite } from '../config/load';
import { CurrentValueTable } from '../cvt/cvt';
import { ALLOW_ALL, ApiDispatcher, EventBus, type AccessPolicy, type Handlers } from './dispatcher';
import { LocalSessions } from './sessions';
import { WebTransport, type WebOptions } from './web';

/** What the host needs of a running simulator (drivers/sim implements it). */
export interface SimControl {
  get(): SimState;
  set(p: Partial<Pick<SimState, 'pvFactor' | 'loadStepKw' | 'batteryTempOffsetC' | 'speed'>>): SimState;
  onChange(cb: (s: SimState) => void): () => void;
}

export interface HostOptions {
  loaded: LoadedSite;
  bridgeFactories: readonly BridgeFactory[];
  simulator?: SimControl;
  mode: 'electron' | 'browser';
  version: string;
  /** serve browser mode (HTTP + WebSocket); Electron-only hosts may leave it out */
  web?: Omit<WebOptions, 'staticDir'> & { staticDir?: string };
  flushMs?: number;
  policy?: AccessPolicy;
}

export class Host {
  readonly cvt: CurrentValueTable;
  readonly bus = new EventBus();
  readonly sessions = new LocalSessions();
  readonly dispatcher: ApiDispatcher;
  readonly bridges = new Map<string, Bridge>();
  private web: WebTransport | undefined;
  private readonly startedAt = Date.now();
  private readonly disposers: Array<() => void> = [];
  private devicesTimer: NodeJS.Timeout | undefined;
  url: string | undefined;

  constructor(private readonly opts: HostOptions) {
    const { loaded } = opts;
    const staleMs = new Map<string, number>();
    const pollOf = new Map(loaded.site.devices.map((d) => [d.id, d.pollMs]));
    for (const p of loaded.points) {
      const asset = loaded.site.assets.find((a) => a.id === p.assetId);
      const configured = asset?.points?.[p.channel]?.staleMs;
      staleMs.set(p.id, configured ?? 3 * (pollOf.get(p.deviceId ?? '') ?? 1000) + 500);
    }
    this.cvt = new CurrentValueTable(loaded.points, { flushMs: opts.flushMs ?? 100, staleMs });
    this.dispatcher = new ApiDispatcher(this.handlers(), this.sessions, this.bus, opts.policy ?? ALLOW_ALL);
    for (const device of loaded.site.devices) {
      const factory = opts.bridgeFactories.find((f) => f.protocols.includes(device.protocol));
      if (!factory) throw new Error(`no bridge for protocol "${device.protocol}" of device "${device.id}"`);
      const profile = loaded.profiles.get(device.profile);
      if (!profile) throw new Error(`device "${device.id}": profile "${device.profile}" not loaded`);
      this.bridges.set(device.id, factory.create({ device, profile, sink: this.cvt }));
    }
  }

  siteView(): SiteView {
    const { site } = this.opts.loaded;
    return {
      id: site.site.id,
      name: site.site.name,
      gridType: site.site.gridType,
      timezone: site.site.timezone,
      location: site.site.location,
      pcc: site.site.pcc,
      simulated: this.opts.simulator !== undefined,
      assets: site.assets.map((a) => ({
        id: a.id,
        name: a.name,
        kind: a.kind,
        nature: a.nature,
        ...(a.parent !== undefined ? { parent: a.parent } : {}),
        ...(a.role !== undefined ? { role: a.role } : {}),
        ...(a.rating !== undefined ? { rating: a.rating } : {}),
        ...(a.limits !== undefined ? { limits: a.limits } : {}),
      })),
    };
  }

  deviceStatuses(): DeviceStatus[] {
    return [...this.bridges.values()].map((b) => b.status());
  }

  private handlers(): Handlers {
    const sim = (): SimControl => {
      if (!this.opts.simulator) throw new ApiError('unavailable', 'this site runs without the plant simulator');
      return this.opts.simulator;
    };
    return {
      'host.info': () => ({ version: this.opts.version, mode: this.opts.mode, startedAt: this.startedAt, pid: process.pid }),
      'session.current': (ctx) => ctx.session,
      'site.get': () => this.siteView(),
      'points.list': (_ctx, arg) => this.cvt.metas().filter((m) => arg.assetId === undefined || m.assetId === arg.assetId),
      'points.read': (_ctx, arg) =>
        arg.ids.map((id) => {
          const s = this.cvt.get(id);
          if (!s) throw new ApiError('not-found', `unknown point "${id}"`, { path: 'ids' });
          return { ...s };
        }),
      'devices.list': () => this.deviceStatuses(),
      'sim.get': () => sim().get(),
      'sim.set': (_ctx, arg) => sim().set(arg),
    };
  }

  async start(): Promise<void> {
    this.cvt.start();
    this.disposers.push(this.cvt.subscribe((batch) => this.bus.emit('points.changed', batch)));
    for (const b of this.bridges.values()) {
      this.disposers.push(
        b.onStatus(() => {
          // coalesce status bursts (every device reporting at once) into one event
          this.devicesTimer ??= setTimeout(() => {
            this.devicesTimer = undefined;
            this.bus.emit('devices.changed', this.deviceStatuses());
          }, 100);
        }),
      );
    }
    if (this.opts.simulator) this.disposers.push(this.opts.simulator.onChange((s) => this.bus.emit('sim.changed', s)));
    await Promise.all([...this.bridges.values()].map((b) => b.start()));
    if (this.opts.web) {
      this.web = new WebTransport(this.dispatcher, this.sessions, this.opts.web);
      this.url = await this.web.start();
    }
  }

  async stop(): Promise<void> {
    for (const d of this.disposers.splice(0)) d();
    if (this.devicesTimer) clearTimeout(this.devicesTimer);
    await this.web?.stop();
    await Promise.all([...this.bridges.values()].map((b) => b.stop()));
    this.cvt.stop();
  }
}

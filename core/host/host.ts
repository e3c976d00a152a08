/**
 * The core host: builds the Current Value Table from the site, starts one bridge per device,
 * opens the services (security, audit, commands, alarms), answers the API and serves browser
 * mode. It never imports a driver: the composition root (electron/) passes the bridge
 * factories and, for the demo, the simulator's control.
 */
import { isMainThread } from 'node:worker_threads';
import type { DeviceImporter } from '../config/device-import';
import type { DeviceCsv } from '../devices';
import { DiscoveryService, type ModbusScanner } from '../discovery';
import { commsHandlers } from './handlers/comms';
import { dirname, join } from 'node:path';
import {
  ApiError,
  priorityRank,
  type ActiveCommand,
  type AlarmsChangedEvent,
  type Bridge,
  type BridgeFactory,
  type DeviceConfig,
  type DeviceStatus,
  type PointState,
  type SecretAccess,
  type SimSetReq,
  type SimState,
  type SimulatedHistoryView,
  type SiteView,
} from '../common';
import type { LoadedSite } from '../config/load';
import { CurrentValueTable } from '../cvt/cvt';
import { auditActor, type KeyProvider } from '../security';
import { ApiDispatcher, EventBus, type Handlers } from './dispatcher';
import { SecurityGate } from './gate';
import { alarmHandlers } from './handlers/alarms';
import { historianHandlers } from './handlers/historian';
import { Downloads } from './downloads';
import { securityHandlers } from './handlers/security';
import { describeError, takeFailureRecord, type FailureRecord } from './failures';
import { planHandlers } from './handlers/plan';
import { trendHandlers } from './handlers/trends';
import { kpiHandlers } from './handlers/kpi';
import { StudyDesk, studyHandlers } from './handlers/study';
import { deviceHandlers } from './handlers/devices';
import { KpiService } from '../kpi/service';
import { DEMAND_RESPONSE_POINT, DEMO_HISTORY_FILE, kpiSpecOf } from '../kpi/spec';
import { readSimulatedHistory } from '../kpi/simulated';
import { contractedSteps, type ContractedStep } from '../kpi/contracted';
import { MonthlyReports } from './kpi-reports';
import { chromiumPrinter, type PdfPrinter } from '../kpi/pdf';
import { modeHandlers, modeStatus, type ModeContext } from './handlers/modes';
import { PlanDispatcher } from '../plan/dispatch';
import { systemPrincipal } from '../security';
import { SiteAssets } from '../assets';
import { realScheduler, type Cancel, type Scheduler } from '../common/clock';
import { SiteForecasts } from '../forecast/site';
import { LoadModelTrainer } from '../forecast/training';
import { Optimiser } from '../optimiser/optimiser';
import { PlanService } from '../plan/service';
import { MarketPriceService } from '../prices/service';
import { planState } from '../plan/state';
import { EXPORT_TTL_MS, expireExports, secureDataDir } from './datadir';
import { openServices, type Services } from './services';
import { aboutInfo } from './about';
import { WebTransport, type WebOptions, type WebStats } from './web';

/** Largest alarm-change event sent to the screens; larger engine batches go in parts. */
export const ALARM_EVENT_PART = 500;
/** At most this many new alarms are listed for annunciation per batch (highest priority first). */
export const ALARM_ANNUNCIATE_MAX = 100;

/** System alarm raised at start when the previous core ended by a failure (the cause in its text). */
export const CORE_RESTARTED_ALARM = 'system.core-restarted';
/** System alarm raised when an error escaped (a listener, a promise nobody awaited). */
export const CORE_ERROR_ALARM = 'system.core-error';

/** What the host needs of a running simulator (drivers/sim implements it). */
export interface SimControl {
  get(): SimState;
  set(p: SimSetReq): SimState;
  onChange(cb: (s: SimState) => void): () => void;
}

export interface HostOptions {
  loaded: LoadedSite;
  bridgeFactories: readonly BridgeFactory[];
  /** folder of the application database, alarm journal and keys */
  dataDir: string;
  /** prints the KPI report to PDF: headless Chromium by default, Electron's printToPDF in the desktop shell */
  pdfPrinter?: PdfPrinter;
  /** where the data key comes from: a 0600 key file by default; Electron's safeStorage on the desktop */
  keyProvider?: KeyProvider;
  simulator?: SimControl;
  mode: 'electron' | 'browser';
  version: string;
  /** serve browser mode (HTTP + WebSocket); Electron-only hosts may leave it out */
  web?: Omit<WebOptions, 'staticDir'> & { staticDir?: string };
  flushMs?: number;
  /** changes are pushed this soon after a bridge publishes them (CvtOptions.flushSoonMs; default 20 ms) */
  flushSoonMs?: number;
  /** the plan service (sites with an energy section); on by default */
  planning?: { enabled?: boolean; /** first plan after start when none covers now, ms (default 15 s) */ startupDelayMs?: number };
  /** exports are deleted this long after they were written (default EXPORT_TTL_MS, 1 h) */
  exportTtlMs?: number;
  /**
   * The clock and timers of the plant side: the CVT, the bridges' polls and reconnects (handed
   * to every bridge in its BridgeContext), the services (alarms, historian, control cycle),
   * the plan service and market prices. Default the real one; a study or a test passes a
   * VirtualScheduler. Sockets keep wall-time guards (docs/decisions/0008).
   */
  scheduler?: Scheduler;
  /** device import into the site file (SCL); absent: devices.import.* answer "unavailable" */
  deviceImport?: DeviceImporter;
  /** CSV bulk registration and export (core/devices); absent: devices.csv.* answer "unavailable" */
  deviceCsv?: DeviceCsv;
  /** the Modbus scan helper the composition root hands in (drivers/modbus/scan.ts); absent: discovery answers "unavailable" */
  modbusScanner?: ModbusScanner;
}

export class Host {
  readonly cvt: CurrentValueTable;
  readonly bus = new EventBus();
  readonly bridges = new Map<string, Bridge>();
  readonly downloads = new Downloads();
  private studyDesk: StudyDesk | undefined;
  private services: Services | undefined;
  private optimiser: Optimiser | undefined;
  private plans: PlanService | undefined;
  private kpi: KpiService | undefined;
  /** the span of simulated demo history in the historian (`<data>/demo-history.json`), read at start */
  private simulatedHistory: SimulatedHistoryView | undefined;
  private planDispatch: PlanDispatcher | undefined;
  /** the plan's dispatch (tests and the mode handlers) */
  get planDispatcher(): PlanDispatcher | undefined {
    return this.planDispatch;
  }
  private planStartup: Cancel | undefined;
  private prices: MarketPriceService | undefined;
  private trainer: LoadModelTrainer | undefined;
  private dispatcherRef: ApiDispatcher | undefined;
  private web: WebTransport | undefined;
  private readonly startedAt = Date.now();
  private readonly disposers: Array<() => void> = [];
  private devicesTimer: NodeJS.Timeout | undefined;
  /** the factories serving at least one device, with those devices (started before the bridges) */
  private readonly factories = new Map<BridgeFactory, DeviceConfig[]>();
  private readonly startedFactories: BridgeFactory[] = [];
  /** errors reported before the services (and the alarm engine) were open */
  private readonly earlyFailures: Array<{ kind: string; err: unknown }> = [];
  /** the failure record the previous run left, once taken at start */
  previousFailure: FailureRecord | undefined;
  url: string | undefined;
  /** the plant side's clock and timers (HostOptions.scheduler) */
  readonly scheduler: Scheduler;
  /** Modbus discovery, when the composition root gave a scanner */
  readonly discovery: DiscoveryService | undefined;

  constructor(private readonly opts: HostOptions) {
    const { loaded } = opts;
    const staleMs = new Map<string, number>();
    const pollOf = new Map(loaded.site.devices.map((d) => [d.id, d.pollMs]));
    for (const p of loaded.points) {
      const asset = loaded.site.assets.find((a) => a.id === p.assetId);
      const configured = asset?.points?.[p.channel]?.staleMs;
      staleMs.set(p.id, configured ?? 3 * (pollOf.get(p.deviceId ?? '') ?? 1000) + 500);
    }
    this.scheduler = opts.scheduler ?? realScheduler;
    this.cvt = new CurrentValueTable(loaded.points, {
      scheduler: this.scheduler,
      flushMs: opts.flushMs ?? 100,
      flushSoonMs: opts.flushSoonMs ?? 20,
      staleMs,
      onListenerError: (err, which) => this.reportFailure(`a ${which} listener of the current value table`, err),
    });
    for (const device of loaded.site.devices) {
      const factory = opts.bridgeFactories.find((f) => f.protocols.includes(device.protocol));
      if (!factory) throw new Error(`no bridge for protocol "${device.protocol}" of device "${device.id}"`);
      const profile = loaded.profiles.get(device.profile);
      if (!profile) throw new Error(`device "${device.id}": profile "${device.profile}" not loaded`);
      const served = this.factories.get(factory) ?? [];
      served.push(device);
      this.factories.set(factory, served);
      this.bridges.set(device.id, factory.create({ device, profile, sink: this.cvt, scheduler: this.scheduler, dataDir: this.driverDir(factory), secrets: this.secretAccess }));
    }
    const known = new Map<string, string>();
    for (const d of loaded.site.devices) {
      const c = d.connection as { host?: unknown; port?: unknown; unitId?: unknown };
      if (d.protocol === 'modbus-tcp' && typeof c.host === 'string') known.set(`${c.host}:${String(c.port)}/${String(c.unitId ?? 1)}`, d.id);
    }
    this.discovery = opts.modbusScanner ? new DiscoveryService({ scanner: opts.modbusScanner, known: () => known }) : undefined;
  }

  /** a driver's own folder under the data folder: drivers/<its first protocol> */
  private driverDir(f: BridgeFactory): string {
    return join(this.opts.dataDir, 'drivers', f.protocols[0] ?? 'unnamed');
  }

  /**
   * Drivers read secrets by name through this, never the store itself: only the site's own
   * secrets and global ones, and only once the services are open.
   */
  private readonly secretAccess: SecretAccess = {
    get: async (name) => {
      const store = this.services?.secrets;
      if (!store) throw new Error(`secret "${name}" asked for before the core started`);
      const meta = store.meta(name);
      if (!meta || (meta.siteId !== null && meta.siteId !== this.siteId)) return undefined;
      return store.get(name);
    },
  };

  get siteId(): string {
    return this.opts.loaded.site.site.id;
  }

  /** The API dispatcher (transports use it); available after start(). */
  get dispatcher(): ApiDispatcher {
    if (!this.dispatcherRef) throw new Error('the host is not started');
    return this.dispatcherRef;
  }

  /** The runtime services; available after start(). */
  get svc(): Services {
    if (!this.services) throw new Error('the host is not started');
    return this.services;
  }

  /** What the browser-mode transport did about misbehaving connections (undefined without it). */
  get webStats(): WebStats | undefined {
    return this.web?.stats;
  }

  /** The one-time code needed to create the first administrator, while one is needed. */
  get setupToken(): string | undefined {
    return this.services?.auth.status().setupRequired ? this.services.setupToken : undefined;
  }

  siteView(): SiteView {
    const { site } = this.opts.loaded;
    return {
      id: site.site.id,
      name: site.site.name,
      gridType: site.site.gridType,
      timezone: site.site.timezone,
      location: site.site.location,
      pcc: { meter: site.site.pcc.meter, contractedPowerKw: this.services?.siteParameters.effective(site.site.id)?.contractedPowerKw ?? site.site.pcc.contractedPowerKw },
      parameters: this.services?.siteParameters.views(site.site.id) ?? [],
      simulated: this.opts.simulator !== undefined,
      ...(this.simulatedHistory ? { simulatedHistory: this.simulatedHistory } : {}),
      alarms: { shelvingMaxMs: this.services?.alarms.settings.shelving.maxDurationMs ?? 8 * 3600_000 },
      ...(this.opts.loaded.warnings?.length ? { configWarnings: this.opts.loaded.warnings } : {}),
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

  /** the last command per setpoint: the pipeline's, with the control cycle's newer writes over it */
  private activeCommands(s: Services): ActiveCommand[] {
    return s.control.activeCommands(s.commands.activeCommands(this.siteId), (t) => this.cvt.meta(t)?.unit ?? '');
  }

  private handlers(s: Services): Handlers {
    const importer = (): DeviceImporter => {
      if (!this.opts.deviceImport) throw new ApiError('unavailable', 'importing devices is not available on this host');
      return this.opts.deviceImport;
    };
    const sim = (): SimControl => {
      if (!this.opts.simulator) throw new ApiError('unavailable', 'this site runs without the plant simulator');
      return this.opts.simulator;
    };
    return {
      'host.info': () => ({ version: this.opts.version, mode: this.opts.mode, startedAt: this.startedAt, pid: process.pid }),
      'host.about': () => aboutInfo(this.opts.mode),
      'session.current': (ctx) => {
        if (!ctx.token) throw new ApiError('unauthenticated', 'not signed in', { rule: 'session.required' });
        return s.auth.session(ctx.token);
      },
      'site.get': () => this.siteView(),
      'points.list': (_ctx, arg) => this.cvt.metas().filter((m) => arg.assetId === undefined || m.assetId === arg.assetId),
      'points.read': (_ctx, arg) =>
        arg.ids.map((id) => {
          const st = this.cvt.get(id);
          if (!st) throw new ApiError('not-found', `unknown point "${id}"`, { path: 'ids' });
          return { ...st };
        }),
      'devices.list': () => this.deviceStatuses(),
      'control.status': () => s.control.status(),
      'sim.get': () => sim().get(),
      'sim.set': (ctx, arg) => {
        const before = sim().get();
        const after = sim().set(arg);
        if (ctx.principal)
          s.audit.append({ type: 'sim.set', ...auditActor(ctx.principal), siteId: this.siteId, outcome: 'ok', before, after: arg });
        return after;
      },
      'control.active': () => this.activeCommands(s),
      'devices.import.preview': (_ctx, arg) => importer().preview(arg),
      'devices.import.apply': (ctx, arg) => {
        const r = importer().apply(arg);
        if (ctx.principal)
          s.audit.append({
            type: 'config.device.import',
            ...auditActor(ctx.principal),
            siteId: this.siteId,
            outcome: r.ok ? 'ok' : 'refused',
            after: r.ok ? { device: r.deviceId, profile: r.profileId, ied: r.iedName, channels: r.channels.length } : { device: arg.deviceId },
            details: r.ok ? { file: arg.fileName, profileFile: r.profileFile, siteFile: r.siteFile } : { file: arg.fileName, issues: r.issues.slice(0, 20) },
          });
        return r;
      },
      'site.parameters.set': (ctx, arg) => {
        if (!ctx.principal) throw new ApiError('unauthenticated', 'not signed in', { rule: 'session.required' });
        if (arg.siteId !== this.siteId) throw new ApiError('not-found', `unknown site "${arg.siteId}"`, { path: 'siteId' });
        return s.commands.setParameter(ctx.principal, arg);
      },
      ...securityHandlers(s, this.siteId),
      ...alarmHandlers(s, this.siteId),
      ...planHandlers(s, this.siteId, this.opts.loaded.site.site.timezone, this.plans, this.opts.loaded.site),
      ...trendHandlers(s),
      ...kpiHandlers({ services: s, kpi: () => this.kpi, dataDir: this.opts.dataDir, downloads: this.downloads, printer: this.opts.pdfPrinter ?? chromiumPrinter() }),
      ...(() => {
        // study mode: its own file under the data folder, its own worker; never a bridge
        const deps = { dataDir: this.opts.dataDir, site: this.opts.loaded.site, bus: this.bus, downloads: this.downloads, printer: this.opts.pdfPrinter ?? chromiumPrinter() };
        this.studyDesk = new StudyDesk(deps);
        return studyHandlers(this.studyDesk, deps);
      })(),
      ...modeHandlers(s, this.modeContext()),
      ...deviceHandlers({
        services: s,
        siteId: this.siteId,
        bridges: this.bridges,
        bridgeOf: (pointId) => {
          const deviceId = this.cvt.meta(pointId)?.deviceId;
          const bridge = deviceId ? this.bridges.get(deviceId) : undefined;
          return deviceId && bridge ? { deviceId, bridge } : undefined;
        },
        factories: () => this.startedFactories,
        now: Date.now,
      }),
      ...commsHandlers({
        services: s,
        siteId: this.siteId,
        bridges: this.bridges,
        pointsOf: (deviceId) => this.cvt.metas().filter((m) => m.deviceId === deviceId).map((m) => m.id),
        publish: (samples) => this.cvt.publish(samples),
        valueOf: (id) => this.cvt.get(id)?.value ?? null,
        discovery: this.discovery,
        csv: this.opts.deviceCsv,
        changed: () => this.bus.emit('devices.changed', this.deviceStatuses()),
        now: Date.now,
      }),
      ...historianHandlers({
        services: s,
        siteId: this.siteId,
        dataDir: this.opts.dataDir,
        bus: this.bus,
        downloads: this.downloads,
        pointExists: (id) => this.cvt.meta(id) !== undefined,
      }),
    };
  }

  private modeContext(): ModeContext {
    const site = this.opts.loaded.site;
    return { siteId: this.siteId, timezone: site.site.timezone, hasTariff: site.energy?.grid.importTariff !== undefined, dispatcher: () => this.planDispatch };
  }

  /** the operating mode's status to the screens (coalesced: a burst of changes is one event) */
  private emitModes(s: Services): void {
    this.modesTimer ??= setTimeout(() => {
      this.modesTimer = undefined;
      try {
        this.bus.emit('modes.changed', modeStatus(s, this.modeContext()));
      } catch (e) {
        this.reportFailure('the operating-mode event', e);
      }
    }, 50);
  }
  private modesTimer: NodeJS.Timeout | undefined;

  /**
   * An error that escaped where it happened (a CVT listener, a promise nobody awaited): it
   * becomes a system alarm with its cause, and an audit entry, instead of silent death.
   * Never throws.
   */
  reportFailure(where: string, err: unknown): void {
    const { cause, stack } = describeError(err);
    console.error(`core: ${where} failed: ${cause}${stack ? `\n${stack}` : ''}`);
    const s = this.services;
    if (!s) {
      if (this.earlyFailures.length < 20) this.earlyFailures.push({ kind: where, err });
      return;
    }
    const now = Date.now();
    const key = `${where}|${cause}`;
    // the same failure repeating (every poll) is one alarm, not a journal flood
    if (this.lastFailure?.key === key && now - this.lastFailure.at < 60_000) return;
    this.lastFailure = { key, at: now };
    try {
      s.alarms.raiseSystemAlarm(CORE_ERROR_ALARM, {
        message: 'An internal error of the core was caught; it keeps running',
        priority: 'high',
        class: 'system',
        text: `${where}: ${cause}`,
      });
      s.audit.append({ type: 'system.error', actor: 'system:core', siteId: this.siteId, outcome: 'failed', details: { where, cause, ...(stack ? { stack } : {}) } });
    } catch (e) {
      console.error('core: the failure could not be raised as an alarm:', e);
    }
  }
  private lastFailure: { key: string; at: number } | undefined;

  async start(): Promise<void> {
    // everything this process creates from now on is the owner's only (0600 / 0700): SQLite's
    // files, exports, and what drivers create in their folders later (node-opcua's PKI, its
    // certificates made on the first connection) — not only what exists when the folder is checked
    if (isMainThread) process.umask(0o077);
    // owner only: created 0700, or a folder open to others fixed with a logged sentence
    secureDataDir(this.opts.dataDir);
    const s = await openServices({
      dataDir: this.opts.dataDir,
      site: this.opts.loaded.site,
      cvt: this.cvt,
      bridges: this.bridges,
      scheduler: this.scheduler,
      requireSetupToken: this.opts.mode === 'browser',
      // plan following reads the plan service's setpoint (started below, for sites with an energy section)
      plan: () => this.plans,
      onHistorianWriteError: (cause) => cause && console.error('historian: cannot write:', cause.message),
      ...(this.opts.keyProvider ? { keyProvider: this.opts.keyProvider } : {}),
    });
    this.services = s;
    // files the services just created (SQLite makes them with the process umask)
    secureDataDir(this.opts.dataDir, () => undefined);
    const exportsDir = join(this.opts.dataDir, 'exports');
    const ttl = this.opts.exportTtlMs ?? EXPORT_TTL_MS;
    const expired = expireExports(exportsDir, ttl);
    if (expired > 0) console.log(`exports: ${expired} expired export file${expired === 1 ? '' : 's'} deleted`);
    const sweep = setInterval(() => {
      try {
        expireExports(exportsDir, ttl);
      } catch (e) {
        console.error('exports: expiry failed:', e);
      }
    }, Math.min(10 * 60_000, Math.max(100, ttl / 4)));
    sweep.unref();
    this.disposers.push(() => clearInterval(sweep));
    this.raisePreviousFailure(s);
    for (const f of this.earlyFailures.splice(0)) this.reportFailure(f.kind, f.err);
    this.startPlanning(s);
    this.simulatedHistory = readSimulatedHistory(join(this.opts.dataDir, DEMO_HISTORY_FILE));
    // energy statistics and KPIs: computed in their own worker over the historian file (read-only)
    // the contract over time: the site file's, then each audited change of the operator
    const fileKw = this.opts.loaded.site.site.pcc.contractedPowerKw;
    const contracted = (): ContractedStep[] => {
      // the override in force carries the instant of its change (its audited result may follow later)
      const ov = s.siteParameters.views(this.siteId)?.find((v) => v.id === 'contractedPowerKw')?.override;
      const changes = [...s.audit.query({ type: 'parameter.result', siteId: this.siteId, outcome: 'ok', limit: 1000 }), ...(ov ? [{ ts: ov.at, after: { contractedPowerKw: ov.value } }] : [])];
      return contractedSteps(fileKw, changes, s.siteParameters.effective(this.siteId)?.contractedPowerKw ?? fileKw);
    };
    this.kpi = new KpiService({ dbPath: s.historian.dbPath, spec: { ...kpiSpecOf(this.opts.loaded.site), contracted: contracted() } });
    this.disposers.push(
      s.siteParameters.onChange((site) => {
        if (site === this.siteId) this.kpi?.setContracted(contracted()).catch((e: unknown) => this.reportFailure('the KPI contract update', e));
      }),
    );
    // demand-response events for the KPIs: 1 while a TSO setpoint of the grid signals is in force
    const signals = s.signals;
    if (signals) {
      const recordDr = (): void => {
        const now = this.scheduler.now();
        s.historian.record([{ id: DEMAND_RESPONSE_POINT, value: signals.current(now)?.setpointKw !== undefined ? 1 : 0, quality: { level: 'good' }, ts: now }]);
      };
      recordDr();
      const cancel = this.scheduler.setInterval(recordDr, 10_000);
      this.disposers.push(() => cancel());
    }
    const monthly = this.opts.loaded.site.kpi?.reports?.monthly;
    if (monthly) {
      // the previous month's report, e-mailed on the configured local day and hour (checked every 10 min)
      const reports = new MonthlyReports({ cfg: monthly, tz: this.opts.loaded.site.site.timezone, siteName: this.opts.loaded.site.site.name, dataDir: this.opts.dataDir, kpi: this.kpi, printer: this.opts.pdfPrinter ?? chromiumPrinter(), mailer: () => s.notifier });
      const check = (): void => void reports.tick(Date.now()).catch((e: unknown) => console.error('kpi: the monthly report failed:', e));
      const timer = setInterval(check, 10 * 60_000);
      timer.unref();
      this.disposers.push(() => clearInterval(timer));
    }
    this.dispatcherRef = new ApiDispatcher(this.handlers(s), new SecurityGate(s.auth, s.audit, this.siteId), this.bus);
    this.cvt.start();
    this.disposers.push(this.cvt.subscribe((batch) => this.bus.emit('points.changed', batch)));
    // the alarm engine sees every change at once (not throttled by the UI flush); the
    // historian every sample (its policies decide what is kept)
    const toSamples = (states: readonly PointState[]) => states.map((st) => ({ id: st.id, value: st.value, quality: st.quality, ts: st.ts }));
    this.disposers.push(this.cvt.subscribeRaw((states) => s.alarms.processBatch(toSamples(states))));
    this.disposers.push(this.cvt.subscribeSamples((states) => s.historian.record(toSamples(states))));
    this.disposers.push(s.alarms.on('alarms.changed', (e) => this.emitAlarmChanges(e)));
    this.disposers.push(s.alarms.on('alarms.flood', (f) => this.bus.emit('alarms.flood', f)));
    this.disposers.push(s.commands.onActiveChange((site) => site === this.siteId && this.bus.emit('control.changed', this.activeCommands(s))));
    // the machine lane's changes of source (a controller takes over, an operator's hold ends)
    this.disposers.push(s.control.lane.onChange(() => this.bus.emit('control.changed', this.activeCommands(s))));
    this.disposers.push(s.siteParameters.onChange((site) => site === this.siteId && this.bus.emit('site.changed', this.siteView())));
    // the operating mode: every change of the mode in force (operator, calendar) is an event, and
    // entering plan following dispatches the plan's step at once (not at the next quarter hour)
    if (s.modes)
      this.disposers.push(
        s.modes.onChange((m) => {
          this.emitModes(s);
          if (m.mode === 'plan-following') void this.planDispatch?.dispatchNow();
        }),
      );
    // new external signals: the controllers read them at once; the plan is made again with them
    if (s.signals)
      this.disposers.push(
        s.signals.onChange(() => {
          this.emitModes(s);
          void this.plans?.replan('event', 'external grid signals changed');
        }),
      );
    s.alarms.start(500);
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
    if (this.opts.simulator) this.disposers.push(this.opts.simulator.onChange((st) => this.bus.emit('sim.changed', st)));
    for (const [f, devices] of this.factories) {
      if (!f.start) continue;
      await f.start({ siteId: this.siteId, dataDir: this.driverDir(f), secrets: this.secretAccess, devices, now: Date.now });
      this.startedFactories.push(f);
    }
    await Promise.all([...this.bridges.values()].map((b) => b.start()));
    // the control cycle (if the site enables controllers) starts once the bridges deliver
    s.control.start();
    if (this.opts.web) {
      this.web = new WebTransport(this.dispatcherRef, { ...this.opts.web, downloads: this.downloads });
      this.url = await this.web.start();
    }
  }

  /** The previous core ended by a failure: say why, as an alarm and in the audit log. */
  private raisePreviousFailure(s: Services): void {
    const f = takeFailureRecord(this.opts.dataDir);
    if (!f) return;
    this.previousFailure = f;
    const when = new Date(f.at).toISOString();
    try {
      s.alarms.raiseSystemAlarm(CORE_RESTARTED_ALARM, {
        message: 'The core stopped unexpectedly and was restarted',
        priority: 'high',
        class: 'system',
        text: `${f.cause} (${f.kind} at ${when})`,
      });
      s.audit.append({ type: 'system.restart', actor: 'system:supervisor', siteId: this.siteId, outcome: 'info', details: { ...f } });
    } catch (e) {
      console.error('core: the restart alarm could not be raised:', e);
    }
    console.warn(`core: restarted after a failure: ${f.cause} (${f.kind} at ${when})`);
  }

  /**
   * A flood can change thousands of alarms in one engine batch. One huge event would stall
   * every operator page while it is parsed and merged; parts of ALARM_EVENT_PART changes let
   * the page handle input between them (bench/alarm-flood-ui.bench.ts).
   */
  private emitAlarmChanges(e: AlarmsChangedEvent): void {
    if (e.changes.length <= ALARM_EVENT_PART) {
      this.bus.emit('alarms.changed', e);
      return;
    }
    const of = Math.ceil(e.changes.length / ALARM_EVENT_PART);
    const annunciate = [...e.annunciate].sort((a, b) => priorityRank(a.priority) - priorityRank(b.priority)).slice(0, ALARM_ANNUNCIATE_MAX);
    for (let n = 0; n < of; n++) {
      this.bus.emit('alarms.changed', {
        ts: e.ts,
        changes: e.changes.slice(n * ALARM_EVENT_PART, (n + 1) * ALARM_EVENT_PART),
        counts: e.counts,
        annunciate: n === 0 ? annunciate : [],
        annunciateTotal: n === 0 ? e.annunciate.length : 0,
        part: { n: n + 1, of },
      });
    }
  }

  /** The plan service: day-ahead, intraday and on request, solved in the optimiser's worker. */
  private startPlanning(s: Services): void {
    const site = this.opts.loaded.site;
    if (!site.energy || this.opts.planning?.enabled === false) return;
    const optimiser = new Optimiser();
    const history = async (id: string, from: number, to: number, stepMs: number) => {
      const r = await s.historian.query({ ids: [id], from, to, mode: 'interpolated', intervalMs: stepMs });
      const pen = r.pens[0];
      return pen ? { t: pen.t, v: pen.v.map((x) => (typeof x === 'number' ? x : null)) } : { t: [], v: [] };
    };
    // air temperature: a measured point, else the weather forecasts kept in the historian
    const tempPoint = site.energy.weather?.temperaturePoint;
    const temperature = async (from: number, to: number, stepMs: number) => {
      if (tempPoint) return history(tempPoint, from, to, stepMs);
      const [f] = await s.historian.queryForecast({ series: ['forecast/weather/temperature'], from, to });
      return f ? { t: f.t, v: f.v } : { t: [], v: [] };
    };
    const trainer = new LoadModelTrainer({ site, scheduler: realScheduler, history, temperature });
    // market prices (energy.10): read now and every 2-4 h; new prices after the first read re-plan
    let firstPrices = true;
    const prices = site.energy.prices
      ? new MarketPriceService({
          energy: site.energy,
          baseDir: dirname(this.opts.loaded.file),
          scheduler: this.scheduler,
          tz: site.site.timezone,
          alarms: s.alarms,
          onUpdate: () => {
            if (!firstPrices) void this.plans?.replan('event', 'market prices updated');
            firstPrices = false;
          },
        })
      : undefined;
    const plans = new PlanService({
      site,
      scheduler: this.scheduler,
      optimiser,
      forecasts: new SiteForecasts({
        site,
        alarms: s.alarms,
        history,
        historyDays: site.energy.forecast.historyDays,
        models: trainer,
        temperature,
        record: (w) => s.historian.writeForecast(w),
        ...(prices ? { prices } : {}),
      }),
      state: () => planState(site, new SiteAssets(site, this.cvt, (id) => s.assetModes.get(id) ?? 'in-service')),
      historian: s.historian,
      alarms: s.alarms,
      dir: join(this.opts.dataDir, 'plans'),
      signals: () => s.signals,
      onChange: (summary) => {
        this.bus.emit('plan.changed', summary);
        // a new plan while plan following is in force goes to the devices now
        if (summary.ok && s.modes && s.control.hasModes && s.modes.active().mode === 'plan-following') void this.planDispatch?.dispatchNow();
      },
    });
    plans.start();
    prices?.start();
    this.prices = prices;
    trainer.start();
    this.trainer = trainer;
    // dispatch of the plan's next hour through the command pipeline, every 15 minutes (energy.12 Req1)
    const principal = systemPrincipal({ id: 'plan-dispatch', displayName: 'Plan dispatch', capabilities: ['site.view', 'control.setpoint'], sites: [this.siteId] });
    this.planDispatch = new PlanDispatcher({
      siteId: this.siteId,
      scheduler: this.scheduler,
      plans: () => this.plans,
      execute: (cmd) => s.commands.execute(principal, cmd),
      hasPoint: (id) => this.cvt.meta(id) !== undefined,
      states: (id) => s.assetModes.get(id) ?? 'in-service',
      // only while plan following is the mode in force; a site without modes is not dispatched
      mode: () => (s.modes && s.control.hasModes ? s.modes.active().mode : 'manual'),
      alarms: s.alarms,
      // the cycle's merged setpoint (it writes that every second): dispatched instead of the raw step
      cycleValue: async (target, at) => {
        const cycle = s.control.cycle;
        if (!cycle?.running) return undefined;
        const deadline = this.scheduler.now() + 3 * cycle.periodMs;
        let last = cycle.lastResult();
        while ((last === undefined || last.ts < at) && this.scheduler.now() < deadline) {
          await new Promise<void>((resolve) => this.scheduler.setTimeout(resolve, Math.min(200, cycle.periodMs)));
          last = cycle.lastResult();
        }
        const m = last && last.ts >= at ? last.setpoints.find((x) => x.target === target) : undefined;
        const lane = m ? s.control.lane.status().find((x) => x.target === target) : undefined;
        return m ? { value: m.value, why: m.why, ...(lane ? { readback: lane.readback } : {}) } : undefined;
      },
      onDispatch: () => this.emitModes(s),
    });
    this.planDispatch.start();
    // a first plan once the devices have reported, unless a stored plan still covers now. A plan
    // on an unknown SoC fails, and the next scheduled plan may be an hour away: so the start-up
    // plan waits (checking every second, at most two minutes) until every planned battery's SoC
    // is known, e.g. a BMS over OPC UA that connects after the Modbus devices
    const startup = (waits: number): void => {
      this.planStartup = undefined;
      if (plans.mode().mode !== 'fallback') return;
      const soc = Object.values(planState(site, new SiteAssets(site, this.cvt, (id) => s.assetModes.get(id) ?? 'in-service')).socPct);
      if (waits > 0 && soc.some((v) => !Number.isFinite(v))) {
        this.planStartup = this.scheduler.setTimeout(() => startup(waits - 1), 1000);
        return;
      }
      void plans.replan('event', 'start-up');
    };
    this.planStartup = this.scheduler.setTimeout(() => startup(120), this.opts.planning?.startupDelayMs ?? 15_000);
    this.optimiser = optimiser;
    this.plans = plans;
  }

  /**
   * Stops in a bounded time (a few seconds, whatever the devices do) and keeps the last
   * historian batch: the transport and the bridges get a deadline each, then the CVT hands
   * its last samples over and the services close (the historian flushes and checkpoints).
   */
  async stop(): Promise<void> {
    // planning first: a solve in progress is abandoned (its worker terminated)
    this.planStartup?.();
    this.prices?.stop();
    this.trainer?.stop();
    this.plans?.stop();
    this.planDispatch?.stop();
    if (this.modesTimer) clearTimeout(this.modesTimer);
    await within(this.optimiser?.close() ?? Promise.resolve(), 1000, 'the optimiser');
    await within(this.plans?.idle() ?? Promise.resolve(), 1000, 'the plan service');
    await within(this.kpi?.close() ?? Promise.resolve(), 1000, 'the KPI worker');
    await within(this.studyDesk?.close() ?? Promise.resolve(), 1000, 'the study worker');
    await within(this.planDispatch?.idle() ?? Promise.resolve(), 1000, 'the plan dispatch');
    for (const d of this.disposers.splice(0)) {
      try {
        d();
      } catch (e) {
        console.error('core: a disposer failed during stop:', e);
      }
    }
    if (this.devicesTimer) clearTimeout(this.devicesTimer);
    await within(this.web?.stop() ?? Promise.resolve(), 1500, 'the browser-mode server');
    // no controller writes to a bridge that is stopping
    await within(this.services?.control.stop() ?? Promise.resolve(), 1500, 'the control cycle');
    await this.discovery?.stop();
    await within(Promise.all([...this.bridges.values()].map((b) => b.stop())), 2000, 'the device bridges');
    const factories = this.startedFactories.splice(0).reverse();
    await within(
      (async () => {
        for (const f of factories) {
          try {
            await f.stop?.();
          } catch (e) {
            console.error(`driver for ${f.protocols.join('/')}: stop failed:`, e);
          }
        }
      })(),
      1500,
      'the drivers',
    );
    this.cvt.stop();
    await this.services?.close();
  }
}

/** Waits for `p` at most `ms`; a late or failed stage is logged, never blocks the shutdown. */
async function within(p: Promise<unknown>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ms)));
  try {
    const r = await Promise.race([p.then(() => 'ok' as const), late]);
    if (r === 'late') console.warn(`core: ${what} did not stop within ${ms} ms; going on`);
  } catch (e) {
    console.error(`core: stopping ${what} failed:`, e);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The simulator's charge points: real OCPP 1.6J clients (ocpp-rpc's RPCClient, strict schema
 * validation) that connect to ES Manager's central system and drive the plant's EV charger
 * models (drivers/sim/model/ev.ts): vehicles arrive on the seeded schedule (or by
 * RemoteStartTransaction), charge within the charging profile in force and leave.
 *
 * One `SimChargePoint` per identity, one `SimConnector` per connector (an Evse asset):
 * - connects (retrying every second until the central system listens), sends BootNotification,
 *   then a Heartbeat every interval the central system gave, and a StatusNotification per
 *   connector;
 * - a vehicle plugs in: Preparing, Authorize (the car's RFID tag), StartTransaction, Charging;
 *   it is full or leaves: StopTransaction (EVDisconnected, or Remote after RemoteStopTransaction),
 *   Finishing, Available;
 * - MeterValues every `meterSampleS` (ChangeConfiguration MeterValueSampleInterval): Power.Active.Import,
 *   Energy.Active.Import.Register, Power.Offered (the limit in force), Current.Import L1 and the
 *   vehicle's SoC, with the transaction id while one runs;
 * - SetChargingProfile (TxDefaultProfile, TxProfile of the running transaction; W or A;
 *   Relative/Absolute with the first period in force), ClearChargingProfile, ChangeAvailability
 *   (Scheduled during a transaction), RemoteStart/StopTransaction, TriggerMessage,
 *   ChangeConfiguration, GetConfiguration.
 * A RemoteStartTransaction on a free connector plugs in a vehicle (20 kWh wanted, 11 kW on board,
 * leaving in 4 h): a simulated driver who is waiting for the operator.
 */
import { createServer } from 'node:net';
import { RPCClient, createRPCError } from 'ocpp-rpc';
import { isOcppDevice, type OcppConnectorStatus, type OcppDevice } from '../../../core/common/profiles/ocpp';
import type { SiteConfig } from '../../../core/common/site';
import type { EvChargerModel } from '../model/ev';

export interface SimConnectorModel {
  readonly connectorId: number;
  readonly ratingKw: number;
  readonly model: EvChargerModel;
  /** sets the charger model's limit (the plant clamps it to the rating) */
  setLimitKw(kw: number): void;
}

export interface SimChargePointOptions {
  /** the central system's URL without the identity, e.g. ws://127.0.0.1:8180/ocpp */
  endpoint: string;
  identity: string;
  password?: string;
  /** extra ws options (a CA for wss) */
  wsOpts?: Record<string, unknown>;
  connectors: readonly SimConnectorModel[];
  vendor?: string;
  model?: string;
  /** default meter sample interval until the central system changes it, s */
  meterSampleS?: number;
  now: () => number;
  /** a tag per vehicle: the simulated drivers' RFID cards */
  vehicleTag?: (connectorId: number, n: number) => string;
}

interface Profile {
  id: number;
  purpose: 'TxProfile' | 'TxDefaultProfile' | 'ChargePointMaxProfile';
  stackLevel: number;
  transactionId?: number;
  /** W */
  limitW: number;
}

interface Conn {
  m: SimConnectorModel;
  status: OcppConnectorStatus;
  tx: { id: number; idTag: string; remote: boolean; stopping: boolean } | undefined;
  /** a session of the model counted as a transaction (the model's object identity is not kept; the vehicle's start) */
  vehicleKey: string | undefined;
  /** Inoperative asked (applied now or after the transaction) */
  inoperative: boolean;
  scheduledInoperative: boolean;
  profiles: Profile[];
  vehicles: number;
  /** Authorize / StartTransaction in flight */
  starting: boolean;
}

type Params = Record<string, unknown>;

export class SimChargePoint {
  private readonly client: RPCClient;
  private readonly conns = new Map<number, Conn>();
  private heartbeatS = 60;
  private meterSampleS: number;
  private booted = false;
  private closed = false;
  private lastHeartbeat = 0;
  private lastMeter = 0;
  private retry: NodeJS.Timeout | undefined;
  /** calls answered and failed (tests) */
  readonly counts = { calls: 0, errors: 0 };
  lastError: string | undefined;
  /** the charge point stops sending anything (a test of silence) */
  mute = false;

  constructor(private readonly o: SimChargePointOptions) {
    this.meterSampleS = o.meterSampleS ?? 10;
    for (const m of o.connectors)
      this.conns.set(m.connectorId, { m, status: 'Available', tx: undefined, vehicleKey: undefined, inoperative: false, scheduledInoperative: false, profiles: [], vehicles: 0, starting: false });
    this.client = new RPCClient({
      endpoint: o.endpoint,
      identity: o.identity,
      protocols: ['ocpp1.6'],
      strictMode: true,
      reconnect: true,
      callTimeoutMs: 10_000,
      backoff: { initialDelay: 500, maxDelay: 5000, factor: 2, randomisationFactor: 0.25 },
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(o.wsOpts ? { wsOpts: o.wsOpts } : {}),
    } as never);
    this.client.on('open', () => void this.boot());
    this.client.on('close', () => {
      this.booted = false;
    });
    this.client.on('disconnect', () => {
      this.booted = false;
    });
    this.handlers();
  }

  get identity(): string {
    return this.o.identity;
  }

  get connected(): boolean {
    return this.client.state === RPCClient.OPEN;
  }

  get isBooted(): boolean {
    return this.booted;
  }

  /** connects, retrying every second until the central system accepts (or stop()) */
  start(): void {
    const attempt = (): void => {
      if (this.closed) return;
      this.client.connect().catch((e: unknown) => {
        this.lastError = (e as Error).message;
        if (!this.closed) this.retry = setTimeout(attempt, 1000);
      });
    };
    attempt();
  }

  async stop(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    await this.client.close({ code: 1000, reason: 'simulator stopping', force: true }).catch(() => undefined);
  }

  /** the limit in force on a connector, kW (tests) */
  limitKw(connectorId: number): number {
    const c = this.conns.get(connectorId);
    return c ? this.limitInForceW(c) / 1000 : 0;
  }

  /** the running transaction's id on a connector (tests) */
  transactionId(connectorId: number): number | undefined {
    return this.conns.get(connectorId)?.tx?.id;
  }

  /** sends a raw call (tests: a call that breaks the schema is refused by the central system) */
  rawCall(method: string, params: unknown): Promise<unknown> {
    return this.client.call(method, params);
  }

  /**
   * One step after the plant moved: follows the vehicles of each connector (arrival, full,
   * departure) with the OCPP messages, the heartbeat and the meter samples.
   */
  tick(): void {
    if (!this.booted || this.mute || !this.connected) return;
    const now = this.o.now();
    for (const c of this.conns.values()) this.follow(c);
    if (now - this.lastHeartbeat >= this.heartbeatS * 1000) {
      this.lastHeartbeat = now;
      this.send('Heartbeat', {});
    }
    if (this.meterSampleS > 0 && now - this.lastMeter >= this.meterSampleS * 1000) {
      this.lastMeter = now;
      for (const c of this.conns.values()) this.sendMeter(c, 'Sample.Periodic');
    }
  }

  // ------------------------------------------------------------------ the OCPP flow

  private async boot(): Promise<void> {
    try {
      const r = (await this.client.call('BootNotification', {
        chargePointVendor: this.o.vendor ?? 'ES Manager simulator',
        chargePointModel: this.o.model ?? 'Sim AC 22 kW',
        firmwareVersion: '1.0.0',
      })) as { status: string; interval: number };
      if (r.status !== 'Accepted') {
        this.lastError = `BootNotification ${r.status}`;
        return;
      }
      this.heartbeatS = r.interval > 0 ? r.interval : 60;
      this.booted = true;
      this.lastHeartbeat = this.o.now();
      for (const c of this.conns.values()) {
        this.follow(c);
        this.sendStatus(c);
        // a transaction running over a lost link: its meter goes on
      }
    } catch (e) {
      this.lastError = `BootNotification: ${(e as Error).message}`;
    }
  }

  private follow(c: Conn): void {
    if (c.starting) return;
    const v = c.m.model.vehicle;
    const key = v ? `${v.departureMs}|${v.energyKwh}|${v.carMaxKw}` : undefined;
    if (c.tx && key !== c.vehicleKey && !c.tx.stopping) {
      // the vehicle is full, left, or was unplugged
      this.stopTx(c, c.tx.remote ? 'Remote' : 'EVDisconnected');
    }
    if (!c.tx && key !== undefined && key !== c.vehicleKey) {
      c.vehicleKey = key;
      void this.startTx(c, this.tag(c), false);
    }
    if (key === undefined && !c.tx) c.vehicleKey = undefined;
    const want: OcppConnectorStatus = c.inoperative && !c.tx ? 'Unavailable' : c.tx ? (c.m.model.output.activePowerKw > 0 ? 'Charging' : this.limitInForceW(c) <= 0 ? 'SuspendedEVSE' : 'SuspendedEV') : 'Available';
    if (want !== c.status) {
      c.status = want;
      this.sendStatus(c);
    }
    this.applyLimit(c);
  }

  private tag(c: Conn): string {
    c.vehicles++;
    return this.o.vehicleTag?.(c.m.connectorId, c.vehicles) ?? `EV${c.m.connectorId}-${String(c.vehicles).padStart(4, '0')}`;
  }

  private async startTx(c: Conn, idTag: string, remote: boolean): Promise<void> {
    c.status = 'Preparing';
    c.starting = true;
    this.sendStatus(c);
    try {
      if (!remote) {
        const a = (await this.client.call('Authorize', { idTag })) as { idTagInfo: { status: string } };
        if (a.idTagInfo.status !== 'Accepted') {
          c.m.model.unplug();
          c.status = 'Available';
          this.sendStatus(c);
          return;
        }
      }
      const meterStart = Math.round(c.m.model.output.totalEnergyKwh * 1000);
      c.tx = { id: -1, idTag, remote, stopping: false };
      const r = (await this.client.call('StartTransaction', { connectorId: c.m.connectorId, idTag, meterStart, timestamp: new Date(this.o.now()).toISOString() })) as {
        transactionId: number;
        idTagInfo: { status: string };
      };
      if (!c.tx) return;
      c.tx.id = r.transactionId;
      if (r.idTagInfo.status !== 'Accepted') this.stopTx(c, 'DeAuthorized');
      else this.applyLimit(c);
    } catch (e) {
      this.lastError = `StartTransaction: ${(e as Error).message}`;
      c.tx = undefined;
    } finally {
      c.starting = false;
    }
  }

  private stopTx(c: Conn, reason: string): void {
    const tx = c.tx;
    if (!tx || tx.stopping) return;
    tx.stopping = true;
    const meterStop = Math.round(c.m.model.output.totalEnergyKwh * 1000);
    // the transaction is over when the charge point says so; the answer only confirms it
    if (tx.id >= 0)
      this.client
        .call('StopTransaction', { transactionId: tx.id, meterStop, timestamp: new Date(this.o.now()).toISOString(), reason, idTag: tx.idTag })
        .catch((e: unknown) => {
          this.lastError = `StopTransaction: ${(e as Error).message}`;
        });
    c.tx = undefined;
    // a TxProfile ends with its transaction
    c.profiles = c.profiles.filter((p) => p.purpose !== 'TxProfile');
    if (c.scheduledInoperative) {
      c.scheduledInoperative = false;
      c.inoperative = true;
      c.m.model.available = false;
    }
    c.status = 'Finishing';
    this.sendStatus(c);
    this.applyLimit(c);
  }

  private limitInForceW(c: Conn): number {
    const rating = c.m.ratingKw * 1000;
    const pick = (purpose: Profile['purpose'], filter: (p: Profile) => boolean = () => true): Profile | undefined =>
      c.profiles.filter((p) => p.purpose === purpose && filter(p)).sort((a, b) => b.stackLevel - a.stackLevel)[0];
    const tx = c.tx;
    const txp = tx ? pick('TxProfile', (p) => p.transactionId === undefined || p.transactionId === tx.id) : undefined;
    const p = txp ?? pick('TxDefaultProfile');
    const max = pick('ChargePointMaxProfile');
    let w = p ? p.limitW : rating;
    if (max) w = Math.min(w, max.limitW);
    return Math.max(0, Math.min(w, rating));
  }

  private applyLimit(c: Conn): void {
    c.m.setLimitKw(this.limitInForceW(c) / 1000);
  }

  private sendStatus(c: Conn): void {
    this.send('StatusNotification', { connectorId: c.m.connectorId, errorCode: 'NoError', status: c.status, timestamp: new Date(this.o.now()).toISOString() });
  }

  private sendMeter(c: Conn, context: string): void {
    const o = c.m.model.output;
    const v = c.m.model.vehicle;
    const sampled: Array<Record<string, string>> = [
      { value: (o.activePowerKw * 1000).toFixed(0), context, measurand: 'Power.Active.Import', unit: 'W' },
      { value: (o.totalEnergyKwh * 1000).toFixed(0), context, measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
      { value: this.limitInForceW(c).toFixed(0), context, measurand: 'Power.Offered', unit: 'W' },
      { value: ((o.activePowerKw * 1000) / (3 * 230)).toFixed(1), context, measurand: 'Current.Import', phase: 'L1', unit: 'A' },
    ];
    if (v) sampled.push({ value: v.socPct.toFixed(1), context, measurand: 'SoC', unit: 'Percent', location: 'EV' });
    const params: Params = { connectorId: c.m.connectorId, meterValue: [{ timestamp: new Date(this.o.now()).toISOString(), sampledValue: sampled }] };
    if (c.tx && c.tx.id >= 0) params.transactionId = c.tx.id;
    this.send('MeterValues', params);
  }

  private send(method: string, params: Params): void {
    if (!this.connected || this.mute) return;
    this.counts.calls++;
    this.client.call(method, params).catch((e: unknown) => {
      this.counts.errors++;
      this.lastError = `${method}: ${(e as Error).message}`;
    });
  }

  // ------------------------------------------------------------------ calls from the central system

  private on(method: string, fn: (params: Params) => Record<string, unknown>): void {
    this.client.handle(method, ({ params }) => Promise.resolve(fn((params ?? {}) as Params)));
  }

  private handlers(): void {
    const conn = (id: unknown): Conn => {
      const c = this.conns.get(Number(id));
      if (!c) throw createRPCError('PropertyConstraintViolation', `no connector ${String(id)}`);
      return c;
    };
    this.on('RemoteStartTransaction', (params) => {
      const c = params.connectorId !== undefined ? conn(params.connectorId) : [...this.conns.values()].find((x) => !x.tx && !x.inoperative);
      if (!c || c.tx || c.inoperative) return { status: 'Rejected' };
      if (!c.m.model.vehicle) c.m.model.plugIn(20, 11, this.o.now() + 4 * 3_600_000);
      const v = c.m.model.vehicle!;
      c.vehicleKey = `${v.departureMs}|${v.energyKwh}|${v.carMaxKw}`;
      setImmediate(() => void this.startTx(c, String(params.idTag), true));
      return { status: 'Accepted' };
    });
    this.on('RemoteStopTransaction', (params) => {
      const c = [...this.conns.values()].find((x) => x.tx?.id === Number(params.transactionId));
      if (!c?.tx) return { status: 'Rejected' };
      c.tx.remote = true;
      setImmediate(() => {
        c.m.model.unplug();
        this.stopTx(c, 'Remote');
      });
      return { status: 'Accepted' };
    });
    this.on('SetChargingProfile', (params) => {
      const c = conn(params.connectorId);
      const p = params.csChargingProfiles as {
        chargingProfileId: number;
        transactionId?: number;
        stackLevel: number;
        chargingProfilePurpose: Profile['purpose'];
        chargingSchedule: { chargingRateUnit: 'W' | 'A'; chargingSchedulePeriod: Array<{ startPeriod: number; limit: number; numberPhases?: number }> };
      };
      if (p.chargingProfilePurpose === 'TxProfile' && (!c.tx || (p.transactionId !== undefined && p.transactionId !== c.tx.id))) return { status: 'Rejected' };
      const first = p.chargingSchedule.chargingSchedulePeriod.find((x) => x.startPeriod === 0) ?? p.chargingSchedule.chargingSchedulePeriod[0];
      if (!first) return { status: 'Rejected' };
      const limitW = p.chargingSchedule.chargingRateUnit === 'W' ? first.limit : first.limit * 230 * (first.numberPhases ?? 3);
      const profile: Profile = { id: p.chargingProfileId, purpose: p.chargingProfilePurpose, stackLevel: p.stackLevel, limitW };
      if (p.transactionId !== undefined) profile.transactionId = p.transactionId;
      else if (p.chargingProfilePurpose === 'TxProfile' && c.tx) profile.transactionId = c.tx.id;
      // the same id, or the same purpose and stack level, replaces
      c.profiles = c.profiles.filter((x) => x.id !== profile.id && !(x.purpose === profile.purpose && x.stackLevel === profile.stackLevel));
      c.profiles.push(profile);
      this.applyLimit(c);
      // the new offer is reported at once (as a charge point does with a triggered sample)
      setImmediate(() => this.sendMeter(c, 'Trigger'));
      return { status: 'Accepted' };
    });
    this.on('ClearChargingProfile', (params) => {
      let n = 0;
      for (const c of this.conns.values()) {
        if (params.connectorId !== undefined && Number(params.connectorId) !== 0 && c.m.connectorId !== Number(params.connectorId)) continue;
        const before = c.profiles.length;
        c.profiles = c.profiles.filter(
          (p) =>
            !(
              (params.id === undefined || p.id === Number(params.id)) &&
              (params.chargingProfilePurpose === undefined || p.purpose === params.chargingProfilePurpose) &&
              (params.stackLevel === undefined || p.stackLevel === Number(params.stackLevel))
            ),
        );
        n += before - c.profiles.length;
        this.applyLimit(c);
      }
      return { status: n > 0 ? 'Accepted' : 'Unknown' };
    });
    this.on('GetCompositeSchedule', (params) => {
      const c = conn(params.connectorId);
      const w = this.limitInForceW(c);
      const inA = params.chargingRateUnit === 'A';
      return {
        status: 'Accepted',
        connectorId: c.m.connectorId,
        scheduleStart: new Date(this.o.now()).toISOString(),
        chargingSchedule: {
          duration: Number(params.duration),
          chargingRateUnit: inA ? 'A' : 'W',
          chargingSchedulePeriod: [{ startPeriod: 0, limit: inA ? Math.round((w / (3 * 230)) * 10) / 10 : w, numberPhases: 3 }],
        },
      };
    });
    this.on('ChangeAvailability', (params) => {
      const ids = Number(params.connectorId) === 0 ? [...this.conns.keys()] : [Number(params.connectorId)];
      let scheduled = false;
      for (const id of ids) {
        const c = conn(id);
        const inoperative = params.type === 'Inoperative';
        if (inoperative && c.tx) {
          c.scheduledInoperative = true;
          scheduled = true;
          continue;
        }
        c.scheduledInoperative = false;
        c.inoperative = inoperative;
        c.m.model.available = !inoperative;
        setImmediate(() => this.follow(c));
      }
      return { status: scheduled ? 'Scheduled' : 'Accepted' };
    });
    this.on('TriggerMessage', (params) => {
      const which = String(params.requestedMessage);
      const targets = params.connectorId !== undefined ? [conn(params.connectorId)] : [...this.conns.values()];
      if (which === 'StatusNotification') setImmediate(() => targets.forEach((c) => this.sendStatus(c)));
      else if (which === 'MeterValues') setImmediate(() => targets.forEach((c) => this.sendMeter(c, 'Trigger')));
      else if (which === 'Heartbeat') setImmediate(() => this.send('Heartbeat', {}));
      else if (which === 'BootNotification') setImmediate(() => void this.boot());
      else return { status: 'NotImplemented' };
      return { status: 'Accepted' };
    });
    this.on('ChangeConfiguration', (params) => {
      if (params.key === 'MeterValueSampleInterval') {
        const s = Number(params.value);
        if (!Number.isInteger(s) || s < 0) return { status: 'Rejected' };
        this.meterSampleS = s;
        return { status: 'Accepted' };
      }
      if (params.key === 'HeartbeatInterval') {
        const s = Number(params.value);
        if (!Number.isInteger(s) || s < 1) return { status: 'Rejected' };
        this.heartbeatS = s;
        return { status: 'Accepted' };
      }
      return { status: 'NotSupported' };
    });
    this.on('GetConfiguration', () => ({
      configurationKey: [
        { key: 'HeartbeatInterval', readonly: false, value: String(this.heartbeatS) },
        { key: 'MeterValueSampleInterval', readonly: false, value: String(this.meterSampleS) },
        { key: 'NumberOfConnectors', readonly: true, value: String(this.conns.size) },
      ],
    }));
    this.client.handle(({ method }) => {
      throw createRPCError('NotImplemented', `${String(method)} is not implemented by the simulated charge point`);
    });
  }
}

// ---------------------------------------------------------------------- the site's charge points

/** the part of the plant the charge points drive */
export interface SimEvPlant {
  evCharger(assetId: string): EvChargerModel | undefined;
  write(assetId: string, channel: string, value: number): void;
}

export interface SimChargePoints {
  readonly chargePoints: readonly SimChargePoint[];
  /** after each plant step */
  tick(): void;
  stop(): Promise<void>;
}

/** The OCPP devices the simulator plays: those marked `simulated: true`. */
export function simulatedOcppDevices(site: SiteConfig): OcppDevice[] {
  return site.devices.filter(isOcppDevice).filter((d) => d.simulated === true);
}

/**
 * One simulated charge point per identity of the site's simulated OCPP devices, each connector
 * on the plant's charger model of its asset. With `ephemeralPorts`, every listening address of
 * the central system gets a free port, written into the site's devices (the app listens there).
 */
export async function startSimChargePoints(o: {
  site: SiteConfig;
  plant: SimEvPlant;
  ephemeralPorts: boolean;
  now: () => number;
  /** passwords of charge points with `passwordSecret` (security profile 1), by identity */
  passwords?: Readonly<Record<string, string>>;
}): Promise<SimChargePoints> {
  const devices = simulatedOcppDevices(o.site);
  const ports = new Map<string, number>();
  // every OCPP device on a listening address the simulator plays moves with it (one server per address)
  const playedKeys = new Set(devices.map((d) => `${d.connection.host}:${d.connection.port}`));
  if (o.ephemeralPorts)
    for (const d of o.site.devices.filter(isOcppDevice).filter((x) => playedKeys.has(`${x.connection.host}:${x.connection.port}`))) {
      const key = `${d.connection.host}:${d.connection.port}`;
      let p = ports.get(key);
      if (p === undefined) {
        p = await freePort(d.connection.host);
        ports.set(key, p);
      }
      d.connection.port = p;
    }
  const byIdentity = new Map<string, OcppDevice[]>();
  for (const d of devices) byIdentity.set(`${d.connection.host}:${d.connection.port}/${d.connection.identity}`, [...(byIdentity.get(`${d.connection.host}:${d.connection.port}/${d.connection.identity}`) ?? []), d]);
  const cps: SimChargePoint[] = [];
  for (const group of byIdentity.values()) {
    const first = group[0]!;
    const { identity, host, port, tls, passwordSecret } = first.connection;
    if (tls) {
      console.warn(`simulator: charge point ${identity} uses wss (security profile 2): the simulator plays only ws charge points; it is left out`);
      continue;
    }
    const password = passwordSecret ? o.passwords?.[identity] : undefined;
    if (passwordSecret && password === undefined) console.warn(`simulator: charge point ${identity} needs the password of secret "${passwordSecret}"; it connects without and will be refused`);
    const connectors: SimConnectorModel[] = [];
    for (const d of group) {
      const model = o.plant.evCharger(d.asset);
      if (!model) {
        console.warn(`simulator: OCPP device "${d.id}": asset "${d.asset}" is not an EV charger of the plant; connector ${d.connection.connectorId} left out`);
        continue;
      }
      connectors.push({
        connectorId: d.connection.connectorId,
        ratingKw: model.cfg.ratingKw,
        model,
        setLimitKw: (kw) => o.plant.write(d.asset, 'ChargePowerLimit', kw),
      });
      d.simulated = true;
    }
    const cp = new SimChargePoint({ endpoint: `ws://${host}:${port}/ocpp`, identity, connectors, now: o.now, ...(password !== undefined ? { password } : {}) });
    cp.start();
    cps.push(cp);
  }
  return {
    chargePoints: cps,
    tick: () => {
      for (const cp of cps) cp.tick();
    },
    stop: async () => {
      await Promise.all(cps.map((cp) => cp.stop()));
    },
  };
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The OCPP 1.6J driver: a bridge per connector (a device of the site file) on a central
 * system per listening address (central-system.ts), both made by one factory per host.
 *
 * OCPP inverts the link (the charge point connects to ES Manager), so this bridge is not built
 * on the ConnectionSupervisor (which opens links): it waits for its charge point, keeps the
 * same status and statistics (`DeviceStatus`, `CommStats`) and marks its points bad/comm-fail
 * once when the charge point disconnects or stays silent longer than its heartbeat interval
 * allows (1.5 × heartbeatS + 2 s without any message). Every Heartbeat republishes what the
 * charge point said before (status, transaction, limit) as still good, so the CVT's stale check
 * holds for a device whose `pollMs` is its heartbeat interval.
 *
 * Values: MeterValues measurands (converted to the channel's unit), the connector's status
 * (the Evse nature's codes and the OCPP status), the transaction, availability, session energy
 * and idTag, each with the charge point's timestamp.
 *
 * Commands (always through the command pipeline: permission, limits, audit):
 * - `chargingLimit` (kW) → SetChargingProfile: a TxProfile of the running transaction, or the
 *   connector's TxDefaultProfile between transactions; confirmed by the `feedback` channel
 *   (Power.Offered) the charge point reports, read back from the Current Value Table;
 * - `transaction` 1/0 → RemoteStartTransaction (ES Manager's idTag) / RemoteStopTransaction;
 *   confirmed when the charge point starts/stops the transaction;
 * - `availability` 1/0 → ChangeAvailability Operative/Inoperative; confirmed by its StatusNotification.
 * OCPP cannot read on demand: `Bridge.read` is left out.
 */
import type { Bridge, BridgeContext, BridgeFactory, CommState, CommStats, DeviceStatus, Driver, DriverContext, PointSample, PointSink, Unsubscribe } from '../../core/common/bridge';
import type { PointValue } from '../../core/common/point';
import type { Quality } from '../../core/common/quality';
import type { ProtocolDefinition } from '../../core/common/profile';
import { realScheduler, type Cancel, type Scheduler } from '../../core/common/clock';
import { evseStatusOf, isOcppDevice, isOcppProfile, ocppProtocol, OCPP_CONNECTOR_STATUSES, type OcppChannel, type OcppConnectorStatus, type OcppDevice, type OcppProfile } from '../../core/common/profiles/ocpp';
import { bridgeNow } from '../common/supervised-bridge';
import { COMM_FAIL, DEVICE_BAD, GOOD, errorText } from '../common/supervisor';
import { CentralSystem, listenKey, type ConnectorListener, type MeterValue, type SampledValue, type Session, type TransactionStart } from './central-system';

/** the default unit of a measurand when the charge point names none (OCPP 1.6 SampledValue) */
function defaultUnit(measurand: string): string {
  if (measurand.startsWith('Energy.Reactive')) return 'varh';
  if (measurand.startsWith('Energy')) return 'Wh';
  if (measurand.startsWith('Power.Reactive')) return 'var';
  if (measurand === 'Power.Factor') return '';
  if (measurand.startsWith('Power')) return 'W';
  if (measurand.startsWith('Current')) return 'A';
  if (measurand === 'Voltage') return 'V';
  if (measurand === 'SoC') return 'Percent';
  if (measurand === 'Temperature') return 'Celsius';
  if (measurand === 'Frequency') return 'Hz';
  return '';
}

const UNIT_ALIASES: Record<string, string> = { Percent: '%', Celsius: '°C', Fahrenheit: '°F', K: 'K', kVA: 'kVA', VA: 'VA' };

/** converts a sampled value into the channel's unit, or undefined when the units do not convert */
export function convertSample(v: number, from: string, to: string): number | undefined {
  const f = UNIT_ALIASES[from] ?? from;
  const t = UNIT_ALIASES[to] ?? to;
  if (f === t || (t === '' && f === '') || (to === 'rpm' && f === '')) return v;
  const k: Record<string, number> = { W: 1, kW: 1000, Wh: 1, kWh: 1000, var: 1, kvar: 1000, varh: 1, kvarh: 1000 };
  const fam = (u: string): string => u.replace(/^k/, '');
  if (k[f] !== undefined && k[t] !== undefined && fam(f) === fam(t)) return (v * k[f]!) / k[t]!;
  if (f === 'Celsius' && to === 'Celsius') return v;
  return undefined;
}

const STATUS_CODE = new Map<OcppConnectorStatus, number>(OCPP_CONNECTOR_STATUSES.map((s, i) => [s, i]));

export class OcppBridge implements Bridge, ConnectorListener {
  readonly deviceId: string;
  readonly connectorId: number;
  private readonly device: OcppDevice;
  private readonly profile: OcppProfile;
  private readonly sink: PointSink;
  private readonly now: () => number;
  private readonly scheduler: Scheduler;
  private readonly bySource = new Map<string, OcppChannel>();
  private readonly measurands: OcppChannel[] = [];
  private readonly pointIds: string[];
  private readonly lastValues = new Map<string, PointValue>();
  private readonly st: DeviceStatus;
  private readonly stats: CommStats = { ok: 0, failed: 0, timeouts: 0, reconnects: 0, bytesOut: 0, bytesIn: 0 };
  private latencySum = 0;
  private readonly statusHandlers = new Set<(s: DeviceStatus) => void>();
  private session: Session | undefined;
  private stopListening: (() => void) | undefined;
  private watchdog: Cancel | undefined;
  private lastSeen = 0;
  private silent = false;
  private commFailPublished = false;
  private attachments = 0;
  /** the running transaction */
  private tx: TransactionStart | undefined;
  private connectorStatus: OcppConnectorStatus | undefined;
  private running = false;
  /** the charging limit last set or read (GetCompositeSchedule), kW */
  private limitKw: number | undefined;
  private sessionBytes = { in: 0, out: 0 };

  constructor(
    ctx: BridgeContext,
    private readonly systemFor: (key: string) => CentralSystem | undefined,
  ) {
    const { device, profile } = ctx;
    if (!isOcppDevice(device)) throw new Error(`device ${device.id}: protocol ${device.protocol} is not ocpp`);
    if (!isOcppProfile(profile)) throw new Error(`device ${device.id}: profile ${profile.id} is not an OCPP profile`);
    this.deviceId = device.id;
    this.device = device;
    this.profile = profile;
    this.connectorId = device.connection.connectorId;
    this.sink = ctx.sink;
    this.now = bridgeNow(ctx);
    this.scheduler = ctx.scheduler ?? realScheduler;
    for (const c of profile.channels) {
      if (c.source) this.bySource.set(c.source, c);
      else this.measurands.push(c);
    }
    this.pointIds = profile.channels.map((c) => `${device.asset}/${c.channel}`);
    const { identity, host, port, tls } = device.connection;
    this.st = {
      id: device.id,
      name: device.name,
      protocol: device.protocol,
      address: `${tls ? 'wss' : 'ws'}://${host}:${port} ${identity}#${this.connectorId}`,
      asset: device.asset,
      profile: profile.id,
      simulated: device.simulated ?? false,
      state: 'disabled',
      polls: 0,
      failures: 0,
      pollMs: device.connection.heartbeatS * 1000,
    };
  }

  /** the silence after which the charge point counts as lost, ms */
  get silenceMs(): number {
    return Math.round(1.5 * this.device.connection.heartbeatS * 1000) + 2000;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const cs = this.systemFor(listenKey(this.device.connection));
    if (!cs) throw new Error(`device ${this.deviceId}: the OCPP central system for ${listenKey(this.device.connection)} is not running (the driver was not started)`);
    this.running = true;
    this.setState('connecting');
    this.stopListening = cs.listen(this.device.connection.identity, this);
    const every = Math.min(5000, Math.max(250, Math.round(this.silenceMs / 4)));
    this.watchdog = this.scheduler.setInterval(() => this.checkSilence(), every);
    return Promise.resolve();
  }

  stop(): Promise<void> {
    if (!this.running) return Promise.resolve();
    this.running = false;
    this.watchdog?.();
    this.watchdog = undefined;
    this.stopListening?.();
    this.stopListening = undefined;
    this.session = undefined;
    this.setState('disabled');
    return Promise.resolve();
  }

  status(): DeviceStatus {
    const s = this.stats;
    const stats: CommStats = { ...s, bytesIn: s.bytesIn + this.sessionBytes.in, bytesOut: s.bytesOut + this.sessionBytes.out };
    if (this.session) {
      stats.bytesIn += this.session.bytesIn;
      stats.bytesOut += this.session.bytesOut;
    }
    const total = s.ok + s.failed;
    if (total > 0) stats.successRate = s.ok / total;
    if (this.latencySum > 0 && s.ok > 0) stats.latencyAvgMs = Math.round((this.latencySum / s.ok) * 10) / 10;
    return { ...this.st, stats };
  }

  onStatus(handler: (s: DeviceStatus) => void): Unsubscribe {
    this.statusHandlers.add(handler);
    return () => {
      this.statusHandlers.delete(handler);
    };
  }

  // ------------------------------------------------------------------ commands

  async write(channel: string, value: number | boolean): Promise<void> {
    const c = this.profile.channels.find((x) => x.channel === channel);
    if (!c) throw new Error(`channel ${channel}: not in profile ${this.profile.id} (device ${this.deviceId})`);
    if (c.access !== 'rw' || !c.source) throw new Error(`channel ${channel}: not writable (device ${this.deviceId})`);
    const n = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    if (!Number.isFinite(n)) throw new Error(`channel ${channel}: ${String(value)} is not a number`);
    const session = this.session;
    const who = `charge point ${this.device.connection.identity}`;
    if (!session?.open) throw new Error(`channel ${channel}: ${who} is not connected${this.st.lastError ? ` (${this.st.lastError})` : ''}`);
    switch (c.source) {
      case 'chargingLimit':
        return this.setLimit(session, channel, n);
      case 'transaction': {
        if (n !== 0 && n !== 1) throw new Error(`channel ${channel}: 1 starts a transaction, 0 stops it (not ${n})`);
        if (n === 1) {
          if (this.tx) return; // already charging: nothing to do, the readback confirms
          const r = await this.call<{ status: string }>(session, 'RemoteStartTransaction', { connectorId: this.connectorId, idTag: this.device.connection.idTag });
          if (r.status !== 'Accepted') throw new Error(`channel ${channel}: ${who} refused to start a transaction on connector ${this.connectorId} (${r.status})`);
          return;
        }
        if (!this.tx) return;
        const r = await this.call<{ status: string }>(session, 'RemoteStopTransaction', { transactionId: this.tx.transactionId });
        if (r.status !== 'Accepted') throw new Error(`channel ${channel}: ${who} refused to stop transaction ${this.tx.transactionId} (${r.status})`);
        return;
      }
      case 'availability': {
        if (n !== 0 && n !== 1) throw new Error(`channel ${channel}: 1 makes the connector operative, 0 inoperative (not ${n})`);
        const r = await this.call<{ status: string }>(session, 'ChangeAvailability', { connectorId: this.connectorId, type: n === 1 ? 'Operative' : 'Inoperative' });
        if (r.status === 'Scheduled') throw new Error(`channel ${channel}: ${who} will change connector ${this.connectorId}'s availability when its transaction ends (Scheduled)`);
        if (r.status !== 'Accepted') throw new Error(`channel ${channel}: ${who} refused to change connector ${this.connectorId}'s availability (${r.status})`);
        return;
      }
      default:
        throw new Error(`channel ${channel}: not writable (device ${this.deviceId})`);
    }
  }

  private async setLimit(session: Session, channel: string, kw: number): Promise<void> {
    if (kw < 0) throw new Error(`channel ${channel}: a charging limit is >= 0 kW (not ${kw})`);
    const p = this.profile;
    const w = kw * 1000;
    const limit = p.chargingRateUnit === 'W' ? Math.round(w) : Math.round((w / (p.phases * p.voltageV)) * 10) / 10;
    const tx = this.tx;
    const purpose = tx ? 'TxProfile' : 'TxDefaultProfile';
    const csChargingProfiles: Record<string, unknown> = {
      // one id per connector and purpose: a new limit replaces the previous one
      chargingProfileId: this.connectorId * 10 + (tx ? 1 : 2),
      stackLevel: p.stackLevel,
      chargingProfilePurpose: purpose,
      chargingProfileKind: 'Relative',
      chargingSchedule: { chargingRateUnit: p.chargingRateUnit, chargingSchedulePeriod: [{ startPeriod: 0, limit, numberPhases: p.phases }] },
    };
    if (tx) csChargingProfiles.transactionId = tx.transactionId;
    const r = await this.call<{ status: string }>(session, 'SetChargingProfile', { connectorId: this.connectorId, csChargingProfiles });
    if (r.status !== 'Accepted')
      throw new Error(`channel ${channel}: charge point ${this.device.connection.identity} refused the ${purpose} of ${kw} kW on connector ${this.connectorId} (${r.status})`);
    this.limitKw = kw;
    const c = this.bySource.get('chargingLimit');
    if (c) this.publish([{ id: this.point(c), value: kw, quality: GOOD, ts: this.now() }]);
  }

  private async call<T>(session: Session, method: string, params: Record<string, unknown>): Promise<T> {
    const t0 = performance.now();
    try {
      const r = await session.call<T>(method, params);
      const ms = performance.now() - t0;
      this.stats.ok++;
      this.stats.latencyLastMs = Math.round(ms * 10) / 10;
      this.latencySum += ms;
      this.st.lastOk = this.now();
      return r;
    } catch (e) {
      this.stats.failed++;
      const text = errorText(e);
      if ((e as Error).name === 'TimeoutError' || /timed? ?out/i.test(text)) this.stats.timeouts++;
      this.stats.lastError = `${method}: ${text}`;
      this.stats.lastErrorAt = this.now();
      throw new Error(`${method} to charge point ${this.device.connection.identity} failed: ${text}`);
    }
  }

  // ------------------------------------------------------------------ what the central system tells

  attached(session: Session): void {
    if (!this.running) return;
    if (this.session && this.session !== session) {
      this.sessionBytes.in += this.session.bytesIn;
      this.sessionBytes.out += this.session.bytesOut;
    }
    this.session = session;
    if (this.attachments++ > 0) this.stats.reconnects++;
    this.seen(this.now());
    this.setState('online', true);
  }

  detached(why: string): void {
    if (!this.running) return;
    if (this.session) {
      this.sessionBytes.in += this.session.bytesIn;
      this.sessionBytes.out += this.session.bytesOut;
    }
    this.session = undefined;
    this.fail(why);
  }

  seen(at: number): void {
    if (!this.running) return;
    this.lastSeen = at;
    this.stats.ok++;
    this.st.lastOk = at;
    this.st.polls++;
    if (this.silent && this.session) {
      this.silent = false;
      this.republishKnown();
      this.setState('online', true);
    }
  }

  heartbeat(): void {
    if (!this.running || this.silent) return;
    this.republishKnown();
  }

  booted(session: Session): void {
    if (!this.running || session !== this.session) return;
    // the limit in force now: the composite schedule of the connector (no profile: the charge point's own maximum)
    const c = this.bySource.get('chargingLimit');
    if (!c) return;
    this.call<{ status: string; chargingSchedule?: { chargingRateUnit: string; chargingSchedulePeriod: Array<{ startPeriod: number; limit: number; numberPhases?: number }> } }>(session, 'GetCompositeSchedule', {
      connectorId: this.connectorId,
      duration: 60,
      chargingRateUnit: 'W',
    })
      .then((r) => {
        const first = r.status === 'Accepted' ? r.chargingSchedule?.chargingSchedulePeriod[0] : undefined;
        if (!first || !r.chargingSchedule) return;
        const p = this.profile;
        const kw = r.chargingSchedule.chargingRateUnit === 'A' ? (first.limit * (first.numberPhases ?? p.phases) * p.voltageV) / 1000 : first.limit / 1000;
        this.limitKw = kw;
        this.publish([{ id: this.point(c), value: kw, quality: GOOD, ts: this.now() }]);
      })
      .catch(() => undefined); // counted in the statistics; the limit stays unknown until ES Manager sets one
  }

  statusNotification(s: OcppConnectorStatus, errorCode: string, info: string | undefined, ts: number): void {
    this.connectorStatus = s;
    const out: PointSample[] = [];
    const st = this.bySource.get('status');
    if (st) out.push({ id: this.point(st), value: evseStatusOf(s), quality: GOOD, ts });
    const cs = this.bySource.get('connectorStatus');
    if (cs) out.push({ id: this.point(cs), value: STATUS_CODE.get(s) ?? null, quality: GOOD, ts });
    const av = this.bySource.get('availability');
    if (av) out.push({ id: this.point(av), value: s === 'Unavailable' ? 0 : 1, quality: GOOD, ts });
    if (!this.tx && (s === 'Available' || s === 'Unavailable' || s === 'Faulted')) {
      // nothing runs on a free connector
      const t = this.bySource.get('transaction');
      if (t) out.push({ id: this.point(t), value: 0, quality: GOOD, ts });
      const id = this.bySource.get('idTag');
      if (id) out.push({ id: this.point(id), value: '', quality: GOOD, ts });
    }
    if (s === 'Faulted') {
      this.st.lastError = `connector ${this.connectorId} faulted: ${errorCode}${info ? ` (${info})` : ''}`;
      this.emit();
    }
    this.publish(out);
  }

  meterValues(values: readonly MeterValue[], transactionId: number | undefined): void {
    const out: PointSample[] = [];
    for (const mv of values) {
      const parsed = Date.parse(mv.timestamp);
      const ts = Number.isFinite(parsed) ? parsed : this.now();
      for (const c of this.measurands) {
        const sv = this.pick(mv.sampledValue, c);
        if (!sv) continue;
        out.push(this.sample(c, sv, ts));
      }
      const se = this.bySource.get('sessionEnergy');
      const tx = this.tx;
      if (se && tx && (transactionId === undefined || transactionId === tx.transactionId)) {
        const reg = mv.sampledValue.find((s) => (s.measurand ?? 'Energy.Active.Import.Register') === 'Energy.Active.Import.Register' && !s.phase);
        const wh = reg ? convertSample(Number(reg.value), reg.unit ?? 'Wh', 'Wh') : undefined;
        if (wh !== undefined && Number.isFinite(wh)) out.push({ id: this.point(se), value: Math.max(0, (wh - tx.meterStartWh) / 1000), quality: GOOD, ts });
      }
    }
    this.publish(out);
  }

  transactionStarted(tx: TransactionStart): void {
    this.tx = tx;
    const out: PointSample[] = [];
    const t = this.bySource.get('transaction');
    if (t) out.push({ id: this.point(t), value: 1, quality: GOOD, ts: tx.ts });
    const id = this.bySource.get('idTag');
    if (id) out.push({ id: this.point(id), value: tx.idTag, quality: GOOD, ts: tx.ts });
    const se = this.bySource.get('sessionEnergy');
    if (se) out.push({ id: this.point(se), value: 0, quality: GOOD, ts: tx.ts });
    this.publish(out);
  }

  transactionStopped(stop: { transactionId: number; meterStopWh: number; ts: number; reason?: string }): void {
    const tx = this.tx;
    if (tx && tx.transactionId !== stop.transactionId) return;
    this.tx = undefined;
    const out: PointSample[] = [];
    const t = this.bySource.get('transaction');
    if (t) out.push({ id: this.point(t), value: 0, quality: GOOD, ts: stop.ts });
    const id = this.bySource.get('idTag');
    if (id) out.push({ id: this.point(id), value: '', quality: GOOD, ts: stop.ts });
    const se = this.bySource.get('sessionEnergy');
    if (se && tx && Number.isFinite(stop.meterStopWh)) out.push({ id: this.point(se), value: Math.max(0, (stop.meterStopWh - tx.meterStartWh) / 1000), quality: GOOD, ts: stop.ts });
    this.publish(out);
  }

  protocolError(message: string): void {
    this.stats.failed++;
    this.stats.lastError = message;
    this.stats.lastErrorAt = this.now();
    this.emit();
  }

  // ------------------------------------------------------------------ internals

  /** the running transaction's id (tests, the screens) */
  get transactionId(): number | undefined {
    return this.tx?.transactionId;
  }

  private pick(values: readonly SampledValue[], c: OcppChannel): SampledValue | undefined {
    return values.find((s) => (s.measurand ?? 'Energy.Active.Import.Register') === c.measurand && (s.phase ?? undefined) === c.phase && (s.location ?? 'Outlet') !== 'Body');
  }

  private sample(c: OcppChannel, sv: SampledValue, ts: number): PointSample {
    const id = this.point(c);
    const raw = sv.format === 'SignedData' ? Number.NaN : Number(sv.value);
    const v = Number.isFinite(raw) ? convertSample(raw, sv.unit ?? defaultUnit(c.measurand!), c.unit) : undefined;
    if (v === undefined || !Number.isFinite(v)) {
      const why = sv.format === 'SignedData' ? 'signed data' : Number.isFinite(raw) ? `unit ${sv.unit ?? defaultUnit(c.measurand!)} does not convert to ${c.unit}` : `"${sv.value}" is not a number`;
      this.stats.lastError = `${c.channel}: ${why}`;
      return { id, value: this.lastValues.get(id) ?? null, quality: DEVICE_BAD, ts };
    }
    return { id, value: v, quality: GOOD, ts };
  }

  private point(c: OcppChannel): string {
    return `${this.device.asset}/${c.channel}`;
  }

  private publish(samples: PointSample[]): void {
    if (!this.running || samples.length === 0) return;
    // a value arriving while marked silent means the charge point talks again
    for (const s of samples) if (s.quality.level === 'good') this.lastValues.set(s.id, s.value);
    this.commFailPublished = false;
    this.sink.publish(samples);
  }

  /** after a silence that did not break the link: what the charge point last said holds again */
  private republishKnown(): void {
    const ts = this.now();
    const out: PointSample[] = [];
    if (this.connectorStatus) {
      const s = this.connectorStatus;
      const st = this.bySource.get('status');
      if (st) out.push({ id: this.point(st), value: evseStatusOf(s), quality: GOOD, ts });
      const cs = this.bySource.get('connectorStatus');
      if (cs) out.push({ id: this.point(cs), value: STATUS_CODE.get(s) ?? null, quality: GOOD, ts });
      const av = this.bySource.get('availability');
      if (av) out.push({ id: this.point(av), value: s === 'Unavailable' ? 0 : 1, quality: GOOD, ts });
    }
    if (this.connectorStatus || this.tx) {
      const t = this.bySource.get('transaction');
      if (t) out.push({ id: this.point(t), value: this.tx ? 1 : 0, quality: GOOD, ts });
      const id = this.bySource.get('idTag');
      if (id) out.push({ id: this.point(id), value: this.tx?.idTag ?? '', quality: GOOD, ts });
    }
    const lim = this.bySource.get('chargingLimit');
    if (lim && this.limitKw !== undefined) out.push({ id: this.point(lim), value: this.limitKw, quality: GOOD, ts });
    this.publish(out);
  }

  private checkSilence(): void {
    if (!this.running || !this.session || this.silent) return;
    const quiet = this.now() - this.lastSeen;
    if (quiet > this.silenceMs) {
      this.silent = true;
      this.fail(`charge point ${this.device.connection.identity} silent for ${Math.round(quiet / 1000)} s (heartbeat every ${this.device.connection.heartbeatS} s)`);
    }
  }

  private fail(why: string): void {
    this.st.failures++;
    this.st.lastError = why;
    this.stats.lastError = why;
    this.stats.lastErrorAt = this.now();
    this.markCommFail();
    this.setState('offline', true);
  }

  private markCommFail(): void {
    if (this.commFailPublished) return;
    this.commFailPublished = true;
    const ts = this.now();
    const q: Quality = COMM_FAIL;
    this.sink.publish(this.pointIds.map((id) => ({ id, value: this.lastValues.get(id) ?? null, quality: q, ts })));
  }

  private setState(state: CommState, force = false): void {
    if (this.st.state === state && !force) return;
    this.st.state = state;
    this.emit();
  }

  private emit(): void {
    const s = this.status();
    for (const h of [...this.statusHandlers]) {
      try {
        h(s);
      } catch (e) {
        console.error(`OcppBridge ${this.deviceId}: status handler failed:`, e);
      }
    }
  }
}

/** The OCPP factory of one host: a central system per listening address, started with the host. */
export class OcppFactory implements BridgeFactory {
  readonly protocols = ['ocpp'] as const;
  private readonly systems = new Map<string, CentralSystem>();

  create(ctx: BridgeContext): Bridge {
    return new OcppBridge(ctx, (key) => this.systems.get(key));
  }

  async start(ctx: DriverContext): Promise<void> {
    const byKey = new Map<string, OcppDevice[]>();
    for (const d of ctx.devices) {
      if (!isOcppDevice(d)) continue;
      const key = listenKey(d.connection);
      byKey.set(key, [...(byKey.get(key) ?? []), d]);
    }
    try {
      for (const [key, devices] of byKey) {
        const first = devices[0]!.connection;
        const tlsOf = (d: OcppDevice): string => JSON.stringify(d.connection.tls ?? null);
        const odd = devices.find((d) => tlsOf(d) !== tlsOf(devices[0]!));
        if (odd) throw new Error(`OCPP devices ${devices[0]!.id} and ${odd.id} listen on ${key} with different TLS settings: one server per address has one`);
        const cs = new CentralSystem({ host: first.host, port: first.port, ...(first.tls ? { tls: first.tls } : {}), dataDir: ctx.dataDir, secrets: ctx.secrets, now: ctx.now });
        for (const d of devices) {
          const c = d.connection;
          cs.addIdentity({
            identity: c.identity,
            heartbeatS: c.heartbeatS,
            meterSampleS: c.meterSampleS,
            ownIdTag: c.idTag,
            timeoutMs: Math.max(d.timeoutMs, 1000),
            ...(c.passwordSecret ? { passwordSecret: c.passwordSecret } : {}),
            ...(c.idTags ? { idTags: c.idTags } : {}),
          });
        }
        await cs.start();
        this.systems.set(key, cs);
      }
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  async stop(): Promise<void> {
    const all = [...this.systems.values()];
    this.systems.clear();
    await Promise.all(all.map((s) => s.stop()));
  }

  /** the central systems by listening address (`host:port` of the site file) and their URLs */
  endpoints(): Map<string, { url: string; port: number; unknownIdentities: ReadonlyMap<string, number> }> {
    return new Map([...this.systems].map(([k, s]) => [k, { url: s.url, port: s.port, unknownIdentities: s.unknownIdentities }]));
  }
}

export function createOcppFactory(): OcppFactory {
  return new OcppFactory();
}

export const ocppDriver: Driver = {
  definition: ocppProtocol as ProtocolDefinition<never>,
  createFactory: createOcppFactory,
};

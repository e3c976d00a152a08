/**
 * The OPC UA driver (node-opcua): one `OpcuaBridge` per device, one certificate store per
 * host owned by the factory (`createOpcuaFactory`).
 *
 * - Connects to the device's endpoint with its security mode and policy (None, Sign or
 *   SignAndEncrypt with Basic256Sha256 or Aes128_Sha256_RsaOaep), as anonymous or as a user
 *   whose password is one of the app's sealed secrets. The app's own certificate is created in
 *   the driver's data folder on first use; a server certificate nobody trusted is refused with
 *   a sentence and kept for an administrator to trust (certificates.ts).
 * - Values come from one subscription per device with a monitored item per channel
 *   (sampling interval, absolute or percent deadband): nothing is polled. One notification
 *   message is one batch for the CVT. A value's OPC UA status becomes its quality (good,
 *   uncertain/device, bad/device), its source timestamp the sample's time.
 * - A broken connection is restored by node-opcua itself: a new secure channel, the session
 *   reactivated (or a new one) and the subscription transferred and republished (or
 *   recreated), with initial values. Meanwhile the shared supervisor marks every point
 *   bad/comm-fail and the device offline (`interrupted`/`restored`). A link that cannot be
 *   restored that way (subscription ended by the server, session lost) is closed and opened
 *   again by the supervisor with its back-off.
 * - Commands: a channel with a node is written to its Value (the node's own data type); a
 *   channel with `method` calls the method. A Bad answer is the device's refusal (the link
 *   stays up) with its sentence. `read` reads a channel now (command readback, on-request read).
 * - `browse` lists a node's children with their data type, value and access, to pick points.
 */
import type {
  DataType,
  MessageSecurityMode,
  NodeId,
  OPCUAClient,
  SecurityPolicy,
  Variant,
  ClientMonitoredItemGroup,
  ClientSession,
  ClientSubscription,
  DataValue,
  NotificationMessage,
  OPCUACertificateManager,
  ReferenceDescription,
  StatusCode,
  UserIdentityInfo,
} from 'node-opcua';
import { opcua as ua } from './lib';
import type {
  Bridge,
  BridgeContext,
  BridgeFactory,
  BrowseNode,
  Driver,
  DriverContext,
  PointSample,
  SecretAccess,
  TrustedCertificate,
} from '../../core/common/bridge';
import type { PointValue } from '../../core/common/point';
import type { Quality } from '../../core/common/quality';
import type { ProtocolDefinition } from '../../core/common/profile';
import { SupervisedBridge, bridgeNow } from '../common/supervised-bridge';
import { errorText, withTimeout } from '../common/supervisor';
import { certificateProblem, createCertificateManager, listCertificates, pkiOwnerOnly, setTrust } from './certificates';
import { isOpcuaDevice, isOpcuaProfile, opcuaProtocol, type OpcuaChannel, type OpcuaConnection, type OpcuaProfile } from './profile';


/** The device's own answer (a Bad status to a write or call): the link stays up. */
export class OpcuaRefusal extends Error {
  override name = 'OpcuaRefusal';
}

const GOOD: Quality = { level: 'good' };
const UNCERTAIN: Quality = { level: 'uncertain', reason: 'device' };
const BAD: Quality = { level: 'bad', reason: 'device' };
const COMM: Quality = { level: 'bad', reason: 'comm-fail' };
const INITIAL: Quality = { level: 'bad', reason: 'initial' };

/** A status code as a sentence: its description and, in brackets, its name. */
export function statusSentence(sc: StatusCode): string {
  const d = (sc.description || '').trim().replace(/\.$/, '');
  return d ? `${d.charAt(0).toLowerCase()}${d.slice(1)} (${sc.name})` : sc.name;
}

/** The app's quality for an OPC UA status code. */
export function qualityOf(sc: StatusCode): Quality {
  const severity = sc.value >>> 30;
  if (severity === 0) return GOOD;
  if (severity === 1) return UNCERTAIN;
  const name = sc.name;
  if (name === 'BadWaitingForInitialData') return INITIAL;
  if (/^Bad(NoCommunication|CommunicationError|NotConnected|ServerNotConnected|ConnectionClosed|Timeout)/.test(name)) return COMM;
  return BAD;
}

/** A variant's value as a channel value (null when it has none of that type). */
export function decodeValue(c: Pick<OpcuaChannel, 'type' | 'scale' | 'offset'>, v: Variant | undefined | null): PointValue {
  if (!v) return null;
  let x: unknown = v.value;
  if (x === null || x === undefined) return null;
  if ((v.dataType === ua().DataType.Int64 || v.dataType === ua().DataType.UInt64) && Array.isArray(x) && x.length === 2) x = (x[0] as number) * 4294967296 + (x[1] as number);
  if (c.type === 'string') {
    if (typeof x === 'object' && x !== null && 'text' in x) return String((x as { text: unknown }).text ?? '');
    return String(x);
  }
  if (c.type === 'boolean') {
    if (typeof x === 'boolean') return x;
    if (typeof x === 'number') return x !== 0;
    return null;
  }
  const n = typeof x === 'boolean' ? (x ? 1 : 0) : typeof x === 'number' ? x : Number.NaN;
  if (!Number.isFinite(n)) return null;
  return Math.round((n * c.scale + c.offset) * 1e9) / 1e9;
}

let integerTypes: ReadonlySet<DataType> | undefined;
function isIntegerType(t: DataType): boolean {
  const D = ua().DataType;
  integerTypes ??= new Set([D.SByte, D.Byte, D.Int16, D.UInt16, D.Int32, D.UInt32, D.Int64, D.UInt64]);
  return integerTypes.has(t);
}

/** An engineering value as a variant of the node's data type. */
export function encodeValue(c: Pick<OpcuaChannel, 'type' | 'scale' | 'offset' | 'channel'>, value: number | boolean, dataType: DataType): Variant {
  if (dataType === ua().DataType.Boolean) {
    if (typeof value === 'boolean') return new (ua().Variant)({ dataType, value });
    if (value === 0 || value === 1) return new (ua().Variant)({ dataType, value: value === 1 });
    throw new OpcuaRefusal(`channel ${c.channel}: the node is a Boolean; write 0 or 1, not ${value}`);
  }
  const n = typeof value === 'boolean' ? (value ? 1 : 0) : (value - c.offset) / c.scale;
  if (!Number.isFinite(n)) throw new OpcuaRefusal(`channel ${c.channel}: ${String(value)} is not a finite number`);
  if (isIntegerType(dataType)) {
    const r = Math.round(n);
    if (dataType === ua().DataType.Int64 || dataType === ua().DataType.UInt64) return new (ua().Variant)({ dataType, arrayType: ua().VariantArrayType.Scalar, value: [Math.floor(r / 4294967296), r >>> 0] });
    return new (ua().Variant)({ dataType, value: r });
  }
  if (dataType === ua().DataType.Float || dataType === ua().DataType.Double) return new (ua().Variant)({ dataType, value: n });
  if (dataType === ua().DataType.String) return new (ua().Variant)({ dataType, value: String(value) });
  throw new OpcuaRefusal(`channel ${c.channel}: ES Manager cannot write a node of data type ${ua().DataType[dataType] ?? dataType}`);
}

/** A connected session with its subscription: what the supervisor calls a link. */
interface Conn {
  client: OPCUAClient;
  session: ClientSession;
  subscription: ClientSubscription;
  groups: ClientMonitoredItemGroup[];
  /** clientHandle → channel index */
  handles: Map<number, number>;
  /** node of each channel (by index), resolved against the server's namespaces */
  nodes: Array<NodeId | undefined>;
  /** channels whose monitored item the server refused, with why */
  refused: Map<number, string>;
  dataTypes: Map<string, DataType>;
  closed?: () => void;
  /** bytes counted so far (the statistics take the difference) */
  bytesIn: number;
  bytesOut: number;
}

/** the connection's security mode and policy as node-opcua's values */
function securityOf(c: OpcuaConnection): { mode: MessageSecurityMode; policy: SecurityPolicy } {
  const { MessageSecurityMode: M, SecurityPolicy: P } = ua();
  const modes: Record<OpcuaConnection['securityMode'], MessageSecurityMode> = { None: M.None, Sign: M.Sign, SignAndEncrypt: M.SignAndEncrypt };
  const policies: Record<OpcuaConnection['securityPolicy'], SecurityPolicy> = { None: P.None, Basic256Sha256: P.Basic256Sha256, Aes128_Sha256_RsaOaep: P.Aes128_Sha256_RsaOaep };
  return { mode: modes[c.securityMode], policy: policies[c.securityPolicy] };
}

/** The certificate store of one driver data folder, opened once. */
export class SharedPki {
  private readonly stores = new Map<string, { cm: OPCUACertificateManager; ready: Promise<void> }>();

  get(dataDir: string): { cm: OPCUACertificateManager; ready: Promise<void> } {
    let s = this.stores.get(dataDir);
    if (!s) {
      const cm = createCertificateManager(dataDir);
      s = { cm, ready: cm.initialize().then(() => pkiOwnerOnly(dataDir)) };
      this.stores.set(dataDir, s);
    }
    return s;
  }

  async dispose(): Promise<void> {
    const all = [...this.stores.values()];
    this.stores.clear();
    for (const s of all) {
      await s.ready.catch(() => undefined);
      await s.cm.dispose().catch(() => undefined);
    }
  }
}

/** Where a bridge without a data folder keeps its certificates (unit tests): never the user's home. */
function requireDataDir(ctx: BridgeContext): string {
  if (!ctx.dataDir) throw new Error(`device ${ctx.device.id}: the OPC UA driver needs its data folder (certificates)`);
  return ctx.dataDir;
}

export class OpcuaBridge extends SupervisedBridge<Conn> implements Bridge {
  readonly deviceId: string;
  private readonly conn: OpcuaConnection;
  private readonly profile: OpcuaProfile;
  private readonly channels: OpcuaChannel[];
  private readonly byChannel = new Map<string, number>();
  private readonly pointIds: string[];
  private readonly now: () => number;
  private readonly secrets: SecretAccess | undefined;
  private readonly dataDir: string;
  private readonly timeoutMs: number;
  private readonly pollMs: number;
  private current: Conn | undefined;
  /** the value last given to each method channel (its point shows it after a successful call) */
  private readonly commanded = new Map<number, number | boolean>();
  private readonly closing = new Set<Promise<void>>();

  constructor(
    ctx: BridgeContext,
    private readonly pki: SharedPki,
  ) {
    super(false); // no raw frames: node-opcua owns the (often encrypted) channel
    const { device, profile } = ctx;
    if (!isOpcuaDevice(device)) throw new Error(`device ${device.id}: protocol ${device.protocol} is not opcua`);
    if (!isOpcuaProfile(profile)) throw new Error(`device ${device.id}: profile ${profile.id} is not an OPC UA profile`);
    this.deviceId = device.id;
    this.conn = device.connection;
    this.profile = profile;
    this.channels = profile.channels;
    this.channels.forEach((c, i) => this.byChannel.set(c.channel, i));
    this.dataDir = requireDataDir(ctx);
    this.now = bridgeNow(ctx);
    this.secrets = ctx.secrets;
    this.timeoutMs = device.timeoutMs;
    this.pollMs = device.pollMs;
    this.pointIds = this.channels.map((c) => `${device.asset}/${c.channel}`);
    this.supervise(ctx, {
      device: { id: device.id, pollMs: device.pollMs, timeoutMs: device.timeoutMs },
      identity: {
        id: device.id,
        name: device.name,
        protocol: device.protocol,
        address: `${this.conn.endpointUrl}${this.conn.securityMode === 'None' ? '' : ` (${this.conn.securityMode}, ${this.conn.securityPolicy})`}`,
        asset: device.asset,
        profile: profile.id,
        simulated: device.simulated ?? false,
        pollMs: device.pollMs,
      },
      pointIds: this.pointIds,
      now: this.now,
      logName: 'OpcuaBridge',
      protocol: {
        open: () => this.open(),
        close: (c) => this.close(c),
        onClose: (c, closed) => {
          c.closed = closed;
        },
        poll: () => this.poll(),
        keepsLink: (e) => e instanceof OpcuaRefusal,
        isTimeout: (e) => e instanceof Error && /timed? ?out|no answer|BadTimeout/i.test(e.message),
      },
    });
  }

  /** stops the supervisor, then waits for the sessions being closed */
  override async stop(): Promise<void> {
    await super.stop();
    await Promise.all([...this.closing]);
  }

  // ---------------------------------------------------------------- the link

  private open(): { ready: Promise<Conn>; abort(): void } {
    let client: OPCUAClient | undefined;
    let aborted = false;
    const ready = (async (): Promise<Conn> => {
      const { cm, ready: pkiReady } = this.pki.get(this.dataDir);
      await pkiReady;
      const c = ua().OPCUAClient.create({
        applicationName: 'ES Manager',
        clientName: this.deviceId,
        clientCertificateManager: cm,
        securityMode: securityOf(this.conn).mode,
        securityPolicy: securityOf(this.conn).policy,
        endpointMustExist: false,
        keepSessionAlive: true,
        requestedSessionTimeout: this.conn.sessionTimeoutMs,
        // the first connection is tried twice, then the supervisor's back-off takes over; once
        // connected, node-opcua restores a broken link itself (session transfer, republish)
        connectionStrategy: { maxRetry: 1, initialDelay: 250, maxDelay: 10_000, randomisationFactor: 0 },
      });
      client = c;
      try {
        await withTimeout(c.connect(this.conn.endpointUrl), this.timeoutMs + 5000, `no answer from ${this.conn.endpointUrl}`);
        pkiOwnerOnly(this.dataDir);
        if (aborted) throw new Error('stopped');
        const identity = await this.identity();
        const session = await withTimeout(c.createSession(identity), this.timeoutMs + 2000, 'no answer to CreateSession');
        const nodes = await this.resolveNodes(session);
        const subscription = await session.createSubscription2({
          requestedPublishingInterval: this.conn.publishingMs ?? this.pollMs,
          requestedLifetimeCount: 60,
          requestedMaxKeepAliveCount: 10,
          maxNotificationsPerPublish: 0,
          publishingEnabled: true,
          priority: 1,
        });
        const conn: Conn = { client: c, session, subscription, groups: [], handles: new Map(), nodes, refused: new Map(), dataTypes: new Map(), bytesIn: 0, bytesOut: 0 };
        subscription.on('received_notifications', (m: NotificationMessage) => this.onNotification(conn, m));
        subscription.on('terminated', () => {
          if (this.current === conn) conn.closed?.();
        });
        await this.monitor(conn);
        c.on('connection_lost', () => {
          if (this.current === conn) this.sup.interrupted(`the connection to ${this.conn.endpointUrl} was lost; reconnecting (session kept for ${Math.round(this.conn.sessionTimeoutMs / 1000)} s)`);
        });
        c.on('reconnection_attempt_has_failed', (err: Error) => {
          if (this.current === conn) this.sup.interrupted(`reconnecting to ${this.conn.endpointUrl}: ${certificateProblem(err, this.serverCertificate(c)) ?? errorText(err)}`);
        });
        c.on('connection_reestablished', () => {
          if (this.current !== conn) return;
          this.mapHandles(conn);
          this.sup.restored();
        });
        c.on('close', () => {
          if (this.current === conn && !c.isReconnecting) conn.closed?.();
        });
        if (aborted) throw new Error('stopped');
        this.current = conn;
        return conn;
      } catch (e) {
        void c.disconnect().catch(() => undefined);
        if (certificateProblem(e, undefined) === undefined) throw e;
        // name the certificate in the sentence: ask the server's endpoints for it (a None channel)
        const cert = this.serverCertificate(c) ?? (await this.fetchServerCertificate(cm).catch(() => undefined));
        throw new Error(certificateProblem(e, cert));
      }
    })();
    return {
      ready,
      abort: () => {
        aborted = true;
        if (client) void client.disconnect().catch(() => undefined);
      },
    };
  }

  /** the certificate the server presents for this device's security mode and policy (GetEndpoints on a None channel) */
  private async fetchServerCertificate(cm: OPCUACertificateManager): Promise<Buffer | undefined> {
    const probe = ua().OPCUAClient.create({ applicationName: 'ES Manager', clientName: `${this.deviceId}-probe`, clientCertificateManager: cm, endpointMustExist: false, connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 100 } });
    try {
      await withTimeout(probe.connect(this.conn.endpointUrl), this.timeoutMs, 'no answer');
      const endpoints = await withTimeout(probe.getEndpoints(), this.timeoutMs, 'no answer');
      const mode = securityOf(this.conn).mode;
      const policy = securityOf(this.conn).policy as string;
      const ep = endpoints.find((x) => x.securityMode === mode && x.securityPolicyUri === policy) ?? endpoints.find((x) => x.serverCertificate);
      return ep?.serverCertificate ?? undefined;
    } finally {
      await probe.disconnect().catch(() => undefined);
    }
  }

  private serverCertificate(c: OPCUAClient): Buffer | undefined {
    const cert = (c as { serverCertificate?: Buffer | Buffer[] }).serverCertificate;
    return Array.isArray(cert) ? cert[0] : cert;
  }

  private async identity(): Promise<UserIdentityInfo> {
    const user = this.conn.user;
    if (!user) return { type: ua().UserTokenType.Anonymous };
    const password = await this.secrets?.get(user.passwordSecret);
    if (password === undefined) throw new Error(`the secret "${user.passwordSecret}" (password of OPC UA user "${user.name}") is not stored: an administrator sets it under Administration → secrets`);
    return { type: ua().UserTokenType.UserName, userName: user.name, password };
  }

  /** NodeIds of the channels; `nsu=` URIs resolved against the server's namespace array */
  private async resolveNodes(session: ClientSession): Promise<Array<NodeId | undefined>> {
    const texts = this.channels.map((c) => c.nodeId);
    let namespaces: string[] | undefined;
    if (texts.some((t) => t?.startsWith('nsu='))) namespaces = await session.readNamespaceArray();
    return texts.map((t, i) => {
      if (t === undefined) return undefined;
      const m = /^nsu=([^;]+);(.*)$/.exec(t);
      if (m) {
        const ns = namespaces!.indexOf(m[1]!);
        if (ns < 0) throw new Error(`channel ${this.channels[i]!.channel}: the server has no namespace "${m[1]}" (it has ${namespaces!.join(', ')})`);
        return ua().resolveNodeId(`ns=${ns};${m[2]}`);
      }
      return ua().resolveNodeId(t);
    });
  }

  /** one monitored item per read channel, grouped by sampling interval and deadband */
  private async monitor(conn: Conn): Promise<void> {
    const groups = new Map<string, number[]>();
    this.channels.forEach((c, i) => {
      if (c.method || !conn.nodes[i]) return;
      const sampling = c.samplingMs ?? this.profile.samplingMs ?? this.pollMs;
      const key = `${sampling}|${c.deadband ?? ''}|${c.deadbandPercent ?? ''}`;
      const g = groups.get(key) ?? [];
      g.push(i);
      groups.set(key, g);
    });
    for (const [key, indexes] of groups) {
      const [sampling, abs, pct] = key.split('|');
      const filter =
        abs !== '' || pct !== ''
          ? new (ua().DataChangeFilter)({
              trigger: ua().DataChangeTrigger.StatusValue,
              deadbandType: abs !== '' ? ua().DeadbandType.Absolute : ua().DeadbandType.Percent,
              deadbandValue: Number(abs !== '' ? abs : pct),
            })
          : null;
      const group = await conn.subscription.monitorItems(
        indexes.map((i) => ({ nodeId: conn.nodes[i]!, attributeId: ua().AttributeIds.Value })),
        { samplingInterval: Number(sampling), discardOldest: true, queueSize: 1, ...(filter ? { filter } : {}) },
        ua().TimestampsToReturn.Both,
      );
      (group as unknown as { $indexes: number[] }).$indexes = indexes;
      conn.groups.push(group);
      group.monitoredItems.forEach((item, k) => {
        const sc = item.statusCode;
        if (sc && sc.value >>> 30 >= 2) conn.refused.set(indexes[k]!, statusSentence(sc));
      });
    }
    this.mapHandles(conn);
  }

  private mapHandles(conn: Conn): void {
    conn.handles.clear();
    for (const g of conn.groups) {
      const indexes = (g as unknown as { $indexes: number[] }).$indexes;
      g.monitoredItems.forEach((item, k) => conn.handles.set(item.monitoringParameters.clientHandle, indexes[k]!));
    }
  }

  private onNotification(conn: Conn, m: NotificationMessage): void {
    if (this.current !== conn) return;
    const samples: PointSample[] = [];
    const now = this.now();
    for (const n of m.notificationData ?? []) {
      const items = (n as { monitoredItems?: Array<{ clientHandle: number; value: DataValue }> }).monitoredItems;
      if (!items) continue;
      for (const it of items) {
        const i = conn.handles.get(it.clientHandle);
        if (i === undefined) continue;
        samples.push(this.sampleOf(i, it.value, now));
      }
    }
    this.sup.countAnswers(1);
    this.sup.publish(samples);
  }

  private sampleOf(i: number, dv: DataValue, now: number): PointSample {
    const c = this.channels[i]!;
    const id = this.pointIds[i]!;
    const ts = dv.sourceTimestamp?.getTime() ?? dv.serverTimestamp?.getTime() ?? now;
    let quality = qualityOf(dv.statusCode ?? ua().StatusCodes.Good);
    let value = decodeValue(c, dv.value);
    if (quality.level === 'good' && value === null) quality = BAD;
    if (quality.level === 'bad') value = this.sup.lastValue(id);
    return { id, value, quality, ts: Number.isFinite(ts) ? ts : now };
  }

  private close(c: Conn): void {
    if (this.current === c) this.current = undefined;
    const p = (async () => {
      try {
        await withTimeout(c.client.disconnect(), 2000, 'disconnect');
      } catch {
        // the socket goes with the client
      }
    })();
    this.closing.add(p);
    void p.then(() => this.closing.delete(p));
  }

  /** nothing is polled: this keeps the statistics' byte counts and reports refused items */
  private async poll(): Promise<{ samples: PointSample[]; problem?: string }> {
    const c = this.current;
    if (!c) return { samples: [] };
    const inn = c.client.bytesRead;
    const out = c.client.bytesWritten;
    this.sup.countBytes(Math.max(0, out - c.bytesOut), Math.max(0, inn - c.bytesIn));
    c.bytesIn = inn;
    c.bytesOut = out;
    if (c.refused.size === 0) return { samples: [] };
    const ts = this.now();
    const samples = [...c.refused.keys()].map((i) => ({ id: this.pointIds[i]!, value: null, quality: BAD, ts }));
    const problem = [...c.refused].map(([i, why]) => `${this.channels[i]!.channel} (${this.channels[i]!.nodeId}): ${why}`).join('; ');
    return { samples, problem: `the server refused to monitor ${problem}` };
  }

  // ---------------------------------------------------------------- commands and reads

  private channel(name: string): { c: OpcuaChannel; i: number } {
    const i = this.byChannel.get(name);
    if (i === undefined) throw new Error(`channel ${name}: not in profile ${this.profile.id} of device ${this.deviceId}`);
    return { c: this.channels[i]!, i };
  }

  async write(channel: string, value: number | boolean): Promise<void> {
    const { c, i } = this.channel(channel);
    if (c.access !== 'rw') throw new Error(`channel ${channel}: not writable (device ${this.deviceId})`);
    try {
      if (c.method) await this.call(c, i, value);
      else await this.writeNode(c, i, value);
    } catch (e) {
      throw new Error(`channel ${channel}: ${c.method ? 'call' : 'write'} of ${String(value)} on device ${this.deviceId} failed: ${errorText(e)}`);
    }
  }

  private async dataTypeOf(conn: Conn, node: NodeId): Promise<DataType> {
    const key = node.toString();
    let t = conn.dataTypes.get(key);
    if (t === undefined) {
      t = await conn.session.getBuiltInDataType(node);
      conn.dataTypes.set(key, t);
    }
    return t;
  }

  private async writeNode(c: OpcuaChannel, i: number, value: number | boolean): Promise<void> {
    await this.sup.request(async (conn) => {
      const node = conn.nodes[i]!;
      const dataType = await this.dataTypeOf(conn, node);
      const variant = encodeValue(c, value, dataType);
      const sc = await conn.session.write({ nodeId: node, attributeId: ua().AttributeIds.Value, value: { value: variant } });
      if (sc.value >>> 30 !== 0) throw new OpcuaRefusal(`the server refused: ${statusSentence(sc)}`);
    });
  }

  private async call(c: OpcuaChannel, i: number, value: number | boolean): Promise<void> {
    const m = c.method!;
    if (m.input === 'none' && value !== 1 && value !== true) throw new OpcuaRefusal(`the method takes no argument: write 1 to call it`);
    await this.sup.request(async (conn) => {
      const objectId = ua().resolveNodeId(m.object);
      const methodId = ua().resolveNodeId(m.method);
      const inputArguments: Variant[] = [];
      if (m.input === 'value') {
        const key = `method:${m.method}`;
        let dataType = conn.dataTypes.get(key);
        if (dataType === undefined) {
          const def = await conn.session.getArgumentDefinition(methodId);
          const arg = def.inputArguments?.[0];
          if (!arg) throw new OpcuaRefusal(`method ${m.method} takes no input argument (set input: none in the profile)`);
          dataType = arg.dataType.namespace === 0 && typeof arg.dataType.value === 'number' && arg.dataType.value <= 25 ? (arg.dataType.value as DataType) : await conn.session.getBuiltInDataType(arg.dataType);
          conn.dataTypes.set(key, dataType);
        }
        inputArguments.push(encodeValue(c, value, dataType));
      }
      const r = await conn.session.call({ objectId, methodId, inputArguments });
      if (r.statusCode.value >>> 30 !== 0) throw new OpcuaRefusal(`the method answered: ${statusSentence(r.statusCode)}`);
      const bad = (r.inputArgumentResults ?? []).find((s) => s.value >>> 30 !== 0);
      if (bad) throw new OpcuaRefusal(`the method refused its argument: ${statusSentence(bad)}`);
    });
    this.commanded.set(i, value);
    this.sup.publish([{ id: this.pointIds[i]!, value: typeof value === 'boolean' ? value : value, quality: GOOD, ts: this.now() }]);
  }

  async read(channel: string): Promise<PointValue> {
    const { c, i } = this.channel(channel);
    if (c.method) {
      if (!this.commanded.has(i)) throw new Error(`channel ${channel}: a method call has no value to read until it was called`);
      return this.commanded.get(i)!;
    }
    try {
      return await this.sup.request(async (conn) => {
        const dv = await conn.session.read({ nodeId: conn.nodes[i]!, attributeId: ua().AttributeIds.Value });
        const s = this.sampleOf(i, dv, this.now());
        if (s.quality.level === 'bad') throw new OpcuaRefusal(`the server answered ${statusSentence(dv.statusCode)}`);
        return s.value;
      });
    } catch (e) {
      throw new Error(`channel ${channel}: read from device ${this.deviceId} failed: ${errorText(e)}`);
    }
  }

  /**
   * The children of a node (default: the Objects folder), to pick points: objects and
   * variables with their data type, current value and whether they can be written; methods.
   */
  async browse(nodeId?: string): Promise<BrowseNode[]> {
    let start: NodeId;
    try {
      start = ua().resolveNodeId(nodeId ?? 'i=85');
    } catch {
      throw new Error(`"${nodeId}" is not a NodeId (e.g. ns=1;s=Bms or i=85)`);
    }
    return this.sup.request(async (conn) => {
      const refs: ReferenceDescription[] = [];
      let r = await conn.session.browse({
        nodeId: start,
        browseDirection: ua().BrowseDirection.Forward,
        referenceTypeId: 'HierarchicalReferences',
        includeSubtypes: true,
        nodeClassMask: ua().NodeClass.Object | ua().NodeClass.Variable | ua().NodeClass.Method,
        resultMask: 63,
      });
      if (r.statusCode.value >>> 30 !== 0) throw new OpcuaRefusal(`cannot browse ${start.toString()}: ${statusSentence(r.statusCode)}`);
      refs.push(...(r.references ?? []));
      while (r.continuationPoint && refs.length < 1000) {
        r = await conn.session.browseNext(r.continuationPoint, false);
        refs.push(...(r.references ?? []));
      }
      const vars = refs.filter((x) => x.nodeClass === ua().NodeClass.Variable);
      const reads = vars.flatMap((v) => [
        { nodeId: v.nodeId, attributeId: ua().AttributeIds.DataType },
        { nodeId: v.nodeId, attributeId: ua().AttributeIds.Value },
        { nodeId: v.nodeId, attributeId: ua().AttributeIds.UserAccessLevel },
      ]);
      const values = reads.length ? await conn.session.read(reads) : [];
      const info = new Map<string, { dataType?: string; value: PointValue; writable: boolean }>();
      vars.forEach((v, k) => {
        const dt = values[3 * k]?.value?.value as NodeId | undefined;
        const val = values[3 * k + 1];
        const access = values[3 * k + 2]?.value?.value as number | undefined;
        const builtin = dt && dt.namespace === 0 && typeof dt.value === 'number' ? ua().DataType[dt.value] : undefined;
        const raw = val?.value?.value;
        const shown: PointValue = typeof raw === 'number' || typeof raw === 'boolean' || typeof raw === 'string' ? raw : raw == null ? null : String(raw);
        info.set(v.nodeId.toString(), { ...(builtin ? { dataType: builtin } : dt ? { dataType: dt.toString() } : {}), value: shown, writable: ((access ?? 0) & 0x02) !== 0 });
      });
      return refs.map((x): BrowseNode => {
        const id = x.nodeId.toString();
        const kind = x.nodeClass === ua().NodeClass.Method ? 'method' : x.nodeClass === ua().NodeClass.Variable ? 'variable' : 'object';
        const extra = info.get(id);
        return {
          id,
          name: x.displayName?.text || x.browseName.name || id,
          browseName: x.browseName.toString(),
          kind,
          hasChildren: kind === 'object',
          ...(extra?.dataType ? { dataType: extra.dataType } : {}),
          ...(extra ? { value: extra.value, writable: extra.writable } : {}),
        };
      });
    });
  }
}

/** The bridge factory of one host: its devices share one certificate store. */
export function createOpcuaFactory(): BridgeFactory {
  const pki = new SharedPki();
  let dataDir: string | undefined;
  const store = (): OPCUACertificateManager => {
    if (!dataDir) throw new Error('the OPC UA driver is not started');
    return pki.get(dataDir).cm;
  };
  return {
    protocols: ['opcua'],
    create: (ctx) => new OpcuaBridge(ctx, pki),
    async start(ctx: DriverContext): Promise<void> {
      ua(); // node-opcua is loaded here, by the first site that has an OPC UA device
      dataDir = ctx.dataDir;
      await pki.get(ctx.dataDir).ready;
    },
    async stop(): Promise<void> {
      await pki.dispose();
    },
    certificates: {
      async list(): Promise<TrustedCertificate[]> {
        if (!dataDir) return [];
        await pki.get(dataDir).ready;
        return listCertificates(store()).map(({ der: _der, ...c }) => c);
      },
      async setTrust(thumbprint: string, trust: boolean): Promise<TrustedCertificate> {
        await pki.get(store() && dataDir!).ready;
        return setTrust(store(), thumbprint, trust);
      },
    },
  };
}

/** OPC UA for the composition root: `DRIVERS` in electron/compose.ts. */
export const opcuaDriver: Driver = {
  definition: opcuaProtocol as ProtocolDefinition<never>,
  createFactory: createOpcuaFactory,
};

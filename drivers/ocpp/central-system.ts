/**
 * ES Manager's OCPP 1.6J central system: ONE WebSocket server (ocpp-rpc's RPCServer, strict
 * schema validation both ways) for every charge point that connects to one listening address.
 *
 * - A charge point connects to `ws[s]://host:port/<anything>/<identity>`. Only identities of
 *   the site file are accepted (HTTP 404 otherwise); with a `passwordSecret` the charge point
 *   must present HTTP basic auth (user = identity) with that sealed secret's password (OCPP
 *   security profile 1, HTTP 401 otherwise); with `tls` the server is wss (profile 2).
 * - A new connection of an identity replaces the old one (the charge point rebooted or its
 *   link broke).
 * - Calls from the charge point (BootNotification, Heartbeat, StatusNotification, Authorize,
 *   StartTransaction, StopTransaction, MeterValues, DataTransfer) are answered here and handed
 *   to the bridge of the connector they name (`ConnectorListener`); transaction ids are
 *   allocated here, unique per central system.
 * - Calls to the charge point go through `Session.call`, with the device's timeout.
 */
import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAbsolute, join } from 'node:path';
import { RPCServer, createRPCError } from 'ocpp-rpc';
import type { SecretAccess } from '../../core/common/bridge';
import type { OcppConnection } from '../../core/common/profiles/ocpp';
import { OCPP_CONNECTOR_STATUSES, type OcppConnectorStatus } from '../../core/common/profiles/ocpp';

/** one sampled value of a MeterValues (OCPP 1.6 SampledValue) */
export interface SampledValue {
  value: string;
  context?: string;
  format?: string;
  measurand?: string;
  phase?: string;
  location?: string;
  unit?: string;
}

export interface MeterValue {
  timestamp: string;
  sampledValue: SampledValue[];
}

export interface TransactionStart {
  transactionId: number;
  idTag: string;
  meterStartWh: number;
  ts: number;
}

/** What a connector's bridge hears from the central system. */
export interface ConnectorListener {
  readonly connectorId: number;
  /** a WebSocket of the charge point was accepted (or an earlier one is there when the listener registers) */
  attached(session: Session): void;
  /** the charge point's connection closed */
  detached(why: string): void;
  /** any message of the charge point (heartbeats included): it is alive */
  seen(at: number): void;
  /** a Heartbeat: what the charge point said before still holds */
  heartbeat(at: number): void;
  /** the charge point (re)booted and was accepted */
  booted(session: Session): void;
  statusNotification(status: OcppConnectorStatus, errorCode: string, info: string | undefined, ts: number): void;
  meterValues(values: readonly MeterValue[], transactionId: number | undefined): void;
  transactionStarted(tx: TransactionStart): void;
  transactionStopped(tx: { transactionId: number; meterStopWh: number; ts: number; reason?: string }): void;
  /** a call of the charge point broke the OCPP schema (strict mode refused it) */
  protocolError(message: string): void;
}

/** The settings of one identity (the first device of the identity gives them). */
export interface IdentitySettings {
  identity: string;
  passwordSecret?: string;
  heartbeatS: number;
  meterSampleS: number;
  /** accepted idTags besides ES Manager's own; every idTag when absent */
  idTags?: readonly string[];
  ownIdTag: string;
  timeoutMs: number;
}

/** A connected charge point. */
export class Session {
  booted = false;
  vendor: string | undefined;
  model: string | undefined;
  bytesIn = 0;
  bytesOut = 0;

  constructor(
    readonly identity: string,
    private readonly client: ServerClientLike,
    private readonly timeoutMs: number,
  ) {}

  get open(): boolean {
    return this.client.state === 1;
  }

  /** calls the charge point; rejects with the OCPP error or a timeout */
  async call<T = Record<string, unknown>>(method: string, params: Record<string, unknown>): Promise<T> {
    const out = JSON.stringify(params).length + method.length + 16;
    this.bytesOut += out;
    const reply = (await this.client.call(method, params, { callTimeoutMs: this.timeoutMs })) as T;
    this.bytesIn += JSON.stringify(reply ?? {}).length + 8;
    return reply;
  }

  close(code: number, reason: string): void {
    void this.client.close({ code, reason }).catch(() => undefined);
  }
}

/** the part of ocpp-rpc's RPCServerClient we use (its published types are incomplete) */
interface ServerClientLike {
  readonly identity: string;
  readonly state: number;
  handle(method: string, handler: (call: { params: Record<string, unknown> }) => unknown): void;
  handle(handler: (call: { method: string; params: Record<string, unknown> }) => unknown): void;
  call(method: string, params: unknown, options?: Record<string, unknown>): Promise<unknown>;
  close(options: { code?: number; reason?: string }): Promise<unknown>;
  on(event: string, fn: (...args: unknown[]) => void): void;
}

interface Entry {
  settings: IdentitySettings;
  listeners: Map<number, ConnectorListener>;
  session: Session | undefined;
  client: ServerClientLike | undefined;
}

export interface CentralSystemOptions {
  host: string;
  port: number;
  tls?: OcppConnection['tls'];
  /** the driver's data folder (relative TLS files are under it) */
  dataDir: string;
  secrets: SecretAccess;
  now: () => number;
}

/** where a device's central system listens: one server per key */
export function listenKey(c: Pick<OcppConnection, 'host' | 'port'>): string {
  return `${c.host}:${c.port}`;
}

export class CentralSystem {
  private readonly rpc: RPCServer;
  private http: Server | HttpsServer | undefined;
  private readonly entries = new Map<string, Entry>();
  private readonly transactions = new Map<number, { identity: string; connectorId: number }>();
  private nextTransactionId: number;
  /** identities that tried to connect and are not in the site file (for the logs and a later approval) */
  readonly unknownIdentities = new Map<string, number>();
  private boundPort = 0;

  constructor(private readonly o: CentralSystemOptions) {
    // unique across restarts of the app (a charge point may still report an old id)
    this.nextTransactionId = Math.floor(o.now() / 1000) % 1_000_000_000;
    this.rpc = new RPCServer({ protocols: ['ocpp1.6'], strictMode: true, callTimeoutMs: 10_000, pingIntervalMs: 30_000 });
    this.rpc.auth((accept, reject, handshake) => void this.authenticate(accept, reject, handshake as HandshakeLike));
    this.rpc.on('client', (client: ServerClientLike) => this.onClient(client));
    this.rpc.on('error', (e: unknown) => console.error(`OCPP central system ${this.url}:`, e));
  }

  /** the URL charge points connect to (identity appended) */
  get url(): string {
    return `${this.o.tls ? 'wss' : 'ws'}://${this.o.host}:${this.boundPort || this.o.port}/ocpp`;
  }

  get port(): number {
    return this.boundPort;
  }

  /** adds an identity the site file names (before start, or while running) */
  addIdentity(settings: IdentitySettings): void {
    const e = this.entries.get(settings.identity);
    if (e) return; // the first device of an identity gives its settings
    this.entries.set(settings.identity, { settings, listeners: new Map(), session: undefined, client: undefined });
  }

  /** a connector's bridge listens; returns the function that stops listening */
  listen(identity: string, l: ConnectorListener): () => void {
    const e = this.entries.get(identity);
    if (!e) throw new Error(`charge point ${identity} is not served by the central system at ${this.url}`);
    if (e.listeners.has(l.connectorId)) throw new Error(`connector ${l.connectorId} of charge point ${identity} is served by two devices`);
    e.listeners.set(l.connectorId, l);
    if (e.session?.open) l.attached(e.session);
    return () => {
      if (e.listeners.get(l.connectorId) === l) e.listeners.delete(l.connectorId);
    };
  }

  async start(): Promise<void> {
    if (this.o.tls) {
      const file = (f: string): string => (isAbsolute(f) ? f : join(this.o.dataDir, f));
      const https = createHttpsServer({ cert: readFileSync(file(this.o.tls.certFile)), key: readFileSync(file(this.o.tls.keyFile)), minVersion: 'TLSv1.2' });
      https.on('upgrade', this.rpc.handleUpgrade);
      await new Promise<void>((resolve, reject) => {
        https.once('error', reject);
        https.listen(this.o.port, this.o.host, () => {
          https.off('error', reject);
          resolve();
        });
      });
      this.http = https;
    } else {
      this.http = await this.rpc.listen(this.o.port, this.o.host);
    }
    this.boundPort = (this.http.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const e of this.entries.values()) e.listeners.clear();
    await this.rpc.close({ code: 1001, reason: 'central system stopping', awaitPending: false, force: true }).catch(() => undefined);
    const http = this.http;
    this.http = undefined;
    if (http) {
      (http as Server).closeAllConnections?.();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  }

  // ------------------------------------------------------------------ connections

  private async authenticate(
    accept: (session?: Record<string, unknown>, protocol?: string | false) => void,
    reject: (code: number, message: string) => void,
    handshake: HandshakeLike,
  ): Promise<void> {
    const e = this.entries.get(handshake.identity);
    if (!e) {
      this.unknownIdentities.set(handshake.identity, this.o.now());
      console.warn(`OCPP: charge point "${handshake.identity}" (${handshake.remoteAddress}) is not in the site file: refused`);
      reject(404, 'unknown charge point');
      return;
    }
    const name = e.settings.passwordSecret;
    if (name) {
      const expected = await this.o.secrets.get(name).catch(() => undefined);
      const given = handshake.password;
      if (expected === undefined) {
        console.warn(`OCPP: charge point "${handshake.identity}" refused: the secret "${name}" of its password is not stored (Administration → secrets)`);
        reject(401, 'unauthorised');
        return;
      }
      const want = Buffer.from(expected, 'utf8');
      if (!given || given.length !== want.length || !timingSafeEqual(given, want)) {
        console.warn(`OCPP: charge point "${handshake.identity}" (${handshake.remoteAddress}) refused: wrong or missing password`);
        reject(401, 'unauthorised');
        return;
      }
    }
    accept({ identity: handshake.identity }, 'ocpp1.6');
  }

  private onClient(client: ServerClientLike): void {
    const e = this.entries.get(client.identity);
    if (!e) {
      void client.close({ code: 1008, reason: 'unknown charge point' });
      return;
    }
    const old = e.client;
    const session = new Session(client.identity, client, e.settings.timeoutMs);
    e.client = client;
    e.session = session;
    if (old && old !== client) void old.close({ code: 1000, reason: 'replaced by a new connection' }).catch(() => undefined);
    const seen = (): void => {
      const at = this.o.now();
      for (const l of e.listeners.values()) l.seen(at);
    };
    client.on('message', (m: unknown) => {
      const msg = m as { message?: unknown; outbound?: boolean };
      if (!msg.outbound) session.bytesIn += String(msg.message ?? '').length;
    });
    client.on('strictValidationFailure', (ev: unknown) => {
      const { error, outbound } = ev as { error?: Error; outbound?: boolean };
      const text = `${outbound ? 'a message to' : 'a message from'} charge point ${client.identity} breaks the OCPP 1.6 schema: ${error?.message ?? 'invalid'}`;
      console.warn(`OCPP: ${text}`);
      for (const l of e.listeners.values()) l.protocolError(text);
    });
    client.on('close', (ev: unknown) => {
      if (e.client !== client) return; // replaced
      e.client = undefined;
      e.session = undefined;
      const { code, reason } = (ev ?? {}) as { code?: number; reason?: string };
      const why = `charge point ${client.identity} disconnected${code ? ` (${code}${reason ? ` ${reason}` : ''})` : ''}`;
      for (const l of e.listeners.values()) l.detached(why);
    });
    this.handle(client, e, session, seen);
    for (const l of e.listeners.values()) l.attached(session);
  }

  private handle(client: ServerClientLike, e: Entry, session: Session, seen: () => void): void {
    const now = this.o.now;
    const tsOf = (t: unknown): number => {
      const ms = typeof t === 'string' ? Date.parse(t) : Number.NaN;
      return Number.isFinite(ms) ? ms : now();
    };
    const listener = (connectorId: unknown): ConnectorListener | undefined => e.listeners.get(Number(connectorId));
    const idTagInfo = (idTag: unknown): { status: string } => {
      const tag = String(idTag);
      const ok = tag === e.settings.ownIdTag || !e.settings.idTags || e.settings.idTags.includes(tag);
      return { status: ok ? 'Accepted' : 'Invalid' };
    };
    client.handle('BootNotification', ({ params }) => {
      seen();
      session.booted = true;
      session.vendor = String(params.chargePointVendor ?? '');
      session.model = String(params.chargePointModel ?? '');
      if (e.settings.meterSampleS > 0)
        setImmediate(() => {
          void session.call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: String(e.settings.meterSampleS) }).catch((err: unknown) => {
            console.warn(`OCPP: charge point ${client.identity}: MeterValueSampleInterval not set: ${(err as Error).message}`);
          });
        });
      setImmediate(() => {
        for (const l of e.listeners.values()) l.booted(session);
      });
      return { status: 'Accepted', currentTime: new Date(now()).toISOString(), interval: e.settings.heartbeatS };
    });
    client.handle('Heartbeat', () => {
      seen();
      const at = now();
      for (const l of e.listeners.values()) l.heartbeat(at);
      return { currentTime: new Date(now()).toISOString() };
    });
    client.handle('StatusNotification', ({ params }) => {
      seen();
      const status = params.status as OcppConnectorStatus;
      if (!OCPP_CONNECTOR_STATUSES.includes(status)) throw createRPCError('PropertyConstraintViolation', `unknown status ${String(status)}`);
      listener(params.connectorId)?.statusNotification(status, String(params.errorCode ?? 'NoError'), typeof params.info === 'string' ? params.info : undefined, tsOf(params.timestamp));
      return {};
    });
    client.handle('Authorize', ({ params }) => {
      seen();
      return { idTagInfo: idTagInfo(params.idTag) };
    });
    client.handle('StartTransaction', ({ params }) => {
      seen();
      const transactionId = this.nextTransactionId++;
      const connectorId = Number(params.connectorId);
      this.transactions.set(transactionId, { identity: client.identity, connectorId });
      const info = idTagInfo(params.idTag);
      listener(connectorId)?.transactionStarted({ transactionId, idTag: String(params.idTag), meterStartWh: Number(params.meterStart), ts: tsOf(params.timestamp) });
      return { transactionId, idTagInfo: info };
    });
    client.handle('StopTransaction', ({ params }) => {
      seen();
      const transactionId = Number(params.transactionId);
      const tx = this.transactions.get(transactionId);
      this.transactions.delete(transactionId);
      if (tx && tx.identity === client.identity) {
        const stop: { transactionId: number; meterStopWh: number; ts: number; reason?: string } = { transactionId, meterStopWh: Number(params.meterStop), ts: tsOf(params.timestamp) };
        if (typeof params.reason === 'string') stop.reason = params.reason;
        listener(tx.connectorId)?.transactionStopped(stop);
        if (Array.isArray(params.transactionData)) listener(tx.connectorId)?.meterValues(params.transactionData as MeterValue[], transactionId);
      } else console.warn(`OCPP: charge point ${client.identity} stopped transaction ${transactionId}, which this central system did not start (ignored)`);
      return params.idTag !== undefined ? { idTagInfo: idTagInfo(params.idTag) } : {};
    });
    client.handle('MeterValues', ({ params }) => {
      seen();
      const txId = params.transactionId === undefined ? undefined : Number(params.transactionId);
      listener(params.connectorId)?.meterValues(params.meterValue as MeterValue[], txId);
      return {};
    });
    client.handle('DataTransfer', () => {
      seen();
      return { status: 'UnknownVendorId' };
    });
    client.handle('DiagnosticsStatusNotification', () => {
      seen();
      return {};
    });
    client.handle('FirmwareStatusNotification', () => {
      seen();
      return {};
    });
    client.handle(({ method }) => {
      seen();
      throw createRPCError('NotImplemented', `${method} is not handled by ES Manager`);
    });
  }
}

interface HandshakeLike {
  identity: string;
  password?: Buffer;
  remoteAddress: string;
}

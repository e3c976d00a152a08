/**
 * A profile-driven OPC UA server (node-opcua), the server side of the OPC UA driver: the
 * simulator serves its BMS with it, the tests and the benchmark run it on loopback.
 *
 * Each channel's node is created from its NodeId: `ns=1;s=Bms.Soc` becomes the variable
 * `Soc` in the object `Bms` under Objects (the dotted prefix gives the objects), `nsu=<uri>`
 * registers that namespace. Numbers are served as Double (Int32 for enumerated channels),
 * booleans as Boolean, strings as String; a writable channel accepts client writes
 * (`onWrite`), a method channel is a method of its object with one input argument (or none).
 * Endpoints: None, Sign and SignAndEncrypt with Basic256Sha256 and Aes128_Sha256_RsaOaep
 * (each can be restricted); anonymous and user/password sessions.
 */
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DataType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAServer,
  SecurityPolicy,
  StatusCodes,
  Variant,
  type Namespace,
  type UAObject,
  type UAVariable,
} from 'node-opcua';
import type { OpcuaChannel, OpcuaProfile } from './profile';

export interface OpcuaServerOptions {
  /** folder of the server's certificate store (created) */
  pkiDir: string;
  host?: string;
  /** 0 = any free port */
  port?: number;
  /** user name → password; no users means anonymous only */
  users?: Record<string, string>;
  /** anonymous sessions allowed (default: when no users are given) */
  allowAnonymous?: boolean;
  /** offered security modes (default all three) */
  securityModes?: ReadonlyArray<'None' | 'Sign' | 'SignAndEncrypt'>;
  /** a certificate and key of the server's own (e.g. an expired one, for tests) */
  certificateFile?: string;
  privateKeyFile?: string;
  /** the application URI in the certificate; default urn:es-manager:sim:<port> */
  applicationUri?: string;
  /** max sessions and subscriptions (default 20) */
  maxSessions?: number;
}

interface Served {
  channel: OpcuaChannel;
  variable?: UAVariable;
  dataType: DataType;
  value: Variant;
}

type WriteHandler = (channel: string, value: number | boolean | string) => void;
type CallHandler = (channel: string, value: number | boolean | undefined) => void;

function rawOf(c: OpcuaChannel, v: number | boolean | string): number | boolean | string {
  if (typeof v === 'number' && c.type === 'number') return (v - c.offset) / c.scale;
  return v;
}

function engOf(c: OpcuaChannel, raw: unknown): number | boolean | string {
  if (typeof raw === 'number' && c.type === 'number') return raw * c.scale + c.offset;
  if (typeof raw === 'boolean' || typeof raw === 'string' || typeof raw === 'number') return raw;
  return String(raw);
}

function dataTypeOf(c: OpcuaChannel): DataType {
  if (c.type === 'boolean') return DataType.Boolean;
  if (c.type === 'string') return DataType.String;
  return c.states ? DataType.Int32 : DataType.Double;
}

export class OpcuaProfileServer {
  private server: OPCUAServer | undefined;
  private readonly served = new Map<string, Served>();
  private readonly writeHandlers = new Set<WriteHandler>();
  private readonly callHandlers = new Set<CallHandler>();
  /** every method call, in order (tests) */
  readonly calls: Array<{ channel: string; value: number | boolean | undefined }> = [];
  /** refuse method calls and writes with this status (tests) */
  refuseWith: 'BadOutOfRange' | 'BadUserAccessDenied' | undefined;
  port = 0;

  constructor(
    private readonly profile: OpcuaProfile,
    private readonly opts: OpcuaServerOptions,
  ) {
    for (const c of profile.channels) {
      const dataType = dataTypeOf(c);
      const zero = dataType === DataType.Boolean ? false : dataType === DataType.String ? '' : 0;
      this.served.set(c.channel, { channel: c, dataType, value: new Variant({ dataType, value: zero }) });
    }
  }

  get endpointUrl(): string {
    return `opc.tcp://${this.opts.host ?? '127.0.0.1'}:${this.port}`;
  }

  /** SHA-1 thumbprint of the server's certificate (what the trust dialog shows) */
  get thumbprint(): string {
    const file = this.server?.certificateFile;
    if (!file) throw new Error('the server is not started');
    return new X509Certificate(readFileSync(file)).fingerprint.replace(/:/g, '').toLowerCase();
  }

  onWrite(h: WriteHandler): () => void {
    this.writeHandlers.add(h);
    return () => this.writeHandlers.delete(h);
  }

  onCall(h: CallHandler): () => void {
    this.callHandlers.add(h);
    return () => this.callHandlers.delete(h);
  }

  /** the engineering value of a channel as served */
  get(channel: string): number | boolean | string {
    const s = this.served.get(channel);
    if (!s) throw new Error(`channel ${channel}: not in profile ${this.profile.id}`);
    return engOf(s.channel, s.value.value);
  }

  /** serves a new engineering value (the subscriptions see it at their next sample) */
  set(channel: string, value: number | boolean | string): void {
    const s = this.served.get(channel);
    if (!s) throw new Error(`channel ${channel}: not in profile ${this.profile.id}`);
    if (s.channel.method) return;
    let raw = rawOf(s.channel, value);
    if (s.dataType === DataType.Int32 && typeof raw === 'number') raw = Math.round(raw);
    if (s.dataType === DataType.Boolean && typeof raw === 'number') raw = raw !== 0;
    s.value = new Variant({ dataType: s.dataType, value: raw });
    s.variable?.setValueFromSource(s.value, StatusCodes.Good);
  }

  /** marks a channel's value bad (the device says it is invalid) */
  setBad(channel: string): void {
    const s = this.served.get(channel);
    if (!s?.variable) throw new Error(`channel ${channel}: not served`);
    s.variable.setValueFromSource(s.value, StatusCodes.BadSensorFailure);
  }

  /** the ids of the server's open sessions (tests: a transfer keeps the session) */
  sessionIds(): string[] {
    return (this.server?.engine.getSessions() ?? []).map((s) => s.nodeId.toString()).sort();
  }

  async start(): Promise<number> {
    const modes = this.opts.securityModes ?? ['None', 'Sign', 'SignAndEncrypt'];
    const pki = join(this.opts.pkiDir, 'server');
    mkdirSync(pki, { recursive: true });
    const serverCertificateManager = new OPCUACertificateManager({ rootFolder: pki, automaticallyAcceptUnknownCertificate: true, disableFileWatchers: true });
    await serverCertificateManager.initialize();
    const users = this.opts.users ?? {};
    const hasUsers = Object.keys(users).length > 0;
    const server = new OPCUAServer({
      port: this.opts.port ?? 0,
      hostname: this.opts.host ?? '127.0.0.1',
      alternateHostname: ['127.0.0.1'],
      serverCertificateManager,
      ...(this.opts.certificateFile ? { certificateFile: this.opts.certificateFile } : {}),
      ...(this.opts.privateKeyFile ? { privateKeyFile: this.opts.privateKeyFile } : {}),
      securityModes: modes.map((m) => MessageSecurityMode[m]),
      securityPolicies: [
        ...(modes.includes('None') ? [SecurityPolicy.None] : []),
        ...(modes.some((m) => m !== 'None') ? [SecurityPolicy.Basic256Sha256, SecurityPolicy.Aes128_Sha256_RsaOaep] : []),
      ],
      allowAnonymous: this.opts.allowAnonymous ?? !hasUsers,
      userManager: { isValidUser: (name: string, password: string) => users[name] !== undefined && users[name] === password },
      serverCapabilities: { maxSessions: this.opts.maxSessions ?? 20, maxSubscriptions: 50, maxMonitoredItems: 100_000 },
      maxConnectionsPerEndpoint: this.opts.maxSessions ?? 20,
      buildInfo: { productName: `ES Manager simulator: ${this.profile.model}`, manufacturerName: this.profile.vendor },
      serverInfo: { applicationUri: this.opts.applicationUri ?? `urn:es-manager:sim:${this.profile.id}`, productUri: 'urn:es-manager:sim' },
    });
    this.server = server;
    await server.initialize();
    this.build(server);
    await server.start();
    const ep = server.endpoints[0];
    this.port = ep ? ep.port : 0;
    return this.port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    await s.shutdown(0);
    for (const x of this.served.values()) delete x.variable;
  }

  private build(server: OPCUAServer): void {
    const addressSpace = server.engine.addressSpace!;
    const own = addressSpace.getOwnNamespace();
    const objects = new Map<string, UAObject>();
    const nsOf = (text: string): { ns: Namespace; id: string } => {
      const m = /^(?:(ns=(\d+)|nsu=([^;]+));)?(.+)$/.exec(text)!;
      if (m[3]) {
        const existing = addressSpace.getNamespaceIndex(m[3]);
        return { ns: (existing >= 0 ? addressSpace.getNamespace(existing) : addressSpace.registerNamespace(m[3])) as Namespace, id: m[4]! };
      }
      const idx = m[2] ? Number(m[2]) : 0;
      if (idx !== own.index) throw new Error(`the simulated server serves its own namespace (ns=${own.index}), not ${text}`);
      return { ns: own, id: m[4]! };
    };
    const objectFor = (ns: Namespace, path: string): UAObject => {
      const key = `${ns.index}|${path}`;
      const have = objects.get(key);
      if (have) return have;
      const dot = path.lastIndexOf('.');
      const parent = dot > 0 ? objectFor(ns, path.slice(0, dot)) : addressSpace.rootFolder.objects;
      const o = ns.addObject({ organizedBy: dot > 0 ? undefined : parent, componentOf: dot > 0 ? parent : undefined, browseName: dot > 0 ? path.slice(dot + 1) : path, nodeId: `s=${path}` });
      objects.set(key, o);
      return o;
    };
    const splitId = (id: string): { parentPath: string | undefined; name: string } => {
      if (!id.startsWith('s=')) return { parentPath: 'Device', name: id };
      const path = id.slice(2);
      const dot = path.lastIndexOf('.');
      return dot > 0 ? { parentPath: path.slice(0, dot), name: path.slice(dot + 1) } : { parentPath: undefined, name: path };
    };
    for (const s of this.served.values()) {
      const c = s.channel;
      if (c.method) {
        const { ns: ons, id: oid } = nsOf(c.method.object);
        if (!oid.startsWith('s=')) throw new Error(`method object ${c.method.object}: the simulated server names objects with strings (s=...)`);
        const obj = objectFor(ons, oid.slice(2));
        const { ns: mns, id: mid } = nsOf(c.method.method);
        const name = mid.startsWith('s=') ? mid.slice(2).split('.').pop()! : c.channel;
        const argType = c.type === 'boolean' ? DataType.Boolean : DataType.Double;
        const method = mns.addMethod(obj, {
          browseName: name,
          nodeId: mid,
          inputArguments: c.method.input === 'value' ? [{ name: 'value', description: { text: c.description ?? c.channel }, dataType: argType }] : [],
          outputArguments: [],
        });
        method.bindMethod(async (inputArguments: Variant[], _context: unknown) => {
          if (this.refuseWith) return { statusCode: StatusCodes[this.refuseWith] };
          const v = inputArguments[0]?.value as number | boolean | undefined;
          const value = v === undefined ? undefined : (engOf(c, v) as number | boolean);
          this.calls.push({ channel: c.channel, value });
          for (const h of this.callHandlers) h(c.channel, value);
          return { statusCode: StatusCodes.Good, outputArguments: [] };
        });
        continue;
      }
      const { ns, id } = nsOf(c.nodeId!);
      const { parentPath, name } = splitId(id);
      const parent = parentPath ? objectFor(ns, parentPath) : addressSpace.rootFolder.objects;
      const variable = ns.addVariable({
        ...(parentPath ? { componentOf: parent } : { organizedBy: parent }),
        browseName: name,
        displayName: name,
        nodeId: id,
        dataType: DataType[s.dataType],
        accessLevel: c.access === 'rw' ? 'CurrentRead | CurrentWrite' : 'CurrentRead',
        userAccessLevel: c.access === 'rw' ? 'CurrentRead | CurrentWrite' : 'CurrentRead',
        ...(c.description ? { description: c.description } : {}),
        minimumSamplingInterval: 50,
      });
      variable.setValueFromSource(s.value, StatusCodes.Good);
      if (c.access === 'rw') {
        variable.on('value_changed', (dv) => {
          const raw = dv.value?.value as unknown;
          if (raw === undefined || raw === null) return;
          if (dv.value.dataType === s.value.dataType && raw === s.value.value) return; // our own set()
          s.value = dv.value;
          const eng = engOf(c, raw);
          for (const h of this.writeHandlers) h(c.channel, eng);
        });
      }
      s.variable = variable;
    }
  }
}

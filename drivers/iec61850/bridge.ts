/**
 * The IEC 61850 driver: one `Iec61850Bridge` per device, all served by one library worker
 * owned by the factory (`createIec61850Factory`, start/stop).
 *
 * - Connects, reads the types of the data objects it serves, then enables the report control
 *   blocks whose data sets carry channels (profile `reports: auto`, or the listed RCBs) with a
 *   general interrogation; the channels no report carries are polled every `pollMs` (one read
 *   per data object and FC).
 * - Quality from the DO's `q` (validity, detail quality, substituted, test, operator blocked →
 *   the app's quality, mms.ts), source time from its `t`.
 * - The link, its request queue, polling, status, statistics and reconnection are the shared
 *   `ConnectionSupervisor` (drivers/common): a lost link marks every point bad/comm-fail once
 *   and reconnects with back-off (250 ms doubling to 10 s). A refused command or a value the
 *   device rejects (`CommandRefused`, IedClientErrors other than lost/timeout) keeps the link.
 * - Commands: a channel with `control` operates its control object — select first when the
 *   ctlModel is SBO, then operate, then wait for the command termination with enhanced
 *   security; each stage is published to the profile's command-stage channel and a refusal
 *   names its stage and AddCause. A channel with `setting` is written with its FC.
 * - Without the library the device reports a configuration error saying how to provide it;
 *   the rest of the application runs.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Bridge, BridgeContext, BridgeFactory, Driver, DriverContext, PointSample, PointSink, SecretAccess } from '../../core/common/bridge';
import type { ProtocolDefinition } from '../../core/common/profile';
import type { PointValue } from '../../core/common/point';
import { SupervisedBridge, bridgeNow } from '../common/supervised-bridge';
import type { FieldReport, FieldStage } from '../../core/common/commands';
import { Iec61850Library, OPT, TRG, type ControlObject, type IedClient, type ReportData, type TypeSpec } from './binding';
import type { TlsFiles } from './protocol';
import { IedError, OR_CAT } from './errors';
import { MMS_TYPE, intToBitStringBE, scalarValue, valueLike, type MmsData } from './mms';
import { DEFAULT_VALUE_PATHS, DoImage, flatten, memberCovers, planChannels, planMember, sampleOf, withIed, type ChannelPlan, type MemberPlan } from './model';
import { iec61850Protocol, isIec61850Device, isIec61850Profile, type TRIGGERS, type Iec61850Connection, type Iec61850Profile } from './profile';


// ---------------------------------------------------------------- the library, shared

/** The platform's file name of the library. */
export function libraryFileName(platform = process.platform): string {
  return platform === 'win32' ? 'iec61850.dll' : platform === 'darwin' ? 'libiec61850.dylib' : 'libiec61850.so';
}

/** Where the library is looked for, in order: the site file, ESM_LIBIEC61850, the copy shipped beside the app. */
export function libraryCandidates(sitePath: string | undefined, env = process.env, resourcesPath = (process as { resourcesPath?: string }).resourcesPath): Array<{ path: string; from: string }> {
  const out: Array<{ path: string; from: string }> = [];
  if (sitePath) out.push({ path: sitePath, from: 'the site file (connection.library)' });
  if (env.ESM_LIBIEC61850) out.push({ path: env.ESM_LIBIEC61850, from: 'ESM_LIBIEC61850' });
  if (resourcesPath) out.push({ path: join(resourcesPath, 'libiec61850', libraryFileName()), from: 'the application resources' });
  return out;
}

export const HOW_TO_PROVIDE =
  'IEC 61850 devices need libiec61850, which is not shipped with ES Manager (GPLv3 or commercial licence): ' +
  'set the environment variable ESM_LIBIEC61850 to the path of the library, or give its path as "library" in the ' +
  "device's connection in the site file, or place it in the application's resources folder under libiec61850/ " +
  '(see docs/iec61850.md)';

class SharedLibrary {
  private loading: Promise<Iec61850Library> | undefined;
  lib: Iec61850Library | undefined;
  error: string | undefined;

  constructor(private readonly resourcesPath: string | undefined) {}

  load(sitePaths: readonly string[]): Promise<Iec61850Library> {
    if (this.loading) return this.loading;
    this.loading = (async () => {
      const distinct = [...new Set(sitePaths)];
      if (distinct.length > 1) throw new Error(`IEC 61850 devices name different libraries (${distinct.join(', ')}): one library serves them all`);
      const candidates = libraryCandidates(distinct[0], process.env, this.resourcesPath);
      if (candidates.length === 0) throw new Error(`libiec61850 is not available. ${HOW_TO_PROVIDE}`);
      const c = candidates.find((x) => existsSync(x.path)) ?? candidates[0]!;
      if (!existsSync(c.path)) throw new Error(`libiec61850 is not available: ${c.path} (from ${c.from}) does not exist. ${HOW_TO_PROVIDE}`);
      try {
        this.lib = await Iec61850Library.open(c.path);
        return this.lib;
      } catch (e) {
        throw new Error(`${(e as Error).message} (from ${c.from}). ${HOW_TO_PROVIDE}`);
      }
    })();
    this.loading.catch((e: Error) => (this.error = e.message));
    return this.loading;
  }

  async close(): Promise<void> {
    const l = this.lib;
    this.lib = undefined;
    this.loading = undefined;
    await l?.close();
  }
}

// ---------------------------------------------------------------- the bridge

interface Session {
  client: IedClient;
  specs: Map<string, TypeSpec>;
  members: Map<string, MemberPlan & { spec?: TypeSpec }>;
  rcbs: string[];
  controls: Map<string, ControlObject>;
  offs: Array<() => void>;
  /** DO keys no enabled report carries */
  polled: string[];
  /** the next poll reads every DO (the first after connecting) */
  pollAll: boolean;
}

/** The device's own answer (a refused command, a value it rejects): the link stays up. */
export class CommandRefused extends Error {
  override name = 'CommandRefused';
  /** the device's stages up to the refusal (the command pipeline shows them) */
  fieldStages?: FieldStage[];
}

/** IedClientErrors that mean the association is gone (not connected, connection lost, timeout). */
const LINK_ERRORS = new Set([1, 3, 20]);

function keepsLink(e: unknown): boolean {
  if (e instanceof CommandRefused) return true;
  return e instanceof IedError && !LINK_ERRORS.has(e.code);
}

function trgOpsOf(names: readonly string[] | undefined, integrity: boolean): number {
  if (!names) return TRG.DATA_CHANGED | TRG.QUALITY_CHANGED | TRG.GI | (integrity ? TRG.INTEGRITY : 0);
  const map: Record<(typeof TRIGGERS)[number], number> = { 'data-change': TRG.DATA_CHANGED, 'quality-change': TRG.QUALITY_CHANGED, 'data-update': TRG.DATA_UPDATE, integrity: TRG.INTEGRITY, gi: TRG.GI };
  return names.reduce((a, n) => a | (map[n as (typeof TRIGGERS)[number]] ?? 0), 0);
}

export class Iec61850Bridge extends SupervisedBridge<Session> implements Bridge {
  readonly deviceId: string;
  private readonly conn: Iec61850Connection;
  private readonly profile: Iec61850Profile;
  private readonly sink: PointSink;
  private readonly now: () => number;
  private readonly plans: ChannelPlan[];
  private readonly byChannel = new Map<string, ChannelPlan>();
  private readonly stageChannel = new Map<string, string>();
  private readonly image = new DoImage();
  private readonly assetId: string;
  private readonly timeoutMs: number;
  private session: Session | undefined;
  /** connections being destroyed: stop() waits for them (the library worker may stop next) */
  private readonly closing = new Set<Promise<void>>();

  private readonly dataDir: string | undefined;
  private readonly secrets: SecretAccess | undefined;

  constructor(
    ctx: BridgeContext,
    private readonly shared: SharedLibrary,
  ) {
    super();
    this.dataDir = ctx.dataDir;
    this.secrets = ctx.secrets;
    const { device, profile } = ctx;
    if (!isIec61850Device(device)) throw new Error(`device ${device.id}: protocol ${device.protocol} is not iec61850`);
    if (!isIec61850Profile(profile)) throw new Error(`device ${device.id}: profile ${profile.id} is not an IEC 61850 profile`);
    this.deviceId = device.id;
    this.conn = device.connection;
    this.profile = profile;
    this.sink = ctx.sink;
    this.now = bridgeNow(ctx);
    this.assetId = device.asset;
    this.timeoutMs = device.timeoutMs;
    this.plans = planChannels(profile, this.conn.iedName);
    for (const p of this.plans) this.byChannel.set(p.channel.channel, p);
    for (const c of profile.channels) if (c.commandStageOf) this.stageChannel.set(c.commandStageOf, c.channel);
    this.supervise(ctx, {
      device: { id: device.id, pollMs: device.pollMs, timeoutMs: device.timeoutMs },
      identity: {
        id: device.id,
        name: device.name,
        protocol: device.protocol,
        address: `${this.conn.host}:${this.conn.port}${this.conn.iedName ? ` IED ${this.conn.iedName}` : ''}`,
        asset: device.asset,
        profile: profile.id,
        simulated: device.simulated ?? false,
        pollMs: device.pollMs,
      },
      pointIds: this.plans.map((p) => this.pid(p.channel.channel)),
      now: this.now,
      logName: 'Iec61850Bridge',
      protocol: {
        open: () => this.open(),
        close: (s) => this.closeSession(s),
        onClose: (s, closed) => {
          s.offs.push(s.client.onClosed(closed));
        },
        poll: () => this.pollOnce(),
        keepsLink,
        isTimeout: (e) => (e instanceof IedError && e.code === 20) || (e instanceof Error && /did not answer|timed? ?out|no answer/i.test(e.message)),
        onCommFail: () => this.image.clear(),
      },
    });
  }

  private pid(channel: string): string {
    return `${this.assetId}/${channel}`;
  }

  override async stop(): Promise<void> {
    await super.stop();
    await Promise.all([...this.closing]);
  }

  /** Connects, reads the DO types, enables the reports; what the supervisor calls a link. */
  private open(): { ready: Promise<Session>; abort(): void } {
    let client: IedClient | undefined;
    let aborted = false;
    const ready = (async (): Promise<Session> => {
      // without the library this rejects with the sentence saying how to provide it
      const lib = await this.shared.load(this.conn.library ? [this.conn.library] : []);
      const tls = this.conn.tls ? await tlsFiles(this.conn.tls, this.dataDir, this.secrets) : undefined;
      client = await lib.client({ host: this.conn.host, port: this.conn.port, connectTimeoutMs: this.conn.connectTimeoutMs, requestTimeoutMs: this.timeoutMs, ...(tls ? { tls } : {}) });
      try {
        await client.connect();
        const s: Session = { client, specs: new Map(), members: new Map(), rcbs: [], controls: new Map(), offs: [], polled: [], pollAll: true };
        s.offs.push(client.onReport((r) => this.onReport(s, r)));
        this.session = s;
        for (const key of new Set(this.plans.map((p) => p.key))) {
          const p = this.plans.find((x) => x.key === key)!;
          s.specs.set(key, await client.typeSpec(p.doRef, p.fc));
        }
        const covered = await this.enableReports(s);
        s.polled = [...new Set(this.plans.filter((p) => !covered.has(p)).map((p) => p.key))];
        if (aborted) throw new Error('stopped');
        return s;
      } catch (e) {
        if (this.session?.client === client) this.session = undefined;
        await client.destroy().catch(() => undefined);
        throw e;
      }
    })();
    return {
      ready,
      abort: () => {
        aborted = true;
      },
    };
  }

  private closeSession(s: Session): void {
    if (this.session === s) this.session = undefined;
    for (const off of s.offs) off();
    const p = s.client.destroy().catch(() => undefined);
    this.closing.add(p);
    void p.then(() => this.closing.delete(p));
  }

  /** Enables the RCBs that carry channels; returns the channels they carry. */
  private async enableReports(s: Session): Promise<Set<ChannelPlan>> {
    const covered = new Set<ChannelPlan>();
    const mode = this.profile.reports;
    if (mode === 'off') return covered;
    const wanted =
      mode === 'auto'
        ? (await s.client.findRcbs()).map((r) => ({ rcb: r.ref, buffered: r.buffered, trgOps: undefined as readonly string[] | undefined, intgPdMs: undefined as number | undefined }))
        : mode.map((r) => ({ rcb: withIed(this.conn.iedName, r.rcb), buffered: r.rcb.includes('.BR.'), trgOps: r.trgOps, intgPdMs: r.intgPdMs }));
    // buffered first: no loss across a reconnect
    wanted.sort((a, b) => Number(b.buffered) - Number(a.buffered));
    const doneDataSets = new Set<string>();
    const enabledMembers = new Set<string>();
    for (const w of wanted) {
      let values;
      try {
        values = await s.client.rcb(w.rcb);
      } catch (e) {
        if (mode !== 'auto') throw e;
        continue;
      }
      if (!values.dataSet || doneDataSets.has(values.dataSet)) continue;
      if (mode === 'auto' && values.rptEna) continue; // in use by another client
      const { members } = await s.client.dataSetDirectory(values.dataSet);
      const plans = members.map(planMember);
      const carries = this.plans.filter((c) => plans.some((m) => memberCovers(m, c)));
      if (carries.length === 0) continue;
      const intgPdMs = w.intgPdMs ?? this.profile.integrityMs;
      // the member plans are in place before the RCB is enabled: the GI report follows at once
      for (const m of plans) {
        const spec = m.prefix === '' ? s.specs.get(m.key) : await s.client.typeSpec(m.ref, m.fc).catch(() => undefined);
        s.members.set(m.member, spec ? { ...m, spec } : m);
      }
      try {
        await s.client.enableReport(w.rcb, {
          trgOps: trgOpsOf(w.trgOps, intgPdMs > 0),
          intgPdMs,
          optFlds: OPT.SEQ_NUM | OPT.TIME_STAMP | OPT.REASON | OPT.DATA_SET | OPT.CONF_REV,
          gi: true,
          resvTmsS: this.profile.reserveS,
        });
      } catch (e) {
        for (const m of plans) if (!enabledMembers.has(m.member)) s.members.delete(m.member);
        if (mode !== 'auto') throw e;
        continue; // reserved by another client: try the next instance
      }
      s.rcbs.push(w.rcb);
      for (const m of plans) enabledMembers.add(m.member);
      doneDataSets.add(values.dataSet);
      for (const c of carries) covered.add(c);
    }
    return covered;
  }

  private onReport(s: Session, r: ReportData): void {
    if (this.session !== s) return;
    const keys = new Set<string>();
    for (const e of r.entries) {
      const m = s.members.get(e.member);
      if (!m) continue;
      this.image.set(m.key, flatten(m.spec, e.value, m.prefix, new Map()));
      keys.add(m.key);
    }
    // through the supervisor: a lost link then marks these points bad with their latest reported value
    this.sup.publish(this.samplesOf(keys));
  }

  private samplesOf(keys: ReadonlySet<string>): PointSample[] {
    const now = this.now();
    const samples: PointSample[] = [];
    for (const p of this.plans) {
      if (!keys.has(p.key)) continue;
      const attrs = this.image.get(p.key);
      const path = p.path || DEFAULT_VALUE_PATHS.find((x) => attrs?.has(x)) || '';
      const sample = sampleOf(p, attrs, this.pid(p.channel.channel), now, this.image.timeFresh(p.key, path));
      if (sample) samples.push(sample);
    }
    return samples;
  }

  /** One poll: the DOs no report carries (all of them right after connecting). */
  private async pollOnce(): Promise<{ samples: PointSample[] }> {
    const s = this.session;
    if (!s) return { samples: [] };
    const keys = s.pollAll ? [...new Set(this.plans.map((p) => p.key))] : s.polled;
    if (keys.length === 0) return { samples: [] };
    const read = await this.sup.request(async (sess) => {
      const got = new Set<string>();
      for (const key of keys) {
        const p = this.plans.find((x) => x.key === key)!;
        const v = await sess.client.read(p.doRef, p.fc);
        this.image.set(key, flatten(sess.specs.get(key), v, '', new Map()));
        got.add(key);
      }
      return got;
    }, (this.timeoutMs + 200) * (keys.length + 1));
    s.pollAll = false;
    return { samples: this.samplesOf(read) };
  }

  // ------------------------------------------------------------ commands

  private channelOf(channel: string): ChannelPlan {
    const p = this.byChannel.get(channel);
    if (!p) throw new Error(`device ${this.deviceId}: profile ${this.profile.id} has no channel ${channel}`);
    return p;
  }

  private stage(channel: string, text: string): void {
    const stageCh = this.stageChannel.get(channel);
    if (stageCh) this.sink.publish([{ id: this.pid(stageCh), value: text, quality: { level: 'good' }, ts: this.now() }]);
  }

  /** engineering value → device value */
  private deviceValue(p: ChannelPlan, value: number | boolean): number | boolean {
    if (typeof value === 'boolean' || p.channel.type !== 'number') return value;
    return (value - p.channel.offset) / p.channel.scale;
  }

  async write(channel: string, value: number | boolean): Promise<void | FieldReport> {
    const p = this.channelOf(channel);
    const c = p.channel;
    if (c.access !== 'rw') throw new Error(`channel ${channel} of device ${this.deviceId} is read-only`);
    const v = this.deviceValue(p, value);
    if (c.setting) {
      const setting = c.setting;
      const ref = withIed(this.conn.iedName, setting.ref);
      await this.sup.request(async (s) => {
        const current = await s.client.read(ref, setting.fc);
        let next: MmsData;
        try {
          next = valueLike(current, v);
        } catch (e) {
          throw new CommandRefused(`${ref}: ${(e as Error).message}`);
        }
        await s.client.write(ref, setting.fc, next);
      });
      return;
    }
    if (!c.control) throw new Error(`channel ${channel} has no control object`);
    const objRef = withIed(this.conn.iedName, c.control.object);
    const commandMs = Math.max(this.timeoutMs * 5, 5000);
    const stages: FieldStage[] = [];
    const note = (stage: FieldStage['stage'], text: string, step?: string, why?: string): void => {
      stages.push({ stage, at: this.now(), ...(step ? { step } : {}), ...(why ? { text: why } : {}) });
      this.stage(channel, text);
    };
    const refuse = (message: string): CommandRefused => {
      const e = new CommandRefused(message);
      e.fieldStages = stages;
      return e;
    };
    await this.sup.request(async (s) => {
      let ctl = s.controls.get(objRef);
      if (!ctl) {
        ctl = await s.client.control(objRef);
        s.controls.set(objRef, ctl);
      }
      const spec = await s.client.typeSpec(`${objRef}.Oper.ctlVal`, 'CO');
      const status = this.image.get(p.key)?.get(p.path);
      let ctlVal: MmsData;
      try {
        ctlVal = ctlValue(spec, v, objRef, status?.type === 'bit-string' && status.size === 2);
      } catch (e) {
        throw new CommandRefused((e as Error).message);
      }
      const params = { orIdent: this.conn.orIdent, orCat: OR_CAT[this.conn.orCat] };
      if (ctl.selectBeforeOperate) {
        const sel = await ctl.select(ctl.enhanced ? ctlVal : undefined, params);
        if (!sel.ok) {
          note('refused', `refused at select: ${sel.reason}`, 'select', sel.reason);
          throw refuse(sel.reason ?? 'the select was refused');
        }
        note('selected', 'selected');
      }
      const op = await ctl.operate(ctlVal, params, commandMs);
      if (!op.ok) {
        note('refused', `refused at operate: ${op.reason}`, 'operate', op.reason);
        if (ctl.selectBeforeOperate) {
          // give the selection back at once rather than let it time out on the device
          const c = await ctl.cancel().catch((e: Error) => ({ ok: false, reason: e.message }));
          if (c.ok) note('cancelled', 'cancelled (the selection was released)');
        }
        throw refuse(op.reason ?? 'the operate was refused');
      }
      note('operated', 'operated');
      if (op.terminated) {
        const t = await op.terminated;
        if (!t.ok) {
          note('refused', `terminated with failure: ${t.reason}`, 'termination', t.reason);
          throw refuse(`operated, then ${t.reason}`);
        }
        note('terminated', 'terminated');
      }
    }, commandMs * 2 + 1000);
    return { stages };
  }

  async read(channel: string): Promise<PointValue> {
    const p = this.channelOf(channel);
    const v = scalarValue(await this.sup.request((s) => s.client.read(p.path ? p.ref : p.doRef, p.fc)));
    if (v === undefined) throw new Error(`${p.ref} has no scalar value`);
    if (p.channel.type === 'number' && typeof v === 'number') return v * p.channel.scale + p.channel.offset;
    return v;
  }
}

/** The certificate store of the IEC 61850 driver: `<data folder>/drivers/iec61850/pki/`. */
export function certificateStore(dataDir: string | undefined): string | undefined {
  return dataDir ? join(dataDir, 'pki') : undefined;
}

/** The device's TLS files as absolute paths (relative ones in the app's certificate store) and the key's password from the sealed secrets. */
export async function tlsFiles(tls: NonNullable<Iec61850Connection['tls']>, dataDir: string | undefined, secrets: SecretAccess | undefined): Promise<TlsFiles> {
  const store = certificateStore(dataDir);
  const file = (name: string, what: string): string => {
    if (!isAbsolute(name) && !store) throw new Error(`TLS: the ${what} ${name} is a relative path and this host has no certificate store`);
    const p = isAbsolute(name) ? name : join(store as string, name);
    if (!existsSync(p)) throw new Error(`TLS: the ${what} ${p} does not exist${store ? ` (the certificate store is ${store})` : ''}`);
    return p;
  };
  const out: TlsFiles = { ca: file(tls.ca, 'CA certificate'), chainValidation: tls.chainValidation };
  if (tls.cert) out.cert = file(tls.cert, 'client certificate');
  if (tls.key) out.key = file(tls.key, 'client key');
  if (tls.keyPasswordSecret) {
    const pw = await secrets?.get(tls.keyPasswordSecret);
    if (pw === undefined) throw new Error(`TLS: no secret named "${tls.keyPasswordSecret}" holds the client key's password (Administration → Secrets)`);
    out.keyPassword = pw;
  }
  return out;
}

/** The ctlVal of a control object from its type: boolean (SPC), Dbpos (DPC), integer (INC), AnalogueValue (APC), Tcmd (BSC). */
export function ctlValue(spec: TypeSpec, v: number | boolean, what: string, doublePoint = false): MmsData {
  let n = typeof v === 'boolean' ? (v ? 1 : 0) : v;
  switch (spec.type) {
    case MMS_TYPE.BOOLEAN:
      if (doublePoint && typeof v === 'number') {
        // DPC: the status is a Dbpos (1 off/open, 2 on/closed), the command a BOOLEAN
        if (v !== 1 && v !== 2) throw new Error(`${what} is a double-point control: 1 (off/open) or 2 (on/closed), not ${v}`);
        n = v === 2 ? 1 : 0;
      }
      if (n !== 0 && n !== 1) throw new Error(`${what} takes on (1) or off (0), not ${v}`);
      return { type: 'boolean', value: n === 1 };
    case MMS_TYPE.INTEGER:
    case MMS_TYPE.UNSIGNED:
      if (!Number.isInteger(n)) throw new Error(`${what} takes a whole number, not ${v}`);
      return { type: spec.type === MMS_TYPE.INTEGER ? 'integer' : 'unsigned', value: n };
    case MMS_TYPE.FLOAT:
      return { type: 'float', value: n };
    case MMS_TYPE.BIT_STRING:
      if (!Number.isInteger(n) || n < 0 || n > 3) throw new Error(`${what} takes 0 to 3, not ${v}`);
      return { type: 'bit-string', size: 2, bytes: intToBitStringBE(n, 2) };
    case MMS_TYPE.STRUCTURE: {
      // AnalogueValue: i and/or f
      const items = (spec.children ?? []).map((ch): MmsData => (ch.name === 'i' ? { type: 'integer', value: Math.round(n) } : { type: 'float', value: n }));
      if (items.length === 0) throw new Error(`${what}: the ctlVal structure has no component`);
      return { type: 'structure', items };
    }
    default:
      throw new Error(`${what}: ctlVal of MMS type ${spec.type} is not supported`);
  }
}

// ---------------------------------------------------------------- factory and driver

export interface Iec61850FactoryOptions {
  /** the packaged app's resources folder (Electron's process.resourcesPath) */
  resourcesPath?: string;
}

/** One library worker for all IEC 61850 devices of a host. */
export function createIec61850Factory(opts: Iec61850FactoryOptions = {}): BridgeFactory & { library(): Iec61850Library | undefined } {
  const shared = new SharedLibrary(opts.resourcesPath ?? (process as { resourcesPath?: string }).resourcesPath);
  return {
    protocols: ['iec61850'],
    create: (ctx: BridgeContext): Bridge => new Iec61850Bridge(ctx, shared),
    async start(ctx: DriverContext): Promise<void> {
      const paths = ctx.devices.filter(isIec61850Device).flatMap((d) => (d.connection.library ? [d.connection.library] : []));
      // never throws: without the library its devices show the configuration error, the app runs
      await shared.load(paths).catch(() => undefined);
    },
    async stop(): Promise<void> {
      await shared.close();
    },
    library: () => shared.lib,
  };
}

export const iec61850Driver: Driver = {
  definition: iec61850Protocol as ProtocolDefinition<never>,
  createFactory: () => createIec61850Factory(),
};

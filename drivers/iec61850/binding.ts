/**
 * The libiec61850 client binding as the core side sees it: every call is a message to the
 * library worker (worker.ts); nothing here blocks. One `Iec61850Library` (one worker) serves
 * any number of `IedClient`s.
 */
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { IedError, addCauseText, controlModelName, iedErrorText, lastApplErrorText, type ControlModelName } from './errors';
import type { MmsData } from './mms';
import type { ControlOutcome, ControlParams, Counters, RcbSettings, RcbValues, ReportData, TlsFiles, TypeSpec, WorkerEvent, WorkerOp, WorkerReply } from './protocol';

export type { ControlParams, Counters, RcbSettings, RcbValues, ReportData, ReportEntry, TypeSpec } from './protocol';

/** The library could not be loaded: the sentence says which file and why. */
export class LibraryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LibraryError';
  }
}

/** Starts `<name>.ts|js` of this folder in a worker thread (tsx under the tests, compiled JS in the app). */
export function spawnWorker(name: string): Worker {
  const ext = extname(__filename);
  const file = join(__dirname, `${name}${ext}`);
  if (ext === '.ts') return new Worker(`require('tsx/cjs'); require(${JSON.stringify(file)});`, { eval: true });
  return new Worker(file);
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/** Spare time on top of the library's own timeouts before the core gives up on the worker. */
const WORKER_GRACE_MS = 5_000;

export class Iec61850Library {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(e: WorkerEvent) => void>();
  private seq = 0;
  private dead: Error | undefined;
  version = '';

  private constructor(readonly path: string) {
    this.worker = spawnWorker('worker');
    this.worker.unref();
    this.worker.on('message', (m: WorkerReply | WorkerEvent) => {
      if ('event' in m) {
        for (const l of this.listeners) l(m);
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.result);
      else p.reject(m.code !== undefined ? new IedError(m.code, m.error) : new Error(m.error));
    });
    const fail = (e: Error): void => {
      this.dead = e;
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(e);
      }
      this.pending.clear();
    };
    this.worker.on('error', (e) => fail(new Error(`the IEC 61850 worker failed: ${e.message}`)));
    this.worker.on('exit', (code) => fail(new Error(`the IEC 61850 worker stopped (exit code ${code})`)));
  }

  /** Starts the worker and loads the library from `path`. Rejects with a LibraryError naming the file. */
  static async open(path: string): Promise<Iec61850Library> {
    const l = new Iec61850Library(path);
    try {
      const r = (await l.call({ op: 'load', path }, 15_000)) as { version: string };
      l.version = r.version;
      return l;
    } catch (e) {
      await l.close();
      throw new LibraryError(`libiec61850 could not be loaded from ${path}: ${(e as Error).message}`);
    }
  }

  call(op: WorkerOp, timeoutMs: number): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the IEC 61850 worker did not answer ${op.op} within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      this.worker.postMessage({ ...op, id });
    });
  }

  on(listener: (e: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Allocations and frees per kind of library object since the worker started. */
  counters(): Promise<Counters> {
    return this.call({ op: 'counters' }, 5_000) as Promise<Counters>;
  }

  /** Builds the MmsValue for `value` in the library and converts it back (conversion check). */
  roundTrip(value: MmsData): Promise<MmsData> {
    return this.call({ op: 'roundTrip', value }, 5_000) as Promise<MmsData>;
  }

  /** The library's own UtcTime for `ms` (MmsValue_newUtcTimeByMsTime), to check the byte layout. */
  utcFromLibrary(ms: number): Promise<MmsData> {
    return this.call({ op: 'utcFromLibrary', ms }, 5_000) as Promise<MmsData>;
  }

  /** true when the loaded build has TLS, else the sentence saying why not */
  tlsSupport(): Promise<true | string> {
    return this.call({ op: 'tlsSupport' }, 5_000) as Promise<true | string>;
  }

  async client(opts: { host: string; port: number; connectTimeoutMs?: number; requestTimeoutMs?: number; tls?: TlsFiles }): Promise<IedClient> {
    const connectTimeoutMs = opts.connectTimeoutMs ?? 3_000;
    const requestTimeoutMs = opts.requestTimeoutMs ?? 3_000;
    const conn = (await this.call({ op: 'create', connectTimeoutMs, requestTimeoutMs, ...(opts.tls ? { tls: opts.tls } : {}) }, 5_000)) as number;
    return new IedClient(this, conn, opts.host, opts.port, connectTimeoutMs, requestTimeoutMs);
  }

  /** Destroys the connections still open, then stops the worker. Idempotent. */
  async close(): Promise<void> {
    if (this.dead) return;
    await this.call({ op: 'shutdown' }, 15_000).catch(() => undefined);
    this.dead = new Error('the IEC 61850 library was closed');
    await this.worker.terminate();
  }
}

/** ACSI classes for getLogicalNodeDirectory. */
export const ACSI = { DATA_OBJECT: 0, DATA_SET: 1, BRCB: 2, URCB: 3 } as const;

/** Trigger options and optional fields of a report control block (IEC 61850-7-2). */
export const TRG = { DATA_CHANGED: 1, QUALITY_CHANGED: 2, DATA_UPDATE: 4, INTEGRITY: 8, GI: 16 } as const;
export const OPT = { SEQ_NUM: 1, TIME_STAMP: 2, REASON: 4, DATA_SET: 8, DATA_REFERENCE: 16, BUFFER_OVERFLOW: 32, ENTRY_ID: 64, CONF_REV: 128 } as const;

export interface LogicalNodeModel {
  name: string;
  /** data objects with their attributes as `name[FC]` */
  dataObjects: Array<{ name: string; attributes: string[] }>;
}

export interface ServerModel {
  logicalDevices: Array<{ name: string; logicalNodes: LogicalNodeModel[] }>;
}

export interface RcbRef {
  ref: string;
  buffered: boolean;
}

export type ControlStage = 'selected' | 'operated' | 'terminated';

/** The result of a control step, in words for the operator when it failed. */
export interface ControlResult {
  ok: boolean;
  /** why it failed: the service error or the AddCause, as a sentence */
  reason?: string;
  addCause?: number;
}

function controlResult(what: string, o: ControlOutcome): ControlResult {
  if (o.ok) return { ok: true };
  const lae = o.lastApplError;
  if (lae && (lae.error !== 0 || lae.addCause !== 0)) {
    const err = lae.error > 1 ? `, ${lastApplErrorText(lae.error)}` : '';
    return { ok: false, reason: `${what} was refused by the device: ${addCauseText(lae.addCause)}${err}`, addCause: lae.addCause };
  }
  if (o.error !== 0) return { ok: false, reason: `${what} failed: ${iedErrorText(o.error)}` };
  return { ok: false, reason: `${what} was refused by the device (no cause given)` };
}

export class IedClient {
  private readonly off: () => void;
  private readonly closedHandlers = new Set<() => void>();
  private readonly reportHandlers = new Set<(r: ReportData) => void>();
  private readonly terminations = new Map<number, (r: ControlResult) => void>();
  private destroyed = false;
  private readonly opTimeout: number;

  constructor(
    private readonly lib: Iec61850Library,
    private readonly conn: number,
    readonly host: string,
    readonly port: number,
    private readonly connectTimeoutMs: number,
    requestTimeoutMs: number,
  ) {
    this.opTimeout = requestTimeoutMs * 4 + WORKER_GRACE_MS;
    this.off = lib.on((e) => {
      if (e.event === 'closed' && e.conn === conn) for (const h of this.closedHandlers) h();
      else if (e.event === 'report' && e.conn === conn) for (const h of this.reportHandlers) h(e.report);
      else if (e.event === 'termination') {
        const t = this.terminations.get(e.ctl);
        if (t) t(e.ok ? { ok: true } : controlResult('the command', { ok: false, error: 0, lastApplError: e.lastApplError }));
      }
    });
  }

  private call<T>(op: WorkerOp, timeoutMs = this.opTimeout): Promise<T> {
    if (this.destroyed) return Promise.reject(new Error(`the connection to ${this.host}:${this.port} was destroyed`));
    return this.lib.call(op, timeoutMs) as Promise<T>;
  }

  async connect(): Promise<void> {
    await this.call({ op: 'connect', conn: this.conn, host: this.host, port: this.port }, this.connectTimeoutMs + this.opTimeout);
  }

  /** Fires once when an open association ends (peer closed, link lost). */
  onClosed(h: () => void): () => void {
    this.closedHandlers.add(h);
    return () => this.closedHandlers.delete(h);
  }

  onReport(h: (r: ReportData) => void): () => void {
    this.reportHandlers.add(h);
    return () => this.reportHandlers.delete(h);
  }

  async close(): Promise<void> {
    await this.call({ op: 'close', conn: this.conn });
  }

  /** Closes and frees the connection; idempotent. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    try {
      await this.call({ op: 'destroy', conn: this.conn });
    } finally {
      this.destroyed = true;
      this.off();
    }
  }

  serverDirectory(): Promise<string[]> {
    return this.call({ op: 'serverDirectory', conn: this.conn });
  }

  logicalDeviceDirectory(ld: string): Promise<string[]> {
    return this.call({ op: 'ldDirectory', conn: this.conn, ld });
  }

  logicalNodeDirectory(ln: string, acsiClass: number): Promise<string[]> {
    return this.call({ op: 'lnDirectory', conn: this.conn, ln, acsiClass });
  }

  dataDirectory(ref: string): Promise<string[]> {
    return this.call({ op: 'dataDirectory', conn: this.conn, ref });
  }

  /** The whole model: logical devices, logical nodes, data objects and their attributes with FC. */
  async browse(): Promise<ServerModel> {
    const model: ServerModel = { logicalDevices: [] };
    for (const ld of await this.serverDirectory()) {
      const lns: LogicalNodeModel[] = [];
      for (const ln of await this.logicalDeviceDirectory(ld)) {
        const dos = await this.logicalNodeDirectory(`${ld}/${ln}`, ACSI.DATA_OBJECT);
        const dataObjects: LogicalNodeModel['dataObjects'] = [];
        for (const d of dos) dataObjects.push({ name: d, attributes: await this.dataDirectory(`${ld}/${ln}.${d}`) });
        lns.push({ name: ln, dataObjects });
      }
      model.logicalDevices.push({ name: ld, logicalNodes: lns });
    }
    return model;
  }

  /** The MMS type of a data object or attribute with FC: the names of a structure's items, in order. */
  typeSpec(ref: string, fc: string): Promise<TypeSpec> {
    return this.call({ op: 'typeSpec', conn: this.conn, ref, fc });
  }

  read(ref: string, fc: string): Promise<MmsData> {
    return this.call({ op: 'read', conn: this.conn, ref, fc });
  }

  async write(ref: string, fc: string, value: MmsData): Promise<void> {
    await this.call({ op: 'write', conn: this.conn, ref, fc, value });
  }

  dataSetDirectory(ref: string): Promise<{ members: string[]; deletable: boolean }> {
    return this.call({ op: 'dataSetDirectory', conn: this.conn, ref });
  }

  /** Every report control block of the server (`LD/LN.RP.name` or `LD/LN.BR.name`). */
  async findRcbs(): Promise<RcbRef[]> {
    const out: RcbRef[] = [];
    for (const ld of await this.serverDirectory()) {
      for (const ln of await this.logicalDeviceDirectory(ld)) {
        for (const [cls, fc, buffered] of [
          [ACSI.URCB, 'RP', false],
          [ACSI.BRCB, 'BR', true],
        ] as const) {
          for (const name of await this.logicalNodeDirectory(`${ld}/${ln}`, cls)) out.push({ ref: `${ld}/${ln}.${fc}.${name}`, buffered });
        }
      }
    }
    return out;
  }

  rcb(ref: string): Promise<RcbValues> {
    return this.call({ op: 'rcbGet', conn: this.conn, ref });
  }

  /** Installs the report handler and enables the RCB; returns its values and the data set members. */
  enableReport(ref: string, settings: RcbSettings): Promise<RcbValues & { members: string[] }> {
    return this.call({ op: 'reportEnable', conn: this.conn, ref, settings });
  }

  async disableReport(ref: string): Promise<void> {
    await this.call({ op: 'reportDisable', conn: this.conn, ref });
  }

  async generalInterrogation(ref: string): Promise<void> {
    await this.call({ op: 'reportGI', conn: this.conn, ref });
  }

  /** Opens a control object (reads its ctlModel); destroy it when done. */
  async control(ref: string): Promise<ControlObject> {
    const r = await this.call<{ ctl: number; model: number; ctlValType: number }>({ op: 'controlCreate', conn: this.conn, ref });
    return new ControlObject(this, r.ctl, ref, controlModelName(r.model) as ControlModelName, r.ctlValType);
  }

  /** @internal */
  controlCall<T>(op: WorkerOp): Promise<T> {
    return this.call(op);
  }

  /** @internal */
  watchTermination(ctl: number, h: ((r: ControlResult) => void) | undefined): void {
    if (h) this.terminations.set(ctl, h);
    else this.terminations.delete(ctl);
  }
}

export class ControlObject {
  constructor(
    private readonly client: IedClient,
    private readonly ctl: number,
    readonly ref: string,
    readonly model: ControlModelName,
    /** the MmsType of ctlVal */
    readonly ctlValType: number,
  ) {}

  get selectBeforeOperate(): boolean {
    return this.model === 'sbo-with-normal-security' || this.model === 'sbo-with-enhanced-security';
  }

  get enhanced(): boolean {
    return this.model === 'direct-with-enhanced-security' || this.model === 'sbo-with-enhanced-security';
  }

  /** Select (SBO normal) or select with value (SBO enhanced). */
  async select(value: MmsData | undefined, params: ControlParams = {}): Promise<ControlResult> {
    const op: WorkerOp = this.enhanced && value ? { op: 'controlSelect', ctl: this.ctl, value, params } : { op: 'controlSelect', ctl: this.ctl, params };
    return controlResult(`selecting ${this.ref}`, await this.client.controlCall<ControlOutcome>(op));
  }

  /**
   * Operate. With enhanced security the returned promise `terminated` settles with the
   * command termination (CommandTermination+ or - with its AddCause) or a timeout.
   */
  async operate(value: MmsData, params: ControlParams = {}, terminationTimeoutMs = 10_000): Promise<ControlResult & { terminated?: Promise<ControlResult> }> {
    let terminated: Promise<ControlResult> | undefined;
    if (this.enhanced) {
      terminated = new Promise<ControlResult>((resolve) => {
        const timer = setTimeout(() => {
          this.client.watchTermination(this.ctl, undefined);
          resolve({ ok: false, reason: `no command termination from ${this.ref} within ${terminationTimeoutMs} ms` });
        }, terminationTimeoutMs);
        this.client.watchTermination(this.ctl, (r) => {
          clearTimeout(timer);
          this.client.watchTermination(this.ctl, undefined);
          resolve(r);
        });
      });
    }
    const r = controlResult(`operating ${this.ref}`, await this.client.controlCall<ControlOutcome>({ op: 'controlOperate', ctl: this.ctl, value, params }));
    if (!r.ok) {
      this.client.watchTermination(this.ctl, undefined);
      return r;
    }
    return terminated ? { ...r, terminated } : r;
  }

  async cancel(): Promise<ControlResult> {
    return controlResult(`cancelling ${this.ref}`, await this.client.controlCall<ControlOutcome>({ op: 'controlCancel', ctl: this.ctl }));
  }

  async destroy(): Promise<void> {
    this.client.watchTermination(this.ctl, undefined);
    await this.client.controlCall({ op: 'controlDestroy', ctl: this.ctl });
  }
}

/**
 * The libiec61850 worker: one per library (owned by the driver factory), serving every
 * connection of every 61850 device. It alone loads the library.
 *
 * - Network calls and calls that take a connection lock run with koffi `.async` (see ffi.ts),
 *   at most MAX_BLOCKING at once (they occupy libuv threads), one at a time per connection.
 * - Ownership: every library object the binding receives or creates is registered in
 *   `owned` (by address, with its kind) and freed exactly once through `release`, which
 *   refuses a second free. `counters` reports allocations and frees per kind.
 */
import { parentPort } from 'node:worker_threads';
import { koffi, openLibrary, type KoffiFunction, type Lib, type Ptr } from './ffi';
import { dataAccessErrorText } from './errors';
import { MMS_TYPE, type MmsData } from './mms';
import type { ControlOutcome, ControlParams, Counters, TypeSpec, RcbValues, ReportData, ReportEntry, WorkerEvent, WorkerOp, WorkerReply, WorkerRequest } from './protocol';

const MAX_BLOCKING = 2;
const MAX_DEPTH = 16;

let lib: Lib | undefined;

// ---------------------------------------------------------------- ownership

const owned = new Map<string, string>();
const alloc: Record<string, number> = {};
const freed: Record<string, number> = {};

/** the key of an owned object: its address, or a name for objects the library holds for us (ClientReport) */
function addr(p: Ptr): string {
  return typeof p === 'string' ? p : String(koffi.address(p));
}

function own<T extends Ptr>(kind: string, p: T): T {
  if (p === null || p === undefined) return p;
  const a = addr(p);
  if (owned.has(a)) throw new Error(`internal: ${kind} at ${a} is already owned as ${owned.get(a)}`);
  owned.set(a, kind);
  alloc[kind] = (alloc[kind] ?? 0) + 1;
  return p;
}

/** Marks `p` freed (exactly once) and returns it for the free call. */
function release(kind: string, p: Ptr): Ptr {
  const a = addr(p);
  const k = owned.get(a);
  if (k !== kind) throw new Error(`internal: freeing ${kind} at ${a} that is ${k ? `a ${k}` : 'not owned (double free?)'}`);
  owned.delete(a);
  freed[kind] = (freed[kind] ?? 0) + 1;
  return p;
}

// ---------------------------------------------------------------- calls

function L(): Lib {
  if (!lib) throw new Error('the IEC 61850 library is not loaded');
  return lib;
}

function fn(name: string): KoffiFunction {
  const f = L().f[name];
  if (!f) throw new Error(`internal: ${name} not declared`);
  return f;
}

let running = 0;
const waiting: Array<() => void> = [];

async function blocking<T>(name: string, ...args: unknown[]): Promise<T> {
  if (running >= MAX_BLOCKING) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await new Promise<T>((resolve, reject) => {
      fn(name).async(...args, (err: unknown, res: T) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(res)));
    });
  } finally {
    running--;
    waiting.shift()?.();
  }
}

class CallError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function check(err: number[], what: string): void {
  const code = err[0] ?? 0;
  if (code !== 0) throw new CallError(code, what);
}

// ---------------------------------------------------------------- MmsValue <-> data

function bytesAt(p: Ptr, n: number): number[] {
  if (n <= 0) return [];
  return Array.from(koffi.decode(p, 'uint8_t', n) as Uint8Array);
}

export function toData(v: Ptr, depth = 0): MmsData {
  const f = L().f;
  const type = f.MmsValue_getType!(v) as number;
  switch (type) {
    case MMS_TYPE.BOOLEAN:
      return { type: 'boolean', value: Boolean(f.MmsValue_getBoolean!(v)) };
    case MMS_TYPE.INTEGER:
      return { type: 'integer', value: Number(f.MmsValue_toInt64!(v)) };
    case MMS_TYPE.UNSIGNED:
      return { type: 'unsigned', value: Number(f.MmsValue_toUint32!(v)) };
    case MMS_TYPE.FLOAT:
      return { type: 'float', value: Number(f.MmsValue_toDouble!(v)) };
    case MMS_TYPE.BIT_STRING: {
      const size = f.MmsValue_getBitStringSize!(v) as number;
      const bytes = new Array<number>(Math.ceil(size / 8)).fill(0);
      for (let i = 0; i < size; i++) if (f.MmsValue_getBitStringBit!(v, i)) bytes[i >> 3] = (bytes[i >> 3] ?? 0) | (1 << (7 - (i & 7)));
      return { type: 'bit-string', size, bytes };
    }
    case MMS_TYPE.OCTET_STRING:
      return { type: 'octet-string', bytes: bytesAt(f.MmsValue_getOctetStringBuffer!(v), f.MmsValue_getOctetStringSize!(v) as number) };
    case MMS_TYPE.VISIBLE_STRING:
      return { type: 'visible-string', value: String(f.MmsValue_toString!(v) ?? '') };
    case MMS_TYPE.STRING:
      return { type: 'string', value: String(f.MmsValue_toString!(v) ?? '') };
    case MMS_TYPE.UTC_TIME:
      return { type: 'utc-time', bytes: bytesAt(f.MmsValue_getUtcTimeBuffer!(v), 8) };
    case MMS_TYPE.BINARY_TIME:
      return { type: 'binary-time', ms: Number(f.MmsValue_getBinaryTimeAsUtcMs!(v)) };
    case MMS_TYPE.STRUCTURE:
    case MMS_TYPE.ARRAY: {
      if (depth > MAX_DEPTH) throw new Error(`a value nested deeper than ${MAX_DEPTH} levels`);
      const n = f.MmsValue_getArraySize!(v) as number;
      const items: MmsData[] = [];
      for (let i = 0; i < n; i++) items.push(toData(f.MmsValue_getElement!(v, i), depth + 1));
      return { type: type === MMS_TYPE.ARRAY ? 'array' : 'structure', items };
    }
    case MMS_TYPE.DATA_ACCESS_ERROR:
      return { type: 'data-access-error', code: f.MmsValue_getDataAccessError!(v) as number };
    default:
      return { type: 'unsupported', mmsType: type };
  }
}

/** A new MmsValue (not yet owned) for `d`; structures and arrays own their elements. */
function fromDataRaw(d: MmsData, depth = 0): Ptr {
  const f = L().f;
  switch (d.type) {
    case 'boolean':
      return f.MmsValue_newBoolean!(d.value);
    case 'integer':
      return f.MmsValue_newIntegerFromInt64!(d.value);
    case 'unsigned':
      return f.MmsValue_newUnsignedFromUint32!(d.value);
    case 'float':
      return f.MmsValue_newFloat!(d.value);
    case 'visible-string':
      return f.MmsValue_newVisibleString!(d.value);
    case 'string':
      return f.MmsValue_newMmsString!(d.value);
    case 'bit-string': {
      const v = f.MmsValue_newBitString!(d.size);
      for (let i = 0; i < d.size; i++) f.MmsValue_setBitStringBit!(v, i, ((d.bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1 ? true : false);
      return v;
    }
    case 'octet-string': {
      const v = f.MmsValue_newOctetString!(d.bytes.length, d.bytes.length);
      f.MmsValue_setOctetString!(v, Uint8Array.from(d.bytes), d.bytes.length);
      return v;
    }
    case 'utc-time': {
      const v = f.MmsValue_newUtcTime!(0);
      f.MmsValue_setUtcTimeByBuffer!(v, Uint8Array.from(d.bytes));
      return v;
    }
    case 'structure':
    case 'array': {
      if (depth > MAX_DEPTH) throw new Error(`a value nested deeper than ${MAX_DEPTH} levels`);
      const v = d.type === 'array' ? f.MmsValue_createEmptyArray!(d.items.length) : f.MmsValue_createEmptyStructure!(d.items.length);
      d.items.forEach((item, i) => f.MmsValue_setElement!(v, i, fromDataRaw(item, depth + 1)));
      return v;
    }
    default:
      throw new Error(`cannot build an MMS value of type ${d.type}`);
  }
}

function fromData(d: MmsData): Ptr {
  return own('MmsValue', fromDataRaw(d));
}

function freeValue(p: Ptr): void {
  if (p) fn('MmsValue_delete')(release('MmsValue', p));
}

function specOf(spec: Ptr, depth: number): TypeSpec {
  const f = L().f;
  const type = f.MmsVariableSpecification_getType!(spec) as number;
  const node: TypeSpec = { name: String(f.MmsVariableSpecification_getName!(spec) ?? ''), type };
  if (type === MMS_TYPE.STRUCTURE && depth < MAX_DEPTH) {
    const n = f.MmsVariableSpecification_getSize!(spec) as number;
    node.children = [];
    for (let i = 0; i < n; i++) node.children.push(specOf(f.MmsVariableSpecification_getChildSpecificationByIndex!(spec, i), depth + 1));
  }
  return node;
}

function stringList(list: Ptr): string[] {
  const f = L().f;
  const out: string[] = [];
  if (!list) return out;
  own('LinkedList', list);
  try {
    for (let e = f.LinkedList_getNext!(list); e; e = f.LinkedList_getNext!(e)) out.push(String(f.LinkedList_getData!(e)));
  } finally {
    f.LinkedList_destroy!(release('LinkedList', list));
  }
  return out;
}

// ---------------------------------------------------------------- connections

interface Report {
  cb: bigint;
  members: string[];
}

interface Conn {
  id: number;
  ptr: Ptr;
  closedCb: bigint;
  reports: Map<string, Report>;
  controls: Set<number>;
  queue: Promise<unknown>;
  /** the TLS configuration, freed after the connection */
  tls?: Ptr;
}

interface Ctl {
  id: number;
  conn: Conn;
  ptr: Ptr;
  termCb: bigint;
}

const conns = new Map<number, Conn>();
const ctls = new Map<number, Ctl>();
let nextId = 1;

function post(e: WorkerEvent): void {
  parentPort?.postMessage(e);
}

function getConn(id: number): Conn {
  const c = conns.get(id);
  if (!c) throw new Error(`no connection ${id}`);
  return c;
}

function getCtl(id: number): Ctl {
  const c = ctls.get(id);
  if (!c) throw new Error(`no control object ${id}`);
  return c;
}

/** one request at a time per connection */
function serial<T>(c: Conn, work: () => Promise<T>): Promise<T> {
  const run = c.queue.then(work, work);
  c.queue = run.catch(() => undefined);
  return run;
}

function fcOf(fc: string): number {
  const n = fn('FunctionalConstraint_fromString')(fc) as number;
  if (n < 0) throw new Error(`"${fc}" is not a functional constraint (ST, MX, SP, SV, CF, DC, SG, SE, SR, OR, BL, EX, CO)`);
  return n;
}

function applyParams(ctl: Ctl, p: ControlParams): void {
  const f = L().f;
  f.ControlObjectClient_setOrigin!(ctl.ptr, p.orIdent ?? 'ES Manager', p.orCat ?? 3);
  f.ControlObjectClient_setTestMode!(ctl.ptr, p.test ?? false);
  f.ControlObjectClient_setInterlockCheck!(ctl.ptr, p.interlockCheck ?? false);
  f.ControlObjectClient_setSynchroCheck!(ctl.ptr, p.synchroCheck ?? false);
}

function outcome(ctl: Ctl, ok: boolean): ControlOutcome {
  const f = L().f;
  const error = f.ControlObjectClient_getLastError!(ctl.ptr) as number;
  const lae = f.ControlObjectClient_getLastApplError!(ctl.ptr) as { ctlNum: number; error: number; addCause: number };
  return ok ? { ok, error } : { ok, error, lastApplError: { ctlNum: lae.ctlNum, error: lae.error, addCause: lae.addCause } };
}

async function destroyControl(ctl: Ctl): Promise<void> {
  ctls.delete(ctl.id);
  ctl.conn.controls.delete(ctl.id);
  await blocking('ControlObjectClient_destroy', release('ControlObjectClient', ctl.ptr));
  koffi.unregister(ctl.termCb);
}

async function uninstallReport(c: Conn, ref: string): Promise<void> {
  const r = c.reports.get(ref);
  if (!r) return;
  c.reports.delete(ref);
  release('ClientReport', `${c.id}:${ref}`);
  await blocking('IedConnection_uninstallReportHandler', c.ptr, ref);
  koffi.unregister(r.cb);
}

async function readRcb(c: Conn, ref: string): Promise<{ rcb: Ptr; values: RcbValues }> {
  const f = L().f;
  const err = [0];
  const rcb = own('ClientReportControlBlock', await blocking<Ptr>('IedConnection_getRCBValues', c.ptr, err, ref, null));
  try {
    check(err, `reading the report control block ${ref}`);
    if (!rcb) throw new CallError(99, `reading the report control block ${ref}`);
    const values: RcbValues = {
      ref,
      buffered: Boolean(f.ClientReportControlBlock_isBuffered!(rcb)),
      rptId: String(f.ClientReportControlBlock_getRptId!(rcb) ?? ''),
      rptEna: Boolean(f.ClientReportControlBlock_getRptEna!(rcb)),
      dataSet: String(f.ClientReportControlBlock_getDataSetReference!(rcb) ?? ''),
      confRev: f.ClientReportControlBlock_getConfRev!(rcb) as number,
      optFlds: f.ClientReportControlBlock_getOptFlds!(rcb) as number,
      trgOps: f.ClientReportControlBlock_getTrgOps!(rcb) as number,
      intgPdMs: f.ClientReportControlBlock_getIntgPd!(rcb) as number,
      bufTmMs: f.ClientReportControlBlock_getBufTm!(rcb) as number,
    };
    if (values.buffered && f.ClientReportControlBlock_hasResvTms!(rcb)) values.resvTms = f.ClientReportControlBlock_getResvTms!(rcb) as number;
    return { rcb, values };
  } catch (e) {
    if (rcb) f.ClientReportControlBlock_destroy!(release('ClientReportControlBlock', rcb));
    throw e;
  }
}

/** `LD/LLN0$DataSet` (as an RCB names it) -> `LD/LLN0.DataSet` (as GetDataSetDirectory wants it) */
function dataSetRef(ref: string): string {
  return ref.replace('$', '.');
}

async function dataSetDirectory(c: Conn, ref: string): Promise<{ members: string[]; deletable: boolean }> {
  const err = [0];
  const del = [false];
  const list = await blocking<Ptr>('IedConnection_getDataSetDirectory', c.ptr, err, dataSetRef(ref), del);
  const members = stringList(list);
  check(err, `reading the directory of data set ${ref}`);
  return { members, deletable: Boolean(del[0]) };
}

// ---------------------------------------------------------------- operations

async function handle(m: WorkerOp): Promise<unknown> {
  switch (m.op) {
    case 'load': {
      if (lib) return { version: lib.version };
      lib = openLibrary(m.path);
      return { version: lib.version };
    }
    case 'tlsSupport':
      return L().tls;
    case 'create': {
      const f = L().f;
      let tlsPtr: Ptr | undefined;
      if (m.tls) {
        const why = L().tls;
        if (why !== true) throw new Error(`TLS is configured for this device, but ${why}`);
        tlsPtr = own('TLSConfiguration', f.TLSConfiguration_create!());
        try {
          f.TLSConfiguration_setClientMode!(tlsPtr);
          f.TLSConfiguration_setChainValidation!(tlsPtr, m.tls.chainValidation);
          if (!f.TLSConfiguration_addCACertificateFromFile!(tlsPtr, m.tls.ca)) throw new Error(`the CA certificate ${m.tls.ca} could not be read (PEM expected)`);
          if (m.tls.cert && !f.TLSConfiguration_setOwnCertificateFromFile!(tlsPtr, m.tls.cert)) throw new Error(`the client certificate ${m.tls.cert} could not be read (PEM expected)`);
          if (m.tls.key && !f.TLSConfiguration_setOwnKeyFromFile!(tlsPtr, m.tls.key, m.tls.keyPassword ?? null))
            throw new Error(`the client key ${m.tls.key} could not be read (PEM expected; is the password right?)`);
        } catch (e) {
          f.TLSConfiguration_destroy!(release('TLSConfiguration', tlsPtr));
          throw e;
        }
      }
      const ptr = own('IedConnection', tlsPtr ? f.IedConnection_createWithTlsSupport!(tlsPtr) : f.IedConnection_create!());
      f.IedConnection_setConnectTimeout!(ptr, m.connectTimeoutMs);
      f.IedConnection_setRequestTimeout!(ptr, m.requestTimeoutMs);
      const id = nextId++;
      const closedCb = koffi.register(() => post({ event: 'closed', conn: id }), koffi.pointer(L().ConnectionClosedHandler));
      const c: Conn = { id, ptr, closedCb, reports: new Map(), controls: new Set(), queue: Promise.resolve(), ...(tlsPtr ? { tls: tlsPtr } : {}) };
      conns.set(id, c);
      return id;
    }
    case 'connect': {
      const c = getConn(m.conn);
      return serial(c, async () => {
        // libiec61850 1.5.3 sometimes loses a fresh association at its first request (its own
        // mms_utility shows it too, about 1 in 4 on a loaded machine): probe with the server
        // directory and associate again, at most 3 times, before the link counts as up
        for (let attempt = 1; ; attempt++) {
          const err = [0];
          await blocking('IedConnection_connect', c.ptr, err, m.host, m.port);
          check(err, `connecting to ${m.host}:${m.port}`);
          const perr = [0];
          stringList(await blocking<Ptr>('IedConnection_getServerDirectory', c.ptr, perr, false));
          if ((perr[0] ?? 0) !== 3 || attempt >= 3) {
            check(perr, `reading the server directory of ${m.host}:${m.port} after connecting`);
            break;
          }
          await blocking('IedConnection_close', c.ptr);
        }
        // installed after a successful connect: it fires once when this association ends
        fn('IedConnection_installConnectionClosedHandler')(c.ptr, c.closedCb, null);
        return true;
      });
    }
    case 'close': {
      const c = getConn(m.conn);
      return serial(c, async () => {
        for (const ref of [...c.reports.keys()]) await uninstallReport(c, ref);
        for (const id of [...c.controls]) await destroyControl(getCtl(id));
        await blocking('IedConnection_close', c.ptr);
        return true;
      });
    }
    case 'destroy': {
      const c = getConn(m.conn);
      return serial(c, async () => {
        conns.delete(c.id);
        for (const ref of [...c.reports.keys()]) await uninstallReport(c, ref);
        for (const id of [...c.controls]) await destroyControl(getCtl(id));
        await blocking('IedConnection_destroy', release('IedConnection', c.ptr));
        if (c.tls) fn('TLSConfiguration_destroy')(release('TLSConfiguration', c.tls));
        koffi.unregister(c.closedCb);
        return true;
      });
    }
    case 'serverDirectory': {
      const c = getConn(m.conn);
      return serial(c, async () => {
        const err = [0];
        const list = stringList(await blocking<Ptr>('IedConnection_getServerDirectory', c.ptr, err, false));
        check(err, 'reading the server directory');
        return list;
      });
    }
    case 'ldDirectory': {
      const c = getConn(m.conn);
      return serial(c, async () => {
        const err = [0];
        const list = stringList(await blocking<Ptr>('IedConnection_getLogicalDeviceDirectory', c.ptr, err, m.ld));
        check(err, `reading the directory of logical device ${m.ld}`);
        return list;
      });
    }
    case 'lnDirectory': {
      const c = getConn(m.conn);
      return serial(c, async () => {
        const err = [0];
        const list = stringList(await blocking<Ptr>('IedConnection_getLogicalNodeDirectory', c.ptr, err, m.ln, m.acsiClass));
        check(err, `reading the directory of logical node ${m.ln}`);
        return list;
      });
    }
    case 'dataDirectory': {
      const c = getConn(m.conn);
      return serial(c, async () => {
        const err = [0];
        const list = stringList(await blocking<Ptr>('IedConnection_getDataDirectoryFC', c.ptr, err, m.ref));
        check(err, `reading the directory of ${m.ref}`);
        return list;
      });
    }
    case 'dataSetDirectory': {
      const c = getConn(m.conn);
      return serial(c, () => dataSetDirectory(c, m.ref));
    }
    case 'typeSpec': {
      const c = getConn(m.conn);
      const fc = fcOf(m.fc);
      return serial(c, async () => {
        const err = [0];
        const spec = own('MmsVariableSpecification', await blocking<Ptr>('IedConnection_getVariableSpecification', c.ptr, err, m.ref, fc));
        try {
          check(err, `reading the type of ${m.ref} [${m.fc}]`);
          if (!spec) throw new CallError(22, `reading the type of ${m.ref} [${m.fc}]`);
          return specOf(spec, 0);
        } finally {
          if (spec) fn('MmsVariableSpecification_destroy')(release('MmsVariableSpecification', spec));
        }
      });
    }
    case 'read': {
      const c = getConn(m.conn);
      const fc = fcOf(m.fc);
      return serial(c, async () => {
        const err = [0];
        const v = own('MmsValue', await blocking<Ptr>('IedConnection_readObject', c.ptr, err, m.ref, fc));
        try {
          check(err, `reading ${m.ref} [${m.fc}]`);
          if (!v) throw new CallError(13, `reading ${m.ref} [${m.fc}]`);
          const d = toData(v);
          if (d.type === 'data-access-error') throw new Error(`reading ${m.ref} [${m.fc}]: the device answered ${dataAccessErrorText(d.code)}`);
          return d;
        } finally {
          freeValue(v);
        }
      });
    }
    case 'write': {
      const c = getConn(m.conn);
      const fc = fcOf(m.fc);
      return serial(c, async () => {
        const v = fromData(m.value);
        try {
          const err = [0];
          await blocking('IedConnection_writeObject', c.ptr, err, m.ref, fc, v);
          check(err, `writing ${m.ref} [${m.fc}]`);
          return true;
        } finally {
          freeValue(v);
        }
      });
    }
    case 'controlCreate': {
      const c = getConn(m.conn);
      return serial(c, async () => {
        const raw = await blocking<Ptr>('ControlObjectClient_create', m.ref, c.ptr);
        if (!raw) throw new CallError(22, `opening the control object ${m.ref} (it does not exist or has no Oper)`);
        const ptr = own('ControlObjectClient', raw);
        const id = nextId++;
        const termCb = koffi.register(
          (_p: unknown, ctlPtr: Ptr) => {
            const lae = fn('ControlObjectClient_getLastApplError')(ctlPtr) as { ctlNum: number; error: number; addCause: number };
            post({ event: 'termination', ctl: id, ok: lae.error === 0, lastApplError: { ctlNum: lae.ctlNum, error: lae.error, addCause: lae.addCause } });
          },
          koffi.pointer(L().CommandTerminationHandler),
        );
        const ctl: Ctl = { id, conn: c, ptr, termCb };
        fn('ControlObjectClient_setCommandTerminationHandler')(ptr, termCb, null);
        ctls.set(id, ctl);
        c.controls.add(id);
        const f = L().f;
        return { ctl: id, model: f.ControlObjectClient_getControlModel!(ptr) as number, ctlValType: f.ControlObjectClient_getCtlValType!(ptr) as number };
      });
    }
    case 'controlSelect': {
      const ctl = getCtl(m.ctl);
      return serial(ctl.conn, async () => {
        applyParams(ctl, m.params);
        if (m.value) {
          const v = fromData(m.value);
          try {
            return outcome(ctl, await blocking<boolean>('ControlObjectClient_selectWithValue', ctl.ptr, v));
          } finally {
            freeValue(v);
          }
        }
        return outcome(ctl, await blocking<boolean>('ControlObjectClient_select', ctl.ptr));
      });
    }
    case 'controlOperate': {
      const ctl = getCtl(m.ctl);
      return serial(ctl.conn, async () => {
        applyParams(ctl, m.params);
        const v = fromData(m.value);
        try {
          return outcome(ctl, await blocking<boolean>('ControlObjectClient_operate', ctl.ptr, v, m.operTime ?? 0));
        } finally {
          freeValue(v);
        }
      });
    }
    case 'controlCancel': {
      const ctl = getCtl(m.ctl);
      return serial(ctl.conn, async () => outcome(ctl, await blocking<boolean>('ControlObjectClient_cancel', ctl.ptr)));
    }
    case 'controlDestroy': {
      const ctl = ctls.get(m.ctl);
      if (!ctl) return false;
      return serial(ctl.conn, async () => {
        if (ctls.has(ctl.id)) await destroyControl(ctl);
        return true;
      });
    }
    case 'rcbGet': {
      const c = getConn(m.conn);
      return serial(c, async () => {
        const { rcb, values } = await readRcb(c, m.ref);
        fn('ClientReportControlBlock_destroy')(release('ClientReportControlBlock', rcb));
        return values;
      });
    }
    case 'reportEnable': {
      const c = getConn(m.conn);
      return serial(c, async () => {
        if (c.reports.has(m.ref)) await uninstallReport(c, m.ref);
        const f = L().f;
        const { rcb, values } = await readRcb(c, m.ref);
        try {
          const { members } = await dataSetDirectory(c, values.dataSet);
          const rptId = m.settings.rptId ?? values.rptId;
          const cb = koffi.register((_p: unknown, report: Ptr) => onReport(c, m.ref, members, report), koffi.pointer(L().ReportCallback));
          c.reports.set(m.ref, { cb, members });
          own('ClientReport', `${c.id}:${m.ref}`);
          await blocking('IedConnection_installReportHandler', c.ptr, m.ref, rptId || null, cb, null);
          const s = m.settings;
          let mask = 2; // RptEna
          if (values.buffered) {
            // a buffered RCB is reserved by enabling it; with ResvTms (edition 2) the reservation
            // outlives a lost link, so the reconnecting client gets the reports buffered meanwhile
            if (values.resvTms !== undefined && s.resvTmsS !== undefined && s.resvTmsS > 0) {
              f.ClientReportControlBlock_setResvTms!(rcb, s.resvTmsS);
              mask |= 16384;
            }
          } else {
            f.ClientReportControlBlock_setResv!(rcb, true);
            mask |= 4;
          }
          if (s.trgOps !== undefined) {
            f.ClientReportControlBlock_setTrgOps!(rcb, s.trgOps);
            mask |= 256;
          }
          if (s.intgPdMs !== undefined) {
            f.ClientReportControlBlock_setIntgPd!(rcb, s.intgPdMs);
            mask |= 512;
          }
          if (s.optFlds !== undefined) {
            f.ClientReportControlBlock_setOptFlds!(rcb, s.optFlds);
            mask |= 32;
          }
          if (values.buffered && s.purgeBuf) {
            f.ClientReportControlBlock_setPurgeBuf!(rcb, true);
            mask |= 2048;
          }
          f.ClientReportControlBlock_setRptEna!(rcb, true);
          const err = [0];
          await blocking('IedConnection_setRCBValues', c.ptr, err, rcb, mask, true);
          if ((err[0] ?? 0) !== 0) {
            await uninstallReport(c, m.ref);
            check(err, `enabling the report control block ${m.ref}`);
          }
          if (s.gi) {
            f.ClientReportControlBlock_setGI!(rcb, true);
            const e2 = [0];
            await blocking('IedConnection_setRCBValues', c.ptr, e2, rcb, 1024, true);
            check(e2, `asking ${m.ref} for a general interrogation`);
          }
          return { ...values, rptId, members };
        } finally {
          f.ClientReportControlBlock_destroy!(release('ClientReportControlBlock', rcb));
        }
      });
    }
    case 'reportDisable': {
      const c = getConn(m.conn);
      return serial(c, async () => {
        const f = L().f;
        const { rcb } = await readRcb(c, m.ref);
        try {
          f.ClientReportControlBlock_setRptEna!(rcb, false);
          const err = [0];
          await blocking('IedConnection_setRCBValues', c.ptr, err, rcb, 2, true);
          await uninstallReport(c, m.ref);
          check(err, `disabling the report control block ${m.ref}`);
          return true;
        } finally {
          f.ClientReportControlBlock_destroy!(release('ClientReportControlBlock', rcb));
        }
      });
    }
    case 'reportGI': {
      const c = getConn(m.conn);
      return serial(c, async () => {
        const err = [0];
        await blocking('IedConnection_triggerGIReport', c.ptr, err, m.ref);
        check(err, `asking ${m.ref} for a general interrogation`);
        return true;
      });
    }
    case 'shutdown': {
      // destroy what is still open, so no library thread calls into a stopping worker
      for (const c of [...conns.values()]) await handle({ op: 'destroy', conn: c.id }).catch(() => undefined);
      return true;
    }
    case 'counters': {
      const out: Counters = { alloc: { ...alloc }, free: { ...freed }, live: owned.size };
      return out;
    }
    case 'roundTrip': {
      const v = fromData(m.value);
      try {
        return toData(v);
      } finally {
        freeValue(v);
      }
    }
    case 'utcFromLibrary': {
      const v = own('MmsValue', fn('MmsValue_newUtcTimeByMsTime')(m.ms));
      try {
        return toData(v);
      } finally {
        freeValue(v);
      }
    }
  }
}

/** Runs on this thread while the library's connection thread waits: the report is valid only now. */
function onReport(c: Conn, rcb: string, members: string[], report: Ptr): void {
  try {
    const f = L().f;
    const values = f.ClientReport_getDataSetValues!(report); // owned by the report: not freed here
    const entries: ReportEntry[] = [];
    if (values) {
      const n = f.MmsValue_getArraySize!(values) as number;
      for (let i = 0; i < n; i++) {
        const reason = f.ClientReport_getReasonForInclusion!(report, i) as number;
        if (reason === 0) continue;
        entries.push({ index: i, member: members[i] ?? `#${i}`, reason, value: toData(f.MmsValue_getElement!(values, i)) });
      }
    }
    const data: ReportData = { rcb, rptId: String(f.ClientReport_getRptId!(report) ?? ''), entries };
    if (f.ClientReport_hasTimestamp!(report)) data.ts = Number(f.ClientReport_getTimestamp!(report));
    if (f.ClientReport_hasSeqNum!(report)) data.seqNum = f.ClientReport_getSeqNum!(report) as number;
    if (f.ClientReport_hasBufOvfl!(report)) data.bufOvfl = Boolean(f.ClientReport_getBufOvfl!(report));
    post({ event: 'report', conn: c.id, report: data });
  } catch (e) {
    console.error(`iec61850 worker: a report from ${rcb} could not be read: ${(e as Error).message}`);
  }
}

parentPort?.on('message', (m: WorkerRequest) => {
  handle(m).then(
    (result) => parentPort?.postMessage({ id: m.id, ok: true, result } satisfies WorkerReply),
    (e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      const reply: WorkerReply = { id: m.id, ok: false, error: err.message };
      if (err instanceof CallError) reply.code = err.code;
      parentPort?.postMessage(reply);
    },
  );
});

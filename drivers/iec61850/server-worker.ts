/**
 * A simulated IED through libiec61850's server API (IedServer), in its own worker thread: the
 * model is built at run time (dynamic model API and the CDC helpers) from a `SimIedModel`
 * (server-model.ts), with one data set over every reported data object and one buffered and
 * one unbuffered report control block on it.
 *
 * Threads: the server runs its own thread and calls the control, check and write handlers
 * from it; koffi runs them on this worker's thread while the server thread waits. So the
 * calls that take the server's data-model lock (the value updates) run with koffi `.async`
 * on a libuv thread, never on this thread: a handler could otherwise wait for this thread
 * while this thread waits for the lock.
 */
import { parentPort } from 'node:worker_threads';
import { koffi, type KoffiFunction } from './ffi';
import { encodeUtcTime } from './mms';
import { CTL_MODEL, type SimDataObject, type SimIedModel } from './server-model';

export type ServerOp =
  | { op: 'start'; libPath: string; model: SimIedModel; port: number; host: string }
  | { op: 'update'; values: Array<{ doRef: string; value: number | boolean; invalid?: boolean }>; ms: number }
  | { op: 'interlock'; doRef: string; blocked: boolean }
  | { op: 'stop' };

export type ServerEvent =
  | { event: 'operated'; doRef: string; value: number | boolean; test: boolean }
  | { event: 'written'; doRef: string; value: number }
  | { event: 'refused'; doRef: string; addCause: number };

/** TimeQuality of the simulator's clock: leap seconds known, not synchronised to a reference, 10 bits (~1 ms). */
export const SIM_TIME_QUALITY = { leapSecondsKnown: true, clockFailure: false, clockNotSynchronized: true, accuracyBits: 10 };

const ADD_CAUSE_BLOCKED_BY_INTERLOCKING = 10;
const CONTROL_ACCEPTED = -1;
const CONTROL_OBJECT_ACCESS_DENIED = 3;
const CONTROL_RESULT_OK = 1;
const DATA_ACCESS_ERROR_SUCCESS = -1;
const DATA_ACCESS_ERROR_OBJECT_VALUE_INVALID = 11;

type Fn = KoffiFunction;

interface Served {
  d: SimDataObject;
  node: unknown;
  value: unknown;
  q: unknown;
  t: unknown;
  /** the last value written into the model (skip unchanged) */
  last?: number | boolean;
  lastInvalid?: boolean;
}

let f: Record<string, Fn> = {};
let server: unknown;
let model: unknown;
const served = new Map<string, Served>();
const interlocked = new Set<string>();
const callbacks: unknown[] = [];
let chain: Promise<unknown> = Promise.resolve();

function post(e: ServerEvent): void {
  parentPort?.postMessage(e);
}

function async<T>(name: string, ...args: unknown[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    (f[name] as Fn).async(...args, (err: unknown, res: T) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(res)));
  });
}

function declare(path: string): void {
  const lib = koffi.load(path);
  for (const t of ['IedModelP', 'ModelNodeP', 'IedServerP', 'MmsValueS', 'ControlActionP', 'ClientConnectionP']) {
    try {
      koffi.pointer(t, koffi.opaque());
    } catch {
      /* declared by an earlier load */
    }
  }
  const proto = (d: string): unknown => {
    try {
      return koffi.proto(d);
    } catch {
      return d.match(/\s(\w+)\s*\(/)?.[1];
    }
  };
  proto('int SimControlHandler(ControlActionP action, void* parameter, MmsValueS ctlVal, bool test)');
  proto('int SimCheckHandler(ControlActionP action, void* parameter, MmsValueS ctlVal, bool test, bool interlockCheck)');
  proto('int SimWriteHandler(ModelNodeP attr, MmsValueS value, ClientConnectionP connection, void* parameter)');
  const decl = [
    'const char* LibIEC61850_getVersionString()',
    'int FunctionalConstraint_fromString(const char* fcString)',
    'IedModelP IedModel_create(const char* name)',
    'void IedModel_destroy(IedModelP model)',
    'ModelNodeP LogicalDevice_create(const char* name, IedModelP parent)',
    'ModelNodeP LogicalNode_create(const char* name, ModelNodeP parent)',
    'ModelNodeP CDC_MV_create(const char* name, ModelNodeP parent, uint32_t options, bool isIntegerNotFloat)',
    'ModelNodeP CDC_APC_create(const char* name, ModelNodeP parent, uint32_t options, uint32_t controlOptions, bool isIntegerNotFloat)',
    'ModelNodeP CDC_ASG_create(const char* name, ModelNodeP parent, uint32_t options, bool isIntegerNotFloat)',
    'ModelNodeP CDC_SPS_create(const char* name, ModelNodeP parent, uint32_t options)',
    'ModelNodeP CDC_DPS_create(const char* name, ModelNodeP parent, uint32_t options)',
    'ModelNodeP CDC_SPC_create(const char* name, ModelNodeP parent, uint32_t options, uint32_t controlOptions)',
    'ModelNodeP CDC_DPC_create(const char* name, ModelNodeP parent, uint32_t options, uint32_t controlOptions)',
    'ModelNodeP ModelNode_getChild(ModelNodeP self, const char* name)',
    'ModelNodeP DataSet_create(const char* name, ModelNodeP parent)',
    'ModelNodeP DataSetEntry_create(ModelNodeP dataSet, const char* variable, int index, const char* component)',
    'ModelNodeP ReportControlBlock_create(const char* name, ModelNodeP parent, const char* rptId, bool isBuffered, const char* dataSetName, uint32_t confRef, uint8_t trgOps, uint8_t options, uint32_t bufTm, uint32_t intgPd)',
    'IedServerP IedServer_create(IedModelP model)',
    'void IedServer_destroy(IedServerP self)',
    'void IedServer_setLocalIpAddress(IedServerP self, const char* localIpAddress)',
    'void IedServer_start(IedServerP self, int tcpPort)',
    'void IedServer_stop(IedServerP self)',
    'bool IedServer_isRunning(IedServerP self)',
    'void IedServer_setServerIdentity(IedServerP self, const char* vendor, const char* model, const char* revision)',
    'void IedServer_updateFloatAttributeValue(IedServerP self, ModelNodeP attr, float value)',
    'void IedServer_updateBooleanAttributeValue(IedServerP self, ModelNodeP attr, bool value)',
    'void IedServer_updateDbposValue(IedServerP self, ModelNodeP attr, int value)',
    'void IedServer_updateTimestampAttributeValue(IedServerP self, ModelNodeP attr, const uint8_t* timestamp)',
    'void IedServer_updateQuality(IedServerP self, ModelNodeP attr, uint16_t quality)',
    'void IedServer_setControlHandler(IedServerP self, ModelNodeP node, SimControlHandler* handler, void* parameter)',
    'void IedServer_setPerformCheckHandler(IedServerP self, ModelNodeP node, SimCheckHandler* handler, void* parameter)',
    'void IedServer_handleWriteAccess(IedServerP self, ModelNodeP attr, SimWriteHandler* handler, void* parameter)',
    'void IedServer_setWriteAccessPolicy(IedServerP self, int fc, int policy)',
    'void ControlAction_setAddCause(ControlActionP self, int addCause)',
    'int MmsValue_getType(MmsValueS self)',
    'bool MmsValue_getBoolean(MmsValueS self)',
    'double MmsValue_toDouble(MmsValueS self)',
    'MmsValueS MmsValue_getElement(MmsValueS self, int index)',
  ];
  f = {};
  for (const d of decl) f[(/\s(\w+)\s*\(/.exec(d) as RegExpExecArray)[1] as string] = lib.func(d);
}

function child(node: unknown, path: string): unknown {
  const n = (f.ModelNode_getChild as Fn)(node, path);
  if (!n) throw new Error(`internal: ${path} missing in the created data object`);
  return n;
}

function createDo(ln: unknown, d: SimDataObject): unknown {
  const ctl = (d.ctlModel ?? CTL_MODEL.NONE) | 0;
  switch (d.cdc) {
    case 'MV':
      return (f.CDC_MV_create as Fn)(d.name, ln, 0, false);
    case 'APC':
      return (f.CDC_APC_create as Fn)(d.name, ln, 0, ctl, false);
    case 'ASG':
      return (f.CDC_ASG_create as Fn)(d.name, ln, 0, false);
    case 'SPS':
      return (f.CDC_SPS_create as Fn)(d.name, ln, 0);
    case 'DPS':
      return (f.CDC_DPS_create as Fn)(d.name, ln, 0);
    case 'SPC':
      return (f.CDC_SPC_create as Fn)(d.name, ln, 0, ctl);
    case 'DPC':
      return (f.CDC_DPC_create as Fn)(d.name, ln, 0, ctl);
  }
}

function ctlValue(d: SimDataObject, v: unknown): number | boolean {
  if (d.cdc === 'APC') return (f.MmsValue_toDouble as Fn)((f.MmsValue_getElement as Fn)(v, 0)) as number;
  const on = Boolean((f.MmsValue_getBoolean as Fn)(v));
  return d.cdc === 'DPC' ? (on ? 2 : 1) : on;
}

async function start(m: Extract<ServerOp, { op: 'start' }>): Promise<{ version: string }> {
  declare(m.libPath);
  model = (f.IedModel_create as Fn)(m.model.iedName);
  const lds = new Map<string, unknown>();
  const lns = new Map<string, unknown>();
  const firstLd = m.model.dataObjects[0]?.ld as string;
  const lnOf = (ld: string, ln: string): unknown => {
    let l = lds.get(ld);
    if (!l) {
      l = (f.LogicalDevice_create as Fn)(ld, model);
      lds.set(ld, l);
      lns.set(`${ld}/LLN0`, (f.LogicalNode_create as Fn)('LLN0', l));
    }
    let n = lns.get(`${ld}/${ln}`);
    if (!n) {
      n = (f.LogicalNode_create as Fn)(ln, l);
      lns.set(`${ld}/${ln}`, n);
    }
    return n;
  };
  lnOf(firstLd, 'LLN0');
  for (const d of m.model.dataObjects) {
    const node = createDo(lnOf(d.ld, d.ln), d);
    if (!node) throw new Error(`the library refused to create ${d.ld}/${d.ln}.${d.name} (${d.cdc})`);
    // a setting (ASG) has neither q nor t
    served.set(`${d.ld}/${d.ln}.${d.name}`, { d, node, value: child(node, d.valuePath), q: (f.ModelNode_getChild as Fn)(node, 'q'), t: (f.ModelNode_getChild as Fn)(node, 't') });
  }
  // one data set over every reported DO of the first LD, buffered and unbuffered RCBs on it
  const lln0 = lns.get(`${firstLd}/LLN0`);
  const ds = (f.DataSet_create as Fn)('Measurements', lln0);
  for (const d of m.model.dataObjects) if (d.reported && d.ld === firstLd) (f.DataSetEntry_create as Fn)(ds, `${d.ln}$${d.fc}$${d.name}`, -1, null);
  const trg = 1 | 2 | 8 | 16; // data change, quality change, integrity, GI
  const opt = 1 | 2 | 4 | 8 | 128; // seqNum, time stamp, reason, data set, confRev
  for (let i = 1; i <= 2; i++) {
    (f.ReportControlBlock_create as Fn)(`brcbMeasurements0${i}`, lln0, 'Measurements', true, 'Measurements', 1, trg, opt, 50, 10_000);
    (f.ReportControlBlock_create as Fn)(`urcbMeasurements0${i}`, lln0, 'Measurements', false, 'Measurements', 1, trg, opt, 50, 10_000);
  }
  server = (f.IedServer_create as Fn)(model);
  (f.IedServer_setServerIdentity as Fn)(server, 'ES Manager', 'simulated IED', '1');
  (f.IedServer_setWriteAccessPolicy as Fn)(server, (f.FunctionalConstraint_fromString as Fn)('SP'), 0);
  for (const s of served.values()) {
    const ref = `${s.d.ld}/${s.d.ln}.${s.d.name}`;
    if (s.d.ctlModel !== undefined) {
      const check = koffi.register((action: unknown) => {
        if (!interlocked.has(ref)) return CONTROL_ACCEPTED;
        // the select (SBOw) or operate is refused with LastApplError AddCause "blocked by interlocking"
        (f.ControlAction_setAddCause as Fn)(action, ADD_CAUSE_BLOCKED_BY_INTERLOCKING);
        post({ event: 'refused', doRef: ref, addCause: ADD_CAUSE_BLOCKED_BY_INTERLOCKING });
        return CONTROL_OBJECT_ACCESS_DENIED;
      }, koffi.pointer('SimCheckHandler'));
      const operate = koffi.register((action: unknown, _p: unknown, v: unknown, test: boolean) => {
        if (interlocked.has(ref)) {
          (f.ControlAction_setAddCause as Fn)(action, ADD_CAUSE_BLOCKED_BY_INTERLOCKING);
          post({ event: 'refused', doRef: ref, addCause: ADD_CAUSE_BLOCKED_BY_INTERLOCKING });
          return 0;
        }
        post({ event: 'operated', doRef: ref, value: ctlValue(s.d, v), test });
        return CONTROL_RESULT_OK;
      }, koffi.pointer('SimControlHandler'));
      callbacks.push(check, operate);
      (f.IedServer_setPerformCheckHandler as Fn)(server, s.node, check, null);
      (f.IedServer_setControlHandler as Fn)(server, s.node, operate, null);
    }
    if (s.d.cdc === 'ASG') {
      const write = koffi.register((_attr: unknown, v: unknown) => {
        const x = (f.MmsValue_toDouble as Fn)(v) as number;
        if (!Number.isFinite(x)) return DATA_ACCESS_ERROR_OBJECT_VALUE_INVALID;
        post({ event: 'written', doRef: ref, value: x });
        return DATA_ACCESS_ERROR_SUCCESS;
      }, koffi.pointer('SimWriteHandler'));
      callbacks.push(write);
      (f.IedServer_handleWriteAccess as Fn)(server, s.value, write, null);
    }
  }
  (f.IedServer_setLocalIpAddress as Fn)(server, m.host);
  await async('IedServer_start', server, m.port);
  if (!(f.IedServer_isRunning as Fn)(server)) {
    await stop();
    throw new Error(`the simulated IED could not listen on ${m.host}:${m.port} (port in use, or below 1024 without the right)`);
  }
  return { version: String((f.LibIEC61850_getVersionString as Fn)()) };
}

const QUALITY_INVALID = 2 | 64; // QUALITY_VALIDITY_INVALID | QUALITY_DETAIL_FAILURE (iec61850_common.h)

async function update(values: Extract<ServerOp, { op: 'update' }>['values'], ms: number): Promise<void> {
  if (!server) return;
  const stamp = Uint8Array.from(encodeUtcTime(ms, SIM_TIME_QUALITY));
  for (const v of values) {
    const s = served.get(v.doRef);
    if (!s) continue;
    const invalid = v.invalid === true;
    if (s.last === v.value && s.lastInvalid === invalid) continue;
    s.last = v.value;
    s.lastInvalid = invalid;
    if (s.d.cdc === 'DPS' || s.d.cdc === 'DPC') await async('IedServer_updateDbposValue', server, s.value, Number(v.value) & 3);
    else if (s.d.cdc === 'SPS' || s.d.cdc === 'SPC') await async('IedServer_updateBooleanAttributeValue', server, s.value, Boolean(v.value));
    else await async('IedServer_updateFloatAttributeValue', server, s.value, Number(v.value));
    if (s.q) await async('IedServer_updateQuality', server, s.q, invalid ? QUALITY_INVALID : 0);
    if (s.t) await async('IedServer_updateTimestampAttributeValue', server, s.t, stamp);
  }
}

/** async: the server thread may be waiting for this thread in a handler while it stops */
async function stop(): Promise<void> {
  if (server) {
    const s = server;
    server = undefined;
    await async('IedServer_stop', s);
    await async('IedServer_destroy', s);
  }
  if (model) {
    (f.IedModel_destroy as Fn)(model);
    model = undefined;
  }
  for (const c of callbacks.splice(0)) koffi.unregister(c as never);
  served.clear();
}

parentPort?.on('message', (m: ServerOp & { id: number }) => {
  const run = async (): Promise<unknown> => {
    switch (m.op) {
      case 'start':
        return start(m);
      case 'update':
        return update(m.values, m.ms);
      case 'interlock':
        if (m.blocked) interlocked.add(m.doRef);
        else interlocked.delete(m.doRef);
        return true;
      case 'stop':
        return stop();
    }
  };
  // one operation at a time: an update never overlaps the stop
  const p = chain.then(run, run);
  chain = p.catch(() => undefined);
  p.then(
    (result) => parentPort?.postMessage({ id: m.id, ok: true, result }),
    (e: unknown) => parentPort?.postMessage({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) }),
  );
});

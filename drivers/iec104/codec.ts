/**
 * IEC 60870-5-104 frames: APCI (I, S and U formats) and the ASDUs of the companion standard
 * IEC 60870-5-101 as profiled by 104 (cause of transmission 2 octets, common address 2 octets,
 * information object address 3 octets). Pure functions, no I/O:
 *   - `ApduReader` splits a TCP byte stream into APDUs (a read may hold several, or half of one);
 *   - `decodeApdu` / `encodeApdu` for one APDU;
 *   - `qdsQuality` maps a quality descriptor (IV, NT, SB, BL, OV) to the app's quality.
 * Anything malformed throws an `Iec104FrameError` whose message names what and where ("APDU
 * length 2 is below the minimum 4", "type 11 (M_ME_NB_1) with 3 objects needs 18 octets after
 * the header, the frame has 16"), so a connection can log it, drop the link and recover.
 *
 * Times are CP56Time2a; `timeZone: 'UTC'` (default) reads and writes them as UTC. Checked against
 * tshark's dissector and real exchanges with lib60870's server (../shared/captures, tests).
 */
import type { Quality } from '../../core/common/quality';

export class Iec104FrameError extends Error {
  override name = 'Iec104FrameError';
}

export const START = 0x68;
export const MAX_APDU = 255;

export type UFunction = 'STARTDT act' | 'STARTDT con' | 'STOPDT act' | 'STOPDT con' | 'TESTFR act' | 'TESTFR con';
const U_CODES: Record<UFunction, number> = {
  'STARTDT act': 0x07,
  'STARTDT con': 0x0b,
  'STOPDT act': 0x13,
  'STOPDT con': 0x23,
  'TESTFR act': 0x43,
  'TESTFR con': 0x83,
};
const U_BY_CODE = new Map(Object.entries(U_CODES).map(([k, v]) => [v, k as UFunction]));

/** quality descriptor bits (QDS, and the quality bits of SIQ / DIQ) */
export interface Qds {
  /** invalid */
  iv: boolean;
  /** not topical (not updated successfully in a given time) */
  nt: boolean;
  /** substituted (set by an operator or an automatic source, not the process) */
  sb: boolean;
  /** blocked (the value is frozen as it was) */
  bl: boolean;
  /** overflow (the value is beyond a predefined range); measured values only */
  ov: boolean;
}

export interface Cp56Time {
  /** ms since the epoch */
  ms: number;
  /** the time is invalid (the device says so) */
  iv: boolean;
  /** summer time */
  su: boolean;
  /** day of week 1-7 as sent (0 = not used); written back as given, 0 when absent */
  dow?: number;
}

/** One information object. Which fields are set depends on the type. */
export interface InfoObject {
  ioa: number;
  /** the process value: a single point (boolean), a double point state (0-3), a step position,
   *  a bit string (unsigned 32 bits), a measured value (normalised in -1..1, scaled, or float),
   *  a counter reading, a command's state or setpoint */
  value?: number | boolean;
  qds?: Qds;
  time?: Cp56Time;
  /** step position: transient */
  transient?: boolean;
  /** counter reading: sequence number, carry, adjusted */
  counter?: { seq: number; carry: boolean; adjusted: boolean };
  /** commands: select (true) or execute (false) */
  select?: boolean;
  /** commands: qualifier of command (QU, 0-31) or of set-point (QL, 0-127) */
  qualifier?: number;
  /** C_IC_NA_1 QOI, C_CI_NA_1 QCC, C_RP_NA_1 QRP, M_EI_NA_1 COI */
  qoi?: number;
  /** C_TS_TA_1 test sequence counter */
  tsc?: number;
}

export interface Asdu {
  type: number;
  /** SQ: the objects are a sequence of consecutive addresses (one IOA given) */
  sq: boolean;
  cot: number;
  negative: boolean;
  test: boolean;
  /** originator address */
  oa: number;
  /** common address of the ASDU */
  ca: number;
  objects: InfoObject[];
}

export type Apdu = { kind: 'I'; ns: number; nr: number; asdu: Asdu } | { kind: 'S'; nr: number } | { kind: 'U'; fn: UFunction };

// ------------------------------------------------------------------ the types

type Element = 'siq' | 'diq' | 'vti' | 'bsi' | 'nva' | 'sva' | 'float' | 'bcr' | 'nva-noq' | 'sco' | 'dco' | 'rco' | 'se-nva' | 'se-sva' | 'se-float' | 'bsi-cmd' | 'q1' | 'none' | 'cp56' | 'tsc';

interface TypeDef {
  name: string;
  element: Element;
  /** a CP56Time2a follows the element */
  time: boolean;
}

const T = (name: string, element: Element, time = false): TypeDef => ({ name, element, time });

/** The types this codec reads and writes (process information, commands, system commands). */
export const TYPES: ReadonlyMap<number, TypeDef> = new Map<number, TypeDef>([
  [1, T('M_SP_NA_1', 'siq')],
  [3, T('M_DP_NA_1', 'diq')],
  [5, T('M_ST_NA_1', 'vti')],
  [7, T('M_BO_NA_1', 'bsi')],
  [9, T('M_ME_NA_1', 'nva')],
  [11, T('M_ME_NB_1', 'sva')],
  [13, T('M_ME_NC_1', 'float')],
  [15, T('M_IT_NA_1', 'bcr')],
  [21, T('M_ME_ND_1', 'nva-noq')],
  [30, T('M_SP_TB_1', 'siq', true)],
  [31, T('M_DP_TB_1', 'diq', true)],
  [32, T('M_ST_TB_1', 'vti', true)],
  [33, T('M_BO_TB_1', 'bsi', true)],
  [34, T('M_ME_TD_1', 'nva', true)],
  [35, T('M_ME_TE_1', 'sva', true)],
  [36, T('M_ME_TF_1', 'float', true)],
  [37, T('M_IT_TB_1', 'bcr', true)],
  [45, T('C_SC_NA_1', 'sco')],
  [46, T('C_DC_NA_1', 'dco')],
  [47, T('C_RC_NA_1', 'rco')],
  [48, T('C_SE_NA_1', 'se-nva')],
  [49, T('C_SE_NB_1', 'se-sva')],
  [50, T('C_SE_NC_1', 'se-float')],
  [51, T('C_BO_NA_1', 'bsi-cmd')],
  [58, T('C_SC_TA_1', 'sco', true)],
  [59, T('C_DC_TA_1', 'dco', true)],
  [60, T('C_RC_TA_1', 'rco', true)],
  [61, T('C_SE_TA_1', 'se-nva', true)],
  [62, T('C_SE_TB_1', 'se-sva', true)],
  [63, T('C_SE_TC_1', 'se-float', true)],
  [64, T('C_BO_TA_1', 'bsi-cmd', true)],
  [70, T('M_EI_NA_1', 'q1')],
  [100, T('C_IC_NA_1', 'q1')],
  [101, T('C_CI_NA_1', 'q1')],
  [102, T('C_RD_NA_1', 'none')],
  [103, T('C_CS_NA_1', 'none', true)],
  [105, T('C_RP_NA_1', 'q1')],
  [107, T('C_TS_TA_1', 'tsc', true)],
]);

export const TYPE_ID: Readonly<Record<string, number>> = Object.fromEntries([...TYPES].map(([id, d]) => [d.name, id]));

export function typeName(type: number): string {
  return TYPES.get(type)?.name ?? `type ${type}`;
}

const ELEMENT_SIZE: Record<Element, number> = {
  siq: 1,
  diq: 1,
  vti: 2,
  bsi: 5,
  nva: 3,
  sva: 3,
  float: 5,
  bcr: 5,
  'nva-noq': 2,
  sco: 1,
  dco: 1,
  rco: 1,
  'se-nva': 3,
  'se-sva': 3,
  'se-float': 5,
  'bsi-cmd': 4,
  q1: 1,
  none: 0,
  cp56: 7,
  tsc: 2,
};

/** causes of transmission, with tshark's abbreviations */
export const COT: Readonly<Record<number, string>> = {
  1: 'Per/Cyc',
  2: 'Back',
  3: 'Spont',
  4: 'Init',
  5: 'Req',
  6: 'Act',
  7: 'ActCon',
  8: 'Deact',
  9: 'DeactCon',
  10: 'ActTerm',
  11: 'Retrem',
  12: 'Retloc',
  13: 'File',
  20: 'Inrogen',
  ...Object.fromEntries(Array.from({ length: 16 }, (_, i) => [21 + i, `Inro${i + 1}`])),
  37: 'Reqcogen',
  38: 'Reqco1',
  39: 'Reqco2',
  40: 'Reqco3',
  41: 'Reqco4',
  44: 'UkTypeId',
  45: 'UkCauseTx',
  46: 'UkComAdrASDU',
  47: 'UkIOA',
};

// ------------------------------------------------------------------ stream

/** Splits a byte stream into APDUs; keeps a partial APDU for the next read. */
export class ApduReader {
  private buf = Buffer.alloc(0);

  /** the complete APDUs in what has arrived so far; throws on a stream that is not 104 */
  push(chunk: Uint8Array): Buffer[] {
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const out: Buffer[] = [];
    let i = 0;
    while (this.buf.length - i >= 2) {
      if (this.buf[i] !== START) throw new Iec104FrameError(`stream octet ${i} is 0x${hex(this.buf[i] as number)}, not the start octet 0x68`);
      const len = this.buf[i + 1] as number;
      if (len < 4 || len > 253) throw new Iec104FrameError(`APDU length ${len} is outside 4-253`);
      if (this.buf.length - i < 2 + len) break;
      out.push(this.buf.subarray(i, i + 2 + len));
      i += 2 + len;
    }
    this.buf = this.buf.subarray(i);
    return out;
  }

  /** octets of an incomplete APDU still waiting */
  get pending(): number {
    return this.buf.length;
  }
}

// ------------------------------------------------------------------ decode

export function decodeApdu(frame: Uint8Array, opts: { timeZone?: 'UTC' } = {}): Apdu {
  void opts;
  if (frame.length < 6) throw new Iec104FrameError(`an APDU has at least 6 octets, this one ${frame.length}`);
  if (frame[0] !== START) throw new Iec104FrameError(`APDU octet 0 is 0x${hex(frame[0] as number)}, not the start octet 0x68`);
  const len = frame[1] as number;
  if (len < 4 || len > 253) throw new Iec104FrameError(`APDU length ${len} is outside 4-253`);
  if (len !== frame.length - 2) throw new Iec104FrameError(`APDU length octet says ${len}, the frame has ${frame.length - 2} octets after it`);
  const c1 = frame[2] as number;
  if ((c1 & 1) === 0) {
    const ns = ((frame[3] as number) << 7) | (c1 >> 1);
    const nr = ((frame[5] as number) << 7) | ((frame[4] as number) >> 1);
    if (len < 4 + 6) throw new Iec104FrameError(`I-frame (${ns},${nr}) has ${len - 4} ASDU octets, fewer than the 6 of a header`);
    return { kind: 'I', ns, nr, asdu: decodeAsdu(frame.subarray(6)) };
  }
  if ((c1 & 3) === 1) {
    if (len !== 4) throw new Iec104FrameError(`S-frame of length ${len}, not 4`);
    if (c1 !== 1 || frame[3] !== 0) throw new Iec104FrameError(`S-frame control octets 1-2 are 0x${hex(c1)} 0x${hex(frame[3] as number)}, not 0x01 0x00`);
    return { kind: 'S', nr: ((frame[5] as number) << 7) | ((frame[4] as number) >> 1) };
  }
  if (len !== 4) throw new Iec104FrameError(`U-frame of length ${len}, not 4`);
  if (frame[3] !== 0 || frame[4] !== 0 || frame[5] !== 0) throw new Iec104FrameError(`U-frame control octets 2-4 are ${Array.from(frame.subarray(3, 6), hex).join(' ')}, not 00 00 00`);
  const fn = U_BY_CODE.get(c1);
  if (!fn) throw new Iec104FrameError(`U-frame control octet 0x${hex(c1)} is no known function`);
  return { kind: 'U', fn };
}

export function decodeAsdu(b: Uint8Array): Asdu {
  if (b.length < 6) throw new Iec104FrameError(`an ASDU header has 6 octets, this ASDU ${b.length}`);
  const type = b[0] as number;
  const def = TYPES.get(type);
  const vsq = b[1] as number;
  const sq = (vsq & 0x80) !== 0;
  const n = vsq & 0x7f;
  const cotOctet = b[2] as number;
  const asdu: Asdu = { type, sq, cot: cotOctet & 0x3f, negative: (cotOctet & 0x40) !== 0, test: (cotOctet & 0x80) !== 0, oa: b[3] as number, ca: (b[4] as number) | ((b[5] as number) << 8), objects: [] };
  if (!def) throw new Iec104FrameError(`type ${type} is not a type this client reads (cause ${asdu.cot}, common address ${asdu.ca})`);
  if (n === 0) throw new Iec104FrameError(`${def.name}: the number of objects is 0`);
  const size = ELEMENT_SIZE[def.element] + (def.time ? 7 : 0);
  const need = sq ? 3 + n * size : n * (3 + size);
  if (b.length - 6 !== need) throw new Iec104FrameError(`type ${type} (${def.name}) with ${n} object${n === 1 ? '' : 's'}${sq ? ' in sequence' : ''} needs ${need} octets after the header, the frame has ${b.length - 6}`);
  let p = 6;
  let ioa = 0;
  for (let k = 0; k < n; k++) {
    if (!sq || k === 0) {
      ioa = (b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16);
      p += 3;
    } else ioa++;
    const o: InfoObject = { ioa };
    p = readElement(def, b, p, o);
    if (def.time) {
      o.time = readCp56(b, p, `${def.name} IOA ${ioa}`);
      p += 7;
    }
    asdu.objects.push(o);
  }
  return asdu;
}

function qdsOf(q: number, ov: boolean): Qds {
  return { iv: (q & 0x80) !== 0, nt: (q & 0x40) !== 0, sb: (q & 0x20) !== 0, bl: (q & 0x10) !== 0, ov: ov && (q & 0x01) !== 0 };
}

function readElement(def: TypeDef, b: Uint8Array, p: number, o: InfoObject): number {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (def.element) {
    case 'siq':
      o.value = ((b[p] as number) & 1) === 1;
      o.qds = qdsOf(b[p] as number, false);
      return p + 1;
    case 'diq':
      o.value = (b[p] as number) & 3;
      o.qds = qdsOf(b[p] as number, false);
      return p + 1;
    case 'vti': {
      const v = (b[p] as number) & 0x7f;
      o.value = v >= 64 ? v - 128 : v;
      o.transient = ((b[p] as number) & 0x80) !== 0;
      o.qds = qdsOf(b[p + 1] as number, true);
      return p + 2;
    }
    case 'bsi':
      o.value = dv.getUint32(p, true);
      o.qds = qdsOf(b[p + 4] as number, true);
      return p + 5;
    case 'bsi-cmd':
      o.value = dv.getUint32(p, true);
      return p + 4;
    case 'nva':
      o.value = dv.getInt16(p, true) / 32768;
      o.qds = qdsOf(b[p + 2] as number, true);
      return p + 3;
    case 'nva-noq':
      o.value = dv.getInt16(p, true) / 32768;
      return p + 2;
    case 'sva':
      o.value = dv.getInt16(p, true);
      o.qds = qdsOf(b[p + 2] as number, true);
      return p + 3;
    case 'float':
      o.value = dv.getFloat32(p, true);
      o.qds = qdsOf(b[p + 4] as number, true);
      return p + 5;
    case 'bcr': {
      o.value = dv.getInt32(p, true);
      const s = b[p + 4] as number;
      o.counter = { seq: s & 0x1f, carry: (s & 0x20) !== 0, adjusted: (s & 0x40) !== 0 };
      o.qds = { iv: (s & 0x80) !== 0, nt: false, sb: false, bl: false, ov: false };
      return p + 5;
    }
    case 'sco':
    case 'dco':
    case 'rco': {
      const c = b[p] as number;
      o.value = def.element === 'sco' ? (c & 1) === 1 : c & 3;
      o.qualifier = (c >> 2) & 0x1f;
      o.select = (c & 0x80) !== 0;
      return p + 1;
    }
    case 'se-nva':
    case 'se-sva':
    case 'se-float': {
      const w = def.element === 'se-float' ? 4 : 2;
      o.value = def.element === 'se-float' ? dv.getFloat32(p, true) : def.element === 'se-nva' ? dv.getInt16(p, true) / 32768 : dv.getInt16(p, true);
      const qos = b[p + w] as number;
      o.qualifier = qos & 0x7f;
      o.select = (qos & 0x80) !== 0;
      return p + w + 1;
    }
    case 'q1':
      o.qoi = b[p] as number;
      return p + 1;
    case 'tsc':
      o.tsc = dv.getUint16(p, true);
      return p + 2;
    case 'none':
    case 'cp56':
      return p;
  }
}

/** CP56Time2a at b[p..p+7) as UTC */
export function readCp56(b: Uint8Array, p: number, where: string): Cp56Time {
  const ms = (b[p] as number) | ((b[p + 1] as number) << 8);
  const minB = b[p + 2] as number;
  const hourB = b[p + 3] as number;
  const dayB = b[p + 4] as number;
  const min = minB & 0x3f;
  const hour = hourB & 0x1f;
  const day = dayB & 0x1f;
  const month = (b[p + 5] as number) & 0x0f;
  const year = (b[p + 6] as number) & 0x7f;
  if (ms > 59_999 || min > 59 || hour > 23 || day < 1 || day > 31 || month < 1 || month > 12) {
    throw new Iec104FrameError(`${where}: the CP56Time2a ${Array.from(b.subarray(p, p + 7), hex).join(' ')} is not a valid time (ms ${ms}, minute ${min}, hour ${hour}, day ${day}, month ${month})`);
  }
  const dow = dayB >> 5;
  return { ms: Date.UTC(2000 + year, month - 1, day, hour, min, 0, ms), iv: (minB & 0x80) !== 0, su: (hourB & 0x80) !== 0, ...(dow !== 0 ? { dow } : {}) };
}

// ------------------------------------------------------------------ encode

export function encodeApdu(a: Apdu): Buffer {
  if (a.kind === 'U') return Buffer.from([START, 4, U_CODES[a.fn], 0, 0, 0]);
  if (a.kind === 'S') return Buffer.from([START, 4, 1, 0, (a.nr << 1) & 0xfe, (a.nr >> 7) & 0xff]);
  const body = encodeAsdu(a.asdu);
  if (body.length + 4 > 253) throw new Iec104FrameError(`the ASDU is ${body.length} octets: an APDU holds at most 249`);
  return Buffer.concat([Buffer.from([START, body.length + 4, (a.ns << 1) & 0xfe, (a.ns >> 7) & 0xff, (a.nr << 1) & 0xfe, (a.nr >> 7) & 0xff]), body]);
}

export function encodeAsdu(a: Asdu): Buffer {
  const def = TYPES.get(a.type);
  if (!def) throw new Iec104FrameError(`type ${a.type} is not a type this codec writes`);
  if (a.objects.length === 0 || a.objects.length > 127) throw new Iec104FrameError(`${def.name}: 1-127 objects, not ${a.objects.length}`);
  const size = ELEMENT_SIZE[def.element] + (def.time ? 7 : 0);
  const out = Buffer.alloc(6 + (a.sq ? 3 + a.objects.length * size : a.objects.length * (3 + size)));
  out[0] = a.type;
  out[1] = (a.sq ? 0x80 : 0) | a.objects.length;
  out[2] = (a.cot & 0x3f) | (a.negative ? 0x40 : 0) | (a.test ? 0x80 : 0);
  out[3] = a.oa & 0xff;
  out.writeUInt16LE(a.ca & 0xffff, 4);
  let p = 6;
  a.objects.forEach((o, k) => {
    if (!a.sq || k === 0) {
      out.writeUIntLE(o.ioa & 0xffffff, p, 3);
      p += 3;
    } else if (o.ioa !== (a.objects[0] as InfoObject).ioa + k) throw new Iec104FrameError(`${def.name} in sequence: object ${k} has IOA ${o.ioa}, not ${(a.objects[0] as InfoObject).ioa + k}`);
    p = writeElement(def, out, p, o);
    if (def.time) {
      if (!o.time) throw new Iec104FrameError(`${def.name} IOA ${o.ioa}: a time tag is required`);
      writeCp56(out, p, o.time);
      p += 7;
    }
  });
  return out;
}

function qdsByte(q: Qds | undefined): number {
  if (!q) return 0;
  return (q.iv ? 0x80 : 0) | (q.nt ? 0x40 : 0) | (q.sb ? 0x20 : 0) | (q.bl ? 0x10 : 0) | (q.ov ? 0x01 : 0);
}

function num(o: InfoObject, what: string): number {
  if (typeof o.value !== 'number' || !Number.isFinite(o.value)) throw new Iec104FrameError(`IOA ${o.ioa}: ${what} needs a finite number, got ${String(o.value)}`);
  return o.value;
}

function int16(v: number, ioa: number, what: string): number {
  const r = Math.round(v);
  if (r < -32768 || r > 32767) throw new Iec104FrameError(`IOA ${ioa}: ${what} ${v} does not fit 16 bits`);
  return r;
}

function writeElement(def: TypeDef, out: Buffer, p: number, o: InfoObject): number {
  switch (def.element) {
    case 'siq':
      out[p] = (o.value === true ? 1 : 0) | qdsByte(o.qds);
      return p + 1;
    case 'diq':
      out[p] = (num(o, 'a double point') & 3) | qdsByte(o.qds);
      return p + 1;
    case 'vti':
      out[p] = (num(o, 'a step position') & 0x7f) | (o.transient ? 0x80 : 0);
      out[p + 1] = qdsByte(o.qds);
      return p + 2;
    case 'bsi':
      out.writeUInt32LE(num(o, 'a bit string') >>> 0, p);
      out[p + 4] = qdsByte(o.qds);
      return p + 5;
    case 'bsi-cmd':
      out.writeUInt32LE(num(o, 'a bit string') >>> 0, p);
      return p + 4;
    case 'nva':
    case 'nva-noq': {
      const v = num(o, 'a normalised value');
      if (v < -1 || v >= 1) throw new Iec104FrameError(`IOA ${o.ioa}: a normalised value is in -1 ≤ v < 1, got ${v}`);
      out.writeInt16LE(int16(v * 32768, o.ioa, 'normalised'), p);
      if (def.element === 'nva-noq') return p + 2;
      out[p + 2] = qdsByte(o.qds);
      return p + 3;
    }
    case 'sva':
      out.writeInt16LE(int16(num(o, 'a scaled value'), o.ioa, 'scaled value'), p);
      out[p + 2] = qdsByte(o.qds);
      return p + 3;
    case 'float':
      out.writeFloatLE(num(o, 'a float'), p);
      out[p + 4] = qdsByte(o.qds);
      return p + 5;
    case 'bcr': {
      out.writeInt32LE(int32(num(o, 'a counter reading'), o.ioa), p);
      const c = o.counter ?? { seq: 0, carry: false, adjusted: false };
      out[p + 4] = (c.seq & 0x1f) | (c.carry ? 0x20 : 0) | (c.adjusted ? 0x40 : 0) | (o.qds?.iv ? 0x80 : 0);
      return p + 5;
    }
    case 'sco':
    case 'dco':
    case 'rco': {
      const state = def.element === 'sco' ? (o.value === true || o.value === 1 ? 1 : 0) : num(o, 'a double command') & 3;
      out[p] = state | (((o.qualifier ?? 0) & 0x1f) << 2) | (o.select ? 0x80 : 0);
      return p + 1;
    }
    case 'se-nva':
    case 'se-sva':
    case 'se-float': {
      const v = num(o, 'a set-point');
      let w = 2;
      if (def.element === 'se-float') {
        out.writeFloatLE(v, p);
        w = 4;
      } else if (def.element === 'se-nva') {
        if (v < -1 || v >= 1) throw new Iec104FrameError(`IOA ${o.ioa}: a normalised set-point is in -1 ≤ v < 1, got ${v}`);
        out.writeInt16LE(int16(v * 32768, o.ioa, 'normalised set-point'), p);
      } else out.writeInt16LE(int16(v, o.ioa, 'scaled set-point'), p);
      out[p + w] = ((o.qualifier ?? 0) & 0x7f) | (o.select ? 0x80 : 0);
      return p + w + 1;
    }
    case 'q1':
      out[p] = (o.qoi ?? 20) & 0xff;
      return p + 1;
    case 'tsc':
      out.writeUInt16LE((o.tsc ?? 0) & 0xffff, p);
      return p + 2;
    case 'none':
    case 'cp56':
      return p;
  }
}

function int32(v: number, ioa: number): number {
  const r = Math.round(v);
  if (r < -(2 ** 31) || r > 2 ** 31 - 1) throw new Iec104FrameError(`IOA ${ioa}: counter reading ${v} does not fit 32 bits`);
  return r;
}

export function writeCp56(out: Buffer, p: number, t: Cp56Time): void {
  const d = new Date(t.ms);
  const y = d.getUTCFullYear();
  if (y < 2000 || y > 2127) throw new Iec104FrameError(`CP56Time2a holds the years 2000-2127, not ${y}`);
  out.writeUInt16LE(d.getUTCSeconds() * 1000 + d.getUTCMilliseconds(), p);
  out[p + 2] = d.getUTCMinutes() | (t.iv ? 0x80 : 0);
  out[p + 3] = d.getUTCHours() | (t.su ? 0x80 : 0);
  out[p + 4] = d.getUTCDate() | (((t.dow ?? 0) & 7) << 5);
  out[p + 5] = d.getUTCMonth() + 1;
  out[p + 6] = y - 2000;
}

// ------------------------------------------------------------------ quality

/**
 * The app's quality of a value with this descriptor: invalid and blocked are bad, overflow is
 * out of range, not topical is stale, substituted is manual (a value set by a person or an
 * automatic substitute, not measured). Invalid wins over the others.
 */
export function qdsQuality(q: Qds | undefined): Quality {
  if (!q) return { level: 'good' };
  if (q.iv) return { level: 'bad', reason: 'device' };
  if (q.bl) return { level: 'bad', reason: 'device' };
  if (q.ov) return { level: 'uncertain', reason: 'out-of-range' };
  if (q.nt) return { level: 'uncertain', reason: 'stale' };
  if (q.sb) return { level: 'uncertain', reason: 'manual' };
  return { level: 'good' };
}

/** tshark's one-line summary of an APDU (`-> I (3,1) ASDU=1 M_ME_NB_1 Spont IOA=110`), for tests and the raw frame view */
export function summary(a: Apdu, fromServer: boolean): string {
  const dir = fromServer ? '->' : '<-';
  if (a.kind === 'U') return `${dir} U (${a.fn})`;
  if (a.kind === 'S') return `${dir} S (${a.nr})`;
  const s = a.asdu;
  const objs = s.objects;
  const first = objs[0]?.ioa ?? 0;
  const ioa = objs.length === 1 ? `IOA=${first}` : s.sq ? `IOA[${objs.length}]=${first}-${first + objs.length - 1}` : `IOA[${objs.length}]=${first},...`;
  return `${dir} I (${a.ns},${a.nr}) ASDU=${s.ca} ${typeName(s.type)} ${COT[s.cot] ?? `cause ${s.cot}`}${s.negative ? '_NEGA' : ''}${s.test ? '_TEST' : ''} ${ioa}`;
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/**
 * Messages between the core side (binding.ts) and the library worker (worker.ts).
 * Plain data only (structured clone).
 */
import type { MmsData } from './mms';

/** TLS files (absolute paths) and the key's password, as the worker gives them to libiec61850. */
export interface TlsFiles {
  ca: string;
  cert?: string;
  key?: string;
  keyPassword?: string;
  chainValidation: boolean;
}

export interface ControlParams {
  orIdent?: string;
  orCat?: number;
  test?: boolean;
  interlockCheck?: boolean;
  synchroCheck?: boolean;
}

export interface RcbSettings {
  rptId?: string;
  trgOps?: number;
  intgPdMs?: number;
  optFlds?: number;
  gi?: boolean;
  purgeBuf?: boolean;
  /** buffered RCBs with ResvTms: keep the RCB reserved for this client this many seconds after the link is lost */
  resvTmsS?: number;
}

export type WorkerOp =
  | { op: 'load'; path: string }
  | { op: 'create'; connectTimeoutMs: number; requestTimeoutMs: number; tls?: TlsFiles }
  | { op: 'tlsSupport' }
  | { op: 'connect'; conn: number; host: string; port: number }
  | { op: 'close'; conn: number }
  | { op: 'destroy'; conn: number }
  | { op: 'serverDirectory'; conn: number }
  | { op: 'ldDirectory'; conn: number; ld: string }
  | { op: 'lnDirectory'; conn: number; ln: string; acsiClass: number }
  | { op: 'dataDirectory'; conn: number; ref: string }
  | { op: 'dataSetDirectory'; conn: number; ref: string }
  | { op: 'typeSpec'; conn: number; ref: string; fc: string }
  | { op: 'read'; conn: number; ref: string; fc: string }
  | { op: 'write'; conn: number; ref: string; fc: string; value: MmsData }
  | { op: 'controlCreate'; conn: number; ref: string }
  | { op: 'controlSelect'; ctl: number; value?: MmsData; params: ControlParams }
  | { op: 'controlOperate'; ctl: number; value: MmsData; params: ControlParams; operTime?: number }
  | { op: 'controlCancel'; ctl: number }
  | { op: 'controlDestroy'; ctl: number }
  | { op: 'rcbGet'; conn: number; ref: string }
  | { op: 'reportEnable'; conn: number; ref: string; settings: RcbSettings }
  | { op: 'reportDisable'; conn: number; ref: string }
  | { op: 'reportGI'; conn: number; ref: string }
  | { op: 'counters' }
  | { op: 'shutdown' }
  | { op: 'roundTrip'; value: MmsData }
  | { op: 'utcFromLibrary'; ms: number };

export type WorkerRequest = WorkerOp & { id: number };

export type WorkerReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string; code?: number };

export interface RcbValues {
  ref: string;
  buffered: boolean;
  rptId: string;
  rptEna: boolean;
  dataSet: string;
  confRev: number;
  optFlds: number;
  trgOps: number;
  intgPdMs: number;
  bufTmMs: number;
  /** ResvTms of a buffered RCB that has it (seconds; edition 2), else undefined */
  resvTms?: number;
}

export interface ReportEntry {
  /** index in the data set */
  index: number;
  /** the data set member, e.g. `simpleIOGenericIO/GGIO1.AnIn1[MX]` */
  member: string;
  reason: number;
  value: MmsData;
}

export interface ReportData {
  rcb: string;
  rptId: string;
  /** the report's own time, ms (when it has one) */
  ts?: number;
  seqNum?: number;
  bufOvfl?: boolean;
  entries: ReportEntry[];
}

export interface ControlOutcome {
  ok: boolean;
  /** IedClientError of the service (0 = the service was answered) */
  error: number;
  /** LastApplError of a negative response */
  lastApplError?: { ctlNum: number; error: number; addCause: number };
}

export type WorkerEvent =
  | { event: 'closed'; conn: number }
  | { event: 'report'; conn: number; report: ReportData }
  | { event: 'termination'; ctl: number; ok: boolean; lastApplError: { ctlNum: number; error: number; addCause: number } };

export interface Counters {
  /** per kind of library object: how many the binding got (allocated or handed over) and freed */
  alloc: Record<string, number>;
  free: Record<string, number>;
  live: number;
}

/** The MMS type of a data object or attribute: component names in the order of the value's items. */
export interface TypeSpec {
  name: string;
  /** MmsType */
  type: number;
  children?: TypeSpec[];
}

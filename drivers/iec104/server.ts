/**
 * A controlled station (IEC 104 server) for the simulator and the tests: a process image of
 * monitor points by IOA, sent spontaneously on change to every client that started data
 * transfer, and in answer to general and counter interrogation; clock synchronisation; and
 * commands (direct or select-before-operate, ActCon and optional ActTerm) handed to
 * `onCommand`, which accepts them or refuses them with a reason (a negative ActCon).
 *
 * Several clients may connect (a redundancy group's links, a technician's tool); each has its
 * own link and sequence numbers. Nothing here is the client's code: the link layer is shared
 * (link.ts), the application answers are written from the standard.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Asdu, InfoObject, Qds } from './codec';
import { TYPE_ID, typeName } from './codec';
import { Iec104Link, type LinkParams } from './link';

/** monitor types the server can hold */
export type MonitorType = 'M_SP_NA_1' | 'M_SP_TB_1' | 'M_DP_NA_1' | 'M_DP_TB_1' | 'M_ME_NA_1' | 'M_ME_TD_1' | 'M_ME_NB_1' | 'M_ME_TE_1' | 'M_ME_NC_1' | 'M_ME_TF_1' | 'M_IT_NA_1' | 'M_IT_TB_1' | 'M_ST_NA_1' | 'M_ST_TB_1' | 'M_BO_NA_1' | 'M_BO_TB_1';

export interface ServerPoint {
  ioa: number;
  type: MonitorType;
  value: number | boolean;
  qds?: Qds;
  /** the source time of the value, ms (time-tagged types); default the moment it was set */
  time?: number;
}

export interface ServerCommand {
  ioa: number;
  /** the command type names accepted on this IOA (e.g. C_SC_NA_1 and C_SC_TA_1) */
  types: readonly string[];
  /** an execute must follow a select of the same value */
  sbo: boolean;
  /** send ActTerm after the ActCon of an execute */
  termination?: boolean;
}

export interface ReceivedCommand {
  ioa: number;
  type: string;
  value: number | boolean;
  select: boolean;
  qualifier: number;
  time?: number;
}

export interface ServerOptions {
  ca: number;
  host?: string;
  /** 0 = any free port */
  port?: number;
  points: readonly ServerPoint[];
  commands?: readonly ServerCommand[];
  /** accepts (true) or refuses (a reason) an execute; selects are checked by the server */
  onCommand?: (c: ReceivedCommand) => true | string;
  /** a select is valid this long, ms (default 10 s) */
  selectTimeoutMs?: number;
  params?: Partial<LinkParams>;
  /** objects per ASDU in an interrogation answer (default 20) */
  perAsdu?: number;
}

const GI_COT = 20;

export class Iec104Server {
  private readonly server: Server;
  private readonly image = new Map<number, ServerPoint & { time: number }>();
  private readonly commands = new Map<number, ServerCommand>();
  private readonly selected = new Map<number, { value: number | boolean; type: number; until: number }>();
  readonly links = new Set<Iec104Link>();
  /** what the clients did, for tests and the simulator's log */
  readonly log: ReceivedCommand[] = [];
  /** the time the last clock synchronisation set, ms */
  clockSetTo: number | undefined;
  private boundPort = 0;

  constructor(private readonly o: ServerOptions) {
    const now = Date.now();
    for (const p of o.points) this.image.set(p.ioa, { ...p, time: p.time ?? now });
    for (const c of o.commands ?? []) this.commands.set(c.ioa, c);
    this.server = createServer((s) => this.accept(s));
  }

  get port(): number {
    return this.boundPort;
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.o.port ?? 0, this.o.host ?? '127.0.0.1', () => {
        this.server.off('error', reject);
        const a = this.server.address();
        this.boundPort = typeof a === 'object' && a ? a.port : 0;
        resolve(this.boundPort);
      });
    });
  }

  async close(): Promise<void> {
    for (const l of this.links) l.close('the server stopped');
    this.links.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** drops every client connection (a device restart, a cable pulled) */
  dropClients(why = 'the server dropped the connection'): void {
    for (const l of [...this.links]) l.close(why);
  }

  value(ioa: number): ServerPoint | undefined {
    return this.image.get(ioa);
  }

  /** Sets a point and sends it spontaneously (cause 3) to every started client when it changed. */
  update(ioa: number, value: number | boolean, o: { qds?: Qds; time?: number; force?: boolean } = {}): void {
    const p = this.image.get(ioa);
    if (!p) throw new Error(`IOA ${ioa} is not a point of this server`);
    const qdsSame = JSON.stringify(p.qds ?? null) === JSON.stringify(o.qds ?? p.qds ?? null);
    if (p.value === value && qdsSame && !o.force) return;
    p.value = value;
    if (o.qds) p.qds = o.qds;
    p.time = o.time ?? Date.now();
    this.broadcast([p], 3);
  }

  private broadcast(points: ReadonlyArray<ServerPoint & { time: number }>, cot: number, only?: Iec104Link): void {
    const byType = new Map<string, Array<ServerPoint & { time: number }>>();
    for (const p of points) {
      const l = byType.get(p.type) ?? [];
      l.push(p);
      byType.set(p.type, l);
    }
    const per = this.o.perAsdu ?? 20;
    for (const [held, list] of byType) {
      // interrogated objects go without time tag (IEC 60870-5-101 7.4.5): the plain type
      const type = cot === GI_COT ? (PLAIN[held] ?? held) : held;
      for (let i = 0; i < list.length; i += per) {
        const asdu: Asdu = { type: TYPE_ID[type] as number, sq: false, cot, negative: false, test: false, oa: 0, ca: this.o.ca, objects: list.slice(i, i + per).map((p) => objectOf(p, type)) };
        for (const l of only ? [only] : this.links) if (l.isStarted && !l.closed) l.send(asdu);
      }
    }
  }

  private accept(socket: Socket): void {
    const link = new Iec104Link(socket, { role: 'server', ...(this.o.params ? { params: this.o.params } : {}) });
    this.links.add(link);
    link.onClose(() => this.links.delete(link));
    link.onAsdu((a) => this.onAsdu(link, a));
  }

  private reply(link: Iec104Link, a: Asdu, cot: number, negative = false): void {
    if (link.closed || !link.isStarted) return;
    link.send({ ...a, cot, negative });
  }

  private onAsdu(link: Iec104Link, a: Asdu): void {
    if (a.ca !== this.o.ca && a.ca !== 0xffff) return this.reply(link, a, 46, true);
    if (a.cot !== 6 && a.cot !== 8) return this.reply(link, a, 45, true);
    const name = typeName(a.type);
    if (name === 'C_IC_NA_1' || name === 'C_CI_NA_1') {
      const counters = name === 'C_CI_NA_1';
      this.reply(link, a, 7);
      const pts = [...this.image.values()].filter((p) => p.type.startsWith('M_IT') === counters);
      this.broadcast(pts, counters ? 37 : GI_COT, link);
      this.reply(link, a, 10);
      return;
    }
    if (name === 'C_CS_NA_1') {
      this.clockSetTo = a.objects[0]?.time?.ms;
      this.reply(link, a, 7);
      return;
    }
    if (!name.startsWith('C_')) return this.reply(link, a, 44, true);
    const o = a.objects[0] as InfoObject;
    const cmd = this.commands.get(o.ioa);
    if (!cmd) return this.reply(link, a, 47, true);
    if (!cmd.types.includes(name)) return this.reply(link, a, 44, true);
    const rc: ReceivedCommand = { ioa: o.ioa, type: name, value: o.value ?? 0, select: o.select === true, qualifier: o.qualifier ?? 0, ...(o.time ? { time: o.time.ms } : {}) };
    this.log.push(rc);
    if (a.cot === 8) {
      // deactivation: cancels a select
      this.selected.delete(o.ioa);
      return this.reply(link, a, 9);
    }
    if (rc.select) {
      if (!cmd.sbo) return this.reply(link, a, 7, true);
      this.selected.set(o.ioa, { value: rc.value, type: a.type, until: Date.now() + (this.o.selectTimeoutMs ?? 10_000) });
      return this.reply(link, a, 7);
    }
    if (cmd.sbo) {
      const sel = this.selected.get(o.ioa);
      this.selected.delete(o.ioa);
      if (!sel || sel.until < Date.now() || sel.type !== a.type || sel.value !== rc.value) return this.reply(link, a, 7, true);
    }
    const verdict = this.o.onCommand ? this.o.onCommand(rc) : true;
    if (verdict !== true) return this.reply(link, a, 7, true);
    this.reply(link, a, 7);
    if (cmd.termination) this.reply(link, a, 10);
  }
}

/** the form without time tag of each time-tagged monitor type */
const PLAIN: Readonly<Record<string, string>> = {
  M_SP_TB_1: 'M_SP_NA_1',
  M_DP_TB_1: 'M_DP_NA_1',
  M_ST_TB_1: 'M_ST_NA_1',
  M_BO_TB_1: 'M_BO_NA_1',
  M_ME_TD_1: 'M_ME_NA_1',
  M_ME_TE_1: 'M_ME_NB_1',
  M_ME_TF_1: 'M_ME_NC_1',
};

function objectOf(p: ServerPoint & { time: number }, type: string): InfoObject {
  const o: InfoObject = { ioa: p.ioa, value: type.startsWith('M_SP') ? p.value === true || p.value === 1 : typeof p.value === 'boolean' ? (p.value ? 1 : 0) : p.value };
  if (p.qds) o.qds = p.qds;
  if (/_T[A-F]_1$/.test(type)) o.time = { ms: p.time, iv: false, su: false };
  return o;
}

/**
 * The controlling station's application services on one started link (link.ts) and one
 * common address: general and counter interrogation, clock synchronisation, and commands
 * (single, double, regulating step, set-points normalised/scaled/float, with or without a
 * CP56Time2a) direct or select-before-operate, each waiting for its activation confirmation
 * (ActCon) and, where the device sends one, its termination (ActTerm).
 *
 * A negative confirmation, or an answer with cause 44-47 (unknown type, cause, common address
 * or IOA), rejects with an `Iec104Refusal` whose message is a sentence; the link stays up.
 * Monitor-direction ASDUs (spontaneous, periodic, interrogated) go to `onData` handlers.
 */
import type { Asdu, InfoObject } from './codec';
import { TYPE_ID } from './codec';
import { Iec104LinkError, type Iec104Link } from './link';
import type { Cancel, Scheduler } from '../../core/common/clock';
import { wallTimers } from '../common/supervisor';

/** The device answered, and refused (negative confirmation, unknown IOA...): the link stays up. */
export class Iec104Refusal extends Error {
  override name = 'Iec104Refusal';
  constructor(
    message: string,
    readonly step: 'select' | 'execute' | 'termination' | 'activation',
  ) {
    super(message);
  }
}

export class Iec104Timeout extends Error {
  override name = 'TimeoutError';
}

const COT_ACT = 6;
const COT_ACTCON = 7;
const COT_ACTTERM = 10;
const REFUSAL_CAUSE: Record<number, string> = {
  44: 'does not know the type',
  45: 'does not accept the cause of transmission',
  46: 'does not know the common address',
  47: 'does not know the information object address',
};

/** The command types by what they set, without and with a time tag. */
export const COMMAND_TYPES = {
  single: ['C_SC_NA_1', 'C_SC_TA_1'],
  double: ['C_DC_NA_1', 'C_DC_TA_1'],
  step: ['C_RC_NA_1', 'C_RC_TA_1'],
  normalised: ['C_SE_NA_1', 'C_SE_TA_1'],
  scaled: ['C_SE_NB_1', 'C_SE_TB_1'],
  float: ['C_SE_NC_1', 'C_SE_TC_1'],
} as const;
export type CommandKind = keyof typeof COMMAND_TYPES;

export interface CommandSpec {
  kind: CommandKind;
  ioa: number;
  /** single: boolean; double: 1 off / 2 on; step: 1 lower / 2 higher; set-points: the value sent */
  value: number | boolean;
  /** select before operate (the device must confirm the select first) */
  sbo?: boolean;
  /** QU (pulse/persistent, 0-31) or QL (0-127) */
  qualifier?: number;
  /** the time-tagged form (C_.._TA_1 and C_SE_TA/TB/TC_1) with this time */
  timeTag?: number;
  /** wait for the ActTerm after the ActCon of the execute (devices that send one) */
  termination?: boolean;
}

/** What the device did with a command, step by step (ms since epoch) */
export interface CommandSteps {
  selected?: number;
  executed: number;
  terminated?: number;
}

interface Waiter {
  type: number;
  ioa: number;
  /** the answer's cause we wait for */
  cot: number;
  resolve(a: Asdu): void;
  reject(e: Error): void;
  cancel: Cancel;
  /** general interrogation: the monitor objects that came meanwhile */
  collect?: Asdu[];
}

export interface ClientOptions {
  /** common address of the station */
  ca: number;
  /** originator address (0 unless the device wants one) */
  oa?: number;
  /** how long an ActCon / ActTerm may take, ms */
  timeoutMs: number;
  timers?: Scheduler;
}

export class Iec104Client {
  private readonly waiters = new Set<Waiter>();
  private readonly dataHandlers = new Set<(a: Asdu) => void>();
  private readonly timers: Scheduler;
  private readonly off: () => void;

  constructor(
    readonly link: Iec104Link,
    private readonly o: ClientOptions,
  ) {
    this.timers = o.timers ?? wallTimers;
    this.off = link.onAsdu((a) => this.onAsdu(a));
    link.onClose((e) => {
      for (const w of [...this.waiters]) {
        w.cancel();
        w.reject(new Iec104LinkError(`connection lost: ${e.message}`));
      }
      this.waiters.clear();
    });
  }

  /** monitor-direction ASDUs (types below 45 and end of initialisation) of this common address */
  onData(h: (a: Asdu) => void): () => void {
    this.dataHandlers.add(h);
    return () => this.dataHandlers.delete(h);
  }

  dispose(): void {
    this.off();
  }

  /**
   * General (qoi 20) or group (21-36) interrogation: resolves with the ASDUs the device sent
   * between its ActCon and its ActTerm (they also went to `onData`).
   */
  async interrogate(qoi = 20): Promise<Asdu[]> {
    return this.interrogation(TYPE_ID.C_IC_NA_1 as number, qoi, `interrogation (QOI ${qoi})`);
  }

  /** Counter interrogation (QCC: request 5 = general, freeze/reset in bits 6-7): the integrated totals sent until ActTerm. */
  async counterInterrogate(qcc = 5): Promise<Asdu[]> {
    return this.interrogation(TYPE_ID.C_CI_NA_1 as number, qcc, `counter interrogation (QCC ${qcc})`);
  }

  private async interrogation(type: number, q: number, what: string): Promise<Asdu[]> {
    // both waiters before the request: the ActCon and the first objects may arrive in one read
    const con = this.expect(type, 0, COT_ACTCON, what);
    const term = this.expect(type, 0, COT_ACTTERM, what, true);
    try {
      this.send(type, { ioa: 0, qoi: q });
      await this.confirmed(con, 'activation', `the ${what}`);
    } catch (e) {
      con.cancel();
      term.cancel();
      throw e;
    }
    const end = await term.promise;
    if (end.negative) throw new Iec104Refusal(`the device ended the ${what} with a negative termination`, 'termination');
    return term.waiter.collect ?? [];
  }

  /** Clock synchronisation (C_CS_NA_1) to `ms`; resolves on the positive ActCon. */
  async clockSync(ms: number): Promise<void> {
    const type = TYPE_ID.C_CS_NA_1 as number;
    const con = this.expect(type, 0, COT_ACTCON, 'clock synchronisation');
    this.send(type, { ioa: 0, time: { ms, iv: false, su: false } }, con);
    await this.confirmed(con, 'activation', 'the clock synchronisation');
  }

  /** A command, direct or select-before-operate; resolves with the steps the device confirmed. */
  async command(c: CommandSpec): Promise<CommandSteps> {
    const name = COMMAND_TYPES[c.kind][c.timeTag !== undefined ? 1 : 0];
    const type = TYPE_ID[name] as number;
    const what = `${name} on IOA ${c.ioa}`;
    const steps: CommandSteps = { executed: 0 };
    const obj = (select: boolean): InfoObject => {
      const o: InfoObject = { ioa: c.ioa, value: c.value, select, qualifier: c.qualifier ?? 0 };
      if (c.timeTag !== undefined) o.time = { ms: c.timeTag, iv: false, su: false };
      return o;
    };
    if (c.sbo) {
      const sel = this.expect(type, c.ioa, COT_ACTCON, what);
      this.send(type, obj(true), sel);
      await this.confirmed(sel, 'select', `the select of ${what}`);
      steps.selected = this.timers.now();
    }
    const ex = this.expect(type, c.ioa, COT_ACTCON, what);
    const term = c.termination ? this.expect(type, c.ioa, COT_ACTTERM, what) : undefined;
    this.send(type, obj(false), ex, ...(term ? [term] : []));
    try {
      await this.confirmed(ex, 'execute', `the ${c.sbo ? 'execute' : 'command'} of ${what}`);
    } catch (e) {
      term?.cancel();
      throw e;
    }
    steps.executed = this.timers.now();
    if (term) {
      const end = await term.promise;
      if (end.negative) throw new Iec104Refusal(`the device ended ${what} with a negative termination (ActTerm)`, 'termination');
      steps.terminated = this.timers.now();
    }
    return steps;
  }

  // ------------------------------------------------------------------ internals

  /** sends an activation; when it cannot be sent, the answers awaited for it are given up */
  private send(type: number, o: InfoObject, ...awaited: Array<{ cancel(): void }>): void {
    try {
      this.link.send({ type, sq: false, cot: COT_ACT, negative: false, test: false, oa: this.o.oa ?? 0, ca: this.o.ca, objects: [o] });
    } catch (e) {
      for (const w of awaited) w.cancel();
      throw e;
    }
  }

  private async confirmed(p: { promise: Promise<Asdu> }, step: Iec104Refusal['step'], what: string): Promise<void> {
    const a = await p.promise;
    const cause = REFUSAL_CAUSE[a.cot];
    if (cause) throw new Iec104Refusal(`the device ${cause} of ${what} (cause ${a.cot}, common address ${a.ca})`, step);
    if (a.negative) throw new Iec104Refusal(`the device refused ${what} (negative confirmation)`, step);
  }

  /** waits for an answer of this type and IOA with this cause (or a refusal cause 44-47) */
  private expect(type: number, ioa: number, cot: number, what: string, collect = false): { promise: Promise<Asdu>; waiter: Waiter; cancel(): void } {
    let waiter!: Waiter;
    const promise = new Promise<Asdu>((resolve, reject) => {
      const cancel = this.timers.setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Iec104Timeout(`no ${cot === COT_ACTTERM ? 'termination (ActTerm)' : 'confirmation (ActCon)'} of the ${what} within ${this.o.timeoutMs} ms`));
      }, this.o.timeoutMs);
      waiter = { type, ioa, cot, resolve, reject, cancel };
      if (collect) waiter.collect = [];
      this.waiters.add(waiter);
    });
    // a waiter given up (the request could not be sent, an earlier step failed) rejects unheard
    promise.catch(() => undefined);
    return {
      promise,
      waiter,
      cancel: () => {
        waiter.cancel();
        this.waiters.delete(waiter);
        promise.catch(() => undefined);
      },
    };
  }

  private onAsdu(a: Asdu): void {
    if (a.ca !== this.o.ca && a.ca !== 0xffff) {
      // another station on the same link: not ours
      return;
    }
    if (a.type < 45 || a.type === TYPE_ID.M_EI_NA_1) {
      for (const w of this.waiters) if (w.collect && a.cot >= 20 && a.cot <= 41) w.collect.push(a);
      for (const h of [...this.dataHandlers]) h(a);
      return;
    }
    const ioa = a.objects[0]?.ioa ?? 0;
    for (const w of this.waiters) {
      if (w.type !== a.type || w.ioa !== ioa) continue;
      if (a.cot !== w.cot && !REFUSAL_CAUSE[a.cot]) continue;
      w.cancel();
      this.waiters.delete(w);
      w.resolve(a);
      return;
    }
    // an answer nobody waits for (a late ActTerm, a mirrored command): nothing to do
  }
}

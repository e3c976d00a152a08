/**
 * A Modbus TCP server that serves a device profile's register image: the server side of
 * this driver, used by the simulator and by the integration tests.
 *
 * Built on modbus-serial's ServerTCP with synchronous vector functions. Reading an address
 * that no register of the profile covers answers exception 2 (illegal data address), except
 * the unused gaps inside the profile's own block plan (they read as 0, so a client coalescing
 * reads as the profile allows gets an answer). Writing an unmapped address, or a register
 * whose access is 'ro', answers exception 2 as well.
 */
import * as net from 'node:net';
import { ServerTCP, type IServiceVector } from 'modbus-serial';
import type { ModbusProfile, ModbusRegister } from '../../core/common/site';
import { decodeRegister, encodeRegister, type CodecDefaults } from './codec';
import { isBitTable, planBlocks, registerSpan, type ModbusTable } from './blocks';

export interface ModbusProfileServerOptions {
  /** default 127.0.0.1 */
  host?: string;
  /** 0 (default) = an ephemeral port; start() resolves the port bound */
  port?: number;
  /** answer only this unit id; default: answer every unit id */
  unitId?: number;
}

export type WriteListener = (channel: string, value: number | boolean) => void;

/** An error that modbus-serial's server turns into a Modbus exception response. */
class ModbusException extends Error {
  constructor(
    readonly modbusErrorCode: number,
    message: string,
  ) {
    super(message);
  }
}

const ILLEGAL_ADDRESS = 0x02;

interface TableImage {
  /** raw words (registers) or 0/1 (bits) */
  data: Uint16Array;
  /** register indices covering each address (undefined = unmapped) */
  owners: Map<number, number[]>;
  /** 1 where a read is answered: mapped addresses and the gaps the profile's block plan bridges */
  readable: Uint8Array;
}

export class ModbusProfileServer {
  private readonly tables: Record<ModbusTable, TableImage>;
  private readonly byChannel = new Map<string, ModbusRegister>();
  private readonly defaults: CodecDefaults;
  private readonly listeners = new Set<WriteListener>();
  private server: ServerTCP | undefined;
  private boundPort: number | undefined;
  private paused = false;
  private latencyMs = 0;
  private readonly host: string;
  private readonly unitId: number;

  constructor(
    readonly profile: ModbusProfile,
    private readonly opts: ModbusProfileServerOptions = {},
  ) {
    this.host = opts.host ?? '127.0.0.1';
    // modbus-serial treats 255 (and a falsy id) as "answer every unit id"
    this.unitId = opts.unitId ?? 255;
    this.defaults = { wordOrder: profile.wordOrder, byteOrder: profile.byteOrder };
    const mk = (): TableImage => ({ data: new Uint16Array(0x10000), owners: new Map(), readable: new Uint8Array(0x10000) });
    this.tables = { holding: mk(), input: mk(), coil: mk(), discrete: mk() };
    profile.registers.forEach((reg, i) => {
      if (this.byChannel.has(reg.channel)) throw new Error(`profile ${profile.id}: duplicate channel ${reg.channel}`);
      this.byChannel.set(reg.channel, reg);
      const t = this.tables[reg.table];
      const span = registerSpan(reg);
      if (reg.address + span > 0x10000) throw new Error(`channel ${reg.channel}: ends past address 65535`);
      for (let a = reg.address; a < reg.address + span; a++) {
        const owners = t.owners.get(a);
        if (owners) owners.push(i);
        else t.owners.set(a, [i]);
      }
      // start from the engineering value 0 where the type can hold it (offset != 0 may not)
      try {
        this.writeImage(reg, encodeRegister(reg, isBitTable(reg.table) || reg.type === 'bool' ? false : 0, this.defaults));
      } catch {
        /* leave raw 0 */
      }
    });
    // A client that coalesces reads as this profile allows (maxGap) reads the unused
    // addresses in between: answer them (as 0), as a device whose profile says so would.
    for (const block of planBlocks(profile).blocks) this.tables[block.table].readable.fill(1, block.start, block.start + block.count);
  }

  /** the port bound by the last start(), if any */
  get port(): number | undefined {
    return this.boundPort;
  }

  /** number of client connections open now */
  get connections(): number {
    return this.server?.socks.size ?? 0;
  }

  /**
   * Starts listening; resolves the port bound. After stop(), start() binds the same port
   * again (so a test can take a device away and bring it back where the client expects it).
   */
  async start(): Promise<number> {
    if (this.server) throw new Error('ModbusProfileServer already started');
    const wanted = this.boundPort ?? this.opts.port ?? 0;
    for (let attempt = 0; ; attempt++) {
      const port = wanted !== 0 ? wanted : await freePort(this.host);
      try {
        this.server = await this.listen(port);
        this.boundPort = port;
        return port;
      } catch (e) {
        // an ephemeral port taken between probe and bind: try another
        if (wanted !== 0 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 5) throw e;
      }
    }
  }

  /** Closes the listener and drops every client connection at once (a hard close). */
  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Drops the current client connections but keeps listening. */
  dropConnections(): void {
    for (const sock of this.server?.socks.keys() ?? []) sock.destroy();
  }

  /** Stops answering requests (connections stay open; clients time out). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /** Answers every request this much later (a slow device); 0 = at once. */
  setLatency(ms: number): void {
    this.latencyMs = Math.max(0, ms);
  }

  /** Sets a channel's engineering value in the register image (encoded as the profile says). */
  set(channel: string, value: number | boolean): void {
    const reg = this.register(channel);
    this.writeImage(reg, encodeRegister(reg, value, this.defaults));
  }

  /** The channel's engineering value as the image holds it now. */
  get(channel: string): number | boolean {
    const reg = this.register(channel);
    return decodeRegister(reg, this.readImage(reg), this.defaults);
  }

  /** Writes raw words (or 0/1 bits) into the image, mapped or not. For tests. */
  setRaw(table: ModbusTable, address: number, words: readonly number[]): void {
    const t = this.tables[table];
    words.forEach((w, k) => {
      if (address + k > 0xffff) throw new Error(`setRaw: address ${address + k} out of range`);
      t.data[address + k] = isBitTable(table) ? (w ? 1 : 0) : w & 0xffff;
    });
  }

  /** Raw words (or bits) of the image. For tests. */
  getRaw(table: ModbusTable, address: number, count = 1): number[] {
    return Array.from(this.tables[table].data.subarray(address, address + count));
  }

  /** Called after a client wrote any part of a channel, with the channel's full decoded value. */
  onWrite(cb: WriteListener): () => void {
    this.listeners.add(cb);
    return () => {
      this.listeners.delete(cb);
    };
  }

  // ------------------------------------------------------------------ internals

  private register(channel: string): ModbusRegister {
    const reg = this.byChannel.get(channel);
    if (!reg) throw new Error(`channel ${channel}: not in profile ${this.profile.id}`);
    return reg;
  }

  private writeImage(reg: ModbusRegister, words: readonly number[]): void {
    this.tables[reg.table].data.set(words, reg.address);
  }

  private readImage(reg: ModbusRegister): Uint16Array {
    return this.tables[reg.table].data.subarray(reg.address, reg.address + registerSpan(reg));
  }

  private check(table: ModbusTable, address: number, count: number, write: boolean): void {
    const t = this.tables[table];
    for (let a = address; a < address + count; a++) {
      if (!write) {
        if (!t.readable[a]) throw new ModbusException(ILLEGAL_ADDRESS, `${table} ${a} is not mapped`);
        continue;
      }
      const owners = t.owners.get(a);
      if (!owners) throw new ModbusException(ILLEGAL_ADDRESS, `${table} ${a} is not mapped`);
      if (!owners.every((i) => this.profile.registers[i]?.access === 'rw'))
        throw new ModbusException(ILLEGAL_ADDRESS, `${table} ${a} is read-only`);
    }
  }

  private serve<T>(table: ModbusTable, address: number, map: (v: number) => T): T | Promise<T> {
    if (this.paused) return new Promise<T>(() => undefined); // never answers
    const answer = (): T => {
      this.check(table, address, 1, false);
      return map(this.tables[table].data[address] ?? 0);
    };
    if (this.latencyMs > 0) return this.later(answer);
    return answer();
  }

  private clientWrite(table: 'holding' | 'coil', address: number, values: readonly number[]): void | Promise<void> {
    if (this.paused) return new Promise<void>(() => undefined);
    if (this.latencyMs > 0) return this.later(() => this.applyWrite(table, address, values));
    this.applyWrite(table, address, values);
  }

  private later<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      setTimeout(() => {
        try {
          resolve(fn());
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      }, this.latencyMs);
    });
  }

  private applyWrite(table: 'holding' | 'coil', address: number, values: readonly number[]): void {
    this.check(table, address, values.length, true);
    const t = this.tables[table];
    t.data.set(values, address);
    const touched = new Set<number>();
    for (let a = address; a < address + values.length; a++) for (const i of t.owners.get(a) ?? []) touched.add(i);
    for (const i of [...touched].sort((x, y) => x - y)) {
      const reg = this.profile.registers[i];
      if (!reg) continue;
      const value = decodeRegister(reg, this.readImage(reg), this.defaults);
      for (const l of this.listeners) {
        try {
          l(reg.channel, value);
        } catch (e) {
          console.error(`ModbusProfileServer ${this.profile.id}: onWrite listener failed for ${reg.channel}:`, e);
        }
      }
    }
  }

  private vector(): IServiceVector {
    // Arity matters: modbus-serial calls a 2-argument getter (3 for setters) synchronously
    // and accepts a value or a promise; it would pass a callback to one more argument.
    return {
      getHoldingRegister: (addr: number, _unit: number) => this.serve('holding', addr, (v) => v),
      getInputRegister: (addr: number, _unit: number) => this.serve('input', addr, (v) => v),
      getCoil: (addr: number, _unit: number) => this.serve('coil', addr, (v) => v !== 0),
      getDiscreteInput: (addr: number, _unit: number) => this.serve('discrete', addr, (v) => v !== 0),
      setRegister: (addr: number, value: number, _unit: number) => this.clientWrite('holding', addr, [value]),
      setRegisterArray: (addr: number, values: number[], _unit: number) => this.clientWrite('holding', addr, values),
      setCoil: (addr: number, value: boolean, _unit: number) => this.clientWrite('coil', addr, [value ? 1 : 0]),
    };
  }

  private listen(port: number): Promise<ServerTCP> {
    return new Promise<ServerTCP>((resolve, reject) => {
      const srv = new ServerTCP(this.vector(), { host: this.host, port, unitID: this.unitId });
      const onError = (err: Error | null): void => {
        srv.close(() => undefined);
        reject(err ?? new Error(`cannot listen on ${this.host}:${port}`));
      };
      srv.once('serverError', onError);
      srv.once('initialized', () => {
        srv.removeListener('serverError', onError);
        // a client that resets its connection is not our failure
        srv.on('serverError', (e) => console.error(`ModbusProfileServer ${this.profile.id}:`, e));
        srv.on('socketError', () => undefined);
        srv.on('error', () => undefined);
        resolve(srv);
      });
    });
  }
}

/** A port free on host now (bind 0, read, close). */
function freePort(host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host, port: 0, exclusive: true }, () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => (port ? resolve(port) : reject(new Error('no ephemeral port'))));
    });
  });
}

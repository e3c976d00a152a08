/**
 * A Modbus TCP server that serves a device profile's register image: the server side of
 * this driver, used by the simulator and by the integration tests.
 *
 * Its own Modbus TCP framing on node:net (MBAP header, functions 1-6, 15 and 16, exceptions
 * 1-3): each request is answered synchronously from the image as soon as its bytes are in —
 * modbus-serial's ServerTCP answered through a timer per request and capped a client at about
 * 700 transactions/s (issue #17 item 9; `npm run bench -- modbus-server`). Reading an address
 * that no register of the profile covers answers exception 2 (illegal data address), except
 * the unused gaps inside the profile's own block plan (they read as 0, so a client coalescing
 * reads as the profile allows gets an answer). Writing an unmapped address, or a register
 * whose access is 'ro', answers exception 2 as well.
 */
import * as net from 'node:net';
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

/** A request the server answers with a Modbus exception. */
class ModbusException extends Error {
  constructor(
    readonly modbusErrorCode: number,
    message: string,
  ) {
    super(message);
  }
}

const ILLEGAL_FUNCTION = 0x01;
const ILLEGAL_ADDRESS = 0x02;
const ILLEGAL_VALUE = 0x03;
/** MBAP header: transaction id, protocol id (0), length of what follows, unit id */
const MBAP = 7;

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
  private server: net.Server | undefined;
  private readonly socks = new Set<net.Socket>();
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
    // 255 (and 0) answer every unit id, as modbus-serial's server did
    this.unitId = opts.unitId || 255;
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
    return this.server ? this.socks.size : 0;
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
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const sock of this.socks) sock.destroy();
    this.socks.clear();
    await closed;
  }

  /** Drops the current client connections but keeps listening. */
  dropConnections(): void {
    for (const sock of this.socks) sock.destroy();
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

  private later(fn: () => void): void {
    setTimeout(fn, this.latencyMs);
  }

  private applyWrite(table: 'holding' | 'coil', address: number, values: readonly number[]): void {
    this.checkRange(table, address, values.length, true);
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

  // ------------------------------------------------------------------ Modbus TCP

  private listen(port: number): Promise<net.Server> {
    return new Promise<net.Server>((resolve, reject) => {
      const srv = net.createServer((sock) => this.accept(sock));
      srv.once('error', reject);
      srv.listen({ host: this.host, port }, () => {
        srv.removeListener('error', reject);
        srv.on('error', (e) => console.error(`ModbusProfileServer ${this.profile.id}:`, e));
        resolve(srv);
      });
    });
  }

  private accept(sock: net.Socket): void {
    if (!this.server) {
      sock.destroy();
      return;
    }
    this.socks.add(sock);
    sock.setNoDelay(true);
    // a client that resets its connection is not our failure
    sock.on('error', () => undefined);
    sock.once('close', () => this.socks.delete(sock));
    let pending: Buffer | undefined;
    sock.on('data', (chunk: Buffer) => {
      const buf = pending ? Buffer.concat([pending, chunk]) : chunk;
      pending = undefined;
      let off = 0;
      while (buf.length - off >= MBAP) {
        const len = buf.readUInt16BE(off + 4);
        if (len < 2 || len > 254) {
          // not Modbus TCP: drop the connection, as a device would
          sock.destroy();
          return;
        }
        if (buf.length - off < 6 + len) break;
        this.request(sock, buf.subarray(off, off + 6 + len));
        off += 6 + len;
      }
      if (off < buf.length) pending = Buffer.from(buf.subarray(off));
    });
  }

  /** one request frame (MBAP + PDU): answered now, later (latency) or never (paused, other unit) */
  private request(sock: net.Socket, frame: Buffer): void {
    const unit = frame[6]!;
    if (this.unitId !== 255 && unit !== this.unitId) return; // not ours: no answer
    if (this.paused) return; // never answers
    const tid = frame.readUInt16BE(0);
    if (this.latencyMs > 0) {
      const copy = Buffer.from(frame);
      this.later(() => {
        if (!this.paused && !sock.destroyed) sock.write(this.answer(tid, unit, copy.subarray(MBAP)));
      });
      return;
    }
    sock.write(this.answer(tid, unit, frame.subarray(MBAP)));
  }

  /** the response frame to a PDU (function code + data) */
  private answer(tid: number, unit: number, pdu: Buffer): Buffer {
    const fc = pdu[0]!;
    try {
      const body = this.execute(fc, pdu);
      const out = Buffer.allocUnsafe(MBAP + 1 + body.length);
      header(out, tid, unit, 2 + body.length);
      out[MBAP] = fc;
      body.copy(out, MBAP + 1);
      return out;
    } catch (e) {
      const code = e instanceof ModbusException ? e.modbusErrorCode : 0x04;
      const out = Buffer.allocUnsafe(MBAP + 2);
      header(out, tid, unit, 3);
      out[MBAP] = fc | 0x80;
      out[MBAP + 1] = code;
      return out;
    }
  }

  /** runs one request on the image; the response data after the function code */
  private execute(fc: number, pdu: Buffer): Buffer {
    if (pdu.length < 5) throw new ModbusException(ILLEGAL_VALUE, 'request too short');
    const address = pdu.readUInt16BE(1);
    const qty = pdu.readUInt16BE(3);
    switch (fc) {
      case 1:
      case 2: {
        const table: ModbusTable = fc === 1 ? 'coil' : 'discrete';
        if (qty < 1 || qty > 2000) throw new ModbusException(ILLEGAL_VALUE, `${qty} bits`);
        this.checkRange(table, address, qty, false);
        const data = this.tables[table].data;
        const n = Math.ceil(qty / 8);
        const body = Buffer.alloc(1 + n);
        body[0] = n;
        for (let i = 0; i < qty; i++) if (data[address + i]) body[1 + (i >> 3)]! |= 1 << (i & 7);
        return body;
      }
      case 3:
      case 4: {
        const table: ModbusTable = fc === 3 ? 'holding' : 'input';
        if (qty < 1 || qty > 125) throw new ModbusException(ILLEGAL_VALUE, `${qty} registers`);
        this.checkRange(table, address, qty, false);
        const data = this.tables[table].data;
        const body = Buffer.allocUnsafe(1 + 2 * qty);
        body[0] = 2 * qty;
        for (let i = 0; i < qty; i++) body.writeUInt16BE(data[address + i]!, 1 + 2 * i);
        return body;
      }
      case 5: {
        // qty is the value: 0xFF00 on, 0x0000 off
        if (qty !== 0xff00 && qty !== 0) throw new ModbusException(ILLEGAL_VALUE, `coil value ${qty}`);
        this.applyWrite('coil', address, [qty ? 1 : 0]);
        return pdu.subarray(1, 5);
      }
      case 6:
        this.applyWrite('holding', address, [qty]);
        return pdu.subarray(1, 5);
      case 15: {
        const n = pdu[5] ?? 0;
        if (qty < 1 || qty > 1968 || n !== Math.ceil(qty / 8) || pdu.length < 6 + n) throw new ModbusException(ILLEGAL_VALUE, `${qty} coils in ${n} bytes`);
        const values: number[] = [];
        for (let i = 0; i < qty; i++) values.push((pdu[6 + (i >> 3)]! >> (i & 7)) & 1);
        this.applyWrite('coil', address, values);
        return pdu.subarray(1, 5);
      }
      case 16: {
        const n = pdu[5] ?? 0;
        if (qty < 1 || qty > 123 || n !== 2 * qty || pdu.length < 6 + n) throw new ModbusException(ILLEGAL_VALUE, `${qty} registers in ${n} bytes`);
        const values: number[] = [];
        for (let i = 0; i < qty; i++) values.push(pdu.readUInt16BE(6 + 2 * i));
        this.applyWrite('holding', address, values);
        return pdu.subarray(1, 5);
      }
      default:
        throw new ModbusException(ILLEGAL_FUNCTION, `function ${fc}`);
    }
  }

  private checkRange(table: ModbusTable, address: number, count: number, write: boolean): void {
    if (address + count > 0x10000) throw new ModbusException(ILLEGAL_ADDRESS, `${table} ${address}+${count} past 65535`);
    this.check(table, address, count, write);
  }
}

function header(out: Buffer, tid: number, unit: number, length: number): void {
  out.writeUInt16BE(tid, 0);
  out.writeUInt16BE(0, 2);
  out.writeUInt16BE(length, 4);
  out[6] = unit;
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

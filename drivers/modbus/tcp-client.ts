/**
 * A lean Modbus TCP client on node:net for the bridge (issue #17 item 7): the requests the
 * bridge makes (FC1-FC6, FC16), one in flight (the supervisor's queue guarantees it), the
 * answer matched by transaction id and unit, parsed straight from the socket's chunks.
 * modbus-serial stays the client for Modbus RTU; over TCP it capped the driver at about
 * 0.45x mbpoll (bench/modbus-driver.bench.ts: a timer, an event and several copies per
 * transaction), this client answers in one pass over the received bytes.
 *
 * Errors read as modbus-serial's did, so status texts and the supervisor's rules stay the
 * same: an exception answer is "Modbus exception <code>: <meaning>" with `modbusCode` (the
 * link stays up), a missing answer is a `TransactionTimedOutError` "Timed out", a closed
 * connection "Port Not Open".
 */
import { Socket } from 'node:net';

const EXCEPTIONS = [
  'Unknown error',
  'Illegal function (device does not support this read/write function)',
  'Illegal data address (register not supported by device)',
  'Illegal data value (value cannot be written to this register)',
  'Slave device failure (device reports internal error)',
  'Acknowledge (requested data will be available later)',
  'Slave device busy (retry request again later)',
  'Negative acknowledge (slave device cannot perform programming functions)',
  'Memory parity error (slave device detected a parity error in memory)',
  'Unknown error',
  'Gateway path unavailable (misconfigured gateway)',
  'Gateway target device failed to respond (retry request again later)',
];

/** the device answered with a Modbus exception (the link stays up) */
export class ModbusExceptionError extends Error {
  constructor(readonly modbusCode: number) {
    super(`Modbus exception ${modbusCode}: ${EXCEPTIONS[modbusCode] ?? 'Unknown error'}`);
  }
}

export class TransactionTimedOutError extends Error {
  override name = 'TransactionTimedOutError';
  readonly errno = 'ETIMEDOUT';
  constructor() {
    super('Timed out');
  }
}

export class PortNotOpenError extends Error {
  override name = 'PortNotOpenError';
  readonly errno = 'ECONNREFUSED';
  constructor() {
    super('Port Not Open');
  }
}

interface Pending {
  tid: number;
  fc: number;
  /** registers or bits asked for (reads) */
  count: number;
  resolve(data: unknown): void;
  reject(e: Error): void;
  /** no answer by then (performance.now(), ms): timed out */
  deadline: number;
}

export class ModbusTcpClient {
  /** the connection (the bridge records its octets in the raw frame ring) */
  readonly socket = new Socket();
  private unit = 1;
  private timeoutMs = 1000;
  private tid = 0;
  private pending: Pending | undefined;
  /** bytes of an answer split over chunks (rare on loopback) */
  private rest: Buffer | undefined;
  private open = false;
  private readonly closeHandlers: Array<() => void> = [];
  /**
   * One timer for the link, not one per request: it is armed for the request in flight's
   * deadline and, when it fires early (that request was answered and a later one is in
   * flight), re-armed for the new deadline. A fast device costs no timer per transaction.
   */
  private timer: NodeJS.Timeout | undefined;

  constructor() {
    this.socket.setNoDelay(true);
    this.socket.on('data', (d: Buffer) => this.onData(d));
    this.socket.on('error', () => undefined); // 'close' follows and is what counts
    this.socket.on('close', () => {
      this.open = false;
      this.fail(new PortNotOpenError());
      for (const h of this.closeHandlers.splice(0)) h();
    });
  }

  get isOpen(): boolean {
    return this.open;
  }

  connectTCP(host: string, o: { port: number }): Promise<void> {
    return new Promise((resolve, reject) => {
      const failed = (e: Error): void => reject(e);
      this.socket.once('error', failed);
      this.socket.connect({ host, port: o.port }, () => {
        this.socket.off('error', failed);
        this.open = true;
        resolve();
      });
    });
  }

  setID(unit: number): void {
    this.unit = unit;
  }

  setTimeout(ms: number): void {
    this.timeoutMs = ms;
  }

  /** `close` once, when the connection ends (by either side) */
  on(event: 'close', handler: () => void): this {
    if (event === 'close') this.closeHandlers.push(handler);
    return this;
  }

  destroy(cb?: () => void): void {
    this.open = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.socket.destroy();
    cb?.();
  }

  readHoldingRegisters(start: number, count: number): Promise<{ data: number[] }> {
    return this.read(3, start, count) as Promise<{ data: number[] }>;
  }

  readInputRegisters(start: number, count: number): Promise<{ data: number[] }> {
    return this.read(4, start, count) as Promise<{ data: number[] }>;
  }

  readCoils(start: number, count: number): Promise<{ data: boolean[] }> {
    return this.read(1, start, count) as Promise<{ data: boolean[] }>;
  }

  readDiscreteInputs(start: number, count: number): Promise<{ data: boolean[] }> {
    return this.read(2, start, count) as Promise<{ data: boolean[] }>;
  }

  writeCoil(address: number, on: boolean): Promise<unknown> {
    return this.send(5, 0, (b) => {
      b.writeUInt16BE(address, 8);
      b.writeUInt16BE(on ? 0xff00 : 0, 10);
    }, 4);
  }

  writeRegister(address: number, word: number): Promise<unknown> {
    return this.send(6, 0, (b) => {
      b.writeUInt16BE(address, 8);
      b.writeUInt16BE(word & 0xffff, 10);
    }, 4);
  }

  writeRegisters(address: number, words: readonly number[]): Promise<unknown> {
    return this.send(16, 0, (b) => {
      b.writeUInt16BE(address, 8);
      b.writeUInt16BE(words.length, 10);
      b[12] = 2 * words.length;
      for (let i = 0; i < words.length; i++) b.writeUInt16BE(words[i]! & 0xffff, 13 + 2 * i);
    }, 5 + 2 * words.length);
  }

  private read(fc: number, start: number, count: number): Promise<{ data: number[] | boolean[] }> {
    return this.send(fc, count, (b) => {
      b.writeUInt16BE(start, 8);
      b.writeUInt16BE(count, 10);
    }, 4) as Promise<{ data: number[] | boolean[] }>;
  }

  /** one request: MBAP (7) + function code + `body` bytes written by `fill` at offset 8 */
  private send(fc: number, count: number, fill: (b: Buffer) => void, body: number): Promise<unknown> {
    if (!this.open) return Promise.reject(new PortNotOpenError());
    if (this.pending) return Promise.reject(new Error('a Modbus request is already in flight on this connection'));
    this.tid = (this.tid + 1) & 0xffff;
    const tid = this.tid;
    const b = Buffer.allocUnsafe(8 + body);
    b.writeUInt16BE(tid, 0);
    b.writeUInt16BE(0, 2);
    b.writeUInt16BE(2 + body, 4);
    b[6] = this.unit;
    b[7] = fc;
    fill(b);
    return new Promise((resolve, reject) => {
      this.pending = { tid, fc, count, resolve, reject, deadline: performance.now() + this.timeoutMs };
      this.timer ??= setTimeout(this.expire, this.timeoutMs);
      this.socket.write(b);
    });
  }

  private readonly expire = (): void => {
    this.timer = undefined;
    const p = this.pending;
    if (!p) return;
    const left = p.deadline - performance.now();
    if (left > 0) {
      this.timer = setTimeout(this.expire, Math.ceil(left));
      return;
    }
    this.pending = undefined;
    this.rest = undefined;
    p.reject(new TransactionTimedOutError());
  };

  private onData(chunk: Buffer): void {
    let d = chunk;
    if (this.rest) {
      d = Buffer.concat([this.rest, chunk]);
      this.rest = undefined;
    }
    let at = 0;
    while (d.length - at >= 8) {
      const len = d.readUInt16BE(at + 4);
      const end = at + 6 + len;
      if (end > d.length) break;
      this.answer(d, at, end);
      at = end;
    }
    if (at < d.length) this.rest = d.subarray(at);
  }

  /** one whole answer in d[at, end) */
  private answer(d: Buffer, at: number, end: number): void {
    const p = this.pending;
    // an answer to a request that timed out, or for another unit: not ours
    if (!p || d.readUInt16BE(at) !== p.tid || d[at + 6] !== this.unit) return;
    this.pending = undefined;
    const fc = d[at + 7]!;
    if (fc === (p.fc | 0x80)) return p.reject(new ModbusExceptionError(d[at + 8] ?? 0));
    if (fc !== p.fc) return p.reject(new Error(`the device answered function ${fc} to function ${p.fc}`));
    if (fc === 3 || fc === 4) {
      const bytes = d[at + 8] ?? 0;
      if (bytes !== 2 * p.count || at + 9 + bytes > end) return p.reject(new Error(`asked for ${p.count} registers, the answer holds ${bytes} bytes`));
      const data = new Array<number>(p.count);
      for (let i = 0; i < p.count; i++) data[i] = d.readUInt16BE(at + 9 + 2 * i);
      return p.resolve({ data });
    }
    if (fc === 1 || fc === 2) {
      const bytes = d[at + 8] ?? 0;
      if (bytes < Math.ceil(p.count / 8) || at + 9 + bytes > end) return p.reject(new Error(`asked for ${p.count} bits, the answer holds ${bytes} bytes`));
      const data = new Array<boolean>(p.count);
      for (let i = 0; i < p.count; i++) data[i] = ((d[at + 9 + (i >> 3)]! >> (i & 7)) & 1) === 1;
      return p.resolve({ data });
    }
    p.resolve({ address: d.readUInt16BE(at + 8), value: d.readUInt16BE(at + 10) });
  }

  private fail(e: Error): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    p.reject(e);
  }
}

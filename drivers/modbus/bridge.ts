/**
 * The Modbus bridge (client side): one per device, Modbus TCP or RTU, through modbus-serial.
 *
 * - Polls every block of the profile once per device.pollMs; a tick that finds the previous
 *   poll still running is skipped, never queued.
 * - One request in flight per connection: polls (block by block), writes and reads go
 *   through one internal queue, so a write waits at most for the block read in progress.
 * - Any failure other than a Modbus exception (timeout, refused, reset, closed) drops the
 *   connection, marks every point of the device bad/comm-fail (published once, on the
 *   transition) and reconnects with exponential backoff (250 ms doubling to 10 s; reset by
 *   the next successful poll, which publishes good values again).
 * - A Modbus exception answering one block marks only that block's points bad/device
 *   (published on the transition) and keeps the connection.
 * - Each poll publishes one batch; a sample's ts is the time its block's response arrived.
 */
import ModbusRTU from 'modbus-serial';
import type { Bridge, BridgeContext, BridgeFactory, Driver, PointSample, PointSink } from '../../core/common/bridge';
import type { CommState, DeviceStatus, Unsubscribe } from '../../core/common/bridge';
import {
  isModbusDevice,
  isModbusProfile,
  isModbusTcpDevice,
  modbusProtocol,
  type DeviceConfig,
  type ProtocolDefinition,
  type ModbusDevice,
  type ModbusProfile,
  type ModbusRegister,
} from '../../core/common/site';
import type { PointValue } from '../../core/common/point';
import type { Quality } from '../../core/common/quality';
import { decodeRegister, encodeRegister, type CodecDefaults } from './codec';
import { planBlocks, registerSpan, type BlockPlan, type ReadBlock } from './blocks';

export const BACKOFF_MIN_MS = 250;
export const BACKOFF_MAX_MS = 10_000;

const GOOD: Quality = { level: 'good' };
const COMM_FAIL: Quality = { level: 'bad', reason: 'comm-fail' };
const DEVICE_BAD: Quality = { level: 'bad', reason: 'device' };

type Client = ModbusRTU;

interface Link {
  client: Client;
  closed: boolean;
  /** called once when the link is closed, by us or by the peer */
  closers: Set<(why: Error) => void>;
}

/** the link is down (or went down while a request was pending) */
class LinkDown extends Error {}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  if (e && typeof e === 'object' && 'message' in e && typeof (e as { message: unknown }).message === 'string')
    return (e as { message: string }).message;
  return String(e);
}

/** modbus-serial marks exception responses with `modbusCode` */
function modbusExceptionCode(e: unknown): number | undefined {
  if (e && typeof e === 'object' && 'modbusCode' in e) {
    const c = (e as { modbusCode: unknown }).modbusCode;
    if (typeof c === 'number') return c;
  }
  return undefined;
}

function bitToWord(v: number | boolean): number {
  return typeof v === 'boolean' ? (v ? 1 : 0) : v;
}

export function deviceAddress(device: DeviceConfig): string {
  if (!isModbusDevice(device)) return device.protocol;
  if (isModbusTcpDevice(device)) {
    const c = device.connection;
    return `${c.host}:${c.port} unit ${c.unitId}`;
  }
  const c = device.connection;
  return `${c.path} ${c.baudRate} ${c.dataBits}${c.parity[0]?.toUpperCase() ?? 'N'}${c.stopBits} unit ${c.unitId}`;
}

export class ModbusBridge implements Bridge {
  readonly deviceId: string;
  private readonly device: ModbusDevice;
  private readonly profile: ModbusProfile;
  private readonly sink: PointSink;
  private readonly now: () => number;
  private readonly defaults: CodecDefaults;
  private readonly plan: BlockPlan;
  private readonly byChannel = new Map<string, ModbusRegister>();
  private readonly pointIds: string[];

  private link: Link | undefined;
  /** a client whose connect is in progress (closed by stop()) */
  private connectingClient: Client | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private pollTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private backoffMs = BACKOFF_MIN_MS;
  private running = false;
  private polling = false;
  /** every point was published bad/comm-fail and nothing good since */
  private commFailPublished = false;
  /** per block: its points were published bad/device and nothing good since */
  private readonly blockBad: boolean[];
  /** last good value of each register (aligned with profile.registers) */
  private readonly lastValues: Array<number | boolean | undefined>;
  private readonly statusHandlers = new Set<(s: DeviceStatus) => void>();
  private st: DeviceStatus;
  /** polls skipped because the previous one was still running */
  skippedPolls = 0;

  constructor(ctx: BridgeContext) {
    const { device, profile } = ctx;
    if (!isModbusDevice(device)) throw new Error(`device ${device.id}: protocol ${device.protocol} is not Modbus`);
    if (!isModbusProfile(profile)) throw new Error(`device ${device.id}: profile ${profile.id} is not a Modbus profile`);
    this.deviceId = device.id;
    this.device = device;
    this.profile = profile;
    this.sink = ctx.sink;
    this.now = ctx.now ?? Date.now;
    this.defaults = { wordOrder: profile.wordOrder, byteOrder: profile.byteOrder };
    for (const reg of profile.registers) {
      if (this.byChannel.has(reg.channel))
        throw new Error(`device ${device.id}: profile ${profile.id} maps channel ${reg.channel} twice`);
      this.byChannel.set(reg.channel, reg);
    }
    this.plan = planBlocks(profile);
    this.blockBad = this.plan.blocks.map(() => false);
    this.lastValues = profile.registers.map(() => undefined);
    this.pointIds = profile.registers.map((r) => `${device.asset}/${r.channel}`);
    this.st = {
      id: device.id,
      name: device.name,
      protocol: device.protocol,
      address: deviceAddress(device),
      asset: device.asset,
      profile: profile.id,
      simulated: device.simulated ?? false,
      state: 'disabled',
      pollMs: device.pollMs,
      polls: 0,
      failures: 0,
    };
  }

  /** the block reads this bridge makes each poll */
  get blocks(): readonly ReadBlock[] {
    return this.plan.blocks;
  }

  /**
   * Starts polling. Resolves after the first connection attempt (and, if it connected, the
   * first poll); a device that does not answer is reported through status(), not a rejection.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.backoffMs = BACKOFF_MIN_MS;
    this.setState('connecting');
    this.pollTimer = setInterval(() => void this.poll(), this.device.pollMs);
    await this.connect();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.pollTimer = undefined;
    this.reconnectTimer = undefined;
    if (this.connectingClient) this.destroyClient(this.connectingClient);
    this.connectingClient = undefined;
    const link = this.link;
    this.link = undefined;
    if (link) this.closeLink(link, new LinkDown(`device ${this.deviceId} stopped`));
    // let the request in flight (rejected by the close) unwind
    await this.queue.catch(() => undefined);
    this.setState('disabled');
  }

  status(): DeviceStatus {
    return { ...this.st };
  }

  onStatus(handler: (s: DeviceStatus) => void): Unsubscribe {
    this.statusHandlers.add(handler);
    return () => {
      this.statusHandlers.delete(handler);
    };
  }

  async write(channel: string, value: number | boolean): Promise<void> {
    const reg = this.channel(channel);
    if (reg.table === 'input' || reg.table === 'discrete' || reg.access !== 'rw')
      throw new Error(`channel ${channel}: not writable (device ${this.deviceId}, ${reg.table} ${reg.address}, access ${reg.access})`);
    const words = encodeRegister(reg, value, this.defaults);
    const first = words[0] ?? 0;
    try {
      await this.request<unknown>((c) => {
        if (reg.table === 'coil') return c.writeCoil(reg.address, first !== 0); // FC5
        if (words.length === 1) return c.writeRegister(reg.address, first); // FC6
        return c.writeRegisters(reg.address, words); // FC16
      });
    } catch (e) {
      throw new Error(`channel ${channel}: write of ${String(value)} to device ${this.deviceId} failed: ${errorText(e)}`);
    }
  }

  async read(channel: string): Promise<PointValue> {
    const reg = this.channel(channel);
    const span = registerSpan(reg);
    try {
      const data = await this.request((c) => this.readTable(c, reg.table, reg.address, span));
      return decodeRegister(reg, data.slice(0, span).map(bitToWord), this.defaults);
    } catch (e) {
      throw new Error(`channel ${channel}: read from device ${this.deviceId} failed: ${errorText(e)}`);
    }
  }

  // ------------------------------------------------------------------ connection

  private async connect(): Promise<void> {
    this.reconnectTimer = undefined;
    if (!this.running || this.link) return;
    const client = new ModbusRTU();
    this.connectingClient = client;
    // modbus-serial relays port errors as 'error' events: never let one go unhandled
    client.on('error', () => undefined);
    const d = this.device;
    try {
      if (d.protocol === 'modbus-tcp') {
        const { host, port } = d.connection;
        await this.guard(client.connectTCP(host, { port }), d.timeoutMs, `connect to ${host}:${port} timed out after ${d.timeoutMs} ms`);
      } else {
        const { path, baudRate, parity, dataBits, stopBits } = d.connection;
        try {
          await this.guard(
            client.connectRTUBuffered(path, { baudRate, parity, dataBits, stopBits }),
            d.timeoutMs,
            `open timed out after ${d.timeoutMs} ms`,
          );
        } catch (e) {
          throw new Error(`cannot open serial port ${path}: ${errorText(e)}`);
        }
      }
    } catch (e) {
      this.destroyClient(client);
      if (this.connectingClient !== client || !this.running) return; // stopped meanwhile
      this.connectingClient = undefined;
      this.failed(new Error(`device ${this.deviceId} (${this.st.address}): ${errorText(e)}`));
      return;
    }
    if (this.connectingClient !== client || !this.running) {
      this.destroyClient(client);
      return;
    }
    this.connectingClient = undefined;
    client.setID(d.connection.unitId);
    client.setTimeout(d.timeoutMs);
    const link: Link = { client, closed: false, closers: new Set() };
    this.link = link;
    client.on('close', () => {
      if (!link.closed) this.linkFailed(link, new Error(`connection to ${this.st.address} closed by the device`));
    });
    await this.poll();
  }

  /** resolves/rejects with p, or rejects after ms */
  private guard<T>(p: Promise<T>, ms: number, message: string, link?: Link): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const closer = (why: Error): void => {
        clearTimeout(timer);
        reject(why);
      };
      const timer = setTimeout(() => {
        link?.closers.delete(closer);
        reject(new Error(message));
      }, ms);
      link?.closers.add(closer);
      p.then(
        (v) => {
          clearTimeout(timer);
          link?.closers.delete(closer);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(timer);
          link?.closers.delete(closer);
          reject(e instanceof Error ? e : new Error(errorText(e)));
        },
      );
    });
  }

  /** Runs one request on the connection, after every request queued before it. */
  private request<T>(op: (c: Client) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const link = this.link;
      if (!link || link.closed)
        throw new LinkDown(`device ${this.deviceId} is not connected${this.st.lastError ? ` (${this.st.lastError})` : ''}`);
      try {
        // the library times out after timeoutMs; this guard only catches a request it lost
        return await this.guard(op(link.client), this.device.timeoutMs + 500, `no answer within ${this.device.timeoutMs} ms`, link);
      } catch (e) {
        if (modbusExceptionCode(e) === undefined) this.linkFailed(link, e);
        throw e;
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async readTable(c: Client, table: ModbusRegister['table'], start: number, count: number): Promise<Array<number | boolean>> {
    switch (table) {
      case 'holding':
        return (await c.readHoldingRegisters(start, count)).data;
      case 'input':
        return (await c.readInputRegisters(start, count)).data;
      case 'coil':
        return (await c.readCoils(start, count)).data;
      case 'discrete':
        return (await c.readDiscreteInputs(start, count)).data;
    }
  }

  private closeLink(link: Link, why: Error): void {
    if (link.closed) return;
    link.closed = true;
    for (const c of [...link.closers]) c(why);
    link.closers.clear();
    this.destroyClient(link.client);
  }

  private destroyClient(client: Client): void {
    try {
      if (this.device.protocol === 'modbus-tcp') client.destroy(() => undefined);
      else if (client.isOpen) client.close(() => undefined);
    } catch {
      /* already gone */
    }
  }

  /** the link failed (timeout, reset, closed): drop it, mark points bad, reconnect */
  private linkFailed(link: Link, e: unknown): void {
    if (link.closed || !this.running) return;
    const err = e instanceof Error ? e : new Error(errorText(e));
    if (this.link === link) this.link = undefined;
    this.closeLink(link, new LinkDown(`connection lost: ${err.message}`));
    this.failed(err);
  }

  private failed(err: Error): void {
    if (!this.running) return;
    this.st.failures++;
    const errorChanged = this.st.lastError !== err.message;
    this.st.lastError = err.message;
    if (!this.commFailPublished) {
      this.commFailPublished = true;
      this.blockBad.fill(false);
      const ts = this.now();
      // bad with the last known value (null if never read), as OPC UA does
      this.sink.publish(this.pointIds.map((id, i) => ({ id, value: this.lastValues[i] ?? null, quality: COMM_FAIL, ts })));
    }
    this.setState('offline', errorChanged);
    if (!this.reconnectTimer) {
      const delay = this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
      this.reconnectTimer = setTimeout(() => void this.connect(), delay);
    }
  }

  // ------------------------------------------------------------------ polling

  private async poll(): Promise<void> {
    if (!this.running || !this.link) return;
    if (this.polling) {
      this.skippedPolls++;
      return;
    }
    this.polling = true;
    const t0 = performance.now();
    const samples: PointSample[] = [];
    let exceptions: string | undefined;
    try {
      for (let b = 0; b < this.plan.blocks.length; b++) {
        const block = this.plan.blocks[b] as ReadBlock;
        let data: Array<number | boolean>;
        try {
          data = await this.request((c) => this.readTable(c, block.table, block.start, block.count));
        } catch (e) {
          const code = modbusExceptionCode(e);
          if (code === undefined) throw e;
          exceptions = `${block.table} ${block.start}+${block.count}: ${errorText(e)}`;
          if (!this.blockBad[b]) {
            const ts = this.now();
            for (const i of block.registers)
              samples.push({ id: this.pointIds[i] as string, value: this.lastValues[i] ?? null, quality: DEVICE_BAD, ts });
          }
          this.blockBad[b] = true;
          continue;
        }
        const ts = this.now();
        this.blockBad[b] = false;
        for (const i of block.registers) {
          const reg = this.profile.registers[i] as ModbusRegister;
          const slice = this.plan.slices[i];
          const id = this.pointIds[i] as string;
          try {
            if (!slice) throw new Error('not planned');
            const words = data.slice(slice.offset, slice.offset + slice.length).map(bitToWord);
            const value = decodeRegister(reg, words, this.defaults);
            this.lastValues[i] = value;
            samples.push({ id, value, quality: GOOD, ts });
          } catch {
            samples.push({ id, value: this.lastValues[i] ?? null, quality: DEVICE_BAD, ts });
          }
        }
      }
    } catch (e) {
      // the link failed: linkFailed() already marked everything bad and scheduled a reconnect
      this.st.polls++;
      this.st.lastPollMs = Math.round(performance.now() - t0);
      // (request() already dropped the link and scheduled the reconnect)
      if (modbusExceptionCode(e) === undefined && !(e instanceof LinkDown) && this.link) this.linkFailed(this.link, e);
      return;
    } finally {
      this.polling = false;
    }
    if (!this.running) return;
    this.st.polls++;
    this.st.lastPollMs = Math.round(performance.now() - t0);
    this.st.lastOk = this.now();
    const errChanged = exceptions !== undefined && this.st.lastError !== exceptions;
    if (exceptions !== undefined) this.st.lastError = exceptions;
    this.commFailPublished = false;
    this.backoffMs = BACKOFF_MIN_MS;
    this.sink.publish(samples);
    this.setState('online', errChanged);
  }

  // ------------------------------------------------------------------ helpers

  private channel(channel: string): ModbusRegister {
    const reg = this.byChannel.get(channel);
    if (!reg) throw new Error(`channel ${channel}: not in profile ${this.profile.id} of device ${this.deviceId}`);
    return reg;
  }

  /** status handlers hear state changes (and new errors), not every poll */
  private setState(state: CommState, force = false): void {
    if (this.st.state === state && !force) return;
    this.st.state = state;
    const s = this.status();
    for (const h of [...this.statusHandlers]) {
      try {
        h(s);
      } catch (e) {
        console.error(`ModbusBridge ${this.deviceId}: status handler failed:`, e);
      }
    }
  }
}

export const modbusBridgeFactory: BridgeFactory = {
  protocols: ['modbus-tcp', 'modbus-rtu'],
  create: (ctx: BridgeContext) => new ModbusBridge(ctx),
};

/** Modbus TCP/RTU for the composition root: its schemas and its (stateless) bridge factory. */
export const modbusDriver: Driver = {
  definition: modbusProtocol as ProtocolDefinition<never>,
  createFactory: () => modbusBridgeFactory,
};

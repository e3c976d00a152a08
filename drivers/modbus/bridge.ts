/**
 * The Modbus bridge (client side): one per device, Modbus TCP through our lean client
 * (tcp-client.ts), Modbus RTU through modbus-serial.
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
 *
 * The link, queue, back-off, comm-fail marking, status and statistics are the shared
 * ConnectionSupervisor's (drivers/common/supervisor.ts); this file says how Modbus opens a
 * link, polls its blocks and reads and writes registers.
 */
import type { Socket } from 'node:net';
import ModbusRTU from 'modbus-serial';
import type { Bridge, BridgeContext, BridgeFactory, Driver, PointSample } from '../../core/common/bridge';
import {
  isModbusDevice,
  isModbusProfile,
  isModbusRtuDevice,
  isModbusTcpDevice,
  modbusProtocol,
  type DeviceConfig,
  type ProtocolDefinition,
  type ModbusDevice,
  type ModbusProfile,
  type ModbusRegister,
} from '../../core/common/site';
import type { PointValue } from '../../core/common/point';
import { SupervisedBridge, bridgeNow } from '../common/supervised-bridge';
import { DEVICE_BAD, GOOD, errorText, withTimeout } from '../common/supervisor';
import { decodeRegister, encodeRegister, type CodecDefaults } from './codec';
import { planBlocks, registerSpan, type BlockPlan, type ReadBlock } from './blocks';
import { decodeModbusTcp } from './frames';
import { ModbusTcpClient } from './tcp-client';

export { BACKOFF_MAX_MS, BACKOFF_MIN_MS } from '../common/supervisor';

/** what the bridge asks of a client: modbus-serial's for RTU, ours (tcp-client.ts) for TCP */
interface Client {
  readHoldingRegisters(start: number, count: number): Promise<{ data: number[] }>;
  readInputRegisters(start: number, count: number): Promise<{ data: number[] }>;
  readCoils(start: number, count: number): Promise<{ data: boolean[] }>;
  readDiscreteInputs(start: number, count: number): Promise<{ data: boolean[] }>;
  writeCoil(address: number, on: boolean): Promise<unknown>;
  writeRegister(address: number, word: number): Promise<unknown>;
  writeRegisters(address: number, words: number[]): Promise<unknown>;
  on(event: 'close', handler: () => void): unknown;
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

/** PDU bytes of a read: request 5; answer 2 + the data (registers 2 bytes each, bits packed) */
function readBytes(table: ModbusRegister['table'], count: number): [number, number] {
  const data = table === 'coil' || table === 'discrete' ? Math.ceil(count / 8) : 2 * count;
  return [5, 2 + data];
}

/** the link a device shares with others on it: a gateway's host:port, a serial port */
export function deviceLink(device: DeviceConfig): string {
  if (isModbusTcpDevice(device)) return `${device.connection.host}:${device.connection.port}`;
  if (isModbusRtuDevice(device)) return device.connection.path;
  return device.protocol;
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

export class ModbusBridge extends SupervisedBridge<Client> implements Bridge {
  readonly deviceId: string;
  private readonly device: ModbusDevice;
  private readonly profile: ModbusProfile;
  private readonly now: () => number;
  private readonly defaults: CodecDefaults;
  private readonly plan: BlockPlan;
  private readonly byChannel = new Map<string, ModbusRegister>();
  private readonly pointIds: string[];
  /** per block: its points were published bad/device and nothing good since */
  private readonly blockBad: boolean[];

  constructor(ctx: BridgeContext) {
    super();
    const { device, profile } = ctx;
    if (!isModbusDevice(device)) throw new Error(`device ${device.id}: protocol ${device.protocol} is not Modbus`);
    if (!isModbusProfile(profile)) throw new Error(`device ${device.id}: profile ${profile.id} is not a Modbus profile`);
    this.deviceId = device.id;
    this.device = device;
    this.profile = profile;
    this.now = bridgeNow(ctx);
    this.defaults = { wordOrder: profile.wordOrder, byteOrder: profile.byteOrder };
    for (const reg of profile.registers) {
      if (this.byChannel.has(reg.channel))
        throw new Error(`device ${device.id}: profile ${profile.id} maps channel ${reg.channel} twice`);
      this.byChannel.set(reg.channel, reg);
    }
    this.plan = planBlocks(profile);
    this.blockBad = this.plan.blocks.map(() => false);
    this.pointIds = profile.registers.map((r) => `${device.asset}/${r.channel}`);
    if (isModbusTcpDevice(device)) this.frames?.setDecoder(decodeModbusTcp);
    // the shared connection supervisor (drivers/common): link, queue, back-off, status
    this.supervise(ctx, {
      device,
      identity: {
        id: device.id,
        name: device.name,
        protocol: device.protocol,
        address: deviceAddress(device),
        link: deviceLink(device),
        asset: device.asset,
        profile: profile.id,
        simulated: device.simulated ?? false,
        pollMs: device.pollMs,
      },
      pointIds: this.pointIds,
      now: this.now,
      logName: 'ModbusBridge',
      protocol: {
        open: () => this.open(),
        close: (c) => this.destroyClient(c),
        onClose: (c, closed) => void c.on('close', closed),
        poll: () => this.pollBlocks(),
        keepsLink: (e) => modbusExceptionCode(e) !== undefined,
        // the TCP client times out its own requests and fails them on close (tcp-client.ts)
        selfTimed: isModbusTcpDevice(device),
        onCommFail: () => this.blockBad.fill(false),
      },
    });
  }

  /** the block reads this bridge makes each poll */
  get blocks(): readonly ReadBlock[] {
    return this.plan.blocks;
  }

  async write(channel: string, value: number | boolean): Promise<void> {
    const reg = this.channel(channel);
    if (reg.table === 'input' || reg.table === 'discrete' || reg.access !== 'rw')
      throw new Error(`channel ${channel}: not writable (device ${this.deviceId}, ${reg.table} ${reg.address}, access ${reg.access})`);
    const words = encodeRegister(reg, value, this.defaults);
    const first = words[0] ?? 0;
    try {
      await this.sup.request<unknown>((c) => {
        if (reg.table === 'coil') return this.counted(c.writeCoil(reg.address, first !== 0), 5, 5); // FC5
        if (words.length === 1) return this.counted(c.writeRegister(reg.address, first), 5, 5); // FC6
        return this.counted(c.writeRegisters(reg.address, words), 6 + 2 * words.length, 5); // FC16
      });
    } catch (e) {
      throw new Error(`channel ${channel}: write of ${String(value)} to device ${this.deviceId} failed: ${errorText(e)}`);
    }
  }

  async read(channel: string): Promise<PointValue> {
    const reg = this.channel(channel);
    const span = registerSpan(reg);
    try {
      const data = await this.sup.request((c) => this.readTable(c, reg.table, reg.address, span));
      return decodeRegister(reg, data.slice(0, span).map(bitToWord), this.defaults);
    } catch (e) {
      throw new Error(`channel ${channel}: read from device ${this.deviceId} failed: ${errorText(e)}`);
    }
  }

  // ------------------------------------------------------------------ connection

  private open(): { ready: Promise<Client>; abort(): void } {
    const d = this.device;
    if (isModbusTcpDevice(d)) {
      // TCP: the lean client (tcp-client.ts), one pass over the answer's bytes
      const client = new ModbusTcpClient();
      const connect = async (): Promise<Client> => {
        const { host, port } = d.connection;
        await withTimeout(client.connectTCP(host, { port }), d.timeoutMs, `connect to ${host}:${port} timed out after ${d.timeoutMs} ms`);
        this.tapSocket(client.socket);
        client.setID(d.connection.unitId);
        client.setTimeout(d.timeoutMs);
        return client;
      };
      return { ready: connect(), abort: () => this.destroyClient(client) };
    }
    const client = new ModbusRTU();
    // modbus-serial relays port errors as 'error' events: never let one go unhandled
    client.on('error', () => undefined);
    const connect = async (): Promise<Client> => {
      const { path, baudRate, parity, dataBits, stopBits } = d.connection;
      try {
        await withTimeout(client.connectRTUBuffered(path, { baudRate, parity, dataBits, stopBits }), d.timeoutMs, `open timed out after ${d.timeoutMs} ms`);
      } catch (e) {
        throw new Error(`cannot open serial port ${path}: ${errorText(e)}`);
      }
      client.setID(d.connection.unitId);
      client.setTimeout(d.timeoutMs);
      return client as unknown as Client;
    };
    return { ready: connect(), abort: () => this.destroyClient(client as unknown as Client) };
  }

  /**
   * Records the link's octets in the raw frame ring (drivers/common/frames.ts): one call per
   * socket write and per chunk received, which returns at once while capturing is off.
   * Only a TCP link is tapped (the lean client's socket); a serial port is not.
   */
  private tapSocket(s: Socket): void {
    const ring = this.frames;
    if (!ring) return;
    const write = s.write.bind(s) as (chunk: Uint8Array, ...rest: unknown[]) => boolean;
    s.write = ((chunk: Uint8Array, ...rest: unknown[]) => {
      if (chunk instanceof Uint8Array) ring.record('tx', chunk);
      return write(chunk, ...rest);
    }) as typeof s.write;
    s.on('data', (chunk: Buffer) => ring.record('rx', chunk));
  }

  private destroyClient(client: Client): void {
    try {
      if (client instanceof ModbusTcpClient) client.destroy();
      else {
        const rtu = client as unknown as ModbusRTU;
        if (rtu.isOpen) rtu.close(() => undefined);
      }
    } catch {
      /* already gone */
    }
  }

  private async counted<T>(p: Promise<T>, out: number, inn: number): Promise<T> {
    const v = await p;
    this.sup.countBytes(out, inn);
    return v;
  }

  private async readTable(c: Client, table: ModbusRegister['table'], start: number, count: number): Promise<Array<number | boolean>> {
    const [out, inn] = readBytes(table, count);
    switch (table) {
      case 'holding':
        return (await this.counted(c.readHoldingRegisters(start, count), out, inn)).data;
      case 'input':
        return (await this.counted(c.readInputRegisters(start, count), out, inn)).data;
      case 'coil':
        return (await this.counted(c.readCoils(start, count), out, inn)).data;
      case 'discrete':
        return (await this.counted(c.readDiscreteInputs(start, count), out, inn)).data;
    }
  }

  // ------------------------------------------------------------------ polling

  /** One poll: every block once; a Modbus exception marks only its block's points bad/device. */
  private async pollBlocks(): Promise<{ samples: PointSample[]; problem?: string }> {
    const samples: PointSample[] = [];
    let problem: string | undefined;
    for (let b = 0; b < this.plan.blocks.length; b++) {
      const block = this.plan.blocks[b] as ReadBlock;
      let data: Array<number | boolean>;
      try {
        data = await this.sup.request((c) => this.readTable(c, block.table, block.start, block.count));
      } catch (e) {
        if (modbusExceptionCode(e) === undefined) throw e;
        problem = `${block.table} ${block.start}+${block.count}: ${errorText(e)}`;
        if (!this.blockBad[b]) {
          const ts = this.now();
          for (const i of block.registers) {
            const id = this.pointIds[i] as string;
            samples.push({ id, value: this.sup.lastValue(id), quality: DEVICE_BAD, ts });
          }
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
          const words = slice.length === 1 ? [bitToWord(data[slice.offset]!)] : data.slice(slice.offset, slice.offset + slice.length).map(bitToWord);
          const value = decodeRegister(reg, words, this.defaults);
          samples.push({ id, value, quality: GOOD, ts });
        } catch {
          samples.push({ id, value: this.sup.lastValue(id), quality: DEVICE_BAD, ts });
        }
      }
    }
    return problem === undefined ? { samples } : { samples, problem };
  }

  // ------------------------------------------------------------------ helpers

  private channel(channel: string): ModbusRegister {
    const reg = this.byChannel.get(channel);
    if (!reg) throw new Error(`channel ${channel}: not in profile ${this.profile.id} of device ${this.deviceId}`);
    return reg;
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

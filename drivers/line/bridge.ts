/**
 * The line bridge: a second, deliberately small protocol on the protocol-neutral seam. It
 * proves that a protocol is a driver plus one line in the composition root
 * (docs/decisions/0001): its profile schema (profile.ts) is registered through its Driver,
 * and its link, queue, back-off, comm-fail marking, status and statistics are the shared
 * ConnectionSupervisor's (drivers/common/supervisor.ts).
 *
 * The protocol (one request, one answer line, ASCII over TCP):
 *   AUTH <password>      → OK | ERR <why>      (first, when the device asks for a password)
 *   GET <key> [<key>...] → <key>=<value> ...   | ERR <why>
 *   SET <key> <value>    → OK                  | ERR <why>
 * An ERR is the device's answer (the link stays up); a timeout or a closed socket is not.
 */
import { connect, type Socket } from 'node:net';
import type { Bridge, BridgeContext, BridgeFactory, Driver, PointSample, SecretAccess } from '../../core/common/bridge';
import type { PointValue } from '../../core/common/point';
import type { ProtocolDefinition } from '../../core/common/profile';
import { SupervisedBridge, bridgeNow } from '../common/supervised-bridge';
import { DEVICE_BAD, GOOD, errorText, withTimeout } from '../common/supervisor';
import { isLineDevice, lineProtocol, type LineChannel, type LineDevice, type LineProfile } from './profile';

/** the device answered ERR: a protocol-level refusal, the link stays up */
export class LineRefusal extends Error {}

/** A connected socket that exchanges one request line for one answer line. */
class LineConn {
  private buffer = '';
  private waiting: { resolve: (line: string) => void; reject: (e: Error) => void } | undefined;
  bytesIn = 0;
  bytesOut = 0;

  constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.bytesIn += Buffer.byteLength(chunk);
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl).replace(/\r$/, '');
        this.buffer = this.buffer.slice(nl + 1);
        const w = this.waiting;
        this.waiting = undefined;
        w?.resolve(line);
      }
    });
    socket.on('close', () => {
      const w = this.waiting;
      this.waiting = undefined;
      w?.reject(new Error('connection closed'));
    });
  }

  exchange(line: string): Promise<string> {
    if (this.waiting) return Promise.reject(new Error('a request is already in flight'));
    return new Promise<string>((resolve, reject) => {
      this.waiting = {
        resolve: (answer) => (answer.startsWith('ERR') ? reject(new LineRefusal(answer.slice(3).trim() || 'refused')) : resolve(answer)),
        reject,
      };
      const out = `${line}\n`;
      this.bytesOut += Buffer.byteLength(out);
      this.socket.write(out);
    });
  }
}

export class LineBridge extends SupervisedBridge<LineConn> implements Bridge {
  readonly deviceId: string;
  private readonly device: LineDevice;
  private readonly profile: LineProfile;
  private readonly byChannel = new Map<string, LineChannel>();
  private readonly pointIds: string[];
  private readonly now: () => number;
  private readonly secrets: SecretAccess | undefined;

  constructor(ctx: BridgeContext) {
    super();
    const { device, profile } = ctx;
    if (!isLineDevice(device)) throw new Error(`device ${device.id}: protocol ${device.protocol} is not line-tcp`);
    if (profile.protocol !== 'line') throw new Error(`device ${device.id}: profile ${profile.id} is not a line profile`);
    this.deviceId = device.id;
    this.device = device;
    this.profile = profile as LineProfile;
    this.now = bridgeNow(ctx);
    this.secrets = ctx.secrets;
    for (const c of this.profile.channels) this.byChannel.set(c.channel, c);
    this.pointIds = this.profile.channels.map((c) => `${device.asset}/${c.channel}`);
    const { host, port } = device.connection;
    this.supervise(ctx, {
      device,
      identity: {
        id: device.id,
        name: device.name,
        protocol: device.protocol,
        address: `${host}:${port}`,
        asset: device.asset,
        profile: profile.id,
        simulated: device.simulated ?? false,
        pollMs: device.pollMs,
      },
      pointIds: this.pointIds,
      now: this.now,
      logName: 'LineBridge',
      protocol: {
        open: () => this.open(),
        close: (c) => c.socket.destroy(),
        onClose: (c, closed) => void c.socket.on('close', closed),
        poll: () => this.poll(),
        keepsLink: (e) => e instanceof LineRefusal,
      },
    });
  }

  async write(channel: string, value: number | boolean): Promise<void> {
    const c = this.channel(channel);
    if (c.access !== 'rw') throw new Error(`channel ${channel}: not writable (device ${this.deviceId})`);
    const raw = typeof value === 'boolean' ? (value ? 1 : 0) : value / c.scale;
    try {
      await this.exchange(`SET ${c.key} ${raw}`);
    } catch (e) {
      throw new Error(`channel ${channel}: write of ${String(value)} to device ${this.deviceId} failed: ${errorText(e)}`);
    }
  }

  async read(channel: string): Promise<PointValue> {
    const c = this.channel(channel);
    try {
      const values = parseValues(await this.exchange(`GET ${c.key}`));
      return decode(c, values.get(c.key));
    } catch (e) {
      throw new Error(`channel ${channel}: read from device ${this.deviceId} failed: ${errorText(e)}`);
    }
  }

  private exchange(line: string): Promise<string> {
    return this.sup.request(async (conn) => {
      const in0 = conn.bytesIn;
      const out0 = conn.bytesOut;
      const answer = await conn.exchange(line);
      this.sup.countBytes(conn.bytesOut - out0, conn.bytesIn - in0);
      return answer;
    }, this.device.timeoutMs);
  }

  private open(): { ready: Promise<LineConn>; abort(): void } {
    const { host, port, passwordSecret } = this.device.connection;
    const socket = connect({ host, port });
    socket.on('error', () => undefined); // reported through the connect or the close
    const ready = async (): Promise<LineConn> => {
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          socket.once('connect', resolve);
          socket.once('error', reject);
        }),
        this.device.timeoutMs,
        `connect to ${host}:${port} timed out after ${this.device.timeoutMs} ms`,
      );
      const conn = new LineConn(socket);
      if (passwordSecret !== undefined) {
        const password = await this.secrets?.get(passwordSecret);
        if (password === undefined) throw new Error(`the secret "${passwordSecret}" (its password) is not stored`);
        await withTimeout(conn.exchange(`AUTH ${password}`), this.device.timeoutMs, `no answer to AUTH within ${this.device.timeoutMs} ms`);
      }
      return conn;
    };
    return { ready: ready(), abort: () => socket.destroy() };
  }

  private async poll(): Promise<{ samples: PointSample[]; problem?: string }> {
    const answer = await this.exchange(`GET ${this.profile.channels.map((c) => c.key).join(' ')}`);
    const values = parseValues(answer);
    const ts = this.now();
    const samples = this.profile.channels.map((c, i): PointSample => {
      const id = this.pointIds[i] as string;
      try {
        return { id, value: decode(c, values.get(c.key)), quality: GOOD, ts };
      } catch {
        return { id, value: this.sup.lastValue(id), quality: DEVICE_BAD, ts };
      }
    });
    return { samples };
  }

  private channel(channel: string): LineChannel {
    const c = this.byChannel.get(channel);
    if (!c) throw new Error(`channel ${channel}: not in profile ${this.profile.id} of device ${this.deviceId}`);
    return c;
  }
}

function parseValues(answer: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of answer.split(/\s+/)) {
    const eq = pair.indexOf('=');
    if (eq > 0) out.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return out;
}

function decode(c: LineChannel, raw: string | undefined): number | boolean {
  if (raw === undefined) throw new Error(`no value for ${c.key}`);
  if (c.type === 'boolean') {
    if (raw === '1' || raw === 'true') return true;
    if (raw === '0' || raw === 'false') return false;
    throw new Error(`${c.key}=${raw} is not a boolean`);
  }
  const v = Number(raw) * c.scale;
  if (raw.trim() === '' || !Number.isFinite(v)) throw new Error(`${c.key}=${raw} is not a finite number`);
  return Math.round(v * 1e9) / 1e9;
}

export const lineBridgeFactory: BridgeFactory = {
  protocols: ['line-tcp'],
  create: (ctx) => new LineBridge(ctx),
};

/** The line protocol for the composition root: `DRIVERS` in electron/compose.ts. */
export const lineDriver: Driver = {
  definition: lineProtocol as ProtocolDefinition<never>,
  createFactory: () => lineBridgeFactory,
};

/**
 * The profile server's own Modbus TCP framing (issue #17 item 9), spoken to over a raw socket:
 * answers without any timer (modbus-serial's ServerTCP answered through one per request and
 * capped a client at ~700 transactions/s), frames split or coalesced by TCP, every function
 * it serves and its exceptions. Interop with independent clients: mbpoll (libmodbus) and
 * tshark's dissector in test/integration/modbus/.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, describe, it, mock } from 'node:test';
import { modbusProfileSchema } from '../../core/common/site';
import { ModbusProfileServer } from './server';

const profile = modbusProfileSchema.parse({
  id: 'raw-device',
  vendor: 'ES Manager',
  model: 'test',
  protocol: 'modbus',
  registers: [
    { channel: 'Power', table: 'holding', address: 0, type: 'int16', scale: 0.1, unit: 'kW', access: 'rw' },
    { channel: 'Energy', table: 'holding', address: 2, type: 'uint32', unit: 'Wh' },
    { channel: 'Soc', table: 'input', address: 5, type: 'uint16', scale: 0.1, unit: '%' },
    { channel: 'Run', table: 'coil', address: 3, type: 'bool', access: 'rw' },
    { channel: 'Stop', table: 'coil', address: 4, type: 'bool', access: 'rw' },
    { channel: 'Alarm', table: 'discrete', address: 1, type: 'bool' },
  ],
});

function frame(tid: number, unit: number, pdu: number[]): Buffer {
  const b = Buffer.alloc(7 + pdu.length);
  b.writeUInt16BE(tid, 0);
  b.writeUInt16BE(0, 2);
  b.writeUInt16BE(1 + pdu.length, 4);
  b[6] = unit;
  Buffer.from(pdu).copy(b, 7);
  return b;
}

/** a raw client: sends bytes, collects whole response frames */
class Raw {
  readonly frames: Buffer[] = [];
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  constructor(readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 6 && this.buf.length >= 6 + this.buf.readUInt16BE(4)) {
        const n = 6 + this.buf.readUInt16BE(4);
        this.frames.push(this.buf.subarray(0, n));
        this.buf = this.buf.subarray(n);
      }
      for (const w of this.waiters.splice(0)) w();
    });
  }
  static connect(port: number): Promise<Raw> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => resolve(new Raw(s)));
      s.once('error', reject);
    });
  }
  async next(count = 1): Promise<Buffer[]> {
    while (this.frames.length < count) await new Promise<void>((r) => this.waiters.push(r));
    return this.frames.splice(0, count);
  }
}

/** the PDU of a response frame, as bytes */
const pdu = (f: Buffer | undefined): number[] => [...(f ?? Buffer.alloc(0)).subarray(7)];

describe('ModbusProfileServer: Modbus TCP on a raw socket', () => {
  const server = new ModbusProfileServer(profile, { unitId: 1 });
  let port = 0;
  let raw: Raw;
  before(async () => {
    port = await server.start();
    raw = await Raw.connect(port);
  });
  after(async () => {
    raw.sock.destroy();
    await server.stop();
  });

  it('answers without any timer: a request is served as soon as its bytes are in', { timeout: 5000 }, async () => {
    server.set('Power', -12.3);
    // with timers frozen, a server that answers through setTimeout (modbus-serial's
    // ServerTCP did, once per request) never answers; this one does
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'setImmediate'] });
    try {
      raw.sock.write(frame(7, 1, [3, 0, 0, 0, 1]));
      const [f] = await raw.next();
      assert.equal(f!.readUInt16BE(0), 7, 'transaction id echoed');
      assert.deepEqual(pdu(f), [3, 2, 0xff, 0x85]); // -123 raw
    } finally {
      mock.timers.reset();
    }
  });

  it('serves requests coalesced in one segment and one split over two, in order', async () => {
    server.set('Soc', 64.2);
    server.set('Energy', 70000);
    raw.sock.write(Buffer.concat([frame(1, 1, [4, 0, 5, 0, 1]), frame(2, 1, [3, 0, 2, 0, 2])]));
    const f = await raw.next(2);
    assert.deepEqual(f.map((x) => x.readUInt16BE(0)), [1, 2]);
    assert.deepEqual(pdu(f[0]), [4, 2, 0x02, 0x82]); // 642
    assert.deepEqual(pdu(f[1]), [3, 4, 0x00, 0x01, 0x11, 0x70]); // 70000
    const split = frame(3, 1, [3, 0, 0, 0, 1]);
    raw.sock.write(split.subarray(0, 4));
    await new Promise((r) => setTimeout(r, 20));
    raw.sock.write(split.subarray(4));
    assert.equal((await raw.next())[0]!.readUInt16BE(0), 3);
  });

  it('reads and writes bits and registers (functions 1, 2, 5, 6, 15, 16), with onWrite', async () => {
    const writes: Array<[string, number | boolean]> = [];
    const off = server.onWrite((c, v) => writes.push([c, v]));
    server.setRaw('discrete', 1, [1]);
    raw.sock.write(frame(10, 1, [2, 0, 1, 0, 1]));
    assert.deepEqual(pdu((await raw.next())[0]), [2, 1, 1]);
    raw.sock.write(frame(11, 1, [5, 0, 3, 0xff, 0]));
    assert.deepEqual(pdu((await raw.next())[0]), [5, 0, 3, 0xff, 0]);
    raw.sock.write(frame(12, 1, [1, 0, 3, 0, 2]));
    assert.deepEqual(pdu((await raw.next())[0]), [1, 1, 0b01]);
    raw.sock.write(frame(13, 1, [15, 0, 3, 0, 2, 1, 0b10]));
    assert.deepEqual(pdu((await raw.next())[0]), [15, 0, 3, 0, 2]);
    assert.equal(server.get('Run'), false);
    assert.equal(server.get('Stop'), true);
    raw.sock.write(frame(14, 1, [6, 0, 0, 0, 42]));
    assert.deepEqual(pdu((await raw.next())[0]), [6, 0, 0, 0, 42]);
    raw.sock.write(frame(15, 1, [16, 0, 0, 0, 1, 2, 0xff, 0xff]));
    assert.deepEqual(pdu((await raw.next())[0]), [16, 0, 0, 0, 1]);
    assert.equal(server.get('Power'), -0.1);
    off();
    assert.deepEqual(writes, [
      ['Run', true],
      ['Run', false],
      ['Stop', true],
      ['Power', 4.2],
      ['Power', -0.1],
    ]);
  });

  it('answers exceptions: illegal function, address and value; read-only and unmapped writes', async () => {
    const cases: Array<[number[], number[]]> = [
      [[0x2b, 0x0e, 1, 0, 0], [0xab, 1]], // device identification: not served
      [[3, 0, 100, 0, 1], [0x83, 2]], // unmapped
      [[4, 0, 5, 0, 126], [0x84, 3]], // too many registers
      [[6, 0, 2, 0, 1], [0x86, 2]], // Energy is read-only
      [[5, 0, 3, 0x12, 0x34], [0x85, 3]], // a coil is 0xFF00 or 0
      [[16, 0, 0, 0, 2, 2, 0, 1], [0x90, 3]], // byte count does not match
    ];
    for (const [i, [req, want]] of cases.entries()) {
      raw.sock.write(frame(100 + i, 1, req));
      const [f] = await raw.next();
      assert.deepEqual(pdu(f), want, `request ${JSON.stringify(req)}`);
    }
  });

  it('does not answer another unit id, nor while paused; answers later with latency', async () => {
    raw.sock.write(frame(200, 9, [3, 0, 0, 0, 1]));
    server.pause();
    raw.sock.write(frame(201, 1, [3, 0, 0, 0, 1]));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(raw.frames.length, 0, 'no answer to unit 9, none while paused');
    server.resume();
    server.setLatency(30);
    raw.sock.write(frame(202, 1, [3, 0, 0, 0, 1]));
    const [f] = await raw.next();
    assert.equal(f!.readUInt16BE(0), 202);
    server.setLatency(0);
  });

  it('drops a connection that does not speak Modbus TCP', async () => {
    const other = await Raw.connect(port);
    const closed = new Promise<void>((r) => other.sock.once('close', () => r()));
    other.sock.write(Buffer.from([0, 1, 0, 0, 0x20, 0, 1, 3]));
    await closed;
    assert.equal(other.frames.length, 0);
  });
});

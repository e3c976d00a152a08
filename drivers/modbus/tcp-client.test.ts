/**
 * The lean Modbus TCP client against the profile server over loopback: every function the
 * bridge uses, an exception answer (the link stays), a silent server (timeout, then a late
 * answer is ignored), an answer split over several chunks, and a closed connection.
 */
import { strict as assert } from 'node:assert';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { modbusProfileSchema } from '../../core/common/site';
import { ModbusProfileServer } from './server';
import { ModbusTcpClient } from './tcp-client';

const profile = modbusProfileSchema.parse({
  id: 'client-device',
  vendor: 'ES Manager',
  model: 'test',
  protocol: 'modbus',
  registers: [
    { channel: 'Power', table: 'holding', address: 0, type: 'int16', unit: 'kW', access: 'rw' },
    { channel: 'Energy', table: 'holding', address: 2, type: 'uint32', unit: 'Wh', access: 'rw' },
    { channel: 'Soc', table: 'input', address: 5, type: 'uint16', unit: '%' },
    { channel: 'Run', table: 'coil', address: 3, type: 'bool', access: 'rw' },
    { channel: 'Alarm', table: 'discrete', address: 1, type: 'bool' },
  ],
});

test('reads and writes every table the bridge uses; an exception keeps the link; a silent server times out and a late answer is ignored', async () => {
  const server = new ModbusProfileServer(profile, { host: '127.0.0.1', port: 0 });
  const port = await server.start();
  const c = new ModbusTcpClient();
  try {
    await c.connectTCP('127.0.0.1', { port });
    c.setID(1);
    c.setTimeout(300);
    server.setRaw('holding', 0, [1234, 0, 0x0001, 0x86a0]);
    server.setRaw('input', 5, [655]);
    server.set('Alarm', true);
    assert.deepEqual((await c.readHoldingRegisters(0, 4)).data, [1234, 0, 1, 0x86a0]);
    assert.deepEqual((await c.readInputRegisters(5, 1)).data, [655]);
    assert.deepEqual((await c.readDiscreteInputs(1, 1)).data, [true]);
    await c.writeCoil(3, true);
    assert.deepEqual((await c.readCoils(3, 1)).data, [true]);
    await c.writeRegister(0, 0xfff6);
    assert.equal(server.get('Power'), -10);
    await c.writeRegisters(2, [0, 42]);
    assert.equal(server.get('Energy'), 42);

    // an unmapped register: the device's answer, with its code, and the link stays up
    await assert.rejects(c.readHoldingRegisters(200, 2), (e: Error & { modbusCode?: number }) => e.modbusCode === 2 && /^Modbus exception 2: Illegal data address/.test(e.message));
    assert.deepEqual((await c.readInputRegisters(5, 1)).data, [655]);

    // silent: "Timed out"; once it answers again, the late answer to the old request is not taken for the new one
    server.pause();
    await assert.rejects(c.readHoldingRegisters(0, 1), (e: Error) => e.name === 'TransactionTimedOutError' && e.message === 'Timed out');
    server.resume();
    server.setRaw('holding', 0, [7]);
    assert.deepEqual((await c.readHoldingRegisters(0, 1)).data, [7]);
  } finally {
    c.destroy();
    await server.stop();
  }
});

test('an answer split over chunks is put back together; a closed connection fails the request in flight and the next one', async () => {
  // a server that answers FC3 one byte at a time, and closes on the second request
  let requests = 0;
  const srv = createServer((sock: Socket) => {
    sock.on('data', (req: Buffer) => {
      requests++;
      if (requests === 2) return void sock.destroy();
      const answer = Buffer.from([req[0]!, req[1]!, 0, 0, 0, 7, req[6]!, 3, 4, 0x12, 0x34, 0xab, 0xcd]);
      let i = 0;
      const drip = (): void => {
        if (i < answer.length) {
          sock.write(answer.subarray(i, ++i));
          setTimeout(drip, 1);
        }
      };
      drip();
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  const c = new ModbusTcpClient();
  let closed = false;
  c.on('close', () => (closed = true));
  try {
    await c.connectTCP('127.0.0.1', { port });
    c.setTimeout(2000);
    assert.deepEqual((await c.readHoldingRegisters(0, 2)).data, [0x1234, 0xabcd]);
    await assert.rejects(c.readHoldingRegisters(0, 2), /Port Not Open/);
    assert.equal(closed, true);
    assert.equal(c.isOpen, false);
    await assert.rejects(c.readHoldingRegisters(0, 2), /Port Not Open/);
  } finally {
    c.destroy();
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  }
});

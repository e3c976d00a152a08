/**
 * A Modbus TCP server in its own process for the Modbus benches: `ours` (drivers/modbus
 * ModbusProfileServer) or `serial` (modbus-serial's ServerTCP, what the profile server was
 * built on before issue #17 item 9), serving BENCH_PROFILE. Prints "READY <port>"; exits
 * when stdin closes.
 * Run: node --import tsx bench/support/modbus-serve.ts ours|serial
 */
import type { Server } from 'node:net';
import { ServerTCP } from 'modbus-serial';
import { ModbusProfileServer } from '../../drivers/modbus/server';
import { BENCH_PROFILE, BENCH_VALUES } from './modbus-peers';

async function main(): Promise<void> {
  const kind = process.argv[2] ?? 'ours';
  let port: number;
  if (kind === 'serial') {
    const words = new Uint16Array(0x10000);
    BENCH_VALUES.forEach((v, i) => (words[i] = v));
    port = 20000 + Math.floor(Math.random() * 20000);
    await new Promise<void>((resolve, reject) => {
      const s = new ServerTCP(
        {
          getHoldingRegister: (addr: number, _unit: number) => words[addr] ?? 0,
          getInputRegister: (addr: number, _unit: number) => words[addr] ?? 0,
          getCoil: (addr: number, _unit: number) => (words[addr] ?? 0) !== 0,
          setRegister: (addr: number, value: number, _unit: number) => void (words[addr] = value),
        },
        { host: '127.0.0.1', port, unitID: 255 },
      );
      s.once('initialized', () => resolve());
      s.once('serverError', (e: Error | null) => reject(e ?? new Error('listen failed')));
    });
  } else {
    const server = new ModbusProfileServer(BENCH_PROFILE, { host: '127.0.0.1', port: 0 });
    port = await server.start();
    BENCH_VALUES.forEach((v, i) => server.setRaw('holding', i, [v]));
    if (process.argv[3] === 'timed') timeConnections(server);
  }
  console.log(`READY ${port}`);
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

/**
 * `timed`: each connection, when it closes, prints "CONN <requests> <µs from the first request
 * to the last>" — a client's rate seen from the server, whatever its process start costs
 * (mbpoll) and on the same terms for every client. One request in flight: one chunk each.
 */
function timeConnections(server: ModbusProfileServer): void {
  const srv = (server as unknown as { server?: Server }).server;
  if (!srv) throw new Error('modbus-serve: the profile server has no listening socket to time');
  srv.on('connection', (sock) => {
    let n = 0;
    let first = 0n;
    let last = 0n;
    sock.on('data', () => {
      last = process.hrtime.bigint();
      if (n++ === 0) first = last;
    });
    sock.on('close', () => console.log(`CONN ${n} ${(last - first) / 1000n}`));
  });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

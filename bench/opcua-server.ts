/**
 * The server side of bench/opcua.bench.ts, in its own process (its CPU is not the client's):
 * a node-opcua server with N Double variables ns=1;s=V.<i>, every one changed every second.
 * Prints "PORT <n>" when it listens; stops on stdin end.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { opcuaProfileSchema } from '../drivers/opcua/profile';
import { OpcuaProfileServer } from '../drivers/opcua/server';

const n = Number(process.argv[2] ?? 10_000);
const profile = opcuaProfileSchema.parse({
  id: 'bench',
  vendor: 'bench',
  model: 'bench',
  protocol: 'opcua',
  channels: Array.from({ length: n }, (_, i) => ({ channel: `V${i}`, nodeId: `ns=1;s=V.${i}` })),
});
const server = new OpcuaProfileServer(profile, { pkiDir: mkdtempSync(join(tmpdir(), 'esm-bench-ua-')), securityModes: ['None'], maxSessions: 5 });
void server.start().then((port) => {
  let k = 0;
  setInterval(() => {
    k++;
    for (let i = 0; i < n; i++) server.set(`V${i}`, k + i / 1000);
  }, 1000);
  console.log(`PORT ${port}`);
});
process.stdin.on('end', () => void server.stop().then(() => process.exit(0)));
process.stdin.resume();

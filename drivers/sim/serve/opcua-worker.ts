/**
 * The simulator's OPC UA device servers run in this worker thread: starting a node-opcua
 * server loads the standard nodeset (about a second of CPU, synchronous parsing), which must
 * not stall the thread that serves the plant's Modbus devices and the application.
 *
 * Messages in: { type: 'set', device, values: { channel: value } }, { type: 'stop' }.
 * Messages out: { type: 'ready', device, port } | { type: 'failed', device, error } |
 * { type: 'write', device, channel, value } | { type: 'stopped' }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { join } from 'node:path';
import type { OpcuaProfile } from '../../../core/common/profiles/opcua';
import { OpcuaProfileServer } from '../../opcua/server';

export interface OpcuaWorkerData {
  pkiDir: string;
  devices: Array<{ id: string; profile: OpcuaProfile; host: string; port: number }>;
}

const data = workerData as OpcuaWorkerData;
const servers = new Map<string, OpcuaProfileServer>();
const port = parentPort!;

port.on('message', (m: { type: 'set'; device: string; values: Record<string, number | boolean> } | { type: 'stop' }) => {
  if (m.type === 'set') {
    const s = servers.get(m.device);
    if (!s) return;
    for (const [channel, value] of Object.entries(m.values)) {
      try {
        s.set(channel, value);
      } catch {
        // a channel the profile does not have: the main thread's mapping decides
      }
    }
  } else if (m.type === 'stop') {
    void (async () => {
      for (const s of servers.values()) await s.stop().catch(() => undefined);
      port.postMessage({ type: 'stopped' });
    })();
  }
});

void (async () => {
  for (const d of data.devices) {
    const server = new OpcuaProfileServer(d.profile, { pkiDir: join(data.pkiDir, d.id), host: d.host, port: d.port, allowAnonymous: true });
    server.onWrite((channel, value) => {
      if (typeof value !== 'string') port.postMessage({ type: 'write', device: d.id, channel, value });
    });
    try {
      await server.start();
      servers.set(d.id, server);
      port.postMessage({ type: 'ready', device: d.id, port: server.port });
    } catch (e) {
      port.postMessage({ type: 'failed', device: d.id, error: (e as Error).message });
    }
  }
})();

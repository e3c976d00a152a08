/**
 * An independent check of our frames on the wire: the bridge and the profile server talk over
 * loopback while tshark captures; Wireshark's own Modbus/TCP dissector must decode every
 * request and response (no malformed packets, the function codes we used, matching
 * transaction ids). Needs Debian's tshark and root (CI runs as root; .ci/run installs it).
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ModbusBridge } from '../../../drivers/modbus/bridge';
import { ModbusProfileServer } from '../../../drivers/modbus/server';
import { CollectingSink, sleep, tcpDevice, testProfile, waitFor } from './helpers';

describe('Modbus frames dissected by tshark', () => {
  it('every request and response we exchange is well-formed Modbus/TCP', async () => {
    const have = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
    assert.equal(have.status, 0, 'tshark is missing: apt-get install -y tshark (.ci/run installs it)');
    const dir = mkdtempSync(join(tmpdir(), 'esm-tshark-'));
    const pcap = join(dir, 'modbus.pcapng');
    const profile = testProfile();
    const server = new ModbusProfileServer(profile, { host: '127.0.0.1', port: 0, unitId: 1 });
    const port = await server.start();
    const cap = spawn('tshark', ['-i', 'lo', '-f', `tcp port ${port}`, '-w', pcap, '-q'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let capErr = '';
    cap.stderr.on('data', (d: Buffer) => (capErr += d.toString()));
    try {
      await waitFor(() => /Capturing on/.test(capErr), 10_000, `tshark to start capturing (${capErr})`);
      const sink = new CollectingSink();
      const writable = profile.registers.find((r) => r.access === 'rw' && r.table === 'holding');
      assert.ok(writable, 'the test profile has a writable holding register');
      const bridge = new ModbusBridge({ device: tcpDevice(port, { pollMs: 100 }), profile, sink });
      await bridge.start();
      await waitFor(() => sink.batches.length >= 5, 10_000, 'five polls');
      await bridge.write(writable.channel, 7);
      await sleep(300);
      await bridge.stop();
    } finally {
      cap.kill('SIGINT');
      await new Promise((r) => cap.once('exit', r));
      await server.stop();
    }
    try {
      assert.ok(statSync(pcap).size > 0, 'a capture was written');
      const out = spawnSync(
        'tshark',
        ['-r', pcap, '-d', `tcp.port==${port},mbtcp`, '-Y', 'mbtcp', '-T', 'fields', '-E', 'separator=|', '-e', 'tcp.srcport', '-e', 'mbtcp.trans_id', '-e', 'modbus.func_code', '-e', '_ws.malformed', '-e', '_ws.expert.severity'],
        { encoding: 'utf8' },
      );
      assert.equal(out.status, 0, out.stderr);
      const rows = out.stdout.trim().split('\n').filter(Boolean).map((l) => l.split('|'));
      assert.ok(rows.length >= 10, `dissected Modbus frames: ${rows.length}`);
      const malformed = rows.filter((r) => (r[3] ?? '') !== '');
      assert.deepEqual(malformed, [], 'no malformed Modbus frame');
      const fcs = new Set(rows.map((r) => r[2]));
      assert.ok(fcs.has('3') || fcs.has('4'), `read function codes seen: ${[...fcs].join(',')}`);
      assert.ok(fcs.has('6') || fcs.has('16'), `write function code seen: ${[...fcs].join(',')}`);
      const requests = rows.filter((r) => r[0] !== String(port)).map((r) => Number(r[1]));
      const responses = new Set(rows.filter((r) => r[0] === String(port)).map((r) => Number(r[1])));
      // the bridge may stop with its last poll in flight: every earlier request has its answer
      const last = Math.max(...requests);
      for (const id of requests) if (id !== last) assert.ok(responses.has(id), `request ${id} got a response with the same transaction id`);
      assert.ok(responses.size >= requests.length - 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Issue #10: the host hands its scheduler to every bridge (BridgeContext.scheduler), so the
 * drivers' poll timers follow the host's clock — a virtual one in a study or a test. A real
 * Modbus bridge (the demo's PCS device, built by the host) polls a real Modbus server on
 * loopback: after the first poll, wall time alone brings no poll; advancing the host's
 * virtual clock by one poll period does, and the samples carry the virtual time.
 *
 * Run: node --import tsx --test test/integration/modbus/scheduler.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VirtualScheduler } from '../../../core/common/clock';
import { isModbusTcpDevice } from '../../../core/common/site';
import { isModbusProfile } from '../../../core/common/profiles/modbus';
import { loadSite } from '../../../core/config/load';
import { Host } from '../../../core/host/host';
import { modbusDriver } from '../../../drivers/modbus/bridge';
import { ModbusProfileServer } from '../../../drivers/modbus/server';
import { sleep, waitFor } from './helpers';

const ROOT = join(__dirname, '..', '..', '..');

describe('the host scheduler reaches the bridges (BridgeContext.scheduler)', () => {
  const loaded = loadSite(join(ROOT, 'assets', 'sites', 'demo', 'site.yaml'), [join(ROOT, 'assets', 'profiles')]);
  // the Modbus devices only: this host gets the Modbus driver alone (the demo also has OPC UA and IEC 61850 devices)
  (loaded.site as { devices: typeof loaded.site.devices }).devices = loaded.site.devices.filter((d) => d.protocol === 'modbus-tcp' || d.protocol === 'modbus-rtu');
  const device = loaded.site.devices.find((d) => d.id === 'pcs');
  const profile = device ? loaded.profiles.get(device.profile) : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'esm-sched-'));
  let server: ModbusProfileServer;

  before(async () => {
    assert.ok(device && isModbusTcpDevice(device) && profile && isModbusProfile(profile), 'the demo has a Modbus TCP PCS');
    server = new ModbusProfileServer(profile, { host: '127.0.0.1', port: 0, unitId: device.connection.unitId });
    const port = await server.start();
    device.connection.host = '127.0.0.1';
    device.connection.port = port;
  });

  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('polls when the virtual clock advances, not when wall time passes', async () => {
    const start = Date.UTC(2031, 5, 1, 12);
    const clock = new VirtualScheduler(start);
    const host = new Host({ loaded, bridgeFactories: [modbusDriver.createFactory()], dataDir: dir, mode: 'browser', version: 'test', scheduler: clock });
    assert.equal(host.scheduler, clock);
    const bridge = host.bridges.get('pcs');
    assert.ok(bridge);
    try {
      await bridge.start(); // connects and polls once
      assert.equal(bridge.status().state, 'online');
      assert.equal(bridge.status().polls, 1);
      assert.equal(bridge.status().lastOk, start, 'the bridge reads the host clock');
      const point = `${device!.asset}/${profile && isModbusProfile(profile) ? profile.registers[0]!.channel : ''}`;
      const st = host.cvt.get(point);
      assert.equal(st?.quality.level, 'good', `${point} is read`);
      assert.equal(st?.ts, start, 'samples carry the host time');

      // three poll periods of wall time: the poll timer is on the virtual clock, so no poll
      await sleep(3 * device!.pollMs);
      assert.equal(bridge.status().polls, 1, 'no poll on wall time');

      clock.advance(device!.pollMs);
      await waitFor(() => bridge.status().polls === 2, 5000, 'the poll of the next virtual period');
      assert.equal(host.cvt.get(point)?.ts, start + device!.pollMs);
      clock.advance(2 * device!.pollMs);
      await waitFor(() => bridge.status().polls >= 3, 5000, 'the polls of two more periods');
    } finally {
      await bridge.stop();
    }
  });
});

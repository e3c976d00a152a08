/**
 * The plant simulator over real Modbus TCP on loopback: start it on ephemeral ports for the
 * demo site, read and write registers with a plain modbus-serial client (not the project's
 * bridge, whose decoding would hide a mistake shared with the server), and check the physics
 * through the wire.
 *
 * Run: node --import tsx --test test/integration/sim/simulator.test.ts
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import ModbusRTU from 'modbus-serial';
import { parse } from 'yaml';
import type { SimState } from '../../../core/common/api/contract';
import { isModbusTcpDevice, isOpcuaDevice, modbusProfileSchema, opcuaProfileSchema, type DeviceProfile } from '../../../core/common/site';
import { AttributeIds, OPCUAClient, OPCUACertificateManager } from 'node-opcua';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolveAlarmSetpointRefs } from '../../../core/common/alarms';
import { startSimulator, type SimulatorHandle } from '../../../drivers/sim/serve';
import { simSiteSchema } from '../../../drivers/sim/serve/iec61850';

const ROOT = join(__dirname, '..', '..', '..');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function loadDemo() {
  const raw: unknown = parse(readFileSync(join(ROOT, 'assets', 'sites', 'demo', 'site.yaml'), 'utf8'));
  resolveAlarmSetpointRefs(raw); // alarm setpoints that follow site parameters, as the loader does
  const site = simSiteSchema.parse(raw);
  const dir = join(ROOT, 'assets', 'profiles');
  const profiles = new Map<string, DeviceProfile>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
    const doc = parse(readFileSync(join(dir, f), 'utf8')) as { protocol?: string };
    // the simulator serves Modbus and OPC UA profiles
    if (doc.protocol !== 'modbus' && doc.protocol !== 'opcua') continue;
    const p = doc.protocol === 'modbus' ? modbusProfileSchema.parse(doc) : opcuaProfileSchema.parse(doc);
    profiles.set(p.id, p);
  }
  return { site, profiles };
}

// ---- decoding by hand, from the register maps in assets/profiles/README.md
const s16 = (w: number): number => (w >= 0x8000 ? w - 0x10000 : w);
const buf = (words: number[]): Buffer => {
  const b = Buffer.alloc(words.length * 2);
  words.forEach((w, i) => b.writeUInt16BE(w, i * 2));
  return b;
};
const i32be = (hi: number, lo: number): number => buf([hi, lo]).readInt32BE(0);
const f32be = (hi: number, lo: number): number => buf([hi, lo]).readFloatBE(0);

interface Reading {
  pccKw: number;
  loadKw: number;
  pvKw: number;
  irradiance: number;
  ev1Kw: number;
  ev2Kw: number;
  essKw: number;
  setpointKw: number;
  mode: number;
  state: number;
  soc: number;
  dcVoltage: number;
}

describe('plant simulator over Modbus TCP (demo site, ephemeral ports)', () => {
  let sim: SimulatorHandle;
  const clients = new Map<string, ModbusRTU>();

  const client = (deviceId: string): ModbusRTU => {
    const c = clients.get(deviceId);
    if (!c) throw new Error(`no client for ${deviceId}`);
    return c;
  };

  async function read(): Promise<Reading> {
    // the chargers speak OCPP (clients of the app's central system, none here): their power from the plant
    const assets = sim.plant().assets as Record<string, Record<string, number>>;
    const ev1 = assets.evse1?.ActivePower ?? Number.NaN;
    const ev2 = assets.evse2?.ActivePower ?? Number.NaN;
    const [pcc, load, pv, pcsIn, pcsHold, bms] = await Promise.all([
      client('pcc-meter-dev').readHoldingRegisters(19026, 2),
      client('load-meter').readInputRegisters(40, 2),
      client('pv-inverter').readInputRegisters(30775, 3),
      client('pcs').readInputRegisters(0, 3),
      client('pcs').readHoldingRegisters(100, 3),
      client('bms').readInputRegisters(0, 3),
    ]);
    const w = (r: { data: number[] }, i: number): number => r.data[i] ?? Number.NaN;
    return {
      pccKw: f32be(w(pcc, 0), w(pcc, 1)) / 1000,
      // EM24-like: int32, low word first, 0.1 W
      loadKw: i32be(w(load, 1), w(load, 0)) / 10_000,
      pvKw: i32be(w(pv, 0), w(pv, 1)) / 1000,
      irradiance: w(pv, 2),
      ev1Kw: ev1,
      ev2Kw: ev2,
      essKw: s16(w(pcsIn, 0)) / 10,
      state: w(pcsIn, 2),
      mode: w(pcsHold, 0),
      setpointKw: i32be(w(pcsHold, 1), w(pcsHold, 2)) / 1000,
      soc: w(bms, 0) / 10,
      dcVoltage: w(bms, 2) / 10,
    };
  }

  const balance = (r: Reading): number => r.pccKw - (r.loadKw + r.ev1Kw + r.ev2Kw - r.pvKw - r.essKw);

  /** reads until pred holds; rejects after timeoutMs with the last reading */
  async function readUntil(pred: (r: Reading) => boolean, timeoutMs: number, what: string): Promise<Reading> {
    const end = Date.now() + timeoutMs;
    let last = await read();
    while (!pred(last)) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last reading ${JSON.stringify(last)}`);
      await sleep(50);
      last = await read();
    }
    return last;
  }

  before(async () => {
    const { site, profiles } = loadDemo();
    // a Wednesday, 12:00 in Málaga (CEST): sun high, office busy
    sim = await startSimulator({ site, profiles, ephemeralPorts: true, seed: 7, stepMs: 100, startTime: Date.parse('2025-06-18T10:00:00Z') });
    for (const d of sim.site.devices) {
      if (!isModbusTcpDevice(d)) continue;
      const c = new ModbusRTU();
      await c.connectTCP(d.connection.host, { port: d.connection.port });
      c.setID(d.connection.unitId);
      c.setTimeout(1000);
      clients.set(d.id, c);
    }
  });

  after(async () => {
    await Promise.all([...clients.values()].map((c) => new Promise<void>((r) => c.close(() => r()))));
    await sim?.stop();
  });

  it('binds every device to its own ephemeral port and reports them in the site copy', () => {
    const ports = sim.site.devices.filter(isModbusTcpDevice).map((d) => d.connection.port);
    const ua = sim.site.devices.filter(isOpcuaDevice);
    assert.equal(ua.length, 1);
    ports.push(Number(/:(\d+)$/.exec(ua[0]!.connection.endpointUrl)?.[1]));
    assert.equal(new Set(ports).size, 6);
    for (const p of ports) assert.ok(p > 0 && (p < 15021 || p > 15028), `port ${p}`);
    assert.equal(sim.get().running, true);
  });

  it('the PCC register equals load + EV − PV − battery from the other devices’ registers', async () => {
    // the devices are read in parallel; a step may fall between two reads, so allow the
    // noise of one step plus the register resolutions, and require it in most of the samples
    let ok = 0;
    const samples: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await read();
      samples.push(balance(r).toFixed(3));
      if (Math.abs(balance(r)) < 0.3) ok++;
      assert.ok(Math.abs(balance(r)) < 2, `imbalance ${balance(r)}: ${JSON.stringify(r)}`);
      await sleep(30);
    }
    assert.ok(ok >= 8, `balanced in ${ok}/10 samples: ${samples.join(' ')}`);
    const r = await read();
    assert.ok(r.pvKw > 20, `PV at noon: ${r.pvKw}`);
    assert.ok(r.loadKw > 30, `office load at noon: ${r.loadKw}`);
    assert.ok(Math.abs(r.soc - 55) < 1, `initial SoC ${r.soc}`);
    assert.ok(r.dcVoltage > 600 && r.dcVoltage < 780);
  });

  it('writing SetActivePower (FC16) moves the battery and the PCC within a few steps', async () => {
    const before = await read();
    assert.equal(before.mode, 0, 'remote setpoint mode at start');
    assert.equal(before.essKw, 0);
    // 40 kW discharge: int32 BE, raw W
    await client('pcs').writeRegisters(101, [0, 40_000]);
    const r = await readUntil((x) => Math.abs(x.essKw - 40) < 0.05, 2000, 'the battery at 40 kW');
    assert.equal(r.setpointKw, 40);
    assert.equal(r.state, 2, 'Running');
    assert.ok(Math.abs(r.pccKw - (before.pccKw - 40)) < 3, `PCC ${before.pccKw} -> ${r.pccKw}`);
    assert.ok(Math.abs(balance(r)) < 2);
    // charge 25 kW: negative int32
    await client('pcs').writeRegisters(101, [0xffff, 0x10000 - 25_000]);
    const c = await readUntil((x) => Math.abs(x.essKw + 25) < 0.05, 2000, 'the battery at −25 kW');
    assert.ok(Math.abs(c.pccKw - (before.pccKw + 25)) < 3, `PCC ${before.pccKw} -> ${c.pccKw}`);
    // back to idle
    await client('pcs').writeRegisters(101, [0, 0]);
    await readUntil((x) => x.essKw === 0, 2000, 'the battery idle');
  });

  it('a setpoint beyond the rating is clamped by the device and read back clamped', async () => {
    await client('pcs').writeRegisters(101, [0x0001, 0x86a0]); // 100 000 W... then more:
    await client('pcs').writeRegisters(101, [0x0002, 0x0000]); // 131 072 W
    const r = await readUntil((x) => x.setpointKw === 100 && Math.abs(x.essKw - 100) < 0.05, 3000, 'clamped to 100 kW');
    assert.equal(r.setpointKw, 100);
    await client('pcs').writeRegisters(101, [0, 0]);
    await readUntil((x) => x.essKw === 0, 3000, 'the battery idle');
  });

  it('the BMS rack supervision over OPC UA (a plain node-opcua client): cell voltages agree with the DC voltage, rack currents with the battery power', async () => {
    const pki = mkdtempSync(join(tmpdir(), 'esm-sim-ua-'));
    const cm = new OPCUACertificateManager({ rootFolder: pki, disableFileWatchers: true });
    const ua = OPCUAClient.create({ endpointMustExist: false, clientCertificateManager: cm, connectionStrategy: { maxRetry: 0 } });
    try {
      const dev = sim.site.devices.find(isOpcuaDevice)!;
      await sim.ready();
      await ua.connect(dev.connection.endpointUrl);
      const session = await ua.createSession();
      await client('pcs').writeRegisters(101, [0, 30_000]);
      const r = await readUntil((x) => Math.abs(x.essKw - 30) < 0.05, 2000, 'the battery at 30 kW');
      await sleep(300);
      const ids = ['Bms.Cells.VoltageMax', 'Bms.Cells.VoltageMin', 'Bms.Rack1.Current', 'Bms.Rack2.Current'];
      const dvs = await session.read(ids.map((id) => ({ nodeId: `ns=1;s=${id}`, attributeId: AttributeIds.Value })));
      const [vmax, vmin, i1, i2] = dvs.map((d) => d.value.value as number);
      assert.ok(vmax! > vmin! && vmax! - vmin! < 0.05, `cells ${vmin} .. ${vmax} V`);
      assert.ok(Math.abs(((vmax! + vmin!) / 2) * 216 - r.dcVoltage) < 2, `cells × 216 = ${((vmax! + vmin!) / 2) * 216} V vs DC ${r.dcVoltage} V`);
      const amps = (30_000 / r.dcVoltage) / 2;
      assert.ok(Math.abs(i1! - amps) < 2 && Math.abs(i2! - amps) < 2, `racks ${i1} A, ${i2} A, expected about ${amps.toFixed(1)} A each`);
      await session.close();
      await client('pcs').writeRegisters(101, [0, 0]);
      await readUntil((x) => x.essKw === 0, 2000, 'the battery idle');
    } finally {
      await ua.disconnect();
      await cm.dispose();
      rmSync(pki, { recursive: true, force: true });
    }
  });

  it('pvFactor = 0 takes PV and irradiance to 0; onChange reports it', async () => {
    const seen: SimState[] = [];
    const off = sim.onChange((s) => seen.push(s));
    const st = sim.set({ pvFactor: 0 });
    assert.equal(st.pvFactor, 0);
    assert.equal(seen.at(-1)?.pvFactor, 0);
    const r = await readUntil((x) => x.pvKw === 0 && x.irradiance === 0, 2000, 'PV at 0');
    assert.ok(Math.abs(balance(r)) < 2);
    sim.set({ pvFactor: 1 });
    await readUntil((x) => x.pvKw > 20, 2000, 'PV back');
    off();
  });

  it('mode 1 (local peak shaving) keeps the PCC import at the contracted 60 kW', async () => {
    sim.set({ pvFactor: 0, loadStepKw: 40 });
    await client('pcs').writeRegister(100, 1);
    const r = await readUntil((x) => x.mode === 1 && x.essKw > 5 && x.pccKw <= 60.5, 3000, 'peak shaving');
    assert.ok(r.pccKw > 55 && r.pccKw <= 60.5, `PCC ${r.pccKw}`);
    // back to remote setpoint mode and the normal scenario
    await client('pcs').writeRegister(100, 0);
    sim.set({ pvFactor: 1, loadStepKw: 0 });
    await readUntil((x) => x.mode === 0 && x.essKw === 0, 3000, 'mode 0, idle');
  });

  it('a refused write (Mode 7) is put back by the device', async () => {
    await client('pcs').writeRegister(100, 7);
    const r = await read();
    assert.equal(r.mode, 0);
  });

  it('plant() exposes the physical values and the step cost', () => {
    const p = sim.plant();
    assert.equal(typeof p.gridKw, 'number');
    assert.ok((p.steps as number) > 10);
    // The step cost is a figure to read (speed is measured in bench/, never asserted here).
    const cost = p.stepMeanUs as number;
    assert.ok(Number.isFinite(cost) && cost >= 0, `step cost ${String(cost)}`);
    console.log(`simulator step cost: ${cost.toFixed(1)} µs mean over ${String(p.steps)} steps`);
  });
});

describe('plant simulator lifecycle', () => {
  it('stop() closes every port and reports running = false; stop() twice is harmless', async () => {
    const { site, profiles } = loadDemo();
    const sim = await startSimulator({ site, profiles, ephemeralPorts: true, stepMs: 50 });
    const states: SimState[] = [];
    sim.onChange((s) => states.push(s));
    const d = sim.site.devices[0];
    assert.ok(d && isModbusTcpDevice(d));
    const c = new ModbusRTU();
    await c.connectTCP('127.0.0.1', { port: d.connection.port });
    c.setID(1);
    assert.equal((await c.readInputRegisters(2, 1)).data.length, 1);
    await new Promise<void>((r) => c.close(() => r()));
    await sim.stop();
    await sim.stop();
    assert.equal(sim.get().running, false);
    assert.equal(states.at(-1)?.running, false);
    const again = new ModbusRTU();
    await assert.rejects(again.connectTCP('127.0.0.1', { port: d.connection.port }));
    again.close(() => undefined);
  });

  it('refuses two simulated devices on one fixed port', async () => {
    const { site, profiles } = loadDemo();
    const clash = structuredClone(site);
    const [a, b] = clash.devices;
    if (a?.protocol === 'modbus-tcp' && b?.protocol === 'modbus-tcp') b.connection.port = a.connection.port;
    await assert.rejects(startSimulator({ site: clash, profiles }), /share port/);
  });
});

describe('the SoC reserve holds in the device\'s own local peak-shaving mode (issue #9 item 3)', () => {
  it('commissioned from the site\'s socMinPct, the inverter stops discharging at 10 % under a long peak', async () => {
    const { site, profiles } = loadDemo();
    const s = { ...site, simulation: { enabled: true, speed: 1, initialSocPct: 14 } };
    const sim = await startSimulator({ site: s, profiles, ephemeralPorts: true, seed: 3, stepMs: 50 });
    const pcs = sim.site.devices.find((d) => d.id === 'pcs');
    const c = new ModbusRTU();
    try {
      assert.ok(pcs && isModbusTcpDevice(pcs));
      await c.connectTCP(pcs.connection.host, { port: pcs.connection.port });
      c.setID(pcs.connection.unitId);
      c.setTimeout(1000);
      assert.equal((await c.readHoldingRegisters(105, 1)).data[0], 100, 'MinSoc register: 10.0 % (the site reserve)');
      await c.writeRegister(100, 1); // local peak shaving
      // a building far above the contract, no PV, hours of simulated time
      sim.set({ pvFactor: 0, loadStepKw: 60, speed: 3600 });
      let minSoc = 100;
      let discharged = false;
      const end = Date.now() + 4000;
      while (Date.now() < end) {
        const p = sim.plant() as { socPct?: number; essKw?: number; summary?: { socPct: number; essKw: number } };
        const soc = p.summary?.socPct ?? p.socPct ?? Number.NaN;
        const kw = p.summary?.essKw ?? p.essKw ?? Number.NaN;
        if (kw > 1) discharged = true;
        minSoc = Math.min(minSoc, soc);
        await sleep(20);
      }
      assert.ok(discharged, 'the battery shaved the peak first');
      assert.ok(minSoc >= 9.99, `SoC went to ${minSoc} %, below the 10 % reserve`);
      const p = sim.plant() as { summary?: { essKw: number }; essKw?: number };
      assert.ok((p.summary?.essKw ?? p.essKw ?? 1) <= 0.05, 'no discharge at the reserve');
    } finally {
      await new Promise<void>((r) => c.close(() => r()));
      await sim.stop();
    }
  });
});

describe('simulated time back to wall time (issue #9 friction)', () => {
  it('after running fast, toWallTime puts the simulated clock on the wall clock at 1 ×, the plant keeping its state', async () => {
    const { site, profiles } = loadDemo();
    const sim = await startSimulator({ site: { ...site, simulation: { enabled: true, speed: 1, initialSocPct: 50 } }, profiles, ephemeralPorts: true, seed: 3, stepMs: 50 });
    try {
      sim.set({ speed: 3600 });
      const end = Date.now() + 1500;
      while (Date.now() < end && sim.get().simTime - Date.now() < 30 * 60_000) await sleep(20);
      const ahead = sim.get().simTime - Date.now();
      assert.ok(ahead > 30 * 60_000, `the simulated clock ran ahead (${ahead} ms)`);
      const soc = (sim.plant() as { socPct: number }).socPct;
      const s = sim.set({ toWallTime: true });
      assert.equal(s.speed, 1);
      assert.ok(Math.abs(s.simTime - Date.now()) < 1000, `simulated time ${s.simTime - Date.now()} ms from the wall clock`);
      assert.ok(Math.abs((sim.plant() as { socPct: number }).socPct - soc) < 0.5, 'the battery keeps its state of charge');
      await sleep(500);
      assert.ok(Math.abs(sim.get().simTime - Date.now()) < 1000, 'and stays on the wall clock at 1 ×');
    } finally {
      await sim.stop();
    }
  });
});

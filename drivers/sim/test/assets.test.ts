/**
 * The shipped demo site and device profiles against the schemas, the natures and the plant
 * model; the profile README against the YAML.
 */
import { simSiteSchema } from '../serve/iec61850';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { ESS_STATES, NATURES, natureChannel, type ChannelDef, type NatureName } from '../../../core/common/natures';
import { checkSiteReferences, opcuaProfileSchema, type ModbusRegister } from '../../../core/common/site';
import { resolveAlarmSetpointRefs } from '../../../core/common/alarms';
import { ESS_STATE } from '../model/battery';
import { EV_STATUS } from '../model/ev';
import { Plant } from '../model/plant';
import { clampToRegister, plantConfigFromSite } from '../serve/mapping';
import { profileReadme, readProfiles, registerRow } from '../serve/profile-doc';
import { simulatedDevices } from '../serve/simulator';
import { SimOpcuaServers, simulatedOpcuaDevices } from '../serve/opcua';
import { ProtocolRegistry } from '../../../core/common/profile';
import { iec104Protocol, type Iec104Profile } from '../../../core/common/profiles/iec104';
import { RTU_SOURCES, SimIec104Rtus, simulatedIec104Devices } from '../serve/iec104';
import { ocppProtocol, type OcppProfile } from '../../../core/common/profiles/ocpp';
import { simulatedOcppDevices } from '../serve/ocpp';

const ROOT = join(__dirname, '..', '..', '..');
const PROFILES_DIR = join(ROOT, 'assets', 'profiles');
const profiles = readProfiles(PROFILES_DIR);
const byId = new Map(profiles.map((p) => [p.profile.id, p.profile]));
const raw: unknown = parse(readFileSync(join(ROOT, 'assets', 'sites', 'demo', 'site.yaml'), 'utf8'));
// alarm setpoints that follow site parameters ({ ref: contractedPowerKw }) are resolved by the loader
assert.deepEqual(resolveAlarmSetpointRefs(raw), []);
const site = simSiteSchema.parse(raw);
const opcuaProfiles = readdirSync(PROFILES_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => parse(readFileSync(join(PROFILES_DIR, f), 'utf8')) as { protocol?: string; id?: string })
  .filter((d) => d.protocol === 'opcua')
  .map((d) => opcuaProfileSchema.parse(d));
const iec104Profiles = readdirSync(PROFILES_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => parse(readFileSync(join(PROFILES_DIR, f), 'utf8')) as { protocol?: string; id?: string })
  .filter((d) => d.protocol === 'iec104')
  .map((d) => {
    const r = new ProtocolRegistry([iec104Protocol as never]).parseProfile(d);
    assert.ok(r.ok, `${d.id}: ${JSON.stringify(r)}`);
    return r.profile as Iec104Profile;
  });

const ocppRegistry = new ProtocolRegistry([ocppProtocol as never]);
const ocppProfiles = readdirSync(PROFILES_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => parse(readFileSync(join(PROFILES_DIR, f), 'utf8')) as { protocol?: string; id?: string })
  .filter((d) => d.protocol === 'ocpp')
  .map((d) => {
    const r = ocppRegistry.parseProfile(d);
    assert.ok(r.ok, `${d.id}: ${JSON.stringify(r)}`);
    return r.profile as OcppProfile;
  });

describe('state codes agree with core/common/natures.ts', () => {
  it('Ess State', () => {
    for (const [name, code] of Object.entries(ESS_STATE)) assert.equal(ESS_STATES[String(code)], name);
    assert.equal(Object.keys(ESS_STATES).length, Object.keys(ESS_STATE).length);
  });
  it('Evse Status', () => {
    const states = NATURES.Evse.Status?.states ?? {};
    for (const [name, code] of Object.entries(EV_STATUS)) assert.equal(states[String(code)], name);
  });
});

describe('demo site (assets/sites/demo/site.yaml)', () => {
  it('validates, with every reference resolved', () => {
    assert.deepEqual(checkSiteReferences(site, new Set([...byId.keys(), ...opcuaProfiles.map((p) => p.id), ...iec104Profiles.map((p) => p.id), ...ocppProfiles.map((p) => p.id), 'es-controller-61850'])), []);
    assert.equal(site.site.name, 'Demo storage site');
    assert.equal(site.site.gridType, 'prosumer');
    assert.deepEqual(site.simulation, { enabled: true, speed: 1, initialSocPct: 55, historyDays: 30 });
  });

  it('follows asset.01: controllers are parents of what they control', () => {
    const kind = new Map(site.assets.map((a) => [a.id, a.kind]));
    const parentKind = (k: string) => site.assets.filter((a) => a.kind === k).map((a) => kind.get(a.parent ?? ''));
    assert.deepEqual(parentKind('ess'), ['es-controller']);
    assert.deepEqual(parentKind('pv-array'), ['res-controller']);
    assert.deepEqual(parentKind('ev-charger'), ['ev-charging-manager', 'ev-charging-manager']);
    const pcc = site.assets.find((a) => a.id === site.site.pcc.meter);
    assert.equal(pcc?.role, 'pcc');
    assert.equal(pcc?.kind, 'smart-meter');
  });

  it('serves each device on its own fixed loopback port from 15021, unit 1, 1 s poll', () => {
    const devs = simulatedDevices(site);
    assert.equal(devs.length, site.devices.filter((d) => d.protocol === 'modbus-tcp').length);
    // the BMS rack supervision over OPC UA, after the Modbus ports
    const ua = simulatedOpcuaDevices(site);
    assert.deepEqual(
      ua.map((d) => [d.id, d.connection.endpointUrl, d.simulated]),
      [['bms-opcua', 'opc.tcp://127.0.0.1:15028', true]],
    );
    devs.forEach((d, i) => {
      assert.equal(d.protocol, 'modbus-tcp');
      if (d.protocol !== 'modbus-tcp') return;
      assert.equal(d.connection.host, '127.0.0.1');
      assert.equal(d.connection.port, 15021 + i);
      assert.equal(d.connection.unitId, 1);
      assert.equal(d.pollMs, 1000);
      assert.equal(d.simulated, true);
    });
  });

  it('has physics for every register of every simulated device, within the register ranges', () => {
    const { config, warnings } = plantConfigFromSite(site, 1);
    assert.deepEqual(warnings, []);
    const plant = new Plant(config, Date.parse('2025-06-18T10:00:00Z'));
    plant.step(1);
    const values = plant.values();
    // the OPC UA device's channels come from the model or are derived from it
    const ua = new SimOpcuaServers(site, new Map(opcuaProfiles.map((p) => [p.id, p])));
    assert.deepEqual(ua.missing(values), []);
    for (const d of simulatedDevices(site)) {
      const p = byId.get(d.profile);
      assert.ok(p, d.profile);
      for (const r of p.registers) {
        const v = values[d.asset]?.[r.channel];
        assert.equal(typeof v, 'number', `${d.asset}/${r.channel} (${d.profile})`);
        assert.equal(clampToRegister(r, v ?? 0), v, `${d.asset}/${r.channel} = ${v} outside the register`);
      }
    }
  });
});

describe('OCPP charge points of the demo (assets/profiles/ocpp-*.yaml)', () => {
  it('every simulated OCPP device has an OCPP profile whose nature channels keep the Evse units and access, on a charger the plant models', () => {
    const devices = simulatedOcppDevices(site);
    assert.deepEqual(devices.map((d) => d.asset), ['evse1', 'evse2']);
    const plant = new Plant(plantConfigFromSite(site, 1).config, Date.parse('2025-06-18T10:00:00Z'));
    for (const d of devices) {
      const p = ocppProfiles.find((x) => x.id === d.profile);
      assert.ok(p, `${d.id}: profile ${d.profile}`);
      assert.ok(plant.evCharger(d.asset), `${d.asset} is an EV charger of the plant`);
      for (const c of ocppRegistry.channels(p)) {
        const def = natureChannel('Evse', c.channel);
        if (!def) continue;
        assert.equal(c.unit, def.unit, `${p.id} ${c.channel}`);
        assert.equal(c.access, def.access, `${p.id} ${c.channel}`);
      }
    }
  });
});

describe('device profiles (assets/profiles)', () => {
  it('use the nature channel names with the nature units and access', () => {
    const natureOf = new Map<string, NatureName>();
    for (const d of site.devices) {
      const a = site.assets.find((x) => x.id === d.asset);
      if (a) natureOf.set(d.profile, a.nature);
    }
    for (const { profile } of profiles) {
      const nature = natureOf.get(profile.id);
      assert.ok(nature, `profile ${profile.id} is not used by the demo site`);
      for (const r of profile.registers) {
        const def: ChannelDef | undefined = natureChannel(nature, r.channel);
        if (!def) continue;
        assert.equal(r.unit, def.unit, `${profile.id} ${r.channel}`);
        assert.equal(r.access, def.access, `${profile.id} ${r.channel}`);
      }
      for (const r of profile.registers) assert.ok(r.description && r.description.length > 5, `${profile.id} ${r.channel}: description`);
    }
  });

  it('mix types, scales and word orders like real devices do', () => {
    const regs = profiles.flatMap(({ profile }) => profile.registers.map((r) => ({ ...r, wo: r.wordOrder ?? profile.wordOrder })));
    for (const t of ['int16', 'uint16', 'int32', 'uint32', 'float32'] as const) assert.ok(regs.some((r) => r.type === t), t);
    assert.ok(regs.some((r) => r.type === 'int16' && r.scale === 0.1));
    assert.ok(regs.some((r) => r.type !== 'int16' && r.type !== 'uint16' && r.wo === 'LE'));
  });

  it('README.md lists every register as the YAML says (regenerate with profile-doc.ts)', () => {
    const readme = readFileSync(join(PROFILES_DIR, 'README.md'), 'utf8');
    for (const { profile } of profiles) for (const r of profile.registers) assert.ok(readme.includes(registerRow(profile, r)), `README row for ${profile.id} ${r.channel}`);
    assert.equal(readme, profileReadme(profiles), 'README.md is out of date: node --import tsx drivers/sim/serve/profile-doc.ts > assets/profiles/README.md');
  });
});

describe('clampToRegister', () => {
  const reg = (type: ModbusRegister['type'], scale: number): ModbusRegister => ({ channel: 'X', table: 'input', address: 0, type, scale, offset: 0, unit: '', access: 'ro' });
  const rows: Array<[ModbusRegister['type'], number, number, number]> = [
    ['int16', 0.1, 5000, 3276.7],
    ['int16', 0.1, -5000, -3276.8],
    ['uint16', 0.1, -3, 0],
    ['uint16', 1, 12.5, 12.5],
    ['float32', 0.001, 1e9, 1e9],
  ];
  for (const [type, scale, v, expect] of rows) it(`${type} ×${scale}: ${v} -> ${expect}`, () => assert.ok(Math.abs(clampToRegister(reg(type, scale), v) - expect) < 1e-9));
});

describe('the simulated IEC 104 RTU', () => {
  it('serves the grid-connection RTU of the demo with physics or a held value for every point', () => {
    assert.deepEqual(simulatedIec104Devices(site).map((d) => [d.id, d.asset, d.connection.standby.length]), [['grid-rtu', 'pcc-meter', 1]]);
    const rtus = new SimIec104Rtus(site, new Map(iec104Profiles.map((p) => [p.id, p])));
    const plant = new Plant(plantConfigFromSite(site, 1).config, Date.UTC(2026, 5, 1, 10));
    assert.deepEqual(rtus.missing(plant.values()), []);
    for (const [ch, src] of Object.entries(RTU_SOURCES)) if (iec104Profiles[0]!.channels.some((c) => c.channel === ch)) assert.equal(typeof plant.values()['pcc-meter']?.[src], 'number', `${ch} ← ${src}`);
  });
});


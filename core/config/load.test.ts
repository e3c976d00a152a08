import { strict as assert } from 'node:assert';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { z } from 'zod';
import { channelStatesSchema, modbusProtocol, type ProtocolDefinition } from '../common';
import { ConfigError, loadSite, resolveAlarmSetpointRefs } from './load';

const dir = mkdtempSync(join(tmpdir(), 'esm-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PROFILE = `
id: test-meter
vendor: Test
model: Meter
protocol: modbus
registers:
  - { channel: ActivePower, table: holding, address: 0, type: int16, scale: 0.1, unit: kW }
  - { channel: Frequency, table: input, address: 10, type: uint16, scale: 0.01, unit: Hz }
`;

const SITE = `
site:
  id: s1
  name: Test site
  gridType: prosumer
  timezone: Europe/Lisbon
  location: { latitude: 38.7, longitude: -9.1 }
  pcc: { meter: pcc, contractedPowerKw: 60 }
assets:
  - id: pcc
    name: PCC meter
    kind: smart-meter
    nature: Meter
    role: pcc
    points:
      ActivePower: { min: -200, max: 200 }
devices:
  - id: m1
    name: Meter 1
    protocol: modbus-tcp
    connection: { host: 127.0.0.1, port: 1502 }
    profile: test-meter
    asset: pcc
`;

function write(name: string, text: string): string {
  const sub = mkdtempSync(join(dir, 'case-'));
  mkdirSync(join(sub, 'profiles'));
  writeFileSync(join(sub, 'profiles', 'meter.yaml'), PROFILE);
  const file = join(sub, name);
  writeFileSync(file, text);
  return file;
}

function issuesOf(file: string): ConfigError['issues'] {
  try {
    loadSite(file, []);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return e.issues;
  }
  assert.fail('expected the site to be rejected');
}

describe('loadSite', () => {
  it('loads a valid site, applies defaults and builds points with limits', () => {
    const loaded = loadSite(write('site.yaml', SITE), []);
    assert.equal(loaded.site.site.id, 's1');
    const dev = loaded.site.devices[0];
    assert.ok(dev);
    assert.equal(dev.pollMs, 1000);
    assert.equal(dev.protocol === 'modbus-tcp' && dev.connection.unitId, 1);
    const ids = loaded.points.map((p) => p.id).sort();
    assert.deepEqual(ids, ['pcc/ActivePower', 'pcc/Frequency']);
    const p = loaded.points.find((x) => x.id === 'pcc/ActivePower');
    assert.equal(p?.min, -200);
    assert.equal(p?.max, 200);
    assert.equal(p?.unit, 'kW');
    assert.equal(p?.deviceId, 'm1');
  });

  it('reports every schema error at once, with path and line', () => {
    const bad = SITE.replace('port: 1502', 'port: 70000').replace('gridType: prosumer', 'gridType: island').replace('kind: smart-meter', 'kind: toaster');
    const issues = issuesOf(write('site.yaml', bad));
    const paths = issues.map((i) => i.path).sort();
    assert.deepEqual(paths, ['assets[0].kind', 'devices[0].connection.port', 'site.gridType']);
    const port = issues.find((i) => i.path === 'devices[0].connection.port');
    assert.ok(port?.line !== undefined && port.line > 20, `line given: ${JSON.stringify(port)}`);
    assert.match(port?.file ?? '', /site\.yaml$/);
  });

  it('reports broken references: unknown profile, asset, parent and pcc meter', () => {
    const bad = SITE.replace('profile: test-meter', 'profile: nope')
      .replace('asset: pcc\n', 'asset: ghost\n')
      .replace('meter: pcc,', 'meter: missing,');
    const issues = issuesOf(write('site.yaml', bad));
    const msgs = issues.map((i) => `${i.path}: ${i.message}`);
    assert.ok(msgs.some((m) => m.startsWith('devices[0].profile: unknown profile "nope"')), msgs.join('\n'));
    assert.ok(msgs.some((m) => m.startsWith('devices[0].asset: unknown asset "ghost"')), msgs.join('\n'));
    assert.ok(msgs.some((m) => m.startsWith('site.pcc.meter: unknown asset "missing"')), msgs.join('\n'));
  });

  it('reports YAML syntax errors with line and column', () => {
    const issues = issuesOf(write('site.yaml', 'site:\n  id: [unclosed\n'));
    assert.equal(issues[0]?.path, '(syntax)');
    assert.ok((issues[0]?.line ?? 0) >= 2);
  });

  it('accepts JSON and rejects bad JSON with the file name', () => {
    const issues = issuesOf(write('site.json', '{"site": '));
    assert.match(issues[0]?.message ?? '', /invalid JSON/);
    assert.match(issues[0]?.file ?? '', /site\.json$/);
  });

  it('rejects a profile error with the profile file and register path', () => {
    const file = write('site.yaml', SITE);
    writeFileSync(join(file, '..', 'profiles', 'meter.yaml'), PROFILE.replace('type: int16', 'type: int17'));
    const issues = issuesOf(file);
    const i = issues.find((x) => x.path === 'registers[0].type');
    assert.ok(i, JSON.stringify(issues));
    assert.match(i.file, /meter\.yaml$/);
  });

  it('rejects limits for channels no device serves', () => {
    const bad = SITE.replace('ActivePower: { min: -200, max: 200 }', 'Voltage: { min: 0, max: 300 }');
    const issues = issuesOf(write('site.yaml', bad));
    assert.ok(issues.some((i) => i.path === 'assets[0].points.Voltage'), JSON.stringify(issues));
  });
});

describe('nature channels', () => {
  const ESS_PROFILE = `
id: test-pcs
vendor: Test
model: PCS
protocol: modbus
registers:
  - { channel: ActivePower, table: input, address: 0, type: int16, scale: 0.1, unit: kW }
  - { channel: SetActivePower, table: holding, address: 10, type: int16, scale: 0.1, unit: kW, access: rw }
`;
  const withEss = `${SITE}
  - id: pcs
    name: PCS
    protocol: modbus-tcp
    connection: { host: 127.0.0.1, port: 1503 }
    profile: test-pcs
    asset: ess1
`.replace(
    'devices:',
    `  - id: ess1
    name: Battery
    kind: ess
    nature: Ess
devices:`,
  );

  it('refuses an Ess whose Soc no device serves, naming the asset, the file and the line', () => {
    const file = write('site.yaml', withEss);
    writeFileSync(join(file, '..', 'profiles', 'pcs.yaml'), ESS_PROFILE);
    const issues = issuesOf(file);
    assert.equal(issues.length, 1, JSON.stringify(issues));
    const i = issues[0];
    assert.equal(i?.path, 'assets[1].nature');
    assert.match(i?.message ?? '', /Ess "ess1" needs "Soc"/);
    assert.match(i?.file ?? '', /site\.yaml$/);
    // the line of `nature: Ess` of the second asset
    const lines = withEss.split('\n');
    const expected = lines.findIndex((l) => l.includes('nature: Ess')) + 1;
    assert.equal(i?.line, expected);
  });

  it('accepts the Ess once a device serves Soc, and takes units and docs from the nature', () => {
    const file = write('site.yaml', withEss);
    writeFileSync(join(file, '..', 'profiles', 'pcs.yaml'), `${ESS_PROFILE}  - { channel: Soc, table: input, address: 1, type: uint16, scale: 0.1 }\n`);
    const loaded = loadSite(file, []);
    const soc = loaded.points.find((p) => p.id === 'ess1/Soc');
    assert.equal(soc?.unit, '%');
    assert.match(soc?.description ?? '', /state of charge/);
  });
});

describe('alarm definitions in the site file', () => {
  it('rejects a definition that reads or commands an unknown point, naming where', () => {
    const withAlarms = `${SITE}
alarms:
  definitions:
    - { id: a1, type: limit, point: pcc/ActivePower, level: H, setpoint: 50, priority: high, message: import high }
    - id: a2
      type: limit
      point: pcc/Nope
      level: H
      setpoint: 1
      priority: low
      message: bad point
      actions: [{ target: pcc/Ghost, value: 0, reason: test }]
    - { id: a1, type: expression, expr: "pcc/ActivePower > pcc/Missing", priority: low, message: dup id }
`;
    const issues = issuesOf(write('site.yaml', withAlarms));
    const got = issues.map((i) => `${i.path}: ${i.message}`).sort();
    assert.deepEqual(got, [
      'alarms.definitions[1].actions[0].target: unknown point "pcc/Ghost"',
      'alarms.definitions[1].point: unknown point "pcc/Nope"',
      'alarms.definitions[2].expr: unknown point "pcc/Missing"',
      'alarms.definitions[2].id: alarm id "a1" is also used by alarms.definitions[0]',
    ]);
  });
});

describe('protocol-neutral devices: the loader dispatches on the profile protocol', () => {
  // a second protocol, declared as any driver would declare its own (drivers/<protocol>/)
  const textProfile = z
    .object({
      id: z.string(),
      vendor: z.string(),
      model: z.string(),
      protocol: z.literal('text'),
      channels: z.array(z.object({ channel: z.string(), key: z.string(), unit: z.string().default(''), states: channelStatesSchema.optional() }).strict()),
    })
    .strict();
  const textProtocol: ProtocolDefinition<z.infer<typeof textProfile>> = {
    profileProtocol: 'text',
    connections: { 'text-tcp': z.object({ host: z.string(), port: z.number().int().min(1).max(65535) }).strict() },
    profileSchema: textProfile,
    channels: (p) => p.channels.map((c) => ({ channel: c.channel, type: 'number', unit: c.unit, access: 'rw', ...(c.states ? { states: c.states } : {}) })),
  };
  const protocols = [modbusProtocol, textProtocol] as unknown as ProtocolDefinition<never>[];
  const TEXT_PROFILE = `
id: text-ctl
vendor: Test
model: Controller
protocol: text
channels:
  - { channel: Mode, key: MODE, states: { 0: Auto, 1: Manual } }
  - { channel: ActivePower, key: P, unit: kW }
`;
  const SITE2 = SITE.replace(
    'devices:\n',
    `  - { id: ctl, name: Controller, kind: es-controller, nature: Controller }
devices:
  - { id: t1, name: Text device, protocol: text-tcp, connection: { host: 127.0.0.1, port: 7000 }, profile: text-ctl, asset: ctl }
`,
  );
  function withText(site: string, profile = TEXT_PROFILE): string {
    const file = write('site.yaml', site);
    writeFileSync(join(file, '..', 'profiles', 'ctl.yaml'), profile);
    return file;
  }
  function issuesWith(file: string, p: ProtocolDefinition<never>[]): ConfigError['issues'] {
    try {
      loadSite(file, [], p);
    } catch (e) {
      assert.ok(e instanceof ConfigError, String(e));
      return e.issues;
    }
    return assert.fail('expected the site to be rejected');
  }

  it('loads devices and profiles of both protocols; the profile states reach the points', () => {
    const loaded = loadSite(withText(SITE2), [], protocols);
    assert.deepEqual(loaded.points.map((p) => `${p.id} ${p.deviceId}`).sort(), ['ctl/ActivePower t1', 'ctl/Mode t1', 'pcc/ActivePower m1', 'pcc/Frequency m1']);
    assert.deepEqual(loaded.points.find((p) => p.id === 'ctl/Mode')?.states, { 0: 'Auto', 1: 'Manual' });
    assert.equal(loaded.profiles.get('text-ctl')?.protocol, 'text');
    assert.equal(loaded.profiles.get('test-meter')?.protocol, 'modbus');
  });

  it('validates each profile with its own schema, errors located in its file', () => {
    const issues = issuesWith(withText(SITE2, TEXT_PROFILE.replace('key: P,', 'register: 3,')), protocols);
    const i = issues.find((x) => x.path === 'channels[1]');
    assert.ok(i, JSON.stringify(issues));
    assert.match(i.file, /ctl\.yaml$/);
    assert.equal(i.line, 8);
  });

  it('validates a device connection with its protocol schema, located in the site file', () => {
    const issues = issuesWith(withText(SITE2.replace('port: 7000', 'port: 0')), protocols);
    const i = issues.find((x) => x.path === 'devices[0].connection.port');
    assert.ok(i, JSON.stringify(issues));
    assert.match(i.file, /site\.yaml$/);
    assert.ok(i.line !== undefined);
  });

  it('a profile of a protocol without a driver is ignored until a device uses it, then named', () => {
    // the text profile sits in the folder; a Modbus-only application still loads the Modbus site
    assert.equal(loadSite(withText(SITE), []).points.length, 2);
    const issues = issuesWith(withText(SITE2.replace('protocol: text-tcp', 'protocol: modbus-tcp').replace('{ host: 127.0.0.1, port: 7000 }', '{ host: 127.0.0.1, port: 1502 }')), [modbusProtocol as ProtocolDefinition<never>]);
    const i = issues.find((x) => x.path === 'devices[0].profile');
    assert.match(i?.message ?? '', /profile "text-ctl" \(.*ctl\.yaml\) is a text profile, and no driver of this application serves text/);
  });

  it('a device must use a profile of its own protocol', () => {
    const issues = issuesWith(withText(SITE2.replace('profile: text-ctl', 'profile: test-meter')), protocols);
    const i = issues.find((x) => x.path === 'devices[0].profile');
    assert.equal(i?.message, 'profile "test-meter" is a modbus profile; a text-tcp device needs a text profile');
  });

  it('a channel mapped twice, a feedback to no channel and states on a float are refused with their path', () => {
    const bad = PROFILE.replace('{ channel: Frequency,', '{ channel: ActivePower,').replace(
      'unit: Hz }',
      'unit: Hz }\n  - { channel: Mode, table: holding, address: 20, type: float32, access: rw, states: { 0: Off }, feedback: Nope }',
    );
    const file = write('site.yaml', SITE);
    writeFileSync(join(file, '..', 'profiles', 'meter.yaml'), bad);
    const got = issuesOf(file)
      .filter((i) => i.path.startsWith('registers'))
      .map((i) => `${i.path}: ${i.message}`)
      .sort();
    assert.deepEqual(got, [
      'registers[1].channel: channel "ActivePower" already mapped by registers[0]',
      'registers[2].feedback: feedback channel "Nope" is not another channel of this profile',
      'registers[2].states: enumerated states need an integer register type, not float32',
    ]);
  });

  it('a channel confirmed by another one carries that feedback point (for CVT readback)', () => {
    const file = write('site.yaml', SITE);
    writeFileSync(
      join(file, '..', 'profiles', 'meter.yaml'),
      PROFILE.replace('unit: kW }', 'unit: kW, access: rw, feedback: Frequency }'),
    );
    const p = loadSite(file, []).points.find((x) => x.id === 'pcc/ActivePower');
    assert.equal(p?.feedback, 'pcc/Frequency');
  });

  it('an unknown profile protocol is named with the known ones', () => {
    const file = write('site.yaml', SITE);
    writeFileSync(join(file, '..', 'profiles', 'x.yaml'), 'protocol: 42\nid: x\n');
    const i = issuesOf(file).find((x) => x.path === 'protocol');
    assert.equal(i?.message, 'a profile names its protocol (one of: iec104, iec61850, modbus, ocpp, opcua)');
  });
});

it('alarm setpoints may follow site parameters: { ref: contractedPowerKw | socMinPct | socMaxPct }', () => {

  const doc = {
    site: { pcc: { contractedPowerKw: 8 } },
    assets: [{ id: 'ess', limits: { socMinPct: 10 } }],
    alarms: {
      definitions: [
        { id: 'a', type: 'limit', point: 'pcc/ActivePower', level: 'H', setpoint: { ref: 'contractedPowerKw' } },
        { id: 'b', type: 'limit', point: 'ess/Soc', level: 'L', setpoint: { ref: 'socMinPct' } },
        { id: 'c', type: 'limit', point: 'ess/Soc', level: 'H', setpoint: { ref: 'socMaxPct' } },
        { id: 'd', type: 'limit', point: 'ess/Soc', level: 'H', setpoint: { ref: 'tariff' } },
        { id: 'e', type: 'limit', point: 'ess/Soc', level: 'H', setpoint: 95 },
      ],
    },
  };
  const issues = resolveAlarmSetpointRefs(doc);
  const defs = doc.alarms.definitions as Array<{ setpoint: unknown; setpointRef?: unknown }>;
  assert.deepEqual([defs[0]!.setpoint, defs[0]!.setpointRef], [8, 'contractedPowerKw']);
  assert.deepEqual([defs[1]!.setpoint, defs[1]!.setpointRef], [10, 'socMinPct']);
  assert.equal(defs[4]!.setpoint, 95);
  assert.deepEqual(
    issues.map((i) => `${i.path}: ${i.message}`),
    [
      'alarms.definitions[2].setpoint: ref socMaxPct: asset "ess" of the alarm\'s point has no limits.socMaxPct',
      'alarms.definitions[3].setpoint: ref must be one of contractedPowerKw, socMinPct, socMaxPct, not "tariff"',
    ],
  );
});

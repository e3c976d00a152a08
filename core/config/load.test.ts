import { strict as assert } from 'node:assert';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadSite } from './load';

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

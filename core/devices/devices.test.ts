/**
 * CSV bulk registration (core/devices): located errors in sentences, all or nothing, profiles
 * reused when identical, and the round trip export → import → export on real site files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DeviceCsv, parseCsv } from '.';
import { loadSite } from '../config/load';

const SHIPPED = resolve(__dirname, '../../assets/profiles');

const SITE = `site:
  id: csv-site
  name: CSV site
  gridType: prosumer
  timezone: Europe/Madrid
  location: { latitude: 36.7, longitude: -4.5 }
  pcc: { meter: pcc, contractedPowerKw: 60 }
assets:
  - { id: pcc, name: PCC meter, kind: smart-meter, nature: Meter, role: pcc }
  - { id: load1, name: Building load, kind: smart-meter, nature: Meter }
devices: []
`;

const POINTS = `profile,vendor,model,maxBlock,maxGap,channel,table,address,type,scale,offset,unit,access,wordOrder,byteOrder,description,states,feedback
acme-meter,ACME,M-100,60,4,ActivePower,holding,0,int32,0.1,,kW,ro,BE,,"Active power, total",,
acme-meter,,,,,Voltage,input,2,uint16,0.1,,V,ro,,,,,
acme-meter,,,,,Mode,holding,3,uint16,,,,rw,,,,0=Auto;1=Manual,ModeFb
acme-meter,,,,,ModeFb,holding,4,uint16,,,,ro,,,,0=Auto;1=Manual,
`;

const DEVICES = `id,name,asset,protocol,profile,pollMs,timeoutMs,host,port,unitId,simulated
pcc-dev,PCC meter,pcc,modbus-tcp,acme-meter,1000,800,10.0.0.5,502,1,
load-dev,"Building load, floor 2",load1,modbus-tcp,acme-meter,2000,,10.0.0.6,502,7,
`;

function freshSite(): { dir: string; file: string; csv: DeviceCsv } {
  const dir = mkdtempSync(join(tmpdir(), 'esm-csv-test-'));
  const file = join(dir, 'site.yaml');
  writeFileSync(file, SITE);
  return { dir, file, csv: new DeviceCsv({ siteFile: file, profileDirs: [SHIPPED] }) };
}

test('the CSV reader locates every cell (quotes, commas and line breaks inside cells)', () => {
  const rows = parseCsv('a,b\r\n"x, ""y""",z\n"two\nlines",w\n');
  assert.deepEqual(
    rows.map((r) => r.cells.map((c) => [c.value, c.line, c.column])),
    [
      [['a', 1, 1], ['b', 1, 3]],
      [['x, "y"', 2, 1], ['z', 2, 12]],
      [['two\nlines', 3, 1], ['w', 4, 8]],
    ],
  );
  assert.throws(() => parseCsv('a,"open\n'), /a quoted cell is not closed/);
});

test('imports devices and points: the profile file and the site file, and the loader accepts them', () => {
  const { dir, file, csv } = freshSite();
  try {
    const r = csv.apply({ devices: { fileName: 'devices.csv', text: DEVICES }, points: { fileName: 'points.csv', text: POINTS } });
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.devices.map((d) => [d.id, d.address, d.pollMs]), [
      ['pcc-dev', '10.0.0.5:502 unit 1', 1000],
      ['load-dev', '10.0.0.6:502 unit 7', 2000],
    ]);
    assert.deepEqual(r.profiles.map((p) => [p.id, p.points]), [['acme-meter', 4]]);
    const loaded = loadSite(file, [SHIPPED]);
    const prof = loaded.profiles.get('acme-meter') as unknown as { maxBlock: number; registers: Array<Record<string, unknown>> };
    assert.equal(prof.maxBlock, 60);
    assert.deepEqual(prof.registers[2]!.states, { '0': 'Auto', '1': 'Manual' });
    assert.equal(prof.registers[2]!.feedback, 'ModeFb');
    assert.equal(prof.registers[0]!.description, 'Active power, total');
    assert.equal(loaded.site.devices.find((d) => d.id === 'load-dev')?.name, 'Building load, floor 2');
    assert.ok(loaded.points.some((p) => p.id === 'load1/Voltage'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad file: every problem located (file:line:column, the column) in a sentence, and nothing saved', () => {
  const { dir, file, csv } = freshSite();
  const before = readFileSync(file, 'utf8');
  try {
    const badPoints = POINTS.replace('acme-meter,,,,,Voltage,input,2,uint16', 'acme-meter,,,,,Voltage,input,two,uint16').replace('ModeFb,holding,4,uint16', 'ModeFb,holding,4,uint61');
    const badDevices = DEVICES.replace('10.0.0.6,502,7', '10.0.0.6,70000,7') + 'x-dev,X,nowhere,modbus-tcp,acme-meter,,,10.0.0.7,502,,\nbad,Bad,pcc,iec104,acme-meter,,,10.0.0.8,2404,,\n';
    // cell-level problems first
    const r1 = csv.apply({ devices: { fileName: 'devices.csv', text: badDevices }, points: { fileName: 'points.csv', text: badPoints } });
    assert.ok(!r1.ok);
    const said = r1.issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.field ?? ''}: ${i.message}`);
    assert.ok(said.includes('points.csv:3:30 address: the address "two" is not a number'), said.join('\n'));
    assert.ok(said.some((s) => /^devices\.csv:5:13 protocol: protocol "iec104" cannot be registered from CSV/.test(s)), said.join('\n'));
    assert.equal(readFileSync(file, 'utf8'), before, 'the site file is untouched');
    assert.ok(!existsSync(join(dir, 'profiles')), 'no profile file written');
    // loader-level problems, traced back to their rows and cells
    const r2 = csv.preview({ devices: { fileName: 'devices.csv', text: badDevices.split('\n').slice(0, 4).join('\n') }, points: { fileName: 'points.csv', text: POINTS.replace('ModeFb,holding,4,uint16', 'ModeFb,holding,4,uint61') } });
    assert.ok(!r2.ok);
    const said2 = r2.issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.field ?? ''}: ${i.message}`);
    assert.ok(said2.some((s) => /^points\.csv:5:\d+ type: /.test(s) && /uint16/.test(s)), said2.join('\n'));
    assert.equal(readFileSync(file, 'utf8'), before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('references the loader checks are traced to the row: an unknown asset, a duplicate id, a missing profile', () => {
  const { dir, csv } = freshSite();
  try {
    const text = `${DEVICES}x-dev,X,nowhere,modbus-tcp,acme-meter,,,10.0.0.7,502,,\npcc-dev,Again,pcc,modbus-tcp,no-such-profile,,,10.0.0.9,502,,\n`;
    const r = csv.preview({ devices: { fileName: 'd.csv', text }, points: { fileName: 'p.csv', text: POINTS } });
    assert.ok(!r.ok);
    const said = r.issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.field ?? ''}: ${i.message}`);
    assert.ok(said.some((s) => /^d\.csv:4:\d+ asset: unknown asset "nowhere"/.test(s)), said.join('\n'));
    assert.ok(said.some((s) => /^d\.csv:5:1 id: duplicate device id "pcc-dev"/.test(s)), said.join('\n'));
    assert.ok(said.some((s) => /^d\.csv:5:\d+ profile: unknown profile "no-such-profile"/.test(s)), said.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('round trip: export → import on a fresh site → export gives the same files and the same devices', () => {
  const a = freshSite();
  const b = freshSite();
  try {
    assert.ok(a.csv.apply({ devices: { fileName: 'devices.csv', text: DEVICES }, points: { fileName: 'points.csv', text: POINTS } }).ok);
    const e1 = a.csv.export();
    assert.equal(e1.devices.fileName, 'csv-site-devices.csv');
    const r = b.csv.apply({ devices: { fileName: e1.devices.fileName, text: e1.devices.text }, points: { fileName: e1.points.fileName, text: e1.points.text } });
    assert.ok(r.ok, JSON.stringify(r));
    const e2 = b.csv.export();
    assert.equal(e2.devices.text, e1.devices.text);
    assert.equal(e2.points.text, e1.points.text);
    const la = loadSite(a.file, [SHIPPED]);
    const lb = loadSite(b.file, [SHIPPED]);
    assert.deepEqual(lb.site.devices, la.site.devices);
    assert.deepEqual(lb.profiles.get('acme-meter'), la.profiles.get('acme-meter'));
    assert.deepEqual(lb.points, la.points);
    // importing the export again into the same site: the identical profile is reused, the devices are duplicates
    const again = b.csv.preview({ devices: { fileName: 'd.csv', text: e2.devices.text }, points: { fileName: 'p.csv', text: e2.points.text } });
    assert.ok(!again.ok);
    assert.ok(again.issues.every((i) => i.file === 'd.csv' && (i.line === 2 || i.line === 3)), JSON.stringify(again.issues));
    assert.ok(again.issues.some((i) => i.line === 3 && i.field === 'id' && i.message === 'duplicate device id "load-dev"'), JSON.stringify(again.issues));
    // a profile with the same id and other points is refused
    const other = b.csv.preview({ points: { fileName: 'p.csv', text: e2.points.text.replace(',Voltage,input,2,', ',Voltage,input,9,') } });
    assert.ok(!other.ok);
    assert.match(other.issues[0]!.message, /a profile "acme-meter" already exists .* with other points/);
    assert.equal(readdirSync(join(b.dir, 'profiles')).length, 1);
  } finally {
    rmSync(a.dir, { recursive: true, force: true });
    rmSync(b.dir, { recursive: true, force: true });
  }
});

test('the shipped demo site exports its Modbus TCP devices and their register maps', () => {
  const dir = mkdtempSync(join(tmpdir(), 'esm-csv-demo-'));
  try {
    const file = join(dir, 'site.yaml');
    writeFileSync(file, readFileSync(resolve(__dirname, '../../assets/sites/demo/site.yaml')));
    const csv = new DeviceCsv({ siteFile: file, profileDirs: [SHIPPED] });
    const e = csv.export();
    const devices = parseCsv(e.devices.text).slice(1).map((r) => r.cells[0]!.value);
    assert.ok(devices.includes('pcs') && devices.includes('bms') && !devices.includes('bms-opcua'), devices.join(','));
    assert.match(e.points.text, /\r\nsems-buffer-pcs,/);
    // and imports back onto itself: the shipped profiles are reused as they are
    const again = csv.preview({ points: { fileName: 'p.csv', text: e.points.text } });
    assert.ok(again.ok, JSON.stringify(again));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

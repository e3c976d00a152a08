/**
 * SCL import against small SCL files written for these tests (test/fixtures/scl): the model,
 * the proposed profile (valid for the driver) and device entry, and located errors.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ProtocolRegistry } from '../../core/common/profile';
import { iec61850ConnectionSchema, iec61850Protocol } from './profile';
import { SclError, importIed, parseScl } from './scl';

const DIR = join(__dirname, '..', '..', 'test', 'fixtures', 'scl');
const read = (f: string) => readFileSync(join(DIR, f), 'utf8');
const registry = new ProtocolRegistry([iec61850Protocol as never]);

test('SCL: IED, logical devices, nodes, data objects with CDC, attributes with FC, data sets, RCBs, address', () => {
  const m = parseScl(read('esc1.cid'), 'esc1.cid');
  assert.equal(m.ieds.length, 1);
  const ied = m.ieds[0]!;
  assert.deepEqual([ied.name, ied.manufacturer, ied.type, ied.ip], ['ESC1', 'Example Energy', 'ESC-100', '192.168.10.21']);
  const ld = ied.logicalDevices[0]!;
  assert.equal(ld.inst, 'LD0');
  assert.deepEqual(ld.logicalNodes.map((l) => l.name), ['LLN0', 'LPHD1', 'MMXU1', 'ZBAT1', 'XCBR1', 'CSWI1', 'DRCC1', 'DOPM1']);
  const totW = ld.logicalNodes.find((l) => l.name === 'MMXU1')!.dataObjects.find((d) => d.ref === 'LD0/MMXU1.TotW')!;
  assert.equal(totW.cdc, 'MV');
  assert.equal(totW.unit, 'W');
  assert.deepEqual(totW.attributes, [
    { ref: 'LD0/MMXU1.TotW.mag.f', fc: 'MX', bType: 'FLOAT32' },
    { ref: 'LD0/MMXU1.TotW.q', fc: 'MX', bType: 'Quality' },
    { ref: 'LD0/MMXU1.TotW.t', fc: 'MX', bType: 'Timestamp' },
  ]);
  const phv = ld.logicalNodes.find((l) => l.name === 'MMXU1')!.dataObjects.find((d) => d.ref === 'LD0/MMXU1.PhV')!;
  assert.ok(phv.attributes.some((a) => a.ref === 'LD0/MMXU1.PhV.phsB.cVal.mag.f' && a.fc === 'MX'), 'WYE sub data objects');
  assert.equal(ld.logicalNodes.find((l) => l.name === 'CSWI1')!.dataObjects[0]!.ctlModel, 'sbo-with-enhanced-security');
  assert.deepEqual(ld.dataSets, [{ ln: 'LLN0', name: 'Measurements', members: ['LD0/MMXU1.TotW[MX]', 'LD0/ZBAT1.SoC.mag.f[MX]', 'LD0/ZBAT1.SoC.q[MX]'] }]);
  assert.deepEqual(ld.reportControls, [{ ln: 'LLN0', name: 'brcbMeas', dataSet: 'Measurements', buffered: true, rptId: 'ESC1Meas', intgPd: 10000 }]);
});

test('SCL import: a profile the driver accepts and a device entry, without connecting', () => {
  const r = importIed(parseScl(read('esc1.cid'), 'esc1.cid'), { profileId: 'esc1-61850', deviceId: 'esc1', assetId: 'es-controller' });
  const parsed = registry.parseProfile(r.profile);
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.issues));
  const byName = new Map((r.profile.channels as Array<Record<string, unknown>>).map((c) => [c.channel, c]));
  assert.deepEqual(byName.get('MMXU1_TotW'), { channel: 'MMXU1_TotW', ref: 'LD0/MMXU1.TotW.mag.f', unit: 'W', description: 'Total active power' });
  assert.deepEqual(byName.get('ZBAT1_InBatV'), { channel: 'ZBAT1_InBatV', ref: 'LD0/ZBAT1.InBatV.mag.f', unit: 'V' });
  assert.ok(byName.has('MMXU1_PhV_phsA') && byName.has('MMXU1_PhV_phsC'));
  assert.deepEqual(byName.get('CSWI1_Pos'), { channel: 'CSWI1_Pos', ref: 'LD0/CSWI1.Pos.stVal', access: 'rw', control: { object: 'LD0/CSWI1.Pos' }, states: { '0': 'intermediate', '1': 'off', '2': 'on', '3': 'bad' } });
  assert.deepEqual(byName.get('XCBR1_Pos')?.access, undefined, 'a DPS is read-only');
  assert.deepEqual(byName.get('DRCC1_OutWSet'), { channel: 'DRCC1_OutWSet', ref: 'LD0/DRCC1.OutWSet.mxVal.f', access: 'rw', control: { object: 'LD0/DRCC1.OutWSet' } });
  assert.deepEqual(byName.get('DOPM1_WMaxOut'), { channel: 'DOPM1_WMaxOut', ref: 'LD0/DOPM1.WMaxOut.setMag.f', access: 'rw', setting: { ref: 'LD0/DOPM1.WMaxOut.setMag.f', fc: 'SP' } });
  assert.equal(byName.has('LLN0_Mod'), false, 'LLN0 and LPHD describe the device, not the process');
  assert.deepEqual(r.device, { id: 'esc1', name: 'Storage controller', protocol: 'iec61850', connection: { host: '192.168.10.21', port: 102, iedName: 'ESC1' }, profile: 'esc1-61850', asset: 'es-controller' });
  assert.ok(iec61850ConnectionSchema.safeParse(r.device.connection).success);
  assert.throws(() => importIed(parseScl(read('esc1.cid'), 'esc1.cid'), { iedName: 'NOPE', profileId: 'p', deviceId: 'd', assetId: 'a' }), /has no IED "NOPE" \(it has ESC1\)/);
});

test('SCL: a malformed file is refused with its line and column', () => {
  assert.throws(
    () => parseScl(read('bad-xml.cid'), 'bad-xml.cid'),
    (e: Error) => e instanceof SclError && e.issues[0]?.line === 26 && /bad-xml\.cid:26:\d+: not well-formed XML: .*DataSet/.test(e.message),
  );
  assert.throws(() => parseScl('<foo/>', 'x.icd'), /x\.icd:1:1: not an SCL file/);
});

test('SCL: undefined types and data sets are each located on their line', () => {
  try {
    parseScl(read('bad-types.icd'), 'bad-types.icd');
    assert.fail('expected SclError');
  } catch (e) {
    assert.ok(e instanceof SclError, String(e));
    const lines = e.issues.map((i) => `${i.line}: ${i.message}`);
    assert.deepEqual(lines, [
      '27: ReportControl brcbMeas refers to data set "NoSuchSet", which LLN0 does not define',
      '44: LN XCBR1 in LDevice LD0 refers to LNodeType "XCBR_Missing", which is not defined in DataTypeTemplates',
    ]);
  }
});

test('SCL import command: prints the profile and the device entry; a bad file exits 1 with its location', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(__dirname, 'scl-import.ts'), join(DIR, 'esc1.cid'), '--device', 'esc1', '--asset', 'es-controller'], { encoding: 'utf8' });
  assert.match(out, /protocol: iec61850/);
  assert.match(out, /ref: LD0\/MMXU1\.TotW\.mag\.f/);
  assert.match(out, /iedName: ESC1/);
  try {
    execFileSync(process.execPath, ['--import', 'tsx', join(__dirname, 'scl-import.ts'), join(DIR, 'bad-xml.cid'), '--device', 'x', '--asset', 'y'], { encoding: 'utf8', stdio: 'pipe' });
    assert.fail('expected exit 1');
  } catch (e) {
    const err = e as { status?: number; stderr?: string };
    assert.equal(err.status, 1);
    assert.match(err.stderr ?? '', /bad-xml\.cid:26:\d+: not well-formed XML/);
  }
});

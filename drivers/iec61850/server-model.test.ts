/**
 * The simulated IED's model from a profile (no library): common data classes, control models
 * and the reported data set, and a located refusal for what the simulator cannot serve.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { iec61850ProfileSchema } from './profile';
import { CTL_MODEL, simModelFromProfile } from './server-model';

test('the ES controller profile becomes MV, APC (direct), ASG, DPS and an SBO-enhanced DPC with cancel', () => {
  const profile = iec61850ProfileSchema.parse(parse(readFileSync(join(__dirname, '../../assets/profiles/es-controller-61850.yaml'), 'utf8')));
  const m = simModelFromProfile(profile, 'ESC1');
  const cdc = Object.fromEntries(m.dataObjects.map((d) => [`${d.ld}/${d.ln}.${d.name}`, [d.cdc, d.ctlModel ?? 0, d.fc, d.reported]]));
  assert.deepEqual(cdc, {
    'LD0/MMXU1.TotW': ['MV', 0, 'MX', true],
    'LD0/MMXU1.TotVAr': ['MV', 0, 'MX', true],
    'LD0/ZBAT1.SoC': ['MV', 0, 'MX', true],
    'LD0/ZBAT1.InBatV': ['MV', 0, 'MX', true],
    'LD0/ZBAT1.InBatA': ['MV', 0, 'MX', true],
    'LD0/ZBTC1.BatTmp': ['MV', 0, 'MX', true],
    'LD0/DRCC1.OutWSet': ['APC', CTL_MODEL.DIRECT_NORMAL, 'MX', true],
    'LD0/DOPM1.WMaxOut': ['ASG', 0, 'SP', false],
    'LD0/XCBR1.Pos': ['DPS', 0, 'ST', true],
    'LD0/CSWI1.Pos': ['DPC', CTL_MODEL.SBO_ENHANCED | CTL_MODEL.HAS_CANCEL, 'ST', true],
  });
  assert.deepEqual(m.channels.find((c) => c.channel === 'DcBreaker'), { channel: 'DcBreaker', doRef: 'LD0/XCBR1.Pos', scale: 1, offset: 0, type: 'number', control: 'LD0/CSWI1.Pos', setting: false });
  assert.equal(m.channels.find((c) => c.channel === 'ActivePower')?.scale, 0.001);
});

test('a channel the simulator cannot serve is named', () => {
  const profile = iec61850ProfileSchema.parse({
    id: 'x', vendor: 'v', model: 'm', protocol: 'iec61850',
    channels: [{ channel: 'Count', ref: 'LD0/GGIO1.Cnt.actVal', fc: 'ST', type: 'number' }],
  });
  assert.throws(() => simModelFromProfile(profile, 'IED'), /channel Count: the simulator cannot serve LD0\/GGIO1\.Cnt\.actVal \(attribute actVal with FC ST\)/);
});

/**
 * The OCPP profile and connection schemas: the shipped profile loads through the protocol
 * registry, and mistakes get located sentences (the path inside the file).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { ProtocolRegistry } from '../../core/common/profile';
import { ocppConnectionSchema, ocppProtocol } from '../../core/common/profiles/ocpp';

const registry = new ProtocolRegistry([ocppProtocol as never]);
const shipped = parse(readFileSync(join(__dirname, '../../assets/profiles/ocpp-ac-22kw.yaml'), 'utf8')) as Record<string, unknown>;

function issues(data: unknown): string[] {
  const r = registry.parseProfile(data);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
}

describe('OCPP profiles', () => {
  it('the shipped charge point profile loads, with the Evse nature’s channels and states', () => {
    const r = registry.parseProfile(shipped);
    assert.ok(r.ok, JSON.stringify(r));
    const ch = new Map(registry.channels(r.profile).map((c) => [c.channel, c]));
    assert.deepEqual(ch.get('Status')?.states, { 0: 'Available', 1: 'Charging', 2: 'Faulted', 3: 'Unavailable' });
    assert.equal(ch.get('ChargePowerLimit')?.access, 'rw');
    assert.equal(ch.get('ChargePowerLimit')?.unit, 'kW');
    assert.equal(ch.get('ChargePowerLimit')?.feedback, 'PowerOffered');
    assert.equal(ch.get('IdTag')?.type, 'string');
    assert.equal(ch.get('ConnectorStatus')?.states?.['8'], 'Faulted');
  });

  it('located errors for what the schema and the checks refuse', () => {
    const bad = structuredClone(shipped) as { channels: Array<Record<string, unknown>> };
    bad.channels[0] = { channel: 'ActivePower', measurand: 'Power.Active.Import', unit: 'kWh' };
    bad.channels[1] = { channel: 'Energy', measurand: 'Energy.Active.Import.Register', source: 'status', unit: 'kWh' };
    bad.channels[2] = { channel: 'PowerOffered', measurand: 'Power.Offered', unit: 'kW', access: 'rw' };
    bad.channels.push({ channel: 'Status2', source: 'status' }, { channel: 'Meter', source: 'sessionEnergy', access: 'rw', unit: 'kWh' });
    const got = issues(bad);
    assert.ok(got.includes('channels[0].unit: Power.Active.Import is in kW or W, not "kWh"'), got.join('\n'));
    assert.ok(got.some((i) => i.startsWith('channels[1]: a channel reads either a measurand') && i.endsWith('not both')), got.join('\n'));
    assert.ok(got.includes('channels[2].access: a measurand is reported by the charge point: access ro'), got.join('\n'));
    assert.ok(got.includes('channels[12].source: status is already read by channels[5]'), got.join('\n'));
    assert.ok(got.some((i) => i.startsWith('channels[13].access: sessionEnergy cannot be written')), got.join('\n'));
    assert.ok(issues({ ...shipped, channels: [{ channel: 'X', measurand: 'Power.Magic', unit: 'kW' }] }).some((i) => i.startsWith('channels[0].measurand:')));
  });

  it('the connection: identity, security profile 2 needs basic auth', () => {
    const ok = ocppConnectionSchema.safeParse({ identity: 'CP-1' });
    assert.ok(ok.success);
    assert.equal(ok.data.port, 8180);
    assert.equal(ok.data.heartbeatS, 60);
    const slash = ocppConnectionSchema.safeParse({ identity: 'a/b' });
    assert.ok(!slash.success && slash.error.issues[0]!.path.join('.') === 'identity');
    const tls = ocppConnectionSchema.safeParse({ identity: 'CP-1', tls: { certFile: 'c.pem', keyFile: 'k.pem' } });
    assert.ok(!tls.success);
    assert.deepEqual(tls.error.issues[0]!.path, ['passwordSecret']);
    assert.match(tls.error.issues[0]!.message, /security profile 2 \(tls\) also needs basic auth/);
  });
});

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ProtocolRegistry } from '../../core/common/profile';
import { StatusCodes, DataType, Variant, VariantArrayType } from 'node-opcua';
import { opcuaProtocol } from './profile';
import { decodeValue, encodeValue, qualityOf } from './bridge';

const registry = new ProtocolRegistry([opcuaProtocol as never]);

describe('OPC UA profile and connection schemas', () => {
  it('accepts a profile and names each problem with its path', () => {
    const ok = registry.parseProfile({ id: 'p', vendor: 'v', model: 'm', protocol: 'opcua', channels: [{ channel: 'Soc', nodeId: 'ns=1;s=Bms.Soc', unit: '%', deadband: 0.1 }] });
    assert.equal(ok.ok, true);
    const bad = registry.parseProfile({
      id: 'p',
      vendor: 'v',
      model: 'm',
      protocol: 'opcua',
      channels: [
        { channel: 'A', nodeId: 'Bms.Soc' },
        { channel: 'B' },
        { channel: 'C', nodeId: 'ns=1;s=X', type: 'boolean', deadband: 1 },
        { channel: 'D', nodeId: 'ns=1;s=X' },
        { channel: 'E', method: { object: 'ns=1;s=O', method: 'ns=1;s=O.M' } },
      ],
    });
    assert.equal(bad.ok, false);
    const issues = bad.ok ? [] : bad.issues;
    assert.deepEqual(issues.map((i) => i.path), ['channels[0].nodeId']);
    const bad2 = registry.parseProfile({
      id: 'p',
      vendor: 'v',
      model: 'm',
      protocol: 'opcua',
      channels: [
        { channel: 'B' },
        { channel: 'C', nodeId: 'ns=1;s=X', type: 'boolean', deadband: 1 },
        { channel: 'D', nodeId: 'ns=1;s=X' },
        { channel: 'E', method: { object: 'ns=1;s=O', method: 'ns=1;s=O.M' } },
      ],
    });
    const paths = bad2.ok ? [] : bad2.issues.map((i) => `${i.path}: ${i.message}`);
    assert.deepEqual(paths, [
      'channels[0].nodeId: the variable this channel reads, e.g. ns=1;s=Bms.Soc (or a method to call)',
      'channels[1].deadband: a deadband is for numbers, not boolean',
      'channels[2].nodeId: node ns=1;s=X is already read by channels[1]',
      'channels[3].access: a method channel is a command: access rw',
    ]);
  });

  it('a device entry: security mode and policy go together', () => {
    const schema = registry.deviceSchema();
    const base = { id: 'd', name: 'D', protocol: 'opcua', profile: 'p', asset: 'a' };
    assert.equal(schema.safeParse({ ...base, connection: { endpointUrl: 'opc.tcp://127.0.0.1:4840', securityMode: 'SignAndEncrypt', securityPolicy: 'Aes128_Sha256_RsaOaep' } }).success, true);
    const r = schema.safeParse({ ...base, connection: { endpointUrl: 'opc.tcp://127.0.0.1:4840', securityMode: 'Sign' } });
    assert.equal(r.success, false);
    assert.match(JSON.stringify(r.error?.issues), /security mode Sign needs a policy: Basic256Sha256 or Aes128_Sha256_RsaOaep/);
    assert.equal(schema.safeParse({ ...base, connection: { endpointUrl: 'http://x' } }).success, false);
  });
});

describe('OPC UA values and statuses', () => {
  it('maps status codes to the quality and values to channel values', () => {
    assert.deepEqual(qualityOf(StatusCodes.Good), { level: 'good' });
    assert.deepEqual(qualityOf(StatusCodes.UncertainLastUsableValue), { level: 'uncertain', reason: 'device' });
    assert.deepEqual(qualityOf(StatusCodes.BadSensorFailure), { level: 'bad', reason: 'device' });
    assert.deepEqual(qualityOf(StatusCodes.BadNoCommunication), { level: 'bad', reason: 'comm-fail' });
    assert.deepEqual(qualityOf(StatusCodes.BadWaitingForInitialData), { level: 'bad', reason: 'initial' });
    const num = { type: 'number' as const, scale: 0.1, offset: 1 };
    assert.equal(decodeValue(num, new Variant({ dataType: DataType.Int16, value: 250 })), 26);
    assert.equal(decodeValue(num, new Variant({ dataType: DataType.Double, value: Number.NaN })), null);
    assert.equal(decodeValue({ type: 'number', scale: 1, offset: 0 }, new Variant({ dataType: DataType.Int64, arrayType: VariantArrayType.Scalar, value: [1, 5] })), 4294967301);
    assert.equal(decodeValue({ type: 'boolean', scale: 1, offset: 0 }, new Variant({ dataType: DataType.Byte, value: 1 })), true);
    assert.equal(decodeValue({ type: 'string', scale: 1, offset: 0 }, new Variant({ dataType: DataType.LocalizedText, value: { text: 'Running' } })), 'Running');
    const c = { channel: 'P', type: 'number' as const, scale: 0.1, offset: 0 };
    assert.deepEqual(encodeValue(c, 12.3, DataType.Int16).value, 123);
    assert.throws(() => encodeValue(c, 2, DataType.Boolean), /write 0 or 1/);
    assert.deepEqual(encodeValue(c, 429496730.1, DataType.Int64).value, [1, 5]);
    assert.throws(() => encodeValue(c, 1, DataType.DateTime), /cannot write a node of data type DateTime/);
  });
});

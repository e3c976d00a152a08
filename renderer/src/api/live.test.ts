import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeviceStatus } from '../../../core/common/api/contract';
import { mergeDevices } from './live';

const d = (id: string, state: DeviceStatus['state']): DeviceStatus =>
  ({ id, name: id, protocol: 'modbus-tcp', address: '', asset: 'a', profile: 'p', simulated: true, state, pollMs: 1000, polls: 0, failures: 0 });

test('devices.changed merges by id, keeping order and devices not mentioned', () => {
  const prev = [d('a', 'online'), d('b', 'online')];
  const next = mergeDevices(prev, [d('b', 'offline'), d('c', 'connecting')]);
  assert.deepEqual(next.map((x) => `${x.id}:${x.state}`), ['a:online', 'b:offline', 'c:connecting']);
  assert.equal(mergeDevices(prev, []), prev);
});

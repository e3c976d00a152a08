import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Bridge, DeviceStatus } from '../common/bridge';
import type { PointState } from '../common/point';
import { bridgeCommandWriter } from './bridges';

/** A bridge of a protocol that cannot read on demand (OCPP): no `read`. */
function pushOnlyBridge(writes: Array<[string, number | boolean]>): Bridge {
  return {
    deviceId: 'cp1',
    start: async () => undefined,
    stop: async () => undefined,
    status: () => ({ id: 'cp1', state: 'online' }) as DeviceStatus,
    onStatus: () => () => undefined,
    write: async (channel, value) => void writes.push([channel, value]),
  };
}

test('readback of a bridge that cannot read comes from the CVT, newer than the write, with good quality', async () => {
  let t = 1000;
  const writes: Array<[string, number | boolean]> = [];
  const bridge = pushOnlyBridge(writes);
  const cvt = new Map<string, Pick<PointState, 'value' | 'quality' | 'rts'>>([['cp/Offered', { value: 11, quality: { level: 'good' }, rts: 900 }]]);
  const w = bridgeCommandWriter(
    (site, id) => (site === 's' && id.startsWith('cp/') ? bridge : undefined),
    (_s, id) => cvt.get(id),
    () => t,
  );
  // before any write the current value is an answer
  assert.equal(await w.read('s', 'cp/Offered'), 11);
  t = 2000;
  await w.write('s', 'cp/Limit', 16);
  assert.deepEqual(writes, [['Limit', 16]]);
  // the value from before the write proves nothing
  await assert.rejects(w.read('s', 'cp/Offered'), /has not reported cp\/Offered since the write/);
  cvt.set('cp/Offered', { value: 16, quality: { level: 'bad', reason: 'comm-fail' }, rts: 2100 });
  await assert.rejects(w.read('s', 'cp/Offered'), /cp\/Offered has bad quality/);
  cvt.set('cp/Offered', { value: 16, quality: { level: 'good' }, rts: 2100 });
  assert.equal(await w.read('s', 'cp/Offered'), 16);
  await assert.rejects(w.read('s', 'cp/Unknown'), /cannot be read on demand and has no current value/);
  await assert.rejects(w.write('other', 'cp/Limit', 1), /no device serves cp\/Limit on site other/);
});

test('a bridge that reads on demand is asked', async () => {
  const bridge: Bridge = { ...pushOnlyBridge([]), read: async (channel) => (channel === 'Mode' ? 2 : null) };
  const w = bridgeCommandWriter(() => bridge, () => undefined);
  assert.equal(await w.read('s', 'x/Mode'), 2);
});

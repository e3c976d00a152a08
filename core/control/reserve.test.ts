import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { PointState } from '../common/point';
import { ReserveSync } from './reserve';

const st = (value: number, level: 'good' | 'bad' = 'good'): PointState => ({ id: 'ess/MinSoc', value, quality: level === 'good' ? { level } : { level, reason: 'comm-fail' }, ts: 0, rts: 0 });
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('ReserveSync: the site reserve on the device MinSoc', () => {
  it('writes when the device comes online with another value, not while it stays online, again after a reconnect, and on a new reserve', async () => {
    const writes: Array<[string, number]> = [];
    const sync = new ReserveSync({ targets: [{ point: 'ess/MinSoc', reservePct: 10 }], write: (p, v) => (writes.push([p, v]), Promise.resolve({ ok: true })), log: () => undefined });
    sync.observe([st(30)]);
    await flush();
    assert.deepEqual(writes, [['ess/MinSoc', 10]]);
    sync.observe([st(25)]); // changed at the device while online: the external-change watcher's business
    await flush();
    assert.equal(writes.length, 1);
    sync.observe([st(25, 'bad')]);
    sync.observe([st(25)]); // back online
    await flush();
    assert.equal(writes.length, 2);
    sync.observe([st(10)]);
    sync.setReserve('ess/MinSoc', 15);
    await flush();
    assert.deepEqual(writes[2], ['ess/MinSoc', 15]);
  });

  it('leaves a device that already has the reserve alone', async () => {
    let n = 0;
    const sync = new ReserveSync({ targets: [{ point: 'ess/MinSoc', reservePct: 10 }], write: () => (n++, Promise.resolve({ ok: true })), log: () => undefined });
    sync.observe([st(10)]);
    await flush();
    assert.equal(n, 0);
  });
});

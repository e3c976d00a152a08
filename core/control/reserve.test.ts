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

describe('the same sync for the peak-shaving limit in force', () => {
  it('pushes the stored limit when the device comes online, names it in the log, and does not write again what the pipeline just wrote', async () => {
    const writes: Array<[string, number]> = [];
    const log: string[] = [];
    const ps = (value: number): PointState => ({ id: 'ess/PeakShavingLimit', value, quality: { level: 'good' }, ts: 0, rts: 0 });
    const sync = new ReserveSync({
      what: "the site's peak-shaving limit",
      unit: 'kW',
      targets: [{ point: 'ess/PeakShavingLimit', reservePct: 40 }],
      write: (p, v) => (writes.push([p, v]), Promise.resolve({ ok: true })),
      log: (l) => log.push(l),
    });
    sync.observe([ps(60)]);
    await flush();
    assert.deepEqual(writes, [['ess/PeakShavingLimit', 40]]);
    assert.equal(log[0], "control: ess/PeakShavingLimit set to the site's peak-shaving limit 40 kW (the device had 60 kW)");
    sync.observe([ps(40)]);
    sync.expect('ess/PeakShavingLimit', 30); // written by site.parameters.set itself
    await flush();
    assert.equal(writes.length, 1);
    assert.equal(sync.target('ess/PeakShavingLimit'), 30);
    sync.observe([{ ...ps(30), quality: { level: 'bad', reason: 'comm-fail' } }]);
    sync.observe([ps(60)]); // the device came back after a restart with its commissioned value
    await flush();
    assert.deepEqual(writes[1], ['ess/PeakShavingLimit', 30]);
  });
});

import { strict as assert } from 'node:assert';
import { describe, it, mock } from 'node:test';
import type { PointMeta, PointUpdate } from '../common';
import { CurrentValueTable } from './cvt';
import { VirtualScheduler } from '../common/clock';

const metas: PointMeta[] = [
  { id: 'ess1/Soc', assetId: 'ess1', channel: 'Soc', unit: '%', type: 'number', access: 'ro', min: 0, max: 100 },
  { id: 'ess1/ActivePower', assetId: 'ess1', channel: 'ActivePower', unit: 'kW', type: 'number', access: 'ro' },
];

function table(): { cvt: CurrentValueTable; clock: { t: number }; batches: PointUpdate[][] } {
  const clock = { t: 1_000_000 };
  const cvt = new CurrentValueTable(metas, { now: () => clock.t, staleMs: new Map([['ess1/Soc', 3000]]) });
  const batches: PointUpdate[][] = [];
  cvt.subscribe((b) => batches.push(b));
  return { cvt, clock, batches };
}

describe('CurrentValueTable', () => {
  it('starts every point bad/initial and batches changes per flush', () => {
    const { cvt, batches } = table();
    assert.deepEqual(cvt.get('ess1/Soc')?.quality, { level: 'bad', reason: 'initial' });
    cvt.publish([
      { id: 'ess1/Soc', value: 55, quality: { level: 'good' }, ts: 1 },
      { id: 'ess1/ActivePower', value: -20, quality: { level: 'good' }, ts: 1 },
    ]);
    cvt.publish([{ id: 'ess1/Soc', value: 56, quality: { level: 'good' }, ts: 2 }]);
    assert.equal(batches.length, 0, 'nothing is pushed before the flush');
    cvt.flush();
    assert.equal(batches.length, 1);
    const b = batches[0] ?? [];
    assert.equal(b.length, 2, 'one entry per point, the latest value');
    assert.equal(b.find((u) => u.id === 'ess1/Soc')?.v, 56);
  });

  it('does not push unchanged values but keeps their timestamps fresh', () => {
    const { cvt, clock, batches } = table();
    cvt.publish([{ id: 'ess1/Soc', value: 55, quality: { level: 'good' }, ts: 1 }]);
    cvt.flush();
    clock.t += 1000;
    cvt.publish([{ id: 'ess1/Soc', value: 55, quality: { level: 'good' }, ts: 2 }]);
    cvt.flush();
    assert.equal(batches.length, 1);
    assert.equal(cvt.get('ess1/Soc')?.ts, 2);
    assert.equal(cvt.get('ess1/Soc')?.rts, clock.t);
  });

  it('marks out-of-range values uncertain and keeps the bridge reason for bad ones', () => {
    const { cvt } = table();
    cvt.publish([{ id: 'ess1/Soc', value: 120, quality: { level: 'good' }, ts: 1 }]);
    assert.deepEqual(cvt.get('ess1/Soc')?.quality, { level: 'uncertain', reason: 'out-of-range' });
    cvt.publish([{ id: 'ess1/Soc', value: 50, quality: { level: 'bad', reason: 'comm-fail' }, ts: 2 }]);
    assert.deepEqual(cvt.get('ess1/Soc')?.quality, { level: 'bad', reason: 'comm-fail' });
  });

  it('a non-finite number from any source is bad (device) with no value, never good', () => {
    const { cvt, batches } = table();
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      cvt.publish([{ id: 'ess1/ActivePower', value: 5, quality: { level: 'good' }, ts: 1 }]);
      cvt.publish([{ id: 'ess1/ActivePower', value: v, quality: { level: 'good' }, ts: 2 }]);
      assert.deepEqual(cvt.get('ess1/ActivePower')?.quality, { level: 'bad', reason: 'device' }, String(v));
      assert.equal(cvt.get('ess1/ActivePower')?.value, null, String(v));
    }
    cvt.flush();
    assert.equal(batches.at(-1)?.find((u) => u.id === 'ess1/ActivePower')?.v, null);
  });

  it('marks a point stale after its stale time and good again on the next sample', () => {
    const { cvt, clock, batches } = table();
    cvt.publish([{ id: 'ess1/Soc', value: 55, quality: { level: 'good' }, ts: 1 }]);
    cvt.flush();
    clock.t += 2999;
    cvt.checkStale();
    assert.equal(cvt.get('ess1/Soc')?.quality.level, 'good');
    clock.t += 2;
    cvt.checkStale();
    assert.deepEqual(cvt.get('ess1/Soc')?.quality, { level: 'uncertain', reason: 'stale' });
    cvt.flush();
    assert.deepEqual(batches.at(-1)?.[0]?.q, { level: 'uncertain', reason: 'stale' });
    cvt.publish([{ id: 'ess1/Soc', value: 55, quality: { level: 'good' }, ts: 3 }]);
    assert.equal(cvt.get('ess1/Soc')?.quality.level, 'good');
  });

  it('gives controllers a frozen snapshot that later samples do not change', () => {
    const { cvt } = table();
    cvt.publish([{ id: 'ess1/Soc', value: 55, quality: { level: 'good' }, ts: 1 }]);
    const snap = cvt.snapshot();
    cvt.publish([{ id: 'ess1/Soc', value: 60, quality: { level: 'good' }, ts: 2 }]);
    assert.equal(snap.get('ess1/Soc')?.value, 55);
    assert.throws(() => {
      (snap.get('ess1/Soc') as { value: number }).value = 1;
    });
  });

  it('a snapshot copies only what it reads, or what changes while it is open (copy on read and on write)', () => {
    // 10,000 points, a cycle reads 3 of them: 3 copies, not 10,000 (the old snapshot copied
    // and froze every point every second)
    const many: PointMeta[] = Array.from({ length: 10_000 }, (_, i) => ({ id: `a${i}/P`, assetId: `a${i}`, channel: 'P', unit: 'kW', type: 'number', access: 'ro' }));
    const cvt = new CurrentValueTable(many, { now: () => 1 });
    cvt.publish(many.map((m, i) => ({ id: m.id, value: i, quality: { level: 'good' }, ts: 1 })));
    const freeze = mock.method(Object, 'freeze');
    try {
      const snap = cvt.snapshot();
      assert.equal(snap.get('a1/P')?.value, 1);
      assert.equal(snap.get('a2/P')?.value, 2);
      // a point not read yet changes: the snapshot keeps it as it was
      cvt.publish([
        { id: 'a3/P', value: 333, quality: { level: 'good' }, ts: 2 },
        { id: 'a1/P', value: 111, quality: { level: 'good' }, ts: 2 },
      ]);
      assert.equal(snap.get('a3/P')?.value, 3);
      assert.equal(snap.get('a1/P')?.value, 1);
      assert.equal(snap.get('a2/P'), snap.get('a2/P'), 'one copy per point');
      assert.equal(snap.get('ghost/P'), undefined);
      assert.equal(snap.size, 10_000);
      assert.equal(freeze.mock.callCount(), 3, 'three points copied');
      // a stale mark is a change too
      const snap2 = cvt.snapshot();
      let t = 1000;
      const cvtStale = new CurrentValueTable(metas, { now: () => t, defaultStaleMs: 10 });
      cvtStale.publish([{ id: 'ess1/Soc', value: 55, quality: { level: 'good' }, ts: 1 }]);
      const snap3 = cvtStale.snapshot();
      t += 1000;
      cvtStale.checkStale();
      assert.equal(cvtStale.get('ess1/Soc')?.quality.level, 'uncertain');
      assert.equal(snap3.get('ess1/Soc')?.quality.level, 'good');
      snap.release();
      snap2.release();
      snap3.release();
      // released: later changes are not kept for it, and reading a point it never read is an error
      const before = freeze.mock.callCount();
      cvt.publish([{ id: 'a4/P', value: 444, quality: { level: 'good' }, ts: 3 }]);
      assert.equal(freeze.mock.callCount(), before, 'nothing kept for a released snapshot');
      assert.throws(() => snap.get('a4/P'), /released CVT snapshot/);
      assert.equal(snap.get('a1/P')?.value, 1, 'what it read stays readable');
    } finally {
      freeze.mock.restore();
    }
  });

  it('ignores samples for unknown points', () => {
    const { cvt, batches } = table();
    cvt.publish([{ id: 'ghost/X', value: 1, quality: { level: 'good' }, ts: 1 }]);
    cvt.flush();
    assert.equal(batches.length, 0);
  });
});

describe('CurrentValueTable sample feed', () => {
  it('hands every sample to sample listeners, changed or not, and stale transitions too', () => {
    let t = 1000;
    const cvt = new CurrentValueTable(metas, { now: () => t, defaultStaleMs: 3000 });
    const seen: number[] = [];
    const changes: number[] = [];
    cvt.subscribeSamples((s) => seen.push(s.length));
    cvt.subscribeRaw((s) => changes.push(s.length));
    cvt.publish([{ id: 'ess1/Soc', value: 55, quality: { level: 'good' }, ts: 1 }]);
    cvt.publish([{ id: 'ess1/Soc', value: 55, quality: { level: 'good' }, ts: 2 }]);
    assert.deepEqual(seen, [1, 1]);
    assert.deepEqual(changes, [1]);
    t += 5000;
    cvt.checkStale();
    assert.deepEqual(seen, [1, 1, 1]);
    assert.deepEqual(changes, [1, 1]);
  });

  it('a throwing listener never breaks the publisher nor the other listeners (each is guarded)', () => {
    const errors: [string, string][] = [];
    const cvt = new CurrentValueTable(metas, { onListenerError: (e, which) => errors.push([which, (e as Error).message]) });
    const seenRaw: number[] = [];
    const seenSamples: number[] = [];
    cvt.subscribeRaw(() => {
      throw new Error('alarm engine broke');
    });
    cvt.subscribeRaw((s) => seenRaw.push(s.length));
    cvt.subscribeSamples(() => {
      throw new Error('SQLITE_FULL: database or disk is full');
    });
    cvt.subscribeSamples((s) => seenSamples.push(s.length));
    cvt.subscribe(() => {
      throw new Error('ui flush broke');
    });
    assert.doesNotThrow(() => cvt.publish([{ id: 'ess1/Soc', value: 50, quality: { level: 'good' }, ts: 1 }]));
    cvt.flush();
    assert.deepEqual(seenRaw, [1], 'the next raw listener still ran');
    assert.deepEqual(seenSamples, [1], 'the next sample listener still ran');
    assert.equal(cvt.get('ess1/Soc')?.value, 50);
    assert.deepEqual(errors, [
      ['raw', 'alarm engine broke'],
      ['samples', 'SQLITE_FULL: database or disk is full'],
      ['changes', 'ui flush broke'],
    ]);
  });

  it('keeps the time quality of a sample with the point, hands it on, and a change of it alone is a change', () => {
    const { cvt, batches } = table();
    const tq = { leapSecondsKnown: false, clockFailure: false, clockNotSynchronized: true, accuracyBits: 10 };
    cvt.publish([{ id: 'ess1/ActivePower', value: 5, quality: { level: 'good' }, ts: 1 }]);
    cvt.flush();
    cvt.publish([{ id: 'ess1/ActivePower', value: 5, quality: { level: 'good' }, ts: 2, tq }]);
    cvt.flush();
    assert.deepEqual(cvt.get('ess1/ActivePower')?.tq, tq);
    assert.deepEqual(batches.at(-1)?.[0]?.tq, tq, 'the clock losing sync is sent though the value did not change');
    cvt.publish([{ id: 'ess1/ActivePower', value: 5, quality: { level: 'good' }, ts: 3 }]);
    assert.equal(cvt.get('ess1/ActivePower')?.tq, undefined, 'a sample without time quality clears it');
  });

  it('with flushSoonMs, a published change is pushed within that time of the previous push, not at the next flush tick', () => {
    const clock = new VirtualScheduler(1_000_000);
    const cvt = new CurrentValueTable(metas, { scheduler: clock, flushMs: 100, flushSoonMs: 20 });
    const got: Array<{ at: number; ids: string[] }> = [];
    cvt.subscribe((b) => got.push({ at: clock.now(), ids: b.map((u) => u.id) }));
    cvt.start();
    clock.advance(30);
    cvt.publish([{ id: 'ess1/Soc', value: 50, quality: { level: 'good' }, ts: 1 }]);
    clock.advance(0);
    assert.deepEqual(got, [{ at: 1_000_030, ids: ['ess1/Soc'] }], 'pushed at once: nothing was pushed in the last 20 ms');
    clock.advance(5);
    cvt.publish([{ id: 'ess1/ActivePower', value: 3, quality: { level: 'good' }, ts: 2 }]);
    cvt.publish([{ id: 'ess1/Soc', value: 51, quality: { level: 'good' }, ts: 2 }]);
    clock.advance(14);
    assert.equal(got.length, 1, 'a second push waits until 20 ms after the first');
    clock.advance(1);
    assert.deepEqual(got[1], { at: 1_000_050, ids: ['ess1/ActivePower', 'ess1/Soc'] }, 'both changes in one push, 20 ms after the first');
    // unchanged samples push nothing; the periodic flush still runs as the backstop
    cvt.publish([{ id: 'ess1/Soc', value: 51, quality: { level: 'good' }, ts: 3 }]);
    clock.advance(200);
    assert.equal(got.length, 2);
    cvt.stop();
    assert.equal(clock.pending(), 0, 'stop cancels every timer');
  });

  it('without flushSoonMs, changes wait for the flush tick (the default)', () => {
    const clock = new VirtualScheduler(0);
    const cvt = new CurrentValueTable(metas, { scheduler: clock, flushMs: 100 });
    const at: number[] = [];
    cvt.subscribe(() => at.push(clock.now()));
    cvt.start();
    clock.advance(30);
    cvt.publish([{ id: 'ess1/Soc', value: 50, quality: { level: 'good' }, ts: 1 }]);
    clock.advance(69);
    assert.deepEqual(at, []);
    clock.advance(1);
    assert.deepEqual(at, [100]);
    cvt.stop();
  });
});

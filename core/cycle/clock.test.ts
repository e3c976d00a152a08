// The clock lives in core/common (pure, no node:test there); its test sits with its main user.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { VirtualScheduler, realScheduler } from '../common/clock';

describe('VirtualScheduler', () => {
  it('runs timers in time order with now() at each due time, intervals until cancelled', () => {
    const s = new VirtualScheduler(1000);
    const seen: string[] = [];
    const stop = s.setInterval(() => seen.push(`i@${s.now()}`), 300);
    s.setTimeout(() => seen.push(`t@${s.now()}`), 500);
    s.setTimeout(() => seen.push(`u@${s.now()}`), 300); // same due time as the interval: set later, runs later
    assert.equal(s.advance(700), 4);
    assert.deepEqual(seen, ['i@1300', 'u@1300', 't@1500', 'i@1600']);
    assert.equal(s.now(), 1700);
    stop();
    assert.equal(s.advance(10_000), 0);
    assert.equal(s.pending(), 0);
  });

  it('runs a timer set by a timer in the same advance when it falls due', () => {
    const s = new VirtualScheduler();
    const seen: number[] = [];
    s.setTimeout(() => s.setTimeout(() => seen.push(s.now()), 50), 100);
    s.advance(200);
    assert.deepEqual(seen, [150]);
  });

  it('refuses to move backwards or to run a zero interval', () => {
    const s = new VirtualScheduler();
    assert.throws(() => s.advance(-1), /cannot move/);
    assert.throws(() => s.setInterval(() => {}, 0), /positive/);
  });
});

describe('realScheduler', () => {
  it('runs a timeout on the wall clock and cancels', async () => {
    let ran = 0;
    const cancel = realScheduler.setTimeout(() => ran++, 1);
    const cancelled = realScheduler.setTimeout(() => ran += 10, 1);
    cancelled();
    await new Promise((r) => setTimeout(r, 30));
    cancel();
    assert.equal(ran, 1);
    assert.ok(Math.abs(realScheduler.now() - Date.now()) < 1000);
  });
});

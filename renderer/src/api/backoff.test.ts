import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff';

const noJitter = { ...DEFAULT_BACKOFF, jitter: 0 };

test('backoff grows exponentially from the initial delay', () => {
  assert.deepEqual(
    [0, 1, 2, 3].map((a) => backoffDelay(a, noJitter)),
    [250, 500, 1000, 2000],
  );
});

test('backoff is capped at maxMs, also for huge attempt counts', () => {
  assert.equal(backoffDelay(10, noJitter), 10_000);
  assert.equal(backoffDelay(1e6, noJitter), 10_000);
  assert.equal(backoffDelay(Number.MAX_SAFE_INTEGER, noJitter), 10_000);
});

test('jitter only shortens the delay, within the jitter fraction', () => {
  const opts = { ...DEFAULT_BACKOFF, jitter: 0.3 };
  assert.equal(backoffDelay(3, opts, () => 0), 2000);
  assert.equal(backoffDelay(3, opts, () => 1), 1400);
  for (let i = 0; i < 100; i++) {
    const d = backoffDelay(5, opts);
    assert.ok(d >= 5600 && d <= 8000, `delay ${d}`);
  }
});

test('negative or fractional attempts are treated as the first retry', () => {
  assert.equal(backoffDelay(-3, noJitter), 250);
  assert.equal(backoffDelay(0.9, noJitter), 250);
});

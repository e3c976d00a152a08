import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPolicyState, globMatch, resolvePolicy } from './policy';
import { historianConfigSchema, type RecordingPolicy } from '../common/historian';
import type { PointValue } from '../common/point';

function run(p: Omit<RecordingPolicy, 'retentionDays'>, series: [number, PointValue, number?][], flush = true): [number, PointValue][] {
  const st = createPolicyState({ retentionDays: 1, ...p } as RecordingPolicy);
  const out: [number, PointValue][] = [];
  const emit = (t: number, v: PointValue): void => void out.push([t, v]);
  for (const [t, v, q] of series) st.offer(t, v, q ?? 0, emit);
  if (flush) st.flush(emit);
  return out;
}

test('all keeps everything, cyclic keeps the first sample of each period', () => {
  const s: [number, number][] = [[0, 1], [400, 2], [999, 3], [1000, 4], [1500, 5], [3200, 6]];
  assert.equal(run({ mode: 'all' }, s).length, 6);
  assert.deepEqual(run({ mode: 'cyclic', periodMs: 1000 }, s), [[0, 1], [1000, 4], [3200, 6]]);
});

test('deadband (absolute, percent, heartbeat) against a hand-worked series', () => {
  const s: [number, number][] = [[0, 10], [1, 10.4], [2, 10.6], [3, 10.1], [4, 11.2], [5, 11.2], [6, 8]];
  // abs 0.5: 10 -> 10.6 (0.6) -> 11.2 (0.6 from 10.6) -> 8
  assert.deepEqual(run({ mode: 'deadband', deadbandAbs: 0.5 }, s), [[0, 10], [2, 10.6], [4, 11.2], [6, 8]]);
  // 10 % of the last recorded value: 10 -> 11.2 (12 %) -> 8 (29 %)
  assert.deepEqual(run({ mode: 'deadband', deadbandPct: 10 }, s), [[0, 10], [4, 11.2], [6, 8]]);
  // deadband 0 = on change; heartbeat every 3 ms
  assert.deepEqual(run({ mode: 'deadband', deadbandAbs: 100, maxIntervalMs: 3 }, s), [[0, 10], [3, 10.1], [6, 8]]);
  assert.deepEqual(run({ mode: 'deadband', deadbandAbs: 0 }, [[0, 1], [1, 1], [2, 2], [3, 2]]), [[0, 1], [2, 2]]);
  // booleans / strings record on change
  assert.deepEqual(run({ mode: 'deadband', deadbandAbs: 1 }, [[0, true], [1, true], [2, false]]), [[0, true], [2, false]]);
});

test('a quality change is always recorded', () => {
  const s: [number, number, number][] = [[0, 1, 0], [1, 1, 0], [2, 1, 18], [3, 1, 18], [4, 1, 0]];
  assert.deepEqual(run({ mode: 'deadband', deadbandAbs: 5 }, s).map((x) => x[0]), [0, 2, 4]);
  assert.deepEqual(run({ mode: 'cyclic', periodMs: 100 }, s).map((x) => x[0]), [0, 2, 4]);
  // swinging door: the held snapshot before the change is archived too
  assert.deepEqual(run({ mode: 'swinging-door', deviation: 5 }, s, false).map((x) => x[0]), [0, 1, 2, 3, 4]);
});

test('swinging door against a hand-worked series', () => {
  // deviation 1: pivot (0,0); (1,0),(2,0) fit a flat door; (3,3) needs slope 1 > upper 0.5
  // -> archive (2,0); from (2,0): (3,3) gives slopes [2,4], (4,6) narrows to [2.5,3.5];
  // (5,6) needs slope 2 < 2.5 -> archive (4,6); the held (5,6) is archived on flush.
  const s: [number, number][] = [[0, 0], [1, 0], [2, 0], [3, 3], [4, 6], [5, 6]];
  assert.deepEqual(run({ mode: 'swinging-door', deviation: 1 }, s), [[0, 0], [2, 0], [4, 6], [5, 6]]);
  assert.deepEqual(run({ mode: 'swinging-door', deviation: 1 }, s, false), [[0, 0], [2, 0], [4, 6]]);
  // a straight ramp compresses to its ends
  const ramp: [number, number][] = Array.from({ length: 100 }, (_, i) => [i * 1000, i * 0.5]);
  assert.deepEqual(run({ mode: 'swinging-door', deviation: 0.01 }, ramp), [[0, 0], [99_000, 49.5]]);
  // maximum interval: a flat line is still archived every 10 s
  const flat: [number, number][] = Array.from({ length: 31 }, (_, i) => [i * 1000, 5]);
  assert.deepEqual(run({ mode: 'swinging-door', deviation: 1, maxIntervalMs: 10_000 }, flat).map((x) => x[0]), [0, 10_000, 20_000, 30_000]);
});

test('swinging door: the line through archived samples stays within the deviation of every sample', () => {
  let seed = 7;
  const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  let x = 50;
  const s: [number, number][] = Array.from({ length: 5000 }, (_, i) => [i * 1000, (x += (rnd() - 0.5) * 2)]);
  const dev = 1.5;
  const kept = run({ mode: 'swinging-door', deviation: dev }, s) as [number, number][];
  assert.ok(kept.length < s.length / 2, `kept ${kept.length}`);
  let k = 0;
  for (const [t, v] of s) {
    while ((kept[k + 1]?.[0] ?? Infinity) < t) k++;
    const [t0, v0] = kept[k]!;
    const [t1, v1] = kept[k + 1] ?? kept[k]!;
    const est = t1 === t0 ? v0 : v0 + ((v1 - v0) * (t - t0)) / (t1 - t0);
    assert.ok(Math.abs(est - v) <= dev + 1e-9, `t=${t} err=${Math.abs(est - v)}`);
  }
});

test('policy resolution: first matching rule by glob, asset, channel or nature; else default', () => {
  const cfg = historianConfigSchema.parse({
    default: { mode: 'cyclic', periodMs: 60_000, retentionDays: 30 },
    policies: [
      { match: { points: ['*/Soc'] }, mode: 'swinging-door', deviation: 0.1, retentionDays: 3650 },
      { match: { natures: ['Pv'], channels: ['P*'] }, mode: 'deadband', deadbandAbs: 0.5, retentionDays: 400 },
      { match: { assets: ['meter?'] }, mode: 'all', retentionDays: 90 },
    ],
  });
  const natureOf = (a: string): string | undefined => (a.startsWith('pv') ? 'Pv' : undefined);
  assert.equal(resolvePolicy(cfg, 'ess1/Soc', natureOf).mode, 'swinging-door');
  assert.equal(resolvePolicy(cfg, 'pv1/P', natureOf).mode, 'deadband');
  assert.equal(resolvePolicy(cfg, 'pv1/Pdc', natureOf).mode, 'deadband');
  assert.equal(resolvePolicy(cfg, 'pv1/U', natureOf).mode, 'cyclic');
  assert.equal(resolvePolicy(cfg, 'meter1/U', natureOf).retentionDays, 90);
  assert.equal(resolvePolicy(cfg, 'meter12/U', natureOf).mode, 'cyclic');
  assert.ok(globMatch('a.b/*', 'a.b/x') && !globMatch('a.b/*', 'axb/x'));
  assert.throws(() => historianConfigSchema.parse({ default: { mode: 'cyclic', retentionDays: 1 } }), /periodMs/);
});

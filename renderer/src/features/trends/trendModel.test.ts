import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { TrendPen } from '../../../../core/common/historian';
import { buildOption } from './chartOption';
import {
  AGGREGATE_ABOVE_MS,
  appendLive,
  boundaryQuery,
  decodeQuality,
  formatTick,
  fromLocalInput,
  toLocalInput,
  encodeQuality,
  groupAxes,
  gridMargins,
  niceBucket,
  panRange,
  parseTrendHash,
  PEN_COLORS,
  penColor,
  penSeries,
  planQuery,
  qualityTag,
  resolutionOf,
  resolveRange,
  sampleAt,
  searchPoints,
  trendHref,
  withBoundaries,
  zoomRange,
} from './trendModel';
import { hmi, solid } from '../../theme';

const G = 0;
const STALE = encodeQuality({ level: 'uncertain', reason: 'stale' });
const COMM = encodeQuality({ level: 'bad', reason: 'comm-fail' });

describe('pen colours', () => {
  it('are distinct and never an alarm, quality or focus colour', () => {
    assert.equal(new Set(PEN_COLORS).size, PEN_COLORS.length);
    for (const c of PEN_COLORS) for (const reserved of [solid(hmi.alarmHigh, 'day'), solid(hmi.alarmMedium, 'day'), solid(hmi.quality, 'day'), solid(hmi.focus, 'day'), solid(hmi.alarmHigh, 'night'), solid(hmi.alarmMedium, 'night'), solid(hmi.quality, 'night'), solid(hmi.focus, 'night')]) assert.notEqual(c.toLowerCase(), reserved.toLowerCase());
    assert.equal(penColor(PEN_COLORS.length), PEN_COLORS[0]);
  });
});

describe('groupAxes', () => {
  it('gives one axis per unit, shared by pens of the same unit, alternating sides', () => {
    const { axes, axisOf } = groupAxes([
      { id: 'ess/Soc', unit: '%' },
      { id: 'pcc-meter/ActivePower', unit: 'kW' },
      { id: 'ess/ActivePower', unit: 'kW' },
      { id: 'ess/Temperature', unit: '°C' },
    ]);
    assert.deepEqual(
      axes.map((a) => [a.unit, a.pens, a.position, a.offset]),
      [
        ['%', ['ess/Soc'], 'left', 0],
        ['kW', ['pcc-meter/ActivePower', 'ess/ActivePower'], 'right', 0],
        ['°C', ['ess/Temperature'], 'left', 56],
      ],
    );
    assert.equal(axisOf.get('ess/ActivePower'), 1);
    assert.deepEqual(gridMargins(3), { left: 16 + 2 * 56, right: 16 + 56 });
  });
  it('builds the chart option with matching yAxis indexes', () => {
    const pen = (id: string): TrendPen => ({ id, source: 'raw', t: [1, 2], v: [1, 2], q: [0, 0], rawCount: 2 });
    const opt = buildOption({
      pens: [
        { id: 'a/P', label: 'A P', unit: 'kW', color: '#111111', series: penSeries(pen('a/P')) },
        { id: 'b/Soc', label: 'B Soc', unit: '%', color: '#222222', series: penSeries(pen('b/Soc')) },
        { id: 'c/P', label: 'C P', unit: 'kW', color: '#333333', series: penSeries(pen('c/P')) },
      ],
      forecasts: [{ penId: 'c/P', kind: 'plan', data: [[1, 3]] }],
      from: 0,
      to: 10,
      formatTick: String,
    });
    const series = opt.series as Array<{ id: string; yAxisIndex: number; lineStyle: { type?: unknown } }>;
    const byId = new Map(series.map((s) => [s.id, s]));
    assert.equal(byId.get('a/P')?.yAxisIndex, 0);
    assert.equal(byId.get('b/Soc')?.yAxisIndex, 1);
    assert.equal(byId.get('c/P')?.yAxisIndex, 0);
    assert.deepEqual(byId.get('c/P#uncertain')?.lineStyle.type, [2, 3]);
    assert.deepEqual(byId.get('c/P#plan')?.lineStyle.type, [8, 4]);
    assert.equal((opt.yAxis as unknown[]).length, 2);
  });
});

describe('time range -> query', () => {
  it('resolves presets against now and orders custom ranges', () => {
    assert.deepEqual(resolveRange({ kind: 'preset', key: '1h' }, 10_000_000), { from: 10_000_000 - 3_600_000, to: 10_000_000 });
    assert.deepEqual(resolveRange({ kind: 'custom', from: 9, to: 3 }, 0), { from: 3, to: 9 });
  });
  it('asks for raw min/max at two points per pixel up to 3 days', () => {
    const q = planQuery(['ess/Soc'], 0, 3_600_000, 1200);
    assert.equal(q.mode, 'raw');
    assert.equal(q.downsample, 'minmax');
    assert.equal(q.maxPoints, 2400);
    const q3 = planQuery(['ess/Soc'], 0, AGGREGATE_ABOVE_MS, 50);
    assert.equal(q3.mode, 'raw');
    assert.equal(q3.maxPoints, 200); // at least 100 pixels
  });
  it('asks for aggregates with rollup-aligned buckets for long spans', () => {
    const to = Date.UTC(2025, 5, 8, 12, 34, 56);
    const from = to - 7 * 86_400_000;
    const q = planQuery(['ess/Soc'], from, to, 1000);
    assert.equal(q.mode, 'aggregate');
    assert.equal(q.intervalMs, 900_000); // 7 d / 1000 px = 10.08 min -> 15 min
    assert.equal(q.from % 900_000, 0);
    assert.ok(q.from <= from);
    assert.equal(q.maxPoints, 1000);
    const y = planQuery(['ess/Soc'], to - 365 * 86_400_000, to, 1000);
    assert.equal(y.intervalMs, 43_200_000);
    assert.equal(niceBucket(1), 1000);
    assert.equal(niceBucket(8.5 * 86_400_000), 9 * 86_400_000);
  });
  it('zooms and pans', () => {
    assert.deepEqual(zoomRange(0, 100_000, 2), { from: -50_000, to: 150_000 });
    assert.deepEqual(zoomRange(0, 100_000, 0.5, 0), { from: 0, to: 50_000 });
    assert.deepEqual(zoomRange(0, 12_000, 0.1), { from: 1000, to: 11_000 }); // 10 s minimum
    assert.deepEqual(panRange(0, 100, -0.5), { from: -50, to: 50 });
  });
  it('names the resolution of a result', () => {
    assert.equal(resolutionOf({ source: 'raw' }), 'raw samples');
    assert.equal(resolutionOf({ source: 'minmax' }), 'min/max per pixel of raw samples');
    assert.equal(resolutionOf({ source: 'minmax', levelMs: 60_000 }), 'min/max per pixel of 1 min rollups');
    assert.equal(resolutionOf({ source: 'rollup', levelMs: 900_000 }, 1_800_000), '30 min buckets from 15 min rollups');
    assert.equal(resolutionOf({ source: 'aggregate-raw' }, 5000), '5 s buckets from raw samples');
  });
  it('reads and writes the custom range inputs in the site time zone', () => {
    const t = Date.UTC(2025, 0, 15, 23, 30);
    assert.equal(toLocalInput(t, 'Europe/Madrid'), '2025-01-16T00:30');
    assert.equal(fromLocalInput('2025-01-16T00:30', 'Europe/Madrid'), t);
    assert.equal(toLocalInput(Date.UTC(2025, 6, 1, 12, 0), 'Europe/Madrid'), '2025-07-01T14:00');
    assert.equal(fromLocalInput('2025-07-01T14:00', 'Europe/Madrid'), Date.UTC(2025, 6, 1, 12, 0));
    assert.equal(fromLocalInput('2025-07-01T14:00', 'UTC'), Date.UTC(2025, 6, 1, 14, 0));
    assert.ok(Number.isNaN(fromLocalInput('', 'UTC')));
  });
  it('labels the time axis in the site time zone', () => {
    const t = Date.UTC(2025, 0, 15, 23, 30, 5);
    assert.equal(formatTick(t, 3_600_000, 'UTC'), '23:30');
    assert.equal(formatTick(t, 3_600_000, 'Europe/Madrid'), '00:30');
    assert.equal(formatTick(t, 300_000, 'Europe/Madrid'), '00:30:05');
    assert.equal(formatTick(Date.UTC(2025, 0, 15, 23, 0, 0), 86_400_000, 'Europe/Madrid'), '01-16');
    assert.equal(formatTick(t, 7 * 86_400_000, 'Europe/Madrid'), '01-16 00:30');
    assert.equal(formatTick(t, 365 * 86_400_000, 'Europe/Madrid'), '2025-01-16');
  });
});

describe('quality -> segment styling', () => {
  it('round-trips quality codes', () => {
    assert.deepEqual(decodeQuality(0), { level: 'good' });
    assert.deepEqual(decodeQuality(STALE), { level: 'uncertain', reason: 'stale' });
    assert.deepEqual(decodeQuality(COMM), { level: 'bad', reason: 'comm-fail' });
    assert.equal(STALE, 8 + 2);
    assert.equal(qualityTag(STALE), 'STALE');
    assert.equal(qualityTag(G), '');
  });
  it('draws good solid, uncertain dotted with shared end points, bad and null as gaps', () => {
    const s = penSeries({ id: 'x/y', t: [0, 1, 2, 3, 4, 5, 6], v: [1, 2, 3, 4, 5, null, 7], q: [G, G, STALE, STALE, G, G, COMM] });
    const solid = s.solid.map((p) => p[1]);
    const unc = s.uncertain.map((p) => p[1]);
    assert.deepEqual(solid, [1, 2, 3, null, 5, null, null]);
    assert.deepEqual(unc, [null, null, 3, 4, 5, null, null]);
    assert.equal(s.points, 6); // the bad sample had a value; the null had none
    assert.deepEqual(s.v, [1, 2, 3, 4, 5, null, null]);
  });
  it('treats results without quality codes (min/max, aggregates) as good and booleans as 0/1', () => {
    const s = penSeries({ id: 'x/y', t: [0, 1], v: [true as unknown as number, 'text'] });
    assert.deepEqual(s.solid, [
      [0, 1],
      [1, null],
    ]);
  });
  it('builds the min/max band of aggregates, empty buckets as gaps', () => {
    const s = penSeries({
      id: 'x/y',
      t: [0, 10],
      v: [5, null],
      agg: { count: [3, 0], min: [1, null], max: [9, null], mean: [5, null], twa: [5, null], first: [1, null], last: [9, null] },
    });
    assert.deepEqual(s.band, { min: [[0, 1], [10, null]], max: [[0, 9], [10, null]] });
  });
  it('finds the sample under the cursor', () => {
    assert.equal(sampleAt([10, 20, 30], 5), -1);
    assert.equal(sampleAt([10, 20, 30], 20), 1);
    assert.equal(sampleAt([10, 20, 30], 29), 1);
    assert.equal(sampleAt([10, 20, 30], 99), 2);
  });
});

describe('boundary values', () => {
  const raw = (t: number[], v: number[]): TrendPen => ({ id: 'ess/Soc', source: 'raw', t, v, q: t.map(() => 0), rawCount: t.length });
  it('asks for the values at both ends of the range', () => {
    const q = boundaryQuery(planQuery(['ess/Soc'], 1000, 61_000, 500), 100_000);
    assert.deepEqual([q.mode, q.from, q.to, q.intervalMs], ['interpolated', 1000, 61_000, 60_000]);
    const future = boundaryQuery(planQuery(['ess/Soc'], 1000, 61_000, 500), 31_000);
    assert.deepEqual([future.to, future.intervalMs], [31_000, 30_000], 'not past now');
  });
  it('adds them where the range has no sample at its ends, with their quality', () => {
    const edge = { t: [1000, 61_000], v: [50, 52], q: [STALE, 0] };
    const p = withBoundaries(raw([30_000], [51]), edge);
    assert.deepEqual([p.t, p.v, p.q], [[1000, 30_000, 61_000], [50, 51, 52], [STALE, 0, 0]]);
    assert.deepEqual(withBoundaries(raw([], []), edge).t, [1000, 61_000], 'a value held through the whole range');
    const full = raw([1000, 61_000], [1, 2]);
    assert.equal(withBoundaries(full, edge), full, 'samples at both ends: unchanged');
    assert.equal(withBoundaries(raw([], []), { t: [1000, 61_000], v: [null, null], q: [0, 0] }).t.length, 0, 'no value before the range: nothing');
  });
});

describe('live appends', () => {
  const pen: TrendPen = { id: 'ess/Soc', source: 'raw', t: [1000, 2000], v: [50, 51], q: [0, 0], rawCount: 2 };
  const good = { level: 'good' as const };
  it('appends newer samples of its point, decimated, keeping quality changes', () => {
    const next = appendLive(
      pen,
      [
        { id: 'ess/Soc', v: 52, q: good, ts: 3000, rts: 3000 },
        { id: 'ess/Soc', v: 52.1, q: good, ts: 3100, rts: 3100 }, // closer than minStep: dropped
        { id: 'ess/Soc', v: 52.2, q: { level: 'uncertain', reason: 'stale' }, ts: 3200, rts: 3200 }, // quality change: kept
        { id: 'other/P', v: 1, q: good, ts: 5000, rts: 5000 },
        { id: 'ess/Soc', v: 40, q: good, ts: 1500, rts: 1500 }, // out of order
      ],
      0,
      500,
    );
    assert.deepEqual(next.t, [1000, 2000, 3000, 3200]);
    assert.deepEqual(next.v, [50, 51, 52, 52.2]);
    assert.deepEqual(next.q, [0, 0, 0, STALE]);
    assert.deepEqual(pen.t, [1000, 2000], 'the input is not changed');
  });
  it('drops what slid out of the window but keeps the sample that enters it', () => {
    const next = appendLive(pen, [{ id: 'ess/Soc', v: 53, q: good, ts: 4000, rts: 4000 }], 2500, 0);
    assert.deepEqual(next.t, [2000, 4000]);
    assert.equal(appendLive(pen, [], 0, 0), pen);
  });
});

describe('point search and links', () => {
  const metas = [
    { id: 'ess/Soc', assetId: 'ess', channel: 'Soc', unit: '%', type: 'number' as const, access: 'ro' as const, description: 'State of charge' },
    { id: 'pcc-meter/ActivePower', assetId: 'pcc-meter', channel: 'ActivePower', unit: 'kW', type: 'number' as const, access: 'ro' as const },
    { id: 'ess/ActivePower', assetId: 'ess', channel: 'ActivePower', unit: 'kW', type: 'number' as const, access: 'ro' as const },
  ];
  const assets = [
    { id: 'ess', name: 'SEMS Buffer', nature: 'Ess' },
    { id: 'pcc-meter', name: 'PCC energy meter', nature: 'Meter' },
  ];
  it('matches every word against asset, nature, channel and description', () => {
    assert.deepEqual(searchPoints(metas, assets, 'ess soc').map((m) => m.id), ['ess/Soc']);
    assert.deepEqual(searchPoints(metas, assets, 'meter power').map((m) => m.id), ['pcc-meter/ActivePower']);
    assert.deepEqual(searchPoints(metas, assets, 'buffer').map((m) => m.id), ['ess/Soc', 'ess/ActivePower']);
    assert.deepEqual(searchPoints(metas, assets, 'charge').map((m) => m.id), ['ess/Soc']);
    assert.equal(searchPoints(metas, assets, '  ').length, 3);
  });
  it('reads and writes trend links', () => {
    const href = trendHref(['ess/Soc', 'pcc-meter/ActivePower'], { kind: 'preset', key: '8h' });
    assert.equal(href, '#/trends?pens=ess/Soc,pcc-meter/ActivePower&range=8h');
    assert.deepEqual(parseTrendHash(href), { pens: ['ess/Soc', 'pcc-meter/ActivePower'], range: { kind: 'preset', key: '8h' } });
    assert.deepEqual(parseTrendHash('#/trends?pens=a/b&from=5&to=9'), { pens: ['a/b'], range: { kind: 'custom', from: 5, to: 9 } });
    assert.deepEqual(parseTrendHash('#/trends'), { pens: [] });
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Historian, type Sample } from './historian';
import { ROLLUP_LEVELS } from './rollup';
import { decodeBuckets } from './codec';
import { aggParams, Reader } from './store';
import type { HistorianConfigInput } from '../common/historian';
import type { Quality } from '../common/quality';

const GOOD: Quality = { level: 'good' };
const BAD: Quality = { level: 'bad', reason: 'comm-fail' };
const JAN = Date.UTC(2025, 0, 1);

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'esm-hist-'));
}

async function withHistorian(config: HistorianConfigInput, fn: (h: Historian, dir: string) => Promise<void>, dir = tmp()): Promise<void> {
  const h = new Historian(dir, { config: { queryWorkers: 0, ...config } });
  await h.open();
  try {
    await fn(h, dir);
  } finally {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Independent recomputation of the rollup definition from stored samples. */
function reference(samples: { t: number; v: number; bad: boolean }[], L: number): Map<number, { n: number; min: number; max: number; first: number; last: number; sum: number; integ: number; dur: number }> {
  const m = new Map<number, { n: number; min: number; max: number; first: number; last: number; sum: number; integ: number; dur: number }>();
  const good = samples.filter((s) => !s.bad);
  for (const s of good) {
    const b = Math.floor(s.t / L) * L;
    const r = m.get(b) ?? { n: 0, min: Infinity, max: -Infinity, first: s.v, last: s.v, sum: 0, integ: 0, dur: 0 };
    r.n++;
    r.min = Math.min(r.min, s.v);
    r.max = Math.max(r.max, s.v);
    r.last = s.v;
    r.sum += s.v;
    m.set(b, r);
  }
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const c = samples[i]!;
    if (a.bad || c.bad) continue;
    for (let k = Math.floor(a.t / L); k <= Math.floor(c.t / L); k++) {
      const r = m.get(k * L);
      if (!r) continue;
      const x0 = Math.max(a.t, k * L);
      const x1 = Math.min(c.t, (k + 1) * L);
      if (x1 <= x0) continue;
      const f = (x: number): number => a.v + ((c.v - a.v) * (x - a.t)) / (c.t - a.t);
      r.integ += ((f(x0) + f(x1)) / 2) * (x1 - x0);
      r.dur += x1 - x0;
    }
  }
  return m;
}

const close = (a: number | null | undefined, b: number, what: string): void => {
  assert.ok(a !== null && a !== undefined && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
};

test('rollups at every level equal a recomputation from the raw samples (across a restart and a month end)', async () => {
  const dir = tmp();
  let seed = 3;
  const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const stored: { t: number; v: number; bad: boolean }[] = [];
  let t = Date.UTC(2025, 0, 30, 22);
  const batch = (count: number): Sample[] => {
    const out: Sample[] = [];
    for (let i = 0; i < count; i++) {
      t += rnd() < 0.02 ? Math.floor(rnd() * 5_000_000) : 1 + Math.floor(rnd() * 20_000);
      const v = Math.round((rnd() * 200 - 100) * 100) / 100;
      const bad = rnd() < 0.01;
      out.push({ id: 'ess1/P', value: v, quality: bad ? BAD : GOOD, ts: t });
      stored.push({ t, v, bad });
    }
    return out;
  };
  const cfg: HistorianConfigInput = { queryWorkers: 0, default: { mode: 'all', retentionDays: 3650 }, chunk: { maxSamples: 500, maxAgeMs: 3_600_000 } };
  let h = new Historian(dir, { config: cfg });
  await h.open();
  h.record(batch(6000));
  h.flush();
  h.record(batch(3000));
  await h.close();
  h = new Historian(dir, { config: cfg });
  await h.open();
  h.record(batch(6000));
  const from = Date.UTC(2025, 0, 30);
  const to = t + 86_400_000;
  for (let l = 0; l < ROLLUP_LEVELS.length; l++) {
    const L = ROLLUP_LEVELS[l]!;
    const ref = reference(stored, L);
    const r = (await h.query({ ids: ['ess1/P'], from, to, mode: 'aggregate', intervalMs: L })).pens[0]!;
    assert.equal(r.source, 'rollup');
    assert.equal(r.levelMs, L);
    const keys = [...ref.keys()].sort((a, b) => a - b);
    assert.deepEqual(r.t, keys, `bucket starts at level ${L}`);
    keys.forEach((b, i) => {
      const e = ref.get(b)!;
      assert.equal(r.agg!.count[i], e.n);
      close(r.agg!.min[i], e.min, 'min');
      close(r.agg!.max[i], e.max, 'max');
      close(r.agg!.first[i], e.first, 'first');
      close(r.agg!.last[i], e.last, 'last');
      close(r.agg!.mean[i], e.sum / e.n, 'mean');
      close(r.agg!.twa[i], e.dur > 0 ? e.integ / e.dur : e.sum / e.n, `twa@${L} bucket ${b}`);
    });
    // the same from raw data (unaligned origin forces the raw path): same definition
    const raw = (await h.query({ ids: ['ess1/P'], from: from + 1, to, mode: 'aggregate', intervalMs: L })).pens[0]!;
    assert.equal(raw.source, 'aggregate-raw');
  }
  // closed buckets were packed by columns (a day of 15 min, a week of hours, at month ends), and
  // the rollups above were read back from those blocks and the loose rows together
  assert.ok(h.stats().rollupPacks > 0, 'closed buckets are packed');
  {
    const db = new Database(h.dbPath, { readonly: true });
    const loose = db.prepare("SELECT name FROM partitions WHERE kind = 'agg'").all() as { name: string }[];
    let rows = 0;
    let blocks = 0;
    for (const p of loose) {
      rows += (db.prepare(`SELECT count(*) AS n FROM ${p.name}`).get() as { n: number }).n;
      blocks += (db.prepare(`SELECT count(*) AS n FROM ${p.name}_pk`).get() as { n: number }).n;
    }
    db.close();
    const buckets = ROLLUP_LEVELS.reduce((a, L) => a + reference(stored, L).size, 0);
    assert.ok(blocks > 0 && rows < buckets / 2, `${rows} loose rows and ${blocks} packed blocks for ${buckets} buckets`);
  }
  // the raw path equals the rollups when aligned the same way
  const viaRaw = (await h.query({ ids: ['ess1/P'], from, to, mode: 'aggregate', intervalMs: 30_000 })).pens[0]!;
  const ref30 = reference(stored, 30_000);
  assert.equal(viaRaw.t.length, ref30.size);
  viaRaw.t.forEach((b, i) => close(viaRaw.agg!.twa[i], (() => { const e = ref30.get(b)!; return e.dur > 0 ? e.integ / e.dur : e.sum / e.n; })(), 'twa raw'));
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

test('monthly partitions per retention; retention drops whole partitions', async () => {
  let now = Date.UTC(2025, 3, 15);
  const dir = tmp();
  const h = new Historian(dir, {
    now: () => now,
    config: {
      queryWorkers: 0,
      default: { mode: 'all', retentionDays: 400 },
      policies: [{ match: { points: ['*/Fast'] }, mode: 'all', retentionDays: 30, rollupRetentionDays: 60 }],
    },
  });
  await h.open();
  for (let m = 0; m < 3; m++) {
    const base = Date.UTC(2025, m, 10);
    h.record(Array.from({ length: 100 }, (_, i) => ({ id: 'a/Fast', value: i, quality: GOOD, ts: base + i * 60_000 })));
    h.record(Array.from({ length: 100 }, (_, i) => ({ id: 'a/Slow', value: i, quality: GOOD, ts: base + i * 60_000 })));
  }
  // seal everything by age
  now += 3_600_000;
  h.flush();
  const names = (): string[] => (new Database(h.dbPath, { readonly: true }).prepare('SELECT name FROM partitions ORDER BY name').all() as { name: string }[]).map((r) => r.name);
  assert.deepEqual(names(), [
    'agg_d400_202501', 'agg_d400_202502', 'agg_d400_202503', 'agg_d60_202501', 'agg_d60_202502', 'agg_d60_202503',
    'raw_d30_202501', 'raw_d30_202502', 'raw_d30_202503', 'raw_d400_202501', 'raw_d400_202502', 'raw_d400_202503',
  ]);
  const { dropped } = h.enforceRetention(now);
  // raw 30 d: Jan (ends 1 Feb) and Feb (ends 1 Mar) are past 15 Apr - 30 d; agg 60 d: Jan only
  assert.deepEqual(dropped.sort(), ['agg_d60_202501', 'raw_d30_202501', 'raw_d30_202502']);
  const raw = await h.query({ ids: ['a/Fast', 'a/Slow'], from: JAN, to: Date.UTC(2025, 4, 1), mode: 'raw' });
  assert.equal(raw.pens[0]!.t.length, 100);
  assert.ok(raw.pens[0]!.t.every((x) => x >= Date.UTC(2025, 2, 1)));
  assert.equal(raw.pens[1]!.t.length, 300);
  const agg = await h.query({ ids: ['a/Fast'], from: JAN, to: Date.UTC(2025, 4, 1) - 1, mode: 'aggregate', intervalMs: 86_400_000 });
  assert.deepEqual(agg.pens[0]!.t, [Date.UTC(2025, 1, 10), Date.UTC(2025, 2, 10)]);
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

test('raw, interpolated, downsampled and typed queries; unflushed data is visible; edge samples', async () => {
  await withHistorian({ default: { mode: 'all', retentionDays: 400 }, chunk: { maxSamples: 1000, maxAgeMs: 3_600_000 } }, async (h) => {
    const N = 100_000;
    h.record(Array.from({ length: N }, (_, i) => ({ id: 'pv1/P', value: Math.round(Math.sin(i / 5000) * 1000) / 10, quality: GOOD, ts: JAN + i * 1000 })));
    h.record([
      { id: 'brk/Closed', value: true, quality: GOOD, ts: JAN },
      { id: 'brk/Closed', value: false, quality: GOOD, ts: JAN + 10_000 },
      { id: 'ctl/Mode', value: 'auto', quality: GOOD, ts: JAN },
      { id: 'ctl/Mode', value: 'manual', quality: { level: 'good', reason: 'manual' }, ts: JAN + 5_000 },
    ]);
    const raw = await h.query({ ids: ['pv1/P'], from: JAN + 10_000, to: JAN + 19_000, mode: 'raw' });
    assert.deepEqual(raw.pens[0]!.t, Array.from({ length: 10 }, (_, i) => JAN + 10_000 + i * 1000));
    const ip = await h.query({ ids: ['pv1/P', 'brk/Closed', 'ctl/Mode', 'none/X'], from: JAN + 500, to: JAN + 12_500, mode: 'interpolated', intervalMs: 6000 });
    const v0 = Math.round(Math.sin(0) * 1000) / 10;
    const v1 = Math.round(Math.sin(1 / 5000) * 1000) / 10;
    close(ip.pens[0]!.v[0] as number, (v0 + v1) / 2, 'linear interpolation');
    assert.deepEqual(ip.pens[1]!.v, [1, 1, 0]);
    assert.deepEqual(ip.pens[2]!.v, ['auto', 'manual', 'manual']);
    assert.deepEqual(ip.pens[3]!.v, []);
    const mm = await h.query({ ids: ['pv1/P'], from: JAN, to: JAN + N * 1000, mode: 'raw', maxPoints: 500 });
    assert.equal(mm.pens[0]!.source, 'minmax');
    assert.ok(mm.pens[0]!.t.length <= 500 && mm.pens[0]!.t.length > 400, `${mm.pens[0]!.t.length}`);
    const vals = mm.pens[0]!.v as number[];
    assert.equal(Math.max(...vals), 100);
    assert.equal(Math.min(...vals), -100);
    const lt = await h.query({ ids: ['pv1/P'], from: JAN, to: JAN + N * 1000, mode: 'raw', maxPoints: 300, downsample: 'lttb' });
    assert.equal(lt.pens[0]!.source, 'lttb');
    assert.equal(lt.pens[0]!.t.length, 300);
    const small = await h.query({ ids: ['pv1/P'], from: JAN, to: JAN + 200_000, mode: 'raw', maxPoints: 100 });
    assert.equal(small.pens[0]!.source, 'minmax');
    assert.ok(small.pens[0]!.t.length <= 100);
  });
});

test('swinging-door through the historian; held snapshot archived on close', async () => {
  const dir = tmp();
  const cfg: HistorianConfigInput = { queryWorkers: 0, default: { mode: 'swinging-door', deviation: 1, retentionDays: 36_500 } };
  const h = new Historian(dir, { config: cfg });
  await h.open();
  h.record([[0, 0], [1, 0], [2, 0], [3, 3], [4, 6], [5, 6]].map(([t, v]) => ({ id: 'x/y', value: v!, quality: GOOD, ts: JAN + t! * 1000 })));
  let r = await h.query({ ids: ['x/y'], from: JAN, to: JAN + 10_000, mode: 'raw' });
  assert.deepEqual(r.pens[0]!.v, [0, 0, 6]);
  await h.close();
  const h2 = new Historian(dir, { config: cfg });
  await h2.open();
  r = await h2.query({ ids: ['x/y'], from: JAN, to: JAN + 10_000, mode: 'raw' });
  assert.deepEqual(r.pens[0]!.v, [0, 0, 6, 6]);
  await h2.close();
  rmSync(dir, { recursive: true, force: true });
});

test('plans and forecasts: latest, a given issue, and a fixed horizon', async () => {
  await withHistorian({ queryWorkers: 1 }, async (h) => {
    const H = 3_600_000;
    h.writeForecast({ series: 'opt/plan/ess1/P', kind: 'plan', issuedAt: JAN, points: [0, 1, 2, 3].map((k) => ({ ts: JAN + k * H, value: 10 + k })) });
    h.writeForecast({ series: 'opt/plan/ess1/P', kind: 'plan', issuedAt: JAN + 2 * H, points: [2, 3].map((k) => ({ ts: JAN + k * H, value: 20 + k })) });
    const q = { series: ['opt/plan/ess1/P'], from: JAN, to: JAN + 3 * H };
    const latest = (await h.queryForecast(q))[0]!;
    assert.deepEqual(latest.v, [10, 11, 22, 23]);
    assert.deepEqual((await h.queryForecast({ ...q, issue: { issuedAt: JAN } }))[0]!.v, [10, 11, 12, 13]);
    assert.deepEqual((await h.queryForecast({ ...q, asOf: JAN + H }))[0]!.v, [10, 11, 12, 13]);
    // issued at least 1.5 h ahead of the time it is about
    assert.deepEqual((await h.queryForecast({ ...q, issue: { horizonMs: 1.5 * H } }))[0]!.v, [12, 13]);
  });
});

test('online backup and restore', async () => {
  const dir = tmp();
  const h = new Historian(dir, { config: { queryWorkers: 0, default: { mode: 'all', retentionDays: 36_500 } } });
  await h.open();
  h.record(Array.from({ length: 5000 }, (_, i) => ({ id: 'm/P', value: i, quality: GOOD, ts: JAN + i })));
  const info = await h.backup();
  assert.ok(existsSync(info.path) && info.bytes > 0);
  h.record([{ id: 'm/P', value: -1, quality: GOOD, ts: JAN + 10_000 }]);
  await h.close();
  const dir2 = tmp();
  Historian.restore(info.path, dir2);
  const h2 = new Historian(dir2, { config: { queryWorkers: 1 } });
  await h2.open();
  const r = await h2.query({ ids: ['m/P'], from: JAN, to: JAN + 20_000, mode: 'raw' });
  assert.equal(r.pens[0]!.t.length, 5000);
  await h2.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(dir2, { recursive: true, force: true });
});

test('out-of-order samples are dropped and counted', async () => {
  await withHistorian({ default: { mode: 'all', retentionDays: 10 } }, async (h) => {
    h.record([
      { id: 'a/b', value: 1, quality: GOOD, ts: 1000 },
      { id: 'a/b', value: 2, quality: GOOD, ts: 1000 },
      { id: 'a/b', value: 3, quality: GOOD, ts: 500 },
      { id: 'a/b', value: 4, quality: GOOD, ts: 2000 },
    ]);
    assert.equal(h.stats().outOfOrder, 2);
    assert.equal(h.stats().stored, 2);
  });
});

test('a file of schema 1 (1 min level, one row per bucket) is migrated: 1 min rows dropped, levels renumbered, rollups still read', async () => {
  const dir = tmp();
  const cfg: HistorianConfigInput = { queryWorkers: 0, default: { mode: 'all', retentionDays: 3650 } };
  let h = new Historian(dir, { config: cfg });
  await h.open();
  const samples: Sample[] = [];
  for (let i = 0; i < 3 * 3600; i += 10) samples.push({ id: 'pv1/P', value: Math.round(Math.sin(i / 900) * 5000) / 100, quality: GOOD, ts: JAN + i * 1000 });
  h.record(samples);
  const expected = (await h.query({ ids: ['pv1/P'], from: JAN, to: JAN + 3 * 3_600_000 - 1, mode: 'aggregate', intervalMs: 3_600_000 })).pens[0]!;
  await h.close();
  // turn the file into what version 1 wrote: levels 1..3 were 15 min, 1 h, 1 d; level 0 was 1 min
  const db = new Database(join(dir, 'historian.db'));
  const part = (db.prepare("SELECT name FROM partitions WHERE kind = 'agg'").get() as { name: string }).name;
  // unpack everything into loose rows (version 1 had no packed blocks), shift the levels up
  const blocks = db.prepare(`SELECT level, data FROM ${part}_pk`).all() as { level: number; data: Buffer }[];
  assert.ok(blocks.length > 0, 'closing packed the closed buckets');
  const put = db.prepare(`INSERT INTO ${part} VALUES (${new Array(15).fill('?').join(',')})`);
  for (const blk of blocks) for (const b of decodeBuckets(blk.data)) put.run(...aggParams(1, blk.level, b));
  db.prepare(`UPDATE ${part} SET level = level + 100`).run();
  db.prepare(`UPDATE ${part} SET level = level - 99`).run();
  db.prepare(`INSERT INTO ${part}(point, level, b, n, min, max, tmin, tmax, first, tfirst, last, tlast, sum, integ, dur) VALUES (1, 0, ?, 6, 1, 2, 0, 0, 1, 0, 2, 0, 9, 1, 1)`).run(JAN);
  db.prepare(`DROP TABLE ${part}_pk`).run();
  db.prepare("UPDATE meta SET value = '1' WHERE key = 'schema'").run();
  db.close();
  h = new Historian(dir, { config: cfg });
  await h.open();
  const after = (await h.query({ ids: ['pv1/P'], from: JAN, to: JAN + 3 * 3_600_000 - 1, mode: 'aggregate', intervalMs: 3_600_000 })).pens[0]!;
  assert.equal(after.source, 'rollup');
  assert.deepEqual(after.agg, expected.agg, 'the hour rollups read the same after the migration');
  await h.close();
  const check = new Database(join(dir, 'historian.db'), { readonly: true });
  assert.equal((check.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string }).value, '2');
  assert.equal((check.prepare(`SELECT count(*) AS n FROM ${part} WHERE level > 2`).get() as { n: number }).n, 0, 'no level beyond 1 d');
  assert.equal((check.prepare(`SELECT count(*) AS n FROM ${part} WHERE b = ? AND n = 6`).get(JAN) as { n: number }).n, 0, 'the 1 min row is gone');
  check.close();
  rmSync(dir, { recursive: true, force: true });
});

test('sample counts from chunk metadata, summed by SQLite, equal the sums over the listed chunks (raw and open chunks, pro rata at the edges)', async () => {
  // 3 sealed chunks of 500 samples and an open chunk of 200, at 1 s
  await withHistorian({ default: { mode: 'all', retentionDays: 3650 }, chunk: { maxSamples: 500, maxAgeMs: 3_600_000 } }, async (h) => {
    const samples: Sample[] = [];
    for (let i = 0; i < 1700; i++) samples.push({ id: 'm/P', value: i % 7, quality: GOOD, ts: JAN + i * 1000 });
    h.record(samples);
    h.flush();
    const db = new Database(h.dbPath, { readonly: true });
    try {
      const reader = new Reader(db);
      const pid = reader.pointId('m/P') as number;
      const byChunks = (from: number, to: number): { whole: number; prorata: number } => {
        let whole = 0;
        let prorata = 0;
        for (const c of reader.chunks(pid, from, to)) {
          whole += c.n;
          const span = Math.max(1, c.t1 - c.t0);
          const overlap = Math.max(0, Math.min(to, c.t1) - Math.max(from, c.t0));
          prorata += c.t0 >= from && c.t1 <= to ? c.n : Math.min(c.n, Math.ceil((c.n * (overlap + 1)) / span));
        }
        return { whole, prorata };
      };
      const windows: Array<[number, number]> = [
        [JAN, JAN + 1_699_000],
        [JAN - 10_000_000, JAN + 10_000_000],
        [JAN + 250_000, JAN + 1_250_000],
        [JAN + 1_600_000, JAN + 1_650_000], // inside the open chunk
        [JAN + 499_000, JAN + 500_000], // the edge of two chunks
        [JAN + 5_000_000, JAN + 6_000_000], // nothing
      ];
      let sawPartial = false;
      for (const [from, to] of windows) {
        const want = byChunks(from, to);
        assert.equal(reader.rawCount(pid, from, to), want.whole, `whole chunks in [${from - JAN}, ${to - JAN}]`);
        assert.equal(reader.countEstimate(pid, from, to), want.prorata, `pro rata in [${from - JAN}, ${to - JAN}]`);
        if (want.prorata !== want.whole) sawPartial = true;
      }
      assert.ok(sawPartial, 'some window cuts a chunk');
      assert.equal(reader.rawCount(pid, JAN, JAN + 1_699_000), 1700);
    } finally {
      db.close();
    }
  });
});

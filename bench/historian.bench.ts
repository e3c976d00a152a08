/**
 * Historian benchmark (issue #3): ingest, storage and one-year trend query, ES Manager side by
 * side with InfluxDB 1.6 (Debian `influxdb`, started here on 127.0.0.1 with its own temp dir,
 * stopped at the end) and a naive SQLite row-per-sample design, on the same data, in one run.
 *
 * HIST_BENCH_QUICK=1 shrinks every size ~10x for a quick look; the default runs the issue's
 * sizes (the query year is 31.5 M samples of one point at 1 s).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Historian, type Sample } from '../core/historian';
import type { HistorianConfigInput } from '../core/common/historian';
import type { Quality } from '../core/common/quality';
import { percentile, type BenchResult, type BenchSuite } from './lib';

const QUICK = process.env.HIST_BENCH_QUICK === '1';
/** HIST_BENCH_ONLY=ingest,storage,query runs a subset */
const ONLY = (process.env.HIST_BENCH_ONLY ?? 'ingest,storage,query').split(',');
/** the cores are shared: every ingest figure is the best of this many runs */
const REPEAT = 2;
async function best(run: () => Promise<number>): Promise<number> {
  let b = 0;
  for (let i = 0; i < REPEAT; i++) b = Math.max(b, await run());
  return b;
}
const GOOD: Quality = { level: 'good' };
const T0 = Date.UTC(2024, 0, 1);
const log = (s: string): void => console.log(`  … ${s}`);

// ------------------------------------------------------------------ realistic signals

function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}
const round = (v: number, d: number): number => Math.round(v * 10 ** d) / 10 ** d;

/** 1 s PV power of a 100 kWp plant (kW, 0.01 resolution): clear-sky day curve times clouds. */
function pvSignal(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  let cloud = 1;
  let target = 1;
  for (let i = 0; i < n; i++) {
    const hour = ((i % 86_400) / 3600) as number;
    const sun = Math.max(0, Math.sin(((hour - 6) / 13) * Math.PI));
    if (r() < 0.002) target = r() < 0.5 ? 0.25 + r() * 0.5 : 1;
    cloud += (target - cloud) * 0.05;
    out[i] = sun === 0 ? 0 : round(Math.max(0, 100 * sun ** 1.3 * cloud + (r() - 0.5) * 0.6), 2);
  }
  return out;
}

/** 1 s building load (kW, 0.01): daily profile, step changes, noise. */
function loadSignal(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  let step = 0;
  for (let i = 0; i < n; i++) {
    const hour = (i % 86_400) / 3600;
    if (r() < 0.001) step = (r() - 0.3) * 20;
    out[i] = round(40 + 25 * Math.max(0, Math.sin(((hour - 7) / 12) * Math.PI)) + step + (r() - 0.5) * 4, 2);
  }
  return out;
}

/** 1 s SoC (%, 0.01) of a 120 kWh battery integrating a slowly changing power. */
function socSignal(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  let soc = 50;
  let p = 0;
  for (let i = 0; i < n; i++) {
    if (r() < 0.0005) p = (r() - 0.5) * 160;
    soc = Math.min(95, Math.max(5, soc - (p / 3600 / 120) * 100));
    out[i] = round(soc, 2);
  }
  return out;
}

// ------------------------------------------------------------------ InfluxDB 1.6

class Influx {
  private proc: ChildProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'esm-influx-'));
  readonly url = 'http://127.0.0.1:18086';

  static available(): boolean {
    return spawnSync('influxd', ['version']).status === 0;
  }

  async start(): Promise<void> {
    const conf = join(this.dir, 'influxdb.conf');
    writeFileSync(
      conf,
      `reporting-disabled = true
bind-address = "127.0.0.1:18088"
[meta]
  dir = "${this.dir}/meta"
  logging-enabled = false
[data]
  dir = "${this.dir}/data"
  wal-dir = "${this.dir}/wal"
  index-version = "inmem"
  query-log-enabled = false
  trace-logging-enabled = false
  cache-max-memory-size = "4g"
  cache-snapshot-write-cold-duration = "2s"
  compact-full-write-cold-duration = "2s"
[coordinator]
  query-timeout = "0s"
[retention]
  enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:18086"
  log-enabled = false
  max-body-size = 0
[continuous_queries]
  enabled = false
`,
    );
    this.proc = spawn('influxd', ['-config', conf], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`${this.url}/ping`)).status === 204) return;
      } catch {
        /* not up yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('influxd did not start');
  }

  async q(query: string, db?: string): Promise<unknown> {
    const body = new URLSearchParams({ q: query, ...(db ? { db } : {}), epoch: 'ms' });
    const res = await fetch(`${this.url}/query`, { method: 'POST', body });
    if (!res.ok) throw new Error(`influx query: ${res.status} ${await res.text()}`);
    return res.json();
  }

  async write(db: string, lines: string): Promise<void> {
    const res = await fetch(`${this.url}/write?db=${db}&precision=ms`, { method: 'POST', body: lines });
    if (res.status !== 204) throw new Error(`influx write: ${res.status} ${await res.text()}`);
  }

  /** bytes of the TSM files of a database once the cache is snapshotted and compacted */
  async settledBytes(db: string): Promise<number> {
    const dir = join(this.dir, 'data', db);
    const size = (): { tsm: number; tmp: number } => {
      let tsm = 0;
      let tmp = 0;
      const walk = (d: string): void => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
          const p = join(d, e.name);
          if (e.isDirectory()) walk(p);
          else if (e.name.endsWith('.tsm')) tsm += statSync(p).size;
          else if (e.name.endsWith('.tmp')) tmp++;
        }
      };
      walk(dir);
      return { tsm, tmp };
    };
    let last = -1;
    let stable = 0;
    const walDir = join(this.dir, 'wal', db);
    for (let i = 0; i < 120 && stable < 3; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const s = size();
      let wal = 0;
      const walkWal = (d: string): void => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
          const p = join(d, e.name);
          if (e.isDirectory()) walkWal(p);
          else wal += statSync(p).size;
        }
      };
      walkWal(walDir);
      if (s.tsm === last && s.tmp === 0 && wal < 1024 && s.tsm > 0) stable++;
      else stable = 0;
      last = s.tsm;
    }
    return last;
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null) {
      const done = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(t);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Sends line-protocol batches of 10,000 with 2 requests in flight. */
async function influxIngest(influx: Influx, db: string, batches: Iterable<string>): Promise<void> {
  const inflight = new Set<Promise<void>>();
  for (const body of batches) {
    const p: Promise<void> = influx.write(db, body).finally(() => inflight.delete(p));
    inflight.add(p);
    if (inflight.size >= 2) await Promise.race(inflight);
  }
  await Promise.all(inflight);
}

// ------------------------------------------------------------------ naive SQLite

function naiveDb(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE samples(point INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL, quality INTEGER NOT NULL, PRIMARY KEY(point, ts)) WITHOUT ROWID');
  return db;
}

function fileBytes(path: string): number {
  let n = 0;
  for (const f of [path, `${path}-wal`]) {
    try {
      n += statSync(f).size;
    } catch {
      /* absent */
    }
  }
  return n;
}

async function historianBytes(h: Historian): Promise<{ file: number; chunks: number; rollups: number }> {
  const path = h.dbPath;
  await h.close();
  const db = new Database(path, { readonly: true });
  let chunks = 0;
  let rollups = 0;
  try {
    const parts = db.prepare('SELECT name, kind FROM partitions').all() as { name: string; kind: string }[];
    // the open chunks (hot table) hold stored samples too
    chunks += (db.prepare('SELECT coalesce(sum(length(data)), 0) AS b FROM hot').get() as { b: number }).b;
    for (const p of parts) {
      if (p.kind === 'raw') chunks += (db.prepare(`SELECT coalesce(sum(length(data)), 0) AS b FROM ${p.name}`).get() as { b: number }).b;
      else rollups += (db.prepare(`SELECT coalesce(sum(pgsize), 0) AS b FROM dbstat WHERE name = ?`).get(p.name) as { b: number }).b;
    }
  } catch {
    /* dbstat may be unavailable */
  }
  db.close();
  return { file: fileBytes(path), chunks, rollups };
}

// ------------------------------------------------------------------ the suite

const POLICIES: HistorianConfigInput = {
  queryWorkers: 0,
  default: { mode: 'all', retentionDays: 3650 },
  policies: [
    { match: { points: ['*/Soc'] }, mode: 'swinging-door', deviation: 0.05, maxIntervalMs: 3_600_000, retentionDays: 3650 },
    { match: { assets: ['pv*'] }, mode: 'swinging-door', deviation: 0.2, maxIntervalMs: 3_600_000, retentionDays: 3650 },
    { match: { assets: ['load*'] }, mode: 'deadband', deadbandAbs: 0.5, maxIntervalMs: 600_000, retentionDays: 3650 },
  ],
};

async function ingestBench(influx: Influx | undefined, results: BenchResult[]): Promise<void> {
  const P = 1000;
  const STEPS = QUICK ? 300 : 2000;
  const total = P * STEPS;
  const ids = Array.from({ length: P }, (_, p) => (p % 3 === 0 ? `pv${p}/P` : p % 3 === 1 ? `load${p}/P` : `ess${p}/Soc`));
  const sig = ids.map((_, p) => (p % 3 === 0 ? pvSignal(STEPS, p + 1) : p % 3 === 1 ? loadSignal(STEPS, p + 1) : socSignal(STEPS, p + 1)));
  const base = T0 + 10 * 3600_000;
  log(`ingest: ${P} points x ${STEPS} steps = ${total.toLocaleString('en-US')} samples`);

  const runOurs = async (config: HistorianConfigInput): Promise<{ rate: number; stored: number }> => {
    const dir = mkdtempSync(join(tmpdir(), 'esm-hb-'));
    const h = new Historian(dir, { config });
    await h.open();
    const t0 = performance.now();
    for (let s = 0; s < STEPS; s++) {
      const batch: Sample[] = new Array<Sample>(P);
      const ts = base + s * 1000;
      for (let p = 0; p < P; p++) batch[p] = { id: ids[p] as string, value: sig[p]![s] as number, quality: GOOD, ts };
      h.record(batch);
    }
    h.flush();
    const rate = total / ((performance.now() - t0) / 1000);
    const stored = h.stats().stored;
    await h.close();
    rmSync(dir, { recursive: true, force: true });
    return { rate, stored };
  };
  let stored = 0;
  const polRate = await best(async () => {
    const r = await runOurs(POLICIES);
    stored = r.stored;
    return r.rate;
  });
  const pol = { rate: polRate, stored };
  const all = { rate: await best(async () => (await runOurs({ queryWorkers: 0, default: { mode: 'all', retentionDays: 3650 } })).rate) };

  // naive SQLite
  const naiveRate = await best(async () => {
    const ndir = mkdtempSync(join(tmpdir(), 'esm-naive-'));
    const ndb = naiveDb(join(ndir, 'naive.db'));
    const ins = ndb.prepare('INSERT INTO samples(point, ts, value, quality) VALUES (?, ?, ?, ?)');
    const tx = ndb.transaction((s0: number, s1: number) => {
      for (let s = s0; s < s1; s++) for (let p = 0; p < P; p++) ins.run(p, base + s * 1000, sig[p]![s], 0);
    });
    const t0 = performance.now();
    for (let s = 0; s < STEPS; s += 10) tx(s, Math.min(STEPS, s + 10)); // 10 steps x 1000 points = 10,000 rows per transaction
    const rate = total / ((performance.now() - t0) / 1000);
    ndb.close();
    rmSync(ndir, { recursive: true, force: true });
    return rate;
  });

  results.push({
    name: 'ingest, policies on (swinging-door PV/SoC, deadband load)',
    value: pol.rate,
    unit: 'samples/s',
    baselineName: 'naive SQLite row-per-sample',
    baselineValue: naiveRate,
    better: 'higher-is-better',
    target: '>= 2x naive SQLite',
    note: `best of ${REPEAT} runs each; kept ${((100 * pol.stored) / total).toFixed(1)} % of samples; every-sample mode: ${Math.round(all.rate).toLocaleString('en-US')} samples/s`,
  });

  if (influx) {
    const batches = function* (): Generator<string> {
      let lines: string[] = [];
      for (let s = 0; s < STEPS; s++) {
        const ts = base + s * 1000;
        for (let p = 0; p < P; p++) {
          lines.push(`m,id=${ids[p]} value=${sig[p]![s]} ${ts}`);
          if (lines.length === 10_000) {
            yield lines.join('\n');
            lines = [];
          }
        }
      }
      if (lines.length) yield lines.join('\n');
    };
    const influxRate = await best(async () => {
      await influx.q('CREATE DATABASE ingest');
      const t0 = performance.now();
      await influxIngest(influx, 'ingest', batches());
      const rate = total / ((performance.now() - t0) / 1000);
      await influx.q('DROP DATABASE ingest');
      return rate;
    });
    results.push({
      name: 'ingest, policies on',
      value: pol.rate,
      unit: 'samples/s',
      baselineName: 'InfluxDB 1.6 line protocol (10k batches, 2 in flight)',
      baselineValue: influxRate,
      better: 'higher-is-better',
      target: '>= InfluxDB',
    });
    results.push({
      name: 'ingest, every sample stored (mode all)',
      value: all.rate,
      unit: 'samples/s',
      baselineName: 'InfluxDB 1.6 line protocol',
      baselineValue: influxRate,
      better: 'higher-is-better',
    });
  }
}

async function storageBench(influx: Influx | undefined, results: BenchResult[]): Promise<void> {
  const N = QUICK ? 86_400 : 7 * 86_400;
  const kinds = [
    { id: 'pv1/P', sig: pvSignal(N, 11), dev: 0.2 },
    { id: 'load1/P', sig: loadSignal(N, 12), dev: 0.5 },
    { id: 'ess1/Soc', sig: socSignal(N, 13), dev: 0.05 },
  ];
  log(`storage: ${N.toLocaleString('en-US')} samples per signal (1 s, ${N / 86_400} days)`);
  for (const k of kinds) {
    const run = async (sd: boolean): Promise<{ file: number; chunks: number; rollups: number; stored: number }> => {
      const dir = mkdtempSync(join(tmpdir(), 'esm-hs-'));
      const h = new Historian(dir, {
        config: { queryWorkers: 0, default: sd ? { mode: 'swinging-door', deviation: k.dev, maxIntervalMs: 3_600_000, retentionDays: 3650 } : { mode: 'all', retentionDays: 3650 } },
      });
      await h.open();
      for (let i = 0; i < N; i += 1000) {
        const batch: Sample[] = [];
        for (let j = i; j < Math.min(N, i + 1000); j++) batch.push({ id: k.id, value: k.sig[j] as number, quality: GOOD, ts: T0 + j * 1000 });
        h.record(batch);
      }
      const stored = h.stats().stored;
      const b = await historianBytes(h);
      rmSync(dir, { recursive: true, force: true });
      return { ...b, stored };
    };
    const plain = await run(false);
    const sd = await run(true);
    // naive SQLite
    const ndir = mkdtempSync(join(tmpdir(), 'esm-naive-'));
    const npath = join(ndir, 'naive.db');
    const ndb = naiveDb(npath);
    const ins = ndb.prepare('INSERT INTO samples VALUES (1, ?, ?, 0)');
    ndb.transaction(() => {
      for (let j = 0; j < N; j++) ins.run(T0 + j * 1000, k.sig[j]);
    })();
    ndb.pragma('wal_checkpoint(TRUNCATE)');
    ndb.close();
    const naive = fileBytes(npath) / N;
    rmSync(ndir, { recursive: true, force: true });
    let influxBps = Number.NaN;
    if (influx) {
      const db = `st_${k.id.replace(/\W/g, '_')}`;
      await influx.q(`CREATE DATABASE ${db}`);
      const batches = function* (): Generator<string> {
        for (let i = 0; i < N; i += 10_000) {
          const lines: string[] = [];
          for (let j = i; j < Math.min(N, i + 10_000); j++) lines.push(`m value=${k.sig[j]} ${T0 + j * 1000}`);
          yield lines.join('\n');
        }
      };
      await influxIngest(influx, db, batches());
      influxBps = (await influx.settledBytes(db)) / N;
      await influx.q(`DROP DATABASE ${db}`);
    }
    const base = influx ? { baselineName: 'InfluxDB 1.6 TSM (same samples)', baselineValue: influxBps } : { baselineName: 'naive SQLite', baselineValue: naive };
    results.push({
      name: `storage ${k.id}, every sample (whole file incl. 4 rollup levels)`,
      value: plain.file / N,
      unit: 'bytes/sample',
      ...base,
      better: 'lower-is-better',
      target: '<= InfluxDB',
      note: `chunk blobs alone ${(plain.chunks / N).toFixed(2)} B/sample, rollups ${(plain.rollups / N).toFixed(2)} B/sample; naive SQLite ${naive.toFixed(1)} B/sample`,
    });
    results.push({
      name: `storage ${k.id}, swinging-door dev ${k.dev} (per input sample, whole file)`,
      value: sd.file / N,
      unit: 'bytes/sample',
      ...base,
      better: 'lower-is-better',
      target: '<= InfluxDB',
      note: `kept ${sd.stored.toLocaleString('en-US')} of ${N.toLocaleString('en-US')} (${((100 * sd.stored) / N).toFixed(2)} %); ${(sd.chunks / Math.max(1, sd.stored)).toFixed(2)} chunk B per stored sample`,
    });
  }
}

async function queryBench(influx: Influx | undefined, results: BenchResult[]): Promise<void> {
  const N = QUICK ? 3_153_600 : 31_536_000;
  const from = T0;
  const to = T0 + N * 1000 - 1;
  const w = Math.ceil((to - from + 1) / 1000);
  const value = (i: number): number => Math.round((50 + 40 * Math.sin(i / 3600) + 5 * Math.sin(i / 7)) * 10) / 10;
  log(`query: one point, ${N.toLocaleString('en-US')} samples at 1 s (${(N / 86_400).toFixed(0)} days), drawn at 2,000 points`);

  // ES Manager: the whole recording path, in bulk batches
  const dir = mkdtempSync(join(tmpdir(), 'esm-hq-'));
  let h = new Historian(dir, { config: { queryWorkers: 0, default: { mode: 'all', retentionDays: 36_500 } }, maxBuffered: 500_000 });
  await h.open();
  let t0 = performance.now();
  for (let i = 0; i < N; i += 100_000) {
    const batch: Sample[] = [];
    for (let j = i; j < Math.min(N, i + 100_000); j++) batch.push({ id: 'ess1/P', value: value(j), quality: GOOD, ts: from + j * 1000 });
    h.record(batch);
  }
  await h.close();
  log(`ES Manager loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  h = new Historian(dir, { config: { queryWorkers: 1 } });
  await h.open();
  const q = { ids: ['ess1/P'], from, to, mode: 'raw' as const, maxPoints: 2000 };
  const first = await h.query(q);
  const times: number[] = [];
  for (let k = 0; k < 7; k++) {
    const s = performance.now();
    await h.query(q);
    times.push(performance.now() - s);
  }
  const ours = percentile(times, 50);
  const pen = first.pens[0]!;
  // our own raw path (decode every chunk; an unaligned origin rules the rollups out), for reference
  const s1 = performance.now();
  const rawScan = await h.query({ ids: q.ids, from: from + 1, to, mode: 'aggregate', intervalMs: w });
  const ourRawMs = performance.now() - s1;
  await h.close();
  rmSync(dir, { recursive: true, force: true });

  // plain scan of the raw rows: naive table, bulk-loaded in SQL, scanned with GROUP BY
  const ndir = mkdtempSync(join(tmpdir(), 'esm-naive-'));
  const ndb = naiveDb(join(ndir, 'naive.db'));
  t0 = performance.now();
  ndb.exec(`WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ${N - 1})
    INSERT INTO samples SELECT 1, ${from} + i * 1000, round(50 + 40 * sin(i / 3600.0) + 5 * sin(i / 7.0), 1), 0 FROM s`);
  log(`naive SQLite loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  // integer literals: bound JS numbers would be REALs and make px a real (one group per row)
  const scan = ndb.prepare(`SELECT (ts - ${from}) / ${w} AS px, min(value) AS lo, max(value) AS hi FROM samples WHERE point = 1 AND ts BETWEEN ${from} AND ${to} GROUP BY px`);
  const scanTimes: number[] = [];
  for (let k = 0; k < 2; k++) {
    const s = performance.now();
    scan.all();
    scanTimes.push(performance.now() - s);
  }
  ndb.close();
  rmSync(ndir, { recursive: true, force: true });
  const scanMs = Math.min(...scanTimes);

  results.push({
    name: `one-year trend at 2,000 points (${(N / 1e6).toFixed(1)} M samples), rollups`,
    value: ours,
    unit: 'ms',
    baselineName: 'plain scan of the raw rows (naive SQLite, GROUP BY in SQL)',
    baselineValue: scanMs,
    better: 'lower-is-better',
    target: '< 100 ms and 100x faster than the scan',
    note: `median of 7 round trips through the worker; ${pen.t.length} points, source ${pen.source} (level ${pen.levelMs} ms); ES Manager's own full raw decode + bucketing: ${ourRawMs.toFixed(0)} ms (${rawScan.pens[0]!.source})`,
  });

  if (influx) {
    await influx.q('CREATE DATABASE yr');
    t0 = performance.now();
    const batches = function* (): Generator<string> {
      for (let i = 0; i < N; i += 10_000) {
        const lines: string[] = [];
        for (let j = i; j < Math.min(N, i + 10_000); j++) lines.push(`m,id=ess1/P value=${value(j)} ${from + j * 1000}`);
        yield lines.join('\n');
      }
    };
    await influxIngest(influx, 'yr', batches());
    log(`InfluxDB loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s; waiting for compaction`);
    await influx.settledBytes('yr');
    const iq = `SELECT min(value), max(value) FROM m WHERE id = 'ess1/P' AND time >= ${from}ms AND time <= ${to}ms GROUP BY time(${w}ms)`;
    const itimes: number[] = [];
    for (let k = 0; k < 3; k++) {
      const s = performance.now();
      await influx.q(iq, 'yr');
      itimes.push(performance.now() - s);
    }
    await influx.q('DROP DATABASE yr');
    results.push({
      name: 'one-year trend at 2,000 points, rollups',
      value: ours,
      unit: 'ms',
      baselineName: 'InfluxDB 1.6 GROUP BY time() min/max',
      baselineValue: percentile(itimes, 50),
      better: 'lower-is-better',
      target: 'faster than InfluxDB',
    });
  }
}

export const suite: BenchSuite = {
  id: 'historian',
  title: `Historian: ingest, storage, one-year trend${QUICK ? ' (QUICK sizes)' : ''}`,
  async run(): Promise<BenchResult[]> {
    const results: BenchResult[] = [];
    let influx: Influx | undefined;
    if (Influx.available()) {
      influx = new Influx();
      mkdirSync(influx.dir, { recursive: true });
      await influx.start();
      log('influxd started on 127.0.0.1:18086 with a temp dir');
    } else log('InfluxDB (influxd) is not installed: InfluxDB baselines skipped (apt-get install influxdb)');
    try {
      if (ONLY.includes('ingest')) await ingestBench(influx, results);
      if (ONLY.includes('storage')) await storageBench(influx, results);
      if (ONLY.includes('query')) await queryBench(influx, results);
    } finally {
      await influx?.stop();
    }
    return results;
  },
};
